// SPDX-License-Identifier: MIT
/**
 * CertificateRotation: which certificate new transports get and which
 * fingerprints are advertised at each step (stage, switch, retire), its typed
 * errors, and real handshakes across a switch: a peer holding the advertised
 * list verifies transports built before and after it, and no longer verifies
 * the old certificate once it is retired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, CertificateRotation, DtlsTransport, type DtlsFingerprint } from '../../lib/index.js';

const certs = Promise.all([Certificate.generate(), Certificate.generate(), Certificate.generate()]);
const fp = (c: Certificate): string => (c.getFingerprints()[0] as DtlsFingerprint).value;

test('stage → switch → retire: current, advertised and fingerprints at each step', async () => {
  const [a, b, c] = await certs;
  const rotation = new CertificateRotation(a);
  assert.equal(rotation.current, a);
  assert.deepEqual(rotation.advertised, [a]);
  assert.deepEqual(rotation.getFingerprints().map((f) => f.value), [fp(a)]);

  rotation.stage(b);
  assert.equal(rotation.current, a, 'staging does not change what new transports use');
  assert.equal(rotation.staged, b);
  assert.deepEqual(rotation.getFingerprints().map((f) => f.value), [fp(b), fp(a)], 'the presented (current) one last');

  assert.equal(rotation.switch(), b);
  assert.equal(rotation.current, b);
  assert.equal(rotation.previous, a);
  assert.equal(rotation.staged, undefined);
  assert.deepEqual(rotation.getFingerprints().map((f) => f.value), [fp(a), fp(b)], 'old still advertised, current last');
  assert.deepEqual(rotation.getFingerprints(['sha-256'], a).map((f) => f.value), [fp(b), fp(a)], 'a transport built before the switch');

  rotation.stage(c);
  assert.deepEqual(rotation.advertised, [b, c, a]);
  rotation.switch();
  assert.deepEqual(rotation.advertised, [c, b], 'a second switch drops the oldest');

  assert.equal(rotation.retire(), b);
  assert.deepEqual(rotation.advertised, [c]);
  assert.equal(rotation.retire(), undefined);
});

test('every requested hash, per advertised certificate', async () => {
  const [a, b] = await certs;
  const rotation = new CertificateRotation(a);
  rotation.stage(b);
  const fps = rotation.getFingerprints(['sha-256', 'sha-384']);
  assert.deepEqual(
    fps.map((f) => f.algorithm),
    ['sha-256', 'sha-384', 'sha-256', 'sha-384'],
  );
  assert.deepEqual(fps.slice(0, 2), b.getFingerprints(['sha-256', 'sha-384']));
  assert.deepEqual(fps.slice(2), a.getFingerprints(['sha-256', 'sha-384']));
});

test('typed errors: not a certificate, restaging current or previous, switch with nothing staged, bad lead', async () => {
  const [a, b] = await certs;
  assert.throws(() => new CertificateRotation({} as unknown as Certificate), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
  const rotation = new CertificateRotation(a);
  assert.throws(() => rotation.switch(), { code: 'ERR_INVALID_STATE' });
  assert.throws(() => rotation.stage(a), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => rotation.stage('pem' as unknown as Certificate), { code: 'ERR_INVALID_ARG_TYPE' });
  rotation.stage(b);
  rotation.switch();
  assert.throws(() => rotation.stage(a), { code: 'ERR_INVALID_ARG_VALUE' }, 'the previous one cannot come back as next');
  rotation.retire();
  assert.throws(() => rotation.getFingerprints(['sha-256'], a), { code: 'ERR_INVALID_ARG_VALUE' }, 'a retired certificate');
  assert.throws(() => rotation.renewalDate(-1), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => rotation.renewalDate(1.5), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => rotation.renewalDate('1' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('renewalDate is the current certificate expiry less the lead', async () => {
  const short = await Certificate.generate({ validityDays: 2 });
  const rotation = new CertificateRotation(short);
  const day = 86_400_000;
  assert.equal(rotation.renewalDate(day).getTime(), short.expires.getTime() - day);
  assert.equal(rotation.renewalDate(0).getTime(), short.expires.getTime());
});

/** One in-memory DTLS handshake: `server` presents `certificate`; the client verifies against `advertised`. */
async function handshake(certificate: Certificate, clientCert: Certificate, advertised: DtlsFingerprint[]): Promise<string> {
  let client!: DtlsTransport;
  let server!: DtlsTransport;
  const deliver = (to: () => DtlsTransport) => (d: Buffer) => setImmediate(() => {
    const t = to();
    if (!t.closed && t.state !== 'new') t.receive(d);
  });
  server = new DtlsTransport({ certificate, role: 'server', remoteFingerprints: clientCert.getFingerprints(), send: deliver(() => client) });
  client = new DtlsTransport({ certificate: clientCert, role: 'client', remoteFingerprints: advertised, send: deliver(() => server) });
  const done = Promise.allSettled([client.start(), server.start()]);
  const [c] = await done;
  client.close();
  server.close();
  return c.status === 'fulfilled' ? 'connected' : ((c.reason as { code?: string }).code ?? 'failed');
}

test('a peer holding the advertised list verifies transports built before and after a switch, not after retire', async () => {
  const [a, b, peer] = await certs;
  const rotation = new CertificateRotation(a);
  const before = rotation.current;
  rotation.stage(b);
  const advertisedBefore = rotation.getFingerprints();
  // An answer written before the switch names a and b: transports on either verify.
  assert.equal(await handshake(before, peer, advertisedBefore), 'connected');
  rotation.switch();
  const after = rotation.current;
  assert.equal(after, b);
  assert.equal(await handshake(after, peer, advertisedBefore), 'connected');
  const advertisedAfter = rotation.getFingerprints();
  assert.equal(await handshake(before, peer, advertisedAfter), 'connected', 'the old one stays advertised');
  rotation.retire();
  assert.equal(await handshake(before, peer, rotation.getFingerprints()), 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.equal(await handshake(after, peer, rotation.getFingerprints()), 'connected');
});
