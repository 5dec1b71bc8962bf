// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { Certificate, CertificateError } from '../../lib/index.js';

for (const keyType of ['ecdsa-p256', 'rsa-2048'] as const) {
  test(`generate ${keyType}: DER, PEM, expiry, random serial and CN, backdated start`, async () => {
    const a = await Certificate.generate({ keyType, validityDays: 10 });
    const b = await Certificate.generate({ keyType, validityDays: 10 });
    const x = new crypto.X509Certificate(a.der);
    const y = new crypto.X509Certificate(b.der);
    assert.equal(x.publicKey.asymmetricKeyType, keyType === 'rsa-2048' ? 'rsa' : 'ec');
    if (keyType === 'rsa-2048') assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    else assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.notEqual(x.serialNumber, y.serialNumber);
    assert.notEqual(x.subject, y.subject);
    assert.equal(x.subject, x.issuer);
    assert.ok(x.verify(x.publicKey)); // self-signed
    const now = Date.now();
    assert.ok(new Date(x.validFrom).getTime() < now - 12 * 3600 * 1000);
    const days = (a.expires.getTime() - now) / 86400000;
    assert.ok(days > 9.9 && days <= 10.01, String(days));
    assert.equal(a.expires.getTime(), new Date(x.validTo).getTime());
    // PEM round trip keeps the identity.
    const { cert, key } = a.toPem();
    assert.match(cert, /^-----BEGIN CERTIFICATE-----/);
    assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
    const c = Certificate.fromPem(cert, key);
    assert.deepEqual(c.der, a.der);
    assert.deepEqual(c.getFingerprints(), a.getFingerprints());
    // The key really is the certificate's key.
    const sig = crypto.sign('sha256', Buffer.from('x'), key);
    assert.ok(crypto.verify('sha256', Buffer.from('x'), x.publicKey, sig));
  });
}

test('getFingerprints: RFC 8122 format for every hash, equal to node:crypto', async () => {
  const c = await Certificate.generate({ commonName: 'fingerprint test' });
  const x = new crypto.X509Certificate(c.der);
  assert.match(x.subject, /CN=fingerprint test/);
  const fps = c.getFingerprints(['sha-1', 'SHA-224', 'sha-256', 'sha-384', 'sha-512']);
  assert.deepEqual(
    fps.map((f) => f.algorithm),
    ['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'],
  );
  assert.equal(fps[0]?.value, x.fingerprint);
  assert.equal(fps[2]?.value, x.fingerprint256);
  assert.equal(fps[4]?.value, x.fingerprint512);
  for (const f of fps) assert.match(f.value, /^([0-9A-F]{2}:)+[0-9A-F]{2}$/);
  assert.deepEqual(c.getFingerprints(), [fps[2]]);
  assert.throws(() => c.getFingerprints(['md5']), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => c.getFingerprints('sha-256' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  // der is a copy.
  const der = c.der;
  der[0] = 0;
  assert.notEqual(c.der[0], 0);
});

test('generate validates its options synchronously', () => {
  assert.throws(() => Certificate.generate({ keyType: 'ed25519' as never }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => Certificate.generate({ validityDays: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => Certificate.generate({ validityDays: 3651 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => Certificate.generate({ validityDays: '1' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => Certificate.generate({ commonName: '' }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => Certificate.generate({ commonName: 'x'.repeat(65) }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => Certificate.generate(null as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('fromPem: unparsable input and mismatched keys are ERR_CERT_PARSE', async () => {
  const a = (await Certificate.generate()).toPem();
  const b = (await Certificate.generate()).toPem();
  const check = (cert: string, key: string, code: string): void => {
    assert.throws(
      () => Certificate.fromPem(cert, key),
      (e: unknown) => e instanceof CertificateError && e.code === code,
    );
  };
  check('not pem', a.key, 'ERR_CERT_PARSE');
  check(a.cert, 'not pem', 'ERR_CERT_PARSE');
  check(a.cert, b.key, 'ERR_CERT_PARSE');
  // A certificate cut short inside its DER (PEM armour intact).
  const body = a.cert.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));
  const truncated = ['-----BEGIN CERTIFICATE-----', ...body.slice(0, 2), '-----END CERTIFICATE-----', ''].join('\n');
  check(truncated, a.key, 'ERR_CERT_PARSE');
  // Encrypted keys are refused without prompting.
  const encrypted = crypto.createPrivateKey(a.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' });
  check(a.cert, encrypted.toString(), 'ERR_CERT_PARSE');
  assert.throws(() => Certificate.fromPem(1 as never, a.key), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => Certificate.fromPem(a.cert, 1 as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('fromPem: keys other than ECDSA P-256/P-384 or RSA >= 2048 are ERR_CERT_UNSUPPORTED_ALGORITHM', async () => {
  const a = (await Certificate.generate()).toPem();
  const ed = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa1024 = crypto
    .generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  for (const key of [ed, rsa1024]) {
    assert.throws(
      () => Certificate.fromPem(a.cert, key),
      (e: unknown) => e instanceof CertificateError && e.code === 'ERR_CERT_UNSUPPORTED_ALGORITHM',
    );
  }
});

test('new Certificate() is a typed error that names the factories', () => {
  // Before: a bare TypeError without a code, "Cannot read properties of undefined (reading 'der')".
  const Ctor = Certificate as unknown as new (...args: unknown[]) => Certificate;
  for (const args of [[], [{}], [Symbol('Certificate factory'), {}]]) {
    assert.throws(() => new Ctor(...args), (e: unknown) =>
      e instanceof TypeError && (e as { code?: string }).code === 'ERR_ILLEGAL_CONSTRUCTOR' && e.message.includes('Certificate.generate()'));
  }
});
