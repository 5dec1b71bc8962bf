// SPDX-License-Identifier: MIT
// NativeSrtp.inPlace: the in-place operations as plain functions (one set per
// env) that reach the context through the handle from inPlaceHandle(), a cell
// that close() clears, so that the hot path needs no object unwrap. A handle
// kept after close(), or after its
// object was collected, must throw ERR_INVALID_STATE (never reach freed
// libsrtp state). It checks what could crash it like every other native
// method, but declines with a return value (inPlaceDeclined) instead of a
// throw, touching nothing, so that TypeScript can run its checks only then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { SrtpSession, srtpResultCode } from '../../lib/index.js';
import { native, type NativeSrtp } from '../../lib/native.js';

const KEY = new Uint8Array(30).fill(7); // AES_CM_128_HMAC_SHA1_80: 16 + 14
const DECLINED = native.NativeSrtp.inPlaceDeclined;
const STATS = native.NativeSrtp.statsLength;
const IN_PLACE = native.NativeSrtp.inPlace;
type Fn = (buf: Uint8Array, length: number) => number;

// The env's in-place functions applied to `h`'s handle (one handle per call).
function inPlaceFunctions(h: NativeSrtp): Record<keyof typeof IN_PLACE, Fn> {
  const handle = h.inPlaceHandle();
  return {
    protectRtp: (buf, length) => IN_PLACE.protectRtp(handle, buf, length),
    unprotectRtp: (buf, length) => IN_PLACE.unprotectRtp(handle, buf, length),
    protectRtcp: (buf, length) => IN_PLACE.protectRtcp(handle, buf, length),
    unprotectRtcp: (buf, length) => IN_PLACE.unprotectRtcp(handle, buf, length),
  };
}

function rtpPacket(capacity: number): Buffer {
  const p = Buffer.alloc(capacity);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(1, 2);
  p.writeUInt32BE(0x1234abcd, 8);
  return p;
}

function stats(handle: { getStats(out: Float64Array): void }): Float64Array {
  const out = new Float64Array(STATS);
  handle.getStats(out);
  return out;
}

test('inPlace holds one function per in-place method; inPlaceDeclined is no result code', () => {
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const fns = inPlaceFunctions(handle);
  assert.deepEqual(Object.keys(fns).sort(), ['protectRtcp', 'protectRtp', 'unprotectRtcp', 'unprotectRtp']);
  for (const fn of Object.values(fns)) assert.equal(typeof fn, 'function');
  assert.ok(Number.isInteger(DECLINED) && DECLINED < 0);
  assert.equal(srtpResultCode(DECLINED), 'ERR_SRTP_INTERNAL'); // no code of its own: never a packet's result
  handle.close();
});

test('the bound functions protect and unprotect like the methods', () => {
  const tx = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const rx = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const { protectRtp } = inPlaceFunctions(tx);
  const { unprotectRtp } = inPlaceFunctions(rx);
  const packet = rtpPacket(12 + 20 + 10);
  packet.fill(5, 12, 32);
  const n = protectRtp(packet, 32);
  assert.equal(n, 42);
  assert.equal(unprotectRtp(packet, n), 32);
  assert.deepEqual(packet.subarray(12, 32), Buffer.alloc(20, 5));
  // The same packet again is a replay: a negative result code, no throw.
  const again = rtpPacket(42);
  again.fill(5, 12, 32);
  const tx2 = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  assert.equal(inPlaceFunctions(tx2).protectRtp(again, 32), 42);
  assert.equal(srtpResultCode(unprotectRtp(again, 42)), 'ERR_SRTP_REPLAY_FAIL');
  // RTCP through its own functions.
  const report = Buffer.alloc(8 + 24 + 14);
  report.set([0x80, 200, 0, 6, 0x12, 0x34, 0xab, 0xcd]);
  const m = inPlaceFunctions(tx).protectRtcp(report, 8 + 24);
  assert.equal(m, 8 + 24 + 14);
  assert.equal(inPlaceFunctions(rx).unprotectRtcp(report, m), 32);
  for (const h of [tx, rx, tx2]) h.close();
});

test('a bound function kept after close() throws ERR_INVALID_STATE and touches nothing', () => {
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const fns = inPlaceFunctions(handle);
  const packet = rtpPacket(64);
  const before = Buffer.from(packet);
  handle.close();
  for (const fn of Object.values(fns)) {
    assert.throws(() => fn(packet, 32), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
    assert.throws(() => fn('not a buffer' as never, 32), { code: 'ERR_INVALID_STATE' });
  }
  assert.deepEqual(packet, before);
  assert.throws(() => handle.inPlaceHandle(), { code: 'ERR_INVALID_STATE' });
});

test('SrtpSession.close() makes its in-place calls throw InvalidStateError', () => {
  const s = new SrtpSession({
    profile: 'AES_CM_128_HMAC_SHA1_80',
    localKey: KEY.subarray(0, 16),
    localSalt: KEY.subarray(16),
    remoteKey: KEY.subarray(0, 16),
    remoteSalt: KEY.subarray(16),
  });
  const packet = rtpPacket(64);
  assert.equal(s.protectRtpInPlace(packet, 32), 42); // binds the function
  s.close();
  assert.throws(() => s.protectRtpInPlace(packet, 32), { code: 'ERR_INVALID_STATE' });
  assert.throws(() => s.unprotectRtcpInPlace(packet, 32), { code: 'ERR_INVALID_STATE' });
});

test('the bound functions decline what could crash them (inPlaceDeclined) and touch nothing', () => {
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const buf = rtpPacket(64);
  const before = Buffer.from(buf);
  const detached = new Uint8Array(64);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const held = handle.inPlaceHandle();
  for (const op of Object.values(IN_PLACE) as ((...args: unknown[]) => number)[]) {
    const fn = (...args: unknown[]): number => op(held, ...args);
    for (const args of [
      [],
      [buf],
      [new Uint16Array(32), 32],
      [new Uint8ClampedArray(64), 32],
      [new DataView(new ArrayBuffer(64)), 32],
      [[1, 2, 3], 2],
      [new Proxy(buf, {}), 32],
      [buf, 65],
      [buf, -1],
      [buf, 1.5],
      [buf, NaN],
      [buf, Infinity],
      [buf, '32'],
      [buf, 32n],
      [new Uint8Array(0), 0],
      [detached, 0],
    ]) {
      assert.equal(fn(...args), DECLINED, `args ${args.length}`);
    }
  }
  assert.deepEqual(buf, before);
  assert.deepEqual(stats(handle), new Float64Array(STATS)); // nothing counted
  handle.close();
});

test('a SharedArrayBuffer packet is protected from a private copy (same result as a plain one)', () => {
  const a = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const b = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const plain = rtpPacket(64);
  const shared = new Uint8Array(new SharedArrayBuffer(64));
  shared.set(plain);
  assert.equal(inPlaceFunctions(a).protectRtp(plain, 32), 42);
  assert.equal(inPlaceFunctions(b).protectRtp(shared, 32), 42);
  assert.deepEqual(Buffer.from(shared), plain);
  a.close();
  b.close();
});

const entry = path.join(__dirname, '..', '..', 'lib', 'native.js');
const CHILD = `
const { native } = require(${JSON.stringify(entry)});
const key = new Uint8Array(30).fill(7);
const fns = [];
(async () => {
  for (let i = 0; i < 200; i++) {
    const h = new native.NativeSrtp(1, key, key, 1024, 8, 8);
    const held = h.inPlaceHandle(); // keep only the handle
    fns.push((buf, length) => native.NativeSrtp.inPlace.protectRtp(held, buf, length));
  }
  let collected = 0, live = 0;
  for (let round = 0; round < 20 && collected < 190; round++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
    collected = 0;
    live = 0;
    for (const fn of fns) {
      // length 0: a live context answers with a negative result code.
      try { if (typeof fn(new Uint8Array(64), 0) === 'number') live++; }
      catch (err) { if (err.code === 'ERR_INVALID_STATE') collected++; else throw err; }
    }
  }
  process.stdout.write(JSON.stringify({ collected, live }));
})();
`;

test('a bound function that outlives its collected object throws ERR_INVALID_STATE (no use after free)', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8' });
  const { collected, live } = JSON.parse(out) as { collected: number; live: number };
  // The objects were collected while their functions lived on; each call
  // then found the cell cleared instead of a freed context. (A stack slot
  // may keep the last object or so alive a while.)
  assert.equal(collected + live, 200);
  assert.ok(collected >= 190, `collected ${collected}`);
});
