// SPDX-License-Identifier: MIT
// The handle an in-place function takes first (NativeSrtp.inPlaceHandle()):
// an External whose value is the session's slot and a generation, checked by
// a bounds check and one compare. A handle reaches its own session's context
// and no other; a handle kept after close() stays closed even after later
// sessions took over its slot; anything else is ERR_INTERNAL_ARG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, type NativeSrtp } from '../../lib/native.js';

const KEY = new Uint8Array(30).fill(9); // AES_CM_128_HMAC_SHA1_80: 16 + 14
const STATS = native.NativeSrtp.statsLength;
const IN_PLACE = native.NativeSrtp.inPlace;

function protectedPackets(h: NativeSrtp): number {
  const out = new Float64Array(STATS);
  h.getStats(out);
  return out[0] as number; // kRtpProtectedPackets
}

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(64);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(0x1234abcd, 8);
  return p;
}

test('each handle reaches its own session, across slots freed and taken again', () => {
  const sessions: NativeSrtp[] = [];
  const handles: unknown[] = [];
  for (let i = 0; i < 64; i++) {
    const s = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
    sessions.push(s);
    handles.push(s.inPlaceHandle());
  }
  // Close every other one, then open as many again: they take those slots.
  const stale: unknown[] = [];
  for (let i = 0; i < 64; i += 2) {
    (sessions[i] as NativeSrtp).close();
    stale.push(handles[i]);
    const s = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
    sessions[i] = s;
    handles[i] = s.inPlaceHandle();
  }
  for (let i = 0; i < 64; i++) {
    for (let n = 0; n <= i % 4; n++) assert.equal(IN_PLACE.protectRtp(handles[i] as never, rtp(n + 1), 32), 42);
  }
  for (let i = 0; i < 64; i++) assert.equal(protectedPackets(sessions[i] as NativeSrtp), (i % 4) + 1, `session ${i}`);
  // The handles of the closed sessions stay closed; nothing reached the new ones.
  for (const h of stale) {
    assert.throws(() => IN_PLACE.protectRtp(h as never, rtp(99), 32), { code: 'ERR_INVALID_STATE' });
  }
  for (let i = 0; i < 64; i++) assert.equal(protectedPackets(sessions[i] as NativeSrtp), (i % 4) + 1, `session ${i}`);
  for (const s of sessions) s.close();
});

test('a first argument that is no handle throws ERR_INTERNAL_ARG', () => {
  const s = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const handle = s.inPlaceHandle();
  for (const bad of [undefined, null, 0, 1, 2 ** 40 + 1, 'handle', {}, [handle], s]) {
    for (const fn of Object.values(IN_PLACE) as ((...args: unknown[]) => number)[]) {
      assert.throws(() => fn(bad, rtp(1), 32), { code: 'ERR_INTERNAL_ARG' });
    }
  }
  assert.throws(() => (IN_PLACE.protectRtp as (...args: unknown[]) => number)(), { code: 'ERR_INTERNAL_ARG' });
  assert.equal(protectedPackets(s), 0);
  s.close();
});
