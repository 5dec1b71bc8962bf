// SPDX-License-Identifier: MIT
// RFC 6904 header-extension encryption through the public API: the RFC's own
// appendix vector, a model written from RFC 6904 §5 (and RFC 7714 §8.3 for
// the AEAD profiles) for both header-extension forms, and a cross-check
// against the same vendored libsrtp driven by a plain C program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { SrtpSession, type SrtpProfile } from '../../lib/index.js';
import { aesCmIv, aesCtrKeystream, hex, kdf } from '../fixtures/srtp-model.js';
import { keyLength, PROFILES, saltLength } from '../fixtures/srtp-helpers.js';
import { compileWithLibsrtp } from '../../bench/report.js';

const PROFILE_IDS: Readonly<Record<SrtpProfile, number>> = {
  AES_CM_128_HMAC_SHA1_80: 1,
  AES_CM_128_HMAC_SHA1_32: 2,
  AEAD_AES_128_GCM: 7,
  AEAD_AES_256_GCM: 8,
};

// ---- RFC 6904 Appendix A ----
const RFC_MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const RFC_MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');
// A.2: SSRC CAFEBABE, ROC 0, sequence number 1234; elements 1, 3 and 4 encrypted.
const RFC_HEADER = hex('900F1234 DECAFBAD CAFEBABE');
const RFC_EXTENSION = hex('BEDE0006 17414273 A4752627 48220000 C8308E46 55996386 B395FB00');
const RFC_ENCRYPTED = hex('BEDE0006 17588A92 70F4E15E 1C220000 C8309546 A994F0BC 54789700');

function session(profile: SrtpProfile, key: Buffer, salt: Buffer, ids?: readonly number[]): SrtpSession {
  return new SrtpSession({
    profile,
    localKey: key,
    localSalt: salt,
    remoteKey: key,
    remoteSalt: salt,
    ...(ids === undefined ? {} : { encryptedHeaderExtensionIds: ids }),
  });
}

/** RFC 6904 §5.1 from the master key: header key (label 6) and salt (label 7), AES-CM keystream at the packet index. */
function headerKeystream(key: Buffer, salt: Buffer, ssrc: number, index: number, length: number): Buffer {
  const headerKey = kdf(key, salt, 0x06, key.length);
  // RFC 7714 §8.3: with AEAD the 96-bit salt is used as a 112-bit one, zero-padded.
  const headerSalt = Buffer.concat([kdf(key, salt, 0x07, salt.length), Buffer.alloc(14 - salt.length)]);
  return aesCtrKeystream(headerKey, aesCmIv(headerSalt, ssrc, BigInt(index)), length);
}

/** Elements of an extension block (RFC 8285), data offsets relative to the block's data. */
function elements(block: Buffer): { id: number; offset: number; length: number }[] {
  const profile = block.readUInt16BE(0);
  const data = block.subarray(4);
  const out: { id: number; offset: number; length: number }[] = [];
  const twoByte = (profile & 0xfff0) === 0x1000;
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) {
      i++;
      continue;
    }
    const id = twoByte ? (data[i] as number) : (data[i] as number) >> 4;
    if (!twoByte && id === 15) break;
    const length = twoByte ? (data[i + 1] as number) : ((data[i] as number) & 0x0f) + 1;
    const offset = i + (twoByte ? 2 : 1);
    out.push({ id, offset, length });
    i = offset + length;
  }
  return out;
}

/** The model: XOR the keystream into the data of the listed elements (the keystream is positional over the block's data). */
function encryptBlock(block: Buffer, ids: readonly number[], keystream: Buffer): Buffer {
  const out = Buffer.from(block);
  for (const e of elements(block)) {
    if (!ids.includes(e.id)) continue;
    for (let j = 0; j < e.length; j++) out[4 + e.offset + j] = (out[4 + e.offset + j] as number) ^ (keystream[e.offset + j] as number);
  }
  return out;
}

function oneByteBlock(items: readonly [number, Buffer][]): Buffer {
  const body = Buffer.concat(items.map(([id, data]) => Buffer.concat([Buffer.of((id << 4) | (data.length - 1)), data])));
  return block(0xbede, body);
}

function twoByteBlock(items: readonly [number, Buffer][]): Buffer {
  const body = Buffer.concat(items.map(([id, data]) => Buffer.concat([Buffer.of(id, data.length), data])));
  return block(0x1000, body);
}

function block(profile: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(profile, 0);
  head.writeUInt16BE(padded.length / 4, 2);
  return Buffer.concat([head, padded]);
}

function packet(seq: number, ssrc: number, extension: Buffer, payload: Buffer = Buffer.alloc(20, 0x5a)): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x90; // V=2, X=1
  header[1] = 96;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(0x01020304, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, extension, payload]);
}

const ONE_BYTE = oneByteBlock([
  [1, Buffer.from('mid-0')],
  [3, Buffer.of(0x80 | 42)],
  [5, Buffer.from('0123456789abcdef')],
  [14, Buffer.of(1, 2, 3)],
]);
const TWO_BYTE = twoByteBlock([
  [1, Buffer.from('abc')],
  [15, Buffer.of(7)],
  [20, Buffer.alloc(0)],
  [200, crypto.randomBytes(40)],
  [255, Buffer.from('last')],
]);
const FORMS = [
  { name: 'one-byte', block: ONE_BYTE, ids: [3, 5, 14] },
  { name: 'two-byte', block: TWO_BYTE, ids: [15, 20, 200, 255] },
] as const;

test('RFC 6904 A.2: the appendix vector through SrtpSession (elements 1, 3, 4 encrypted)', () => {
  // The model reproduces the RFC's own bytes...
  const keystream = headerKeystream(RFC_MASTER_KEY, RFC_MASTER_SALT, 0xcafebabe, 0x1234, RFC_EXTENSION.length - 4);
  assert.deepEqual(encryptBlock(RFC_EXTENSION, [1, 3, 4], keystream), RFC_ENCRYPTED);
  // ... and so does the public API, from the master key and salt.
  const plain = Buffer.concat([RFC_HEADER, RFC_EXTENSION, Buffer.alloc(16, 0xab)]);
  using sender = session('AES_CM_128_HMAC_SHA1_80', RFC_MASTER_KEY, RFC_MASTER_SALT, [1, 3, 4]);
  using receiver = session('AES_CM_128_HMAC_SHA1_80', RFC_MASTER_KEY, RFC_MASTER_SALT, [1, 3, 4]);
  const srtp = sender.protectRtp(plain);
  assert.deepEqual(srtp.subarray(0, 12), RFC_HEADER);
  assert.deepEqual(srtp.subarray(12, 12 + RFC_ENCRYPTED.length), RFC_ENCRYPTED);
  assert.deepEqual(receiver.unprotectRtp(srtp), plain);
});

test('RFC 6904: extensions not listed stay readable in the protected packet', () => {
  const plain = Buffer.concat([RFC_HEADER, RFC_EXTENSION, Buffer.alloc(16, 0xab)]);
  using sender = session('AES_CM_128_HMAC_SHA1_80', RFC_MASTER_KEY, RFC_MASTER_SALT, [1]);
  const ext = sender.protectRtp(plain).subarray(12, 12 + RFC_EXTENSION.length);
  // Element 1 as in the RFC's encrypted form; 2, 3 and 4 as sent.
  assert.deepEqual(ext.subarray(0, 13), RFC_ENCRYPTED.subarray(0, 13));
  assert.deepEqual(ext.subarray(13), RFC_EXTENSION.subarray(13));
  // Without the option nothing in the header changes.
  using plainSender = session('AES_CM_128_HMAC_SHA1_80', RFC_MASTER_KEY, RFC_MASTER_SALT);
  assert.deepEqual(plainSender.protectRtp(plain).subarray(12, 12 + RFC_EXTENSION.length), RFC_EXTENSION);
});

for (const profile of PROFILES) {
  for (const form of FORMS) {
    test(`RFC 6904 ${form.name} form, ${profile}: the model's bytes, both directions, unlisted IDs readable`, () => {
      // Fixed keys: with random ones a one-byte element encrypts to itself once in 256 runs.
      const bytes = (label: string, n: number): Buffer =>
        crypto.createHash('sha512').update(`${profile} ${form.name} ${label}`).digest().subarray(0, n);
      const localKey = bytes('local key', keyLength(profile));
      const localSalt = bytes('local salt', saltLength(profile));
      const remoteKey = bytes('remote key', keyLength(profile));
      const remoteSalt = bytes('remote salt', saltLength(profile));
      const options = { profile, encryptedHeaderExtensionIds: form.ids };
      using a = new SrtpSession({ ...options, localKey, localSalt, remoteKey, remoteSalt });
      using b = new SrtpSession({ ...options, localKey: remoteKey, localSalt: remoteSalt, remoteKey: localKey, remoteSalt: localSalt });
      const ssrc = 0x5eed0001;
      for (const seq of [1, 2, 0xfffe]) {
        const plain = packet(seq, ssrc, form.block);
        const srtp = a.protectRtp(plain);
        const keystream = headerKeystream(localKey, localSalt, ssrc, seq, form.block.length - 4);
        const expected = encryptBlock(form.block, form.ids, keystream);
        assert.deepEqual(srtp.subarray(12, 12 + form.block.length), expected);
        for (const e of elements(form.block)) {
          const sent = srtp.subarray(16 + e.offset, 16 + e.offset + e.length);
          const original = form.block.subarray(4 + e.offset, 4 + e.offset + e.length);
          if (form.ids.includes(e.id as never) && e.length > 0) assert.notDeepEqual(sent, original, `ID ${e.id} encrypted`);
          else assert.deepEqual(sent, original, `ID ${e.id} readable`);
        }
        assert.deepEqual(b.unprotectRtp(srtp), plain);
        // The other direction, under the other key.
        const back = packet(seq, ssrc + 1, form.block);
        assert.deepEqual(a.unprotectRtp(b.protectRtp(back)), back);
      }
      // A receiver that does not know the IDs authenticates the packet but
      // keeps the extension values encrypted.
      using blind = new SrtpSession({ profile, localKey: remoteKey, localSalt: remoteSalt, remoteKey: localKey, remoteSalt: localSalt });
      const plain = packet(0xffff, ssrc, form.block);
      const srtp = a.protectRtp(plain);
      const seen = blind.unprotectRtp(srtp);
      assert.deepEqual(seen.subarray(12 + form.block.length), plain.subarray(12 + form.block.length));
      assert.deepEqual(seen.subarray(12, 12 + form.block.length), srtp.subarray(12, 12 + form.block.length));
    });
  }
}

/** Builds test/native/c/srtp_hdrext.c as the bench builds its C baselines. */
function buildCrossCheck(): { exe: string } | { skipped: string } {
  const root = path.join(__dirname, '..', '..', '..');
  return compileWithLibsrtp(path.join(root, 'test', 'native', 'c', 'srtp_hdrext.c'), root);
}

test('RFC 6904 cross-check: the same packets protected by plain C over the vendored libsrtp are byte-identical', (t) => {
  const built = buildCrossCheck();
  if ('skipped' in built) {
    t.skip(built.skipped);
    return;
  }
  for (const profile of PROFILES) {
    for (const form of FORMS) {
      const key = crypto.randomBytes(keyLength(profile));
      const salt = crypto.randomBytes(saltLength(profile));
      const packets = [1, 2, 3, 0xffff, 0].map((seq, i) => packet(seq, 0x0c0ffee0, form.block, crypto.randomBytes(10 + 7 * i)));
      const input = packets.map((p) => `${p.toString('hex')}\n`).join('');
      const out: string = execFileSync(
        built.exe,
        [String(PROFILE_IDS[profile]), Buffer.concat([key, salt]).toString('hex'), form.ids.join(',')],
        { input, encoding: 'utf8' },
      );
      const lines: string[] = out.trim().split('\n');
      using ours = session(profile, key, salt, form.ids);
      assert.equal(lines.length, packets.length);
      packets.forEach((p, i) => {
        assert.equal(ours.protectRtp(p).toString('hex'), lines[i], `${profile} ${form.name} packet ${i}`);
      });
    }
  }
});

test('encryptedHeaderExtensionIds: typed argument errors with stable codes', () => {
  const base = {
    profile: 'AES_CM_128_HMAC_SHA1_80' as const,
    localKey: Buffer.alloc(16),
    localSalt: Buffer.alloc(14),
    remoteKey: Buffer.alloc(16),
    remoteSalt: Buffer.alloc(14),
  };
  const bad = (ids: unknown) => () => new SrtpSession({ ...base, encryptedHeaderExtensionIds: ids as number[] });
  assert.throws(bad('1,3'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(bad([1, '3']), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(bad([0]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(bad([256]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(bad([1.5]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(bad([3, 4, 3]), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(bad(Array.from({ length: 256 }, (_, i) => i + 1)), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  // Accepted: the empty list, one-byte IDs 1..14 and two-byte IDs up to 255, for every profile.
  for (const profile of PROFILES) {
    const key = Buffer.alloc(keyLength(profile));
    const salt = Buffer.alloc(saltLength(profile));
    for (const ids of [[], [1, 14], [15, 16, 255], Array.from({ length: 255 }, (_, i) => i + 1)]) {
      new SrtpSession({ profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt, encryptedHeaderExtensionIds: ids }).close();
    }
  }
});
