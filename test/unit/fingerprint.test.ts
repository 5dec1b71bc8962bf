// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { DtlsError, formatFingerprint, isSupportedFingerprintAlgorithm, parseFingerprint } from '../../lib/index.js';
import { certificateMatches, computeFingerprint } from '../../lib/fingerprint.js';

const der = crypto.randomBytes(300);
const hex32 = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0')).join(':');

test('parses a full line, the attribute and the bare value, normalising case', () => {
  const expected = { algorithm: 'sha-256', value: hex32.toUpperCase() };
  assert.deepEqual(parseFingerprint(`a=fingerprint:sha-256 ${hex32}`), expected);
  assert.deepEqual(parseFingerprint(`A=FINGERPRINT:SHA-256 ${hex32}\r\n`), expected);
  assert.deepEqual(parseFingerprint(`fingerprint:Sha-256 ${hex32}`), expected);
  assert.deepEqual(parseFingerprint(`sha-256   ${hex32.toUpperCase()}`), expected);
});

test('accepts every supported hash at its length', () => {
  for (const [name, bytes] of [['sha-1', 20], ['sha-224', 28], ['sha-256', 32], ['sha-384', 48], ['sha-512', 64]] as const) {
    const value = Array.from({ length: bytes }, () => 'AB').join(':');
    assert.deepEqual(parseFingerprint(`${name} ${value}`), { algorithm: name, value });
    assert.equal(isSupportedFingerprintAlgorithm(name.toUpperCase()), true);
  }
  assert.equal(isSupportedFingerprintAlgorithm('md5'), false);
});

test('a fingerprint that cannot verify a certificate is refused at parse, not at the handshake', () => {
  // Before: 'sha256 …' and 'md5 …' parsed, then every handshake failed as a fingerprint mismatch.
  const md5 = Array.from({ length: 16 }, () => 'AB').join(':');
  for (const input of [`sha256 ${hex32}`, `a=fingerprint:SHA256 ${hex32}`, `md5 ${md5}`, `foo-hash ${hex32}`]) {
    assert.throws(
      () => parseFingerprint(input),
      (e: unknown) => e instanceof DtlsError && e.code === 'ERR_DTLS_BAD_FINGERPRINT',
      input.slice(0, 40),
    );
  }
  // A registered hash at the wrong length is refused by the shared grammar.
  assert.throws(() => parseFingerprint(`md5 ${hex32}`), { code: 'ERR_DTLS_BAD_FINGERPRINT' });
});

test('malformed input is a DtlsError ERR_DTLS_BAD_FINGERPRINT', () => {
  const bad = [
    '',
    'sha-256',
    `sha-256 ${hex32.slice(0, -1)}`, // odd digit count at the end
    `sha-256 ${hex32.slice(0, -3)}`, // 31 bytes: wrong length for the hash
    `sha-256 ${hex32}:00`, // 33 bytes
    `sha-256 ${hex32.replace('0E', 'ZZ').replace('0e', 'zz')}`, // non-hex
    `sha-256 ${hex32.replace(/:/g, '')}`, // no colons
    `sha-256 ${hex32} extra`,
    `sha 256 ${hex32}`,
    `sha-256 ${'AB:'.repeat(5000)}AB`, // huge
    `a=fingerprint:${'x'.repeat(40)} AB`, // hash name too long
  ];
  for (const input of bad) {
    assert.throws(
      () => parseFingerprint(input),
      (e: unknown) => e instanceof DtlsError && e.code === 'ERR_DTLS_BAD_FINGERPRINT',
      input.slice(0, 60),
    );
  }
  assert.throws(() => parseFingerprint(42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('formatFingerprint round-trips and validates', () => {
  const fp = computeFingerprint(der, 'sha-256');
  assert.equal(formatFingerprint({ algorithm: 'SHA-256', value: fp.value.toLowerCase() }), `sha-256 ${fp.value}`);
  assert.deepEqual(parseFingerprint(`a=fingerprint:${formatFingerprint(fp)}`), fp);
  assert.throws(() => formatFingerprint({ algorithm: 'sha-256', value: 'AB' }), { code: 'ERR_DTLS_BAD_FINGERPRINT' });
  assert.throws(() => formatFingerprint({ algorithm: 1, value: 'AB' } as never), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => formatFingerprint(null as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('computeFingerprint matches node:crypto', () => {
  const fp = computeFingerprint(der, 'sha-384');
  assert.equal(fp.value.replace(/:/g, ''), crypto.createHash('sha384').update(der).digest('hex').toUpperCase());
  assert.match(fp.value, /^([0-9A-F]{2}:){47}[0-9A-F]{2}$/);
});

test('matching policy', () => {
  const other = crypto.randomBytes(300);
  const good256 = computeFingerprint(der, 'sha-256');
  const good1 = computeFingerprint(der, 'sha-1');
  const bad256 = computeFingerprint(other, 'sha-256');
  const bad512 = computeFingerprint(other, 'sha-512');
  assert.equal(certificateMatches(der, [good256]), true);
  // One matching line among several (several certificates) accepts.
  assert.equal(certificateMatches(der, [bad256, bad512, good256]), true);
  // Only mismatching lines reject.
  assert.equal(certificateMatches(der, [bad256, bad512]), false);
  // A weak hash cannot widen acceptance next to a strong one.
  assert.equal(certificateMatches(der, [bad256, good1]), false);
  // ... but is used when it is all there is.
  assert.equal(certificateMatches(der, [good1]), true);
  // Unsupported hashes are ignored; nothing usable means no match.
  assert.equal(certificateMatches(der, [{ algorithm: 'md5', value: 'AB:CD' }]), false);
  assert.equal(certificateMatches(der, [{ algorithm: 'md5', value: 'AB:CD' }, good256]), true);
  assert.equal(certificateMatches(der, []), false);
  // One flipped byte.
  const flipped = { algorithm: 'sha-256', value: (good256.value.startsWith('00') ? '01' : '00') + good256.value.slice(2) };
  assert.equal(certificateMatches(der, [flipped]), false);
});
