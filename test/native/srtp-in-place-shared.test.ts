// SPDX-License-Identifier: MIT
// The in-place SRTP functions are made once per env, not per session: every
// SrtpSession calls the same four native functions, with its own handle (an
// External to its context cell) as the first argument. Anything else as that
// first argument is rejected with a typed error and never read as a cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { SrtpSession } from '../../lib/index.js';
import { native } from '../../lib/native.js';

const KEY = new Uint8Array(30).fill(7); // AES_CM_128_HMAC_SHA1_80: 16 + 14
const OPS = ['protectRtp', 'unprotectRtp', 'protectRtcp', 'unprotectRtcp'] as const;

function session(): SrtpSession {
  return new SrtpSession({
    profile: 'AES_CM_128_HMAC_SHA1_80',
    localKey: KEY.subarray(0, 16),
    localSalt: KEY.subarray(16),
    remoteKey: KEY.subarray(0, 16),
    remoteSalt: KEY.subarray(16),
  });
}

function rtpPacket(capacity: number): Buffer {
  const p = Buffer.alloc(capacity);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(1, 2);
  p.writeUInt32BE(0x1234abcd, 8);
  return p;
}

// How many function objects named `name` the heap holds (a native in-place
// function carries its op's name; the class methods of that name are fixed).
async function closureCount(name: string): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const closure = snap.snapshot.meta.node_types[0].indexOf('closure');
  let count = 0;
  for (let i = 0; i < snap.nodes.length; i += stride) {
    if (snap.nodes[i + typeAt] === closure && snap.strings[snap.nodes[i + nameAt]!] === name) count++;
  }
  return count;
}

test('sessions share the env in-place functions: no native function per session', async () => {
  const packet = rtpPacket(64);
  const warm = session();
  for (const op of ['protectRtpInPlace', 'protectRtcpInPlace'] as const) warm[op](packet, 32);
  const before = await closureCount('unprotectRtcp');
  const kept: SrtpSession[] = [];
  for (let i = 0; i < 40; i++) {
    const s = session();
    s.protectRtpInPlace(rtpPacket(64), 32); // makes the session's handle
    kept.push(s);
  }
  const after = await closureCount('unprotectRtcp');
  assert.equal(after - before, 0, `${after - before} more unprotectRtcp functions for ${kept.length} sessions`);
  for (const s of [warm, ...kept]) s.close();
});

test('the in-place functions are one frozen set per env, each taking a handle first', () => {
  const { inPlace } = native.NativeSrtp;
  assert.deepEqual(Object.keys(inPlace).sort(), [...OPS].sort());
  assert.ok(Object.isFrozen(inPlace));
  const a = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const b = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const packet = rtpPacket(64);
  packet.fill(5, 12, 32);
  const n = inPlace.protectRtp(a.inPlaceHandle(), packet, 32);
  assert.equal(n, 42);
  // The handle picks the context: b unprotects what a protected (same keys).
  assert.equal(inPlace.unprotectRtp(b.inPlaceHandle(), packet, n), 32);
  assert.deepEqual(packet.subarray(12, 32), Buffer.alloc(20, 5));
  const held = a.inPlaceHandle();
  a.close();
  assert.throws(() => inPlace.protectRtp(held, rtpPacket(64), 32), {
    name: 'InvalidStateError',
    code: 'ERR_INVALID_STATE',
  });
  b.close();
});

test('a forged or foreign first argument is rejected with ERR_INTERNAL_ARG, never read as a handle', () => {
  const { inPlace } = native.NativeSrtp;
  const handle = new native.NativeSrtp(1, KEY, KEY, 1024, 8, 8);
  const real = handle.inPlaceHandle();
  const buf = rtpPacket(64);
  const before = Buffer.from(buf);
  const forged: unknown[] = [
    undefined,
    null,
    0,
    0x1234,
    'handle',
    Symbol('handle'),
    {},
    [],
    buf,
    handle, // the object itself is not its handle
    new Proxy({}, {}),
    Object.create(null),
    () => 0,
  ];
  for (const op of OPS) {
    const fn = inPlace[op] as (...args: unknown[]) => number;
    assert.throws(() => fn(), { name: 'TypeError', code: 'ERR_INTERNAL_ARG' });
    for (const first of forged) {
      assert.throws(() => fn(first, buf, 32), { name: 'TypeError', code: 'ERR_INTERNAL_ARG' }, String(op));
    }
    // The real handle with the other arguments swapped: declined, untouched.
    assert.equal(fn(real, 32, buf), native.NativeSrtp.inPlaceDeclined);
  }
  assert.deepEqual(buf, before);
  handle.close();
});

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { SrtpSession } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'index.js'))});
const { native } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'native.js'))});
const key = new Uint8Array(30).fill(7);
const options = { profile: 'AES_CM_128_HMAC_SHA1_80', localKey: key.subarray(0, 16), localSalt: key.subarray(16),
  remoteKey: key.subarray(0, 16), remoteSalt: key.subarray(16) };
const tx = new SrtpSession(options);
const rx = new SrtpSession(options);
const results = [];
for (let i = 0; i < 50; i++) {
  const p = Buffer.alloc(64);
  p[0] = 0x80; p[1] = 111; p.writeUInt16BE(i, 2); p.writeUInt32BE(0x1234abcd, 8);
  const n = tx.protectRtpInPlace(p, 32);
  results.push(n, rx.unprotectRtpInPlace(p, n));
}
parentPort.postMessage({ frozen: Object.isFrozen(native.NativeSrtp.inPlace), results });
`;

test('each worker has its own in-place functions, and sessions there use them', async () => {
  const runs = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<{ frozen: boolean; results: number[] }>((resolve, reject) => {
          const worker = new Worker(WORKER, { eval: true });
          worker.once('message', (m: { frozen: boolean; results: number[] }) => {
            void worker.terminate().then(() => resolve(m), reject);
          });
          worker.once('error', reject);
        }),
    ),
  );
  for (const { frozen, results } of runs) {
    assert.equal(frozen, true);
    assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 42 : 32)));
  }
});
