// SPDX-License-Identifier: MIT
// NativeSrtp.inPlaceFunction(): the in-place operations as one plain function
// bound to the context through a cell that close() clears, so that the hot
// path needs no object unwrap. A function kept after close(), or after its
// object was collected, must throw ERR_INVALID_STATE (never reach freed
// libsrtp state), and it checks what could crash it like every other
// native method (ERR_INTERNAL_ARG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { SrtpSession } from '../../lib/index.js';
import { native } from '../../lib/native.js';

const KEY = new Uint8Array(30).fill(7); // AES_CM_128_HMAC_SHA1_80: 16 + 14
const OPS = native.NativeSrtp.inPlaceOps;

function rtpPacket(capacity: number): Buffer {
  const p = Buffer.alloc(capacity);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(1, 2);
  p.writeUInt32BE(0x1234abcd, 8);
  return p;
}

test('inPlaceOps holds one distinct number per in-place method', () => {
  assert.deepEqual(Object.keys(OPS).sort(), ['protectRtcp', 'protectRtp', 'unprotectRtcp', 'unprotectRtp']);
  assert.equal(new Set(Object.values(OPS)).size, 4);
});

test('the bound function protects and unprotects like the methods', () => {
  const tx = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const rx = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const protect = tx.inPlaceFunction();
  const unprotect = rx.inPlaceFunction();
  const packet = rtpPacket(12 + 20 + 10);
  packet.fill(5, 12, 32);
  const n = protect(OPS.protectRtp, packet, 32);
  assert.equal(n, 42);
  assert.equal(unprotect(OPS.unprotectRtp, packet, n), 32);
  assert.deepEqual(packet.subarray(12, 32), Buffer.alloc(20, 5));
  // The same packet again is a replay: a negative result code, no throw.
  const again = rtpPacket(42);
  again.fill(5, 12, 32);
  const tx2 = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  assert.equal(tx2.inPlaceFunction()(OPS.protectRtp, again, 32), 42);
  assert.ok(unprotect(OPS.unprotectRtp, again, 42) < 0);
  for (const h of [tx, rx, tx2]) h.close();
});

test('a bound function kept after close() throws ERR_INVALID_STATE and touches nothing', () => {
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const fn = handle.inPlaceFunction();
  const packet = rtpPacket(64);
  const before = Buffer.from(packet);
  handle.close();
  for (const op of Object.values(OPS)) {
    assert.throws(() => fn(op, packet, 32), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  }
  assert.deepEqual(packet, before);
  assert.throws(() => handle.inPlaceFunction(), { code: 'ERR_INVALID_STATE' });
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

test('the bound function rejects what TypeScript would never pass with ERR_INTERNAL_ARG', () => {
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const fn = handle.inPlaceFunction() as (...args: unknown[]) => number;
  const buf = rtpPacket(64);
  for (const args of [
    [],
    [OPS.protectRtp, buf],
    [-1, buf, 32],
    [4, buf, 32],
    ['0', buf, 32],
    [OPS.protectRtp, new Uint16Array(32), 32],
    [OPS.protectRtp, new DataView(new ArrayBuffer(64)), 32],
    [OPS.protectRtp, [1, 2, 3], 2],
    [OPS.protectRtp, buf, 65],
    [OPS.protectRtp, buf, -1],
    [OPS.protectRtp, buf, 1.5],
    [OPS.protectRtp, buf, NaN],
    [OPS.protectRtp, buf, '32'],
  ]) {
    assert.throws(() => fn(...args), { code: 'ERR_INTERNAL_ARG' }, `args ${args.length}`);
  }
  handle.close();
});

test('a SharedArrayBuffer packet is protected from a private copy (same result as a plain one)', () => {
  const a = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const b = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const plain = rtpPacket(64);
  const shared = new Uint8Array(new SharedArrayBuffer(64));
  shared.set(plain);
  assert.equal(a.inPlaceFunction()(OPS.protectRtp, plain, 32), 42);
  assert.equal(b.inPlaceFunction()(OPS.protectRtp, shared, 32), 42);
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
    fns.push(h.inPlaceFunction()); // keep only the function
  }
  let collected = 0, live = 0;
  for (let round = 0; round < 20 && collected < 190; round++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
    collected = 0;
    live = 0;
    for (const fn of fns) {
      // length 0: a live context answers with a negative result code.
      try { if (typeof fn(0, new Uint8Array(64), 0) === 'number') live++; }
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
