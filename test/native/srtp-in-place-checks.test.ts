// SPDX-License-Identifier: MIT
// The in-place forms check their arguments natively and run the full
// TypeScript checks only when native code declines them: every misuse still
// ends in the same typed error, before anything is read, written or counted,
// and an empty buffer still reaches libsrtp's side as a malformed packet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, srtpResultCode, type SrtpProfile } from '../../lib/index.js';

const PROFILES: SrtpProfile[] = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];
const METHODS = ['protectRtpInPlace', 'unprotectRtpInPlace', 'protectRtcpInPlace', 'unprotectRtcpInPlace'] as const;

function session(profile: SrtpProfile): SrtpSession {
  const key = new Uint8Array(16).fill(3);
  const salt = new Uint8Array(profile.startsWith('AEAD') ? 12 : 14).fill(4);
  return new SrtpSession({ profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
}

function counters(s: SrtpSession): string {
  return JSON.stringify(s.getStats());
}

function detachedView(): Uint8Array {
  const view = new Uint8Array(64);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

test('in-place misuse throws the typed errors and changes no counter', () => {
  for (const profile of PROFILES) {
    const s = session(profile);
    const buf = Buffer.alloc(64, 1);
    const before = counters(s);
    for (const method of METHODS) {
      const call = (b: unknown, n: unknown): number => (s[method] as (b: unknown, n: unknown) => number)(b, n);
      assert.throws(() => call([1, 2, 3], 2), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => call(new Uint16Array(8), 8), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => call(new Proxy(buf, {}), 8), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => call(buf, '32'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => call(buf, 65), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => call(buf, -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => call(buf, 1.5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => call(buf, NaN), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => call(detachedView(), 0), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    }
    assert.deepEqual(buf, Buffer.alloc(64, 1));
    assert.equal(counters(s), before);
    s.close();
  }
});

test('an empty buffer is a malformed packet, counted as before', () => {
  const s = session('AES_CM_128_HMAC_SHA1_80');
  for (const method of METHODS) assert.equal(srtpResultCode(s[method](new Uint8Array(0), 0)), 'ERR_SRTP_BAD_PACKET');
  assert.equal(s.getStats().failures.ERR_SRTP_BAD_PACKET, 4);
  s.close();
});

test('a declined call on a closed session throws InvalidStateError first', () => {
  const s = session('AEAD_AES_128_GCM');
  s.close();
  for (const method of METHODS) {
    assert.throws(() => (s[method] as (b: unknown, n: unknown) => number)('x', 1), { code: 'ERR_INVALID_STATE' });
  }
});

test('a packet native code accepts runs no TypeScript check (the checks run only for what it declines)', () => {
  // A Uint8Array whose `length` getter counts its reads: the TypeScript checks
  // read it (length within buf.length); native code reads the memory's size.
  let reads = 0;
  class Counting extends Uint8Array {
    override get length(): number {
      reads++;
      return super.length;
    }
  }
  const s = session('AES_CM_128_HMAC_SHA1_80');
  const buf = new Counting(64);
  buf.set([0x80, 111, 0, 1, 0, 0, 0, 0, 0x12, 0x34, 0xab, 0xcd]);
  assert.equal(s.protectRtpInPlace(buf, 32), 42);
  assert.equal(reads, 0);
  assert.throws(() => s.protectRtpInPlace(buf, 65), { code: 'ERR_OUT_OF_RANGE' });
  assert.ok(reads > 0);
  s.close();
});
