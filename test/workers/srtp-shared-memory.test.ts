// SPDX-License-Identifier: MIT
// Caller memory on a SharedArrayBuffer can change while native code runs.
// A worker thread rewrites a shared batch layout (offsets far outside the
// buffer between valid ones) and the shared packet bytes (CC, X bit,
// extension length, payload) as fast as it can, while this thread calls
// every in-place and batch form on them many times. Native code must read
// the layout once and process shared packets in its own memory, so nothing
// is ever read or written outside the buffers. The race runs in a child
// process: a crash fails this test instead of killing the runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const helpers = path.join(__dirname, '..', 'fixtures', 'srtp-helpers.js');

const HAMMER_SOURCE = `
const { workerData } = require('node:worker_threads');
const layout = new Int32Array(workerData.layout);
const bytes = new Uint8Array(workerData.bytes);
const stop = new Int32Array(workerData.stop);
let x = 12345;
while (Atomics.load(stop, 0) === 0) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  const slot = x % layout.length;
  // A valid triple, then one far outside the buffer, then valid again.
  const valid = workerData.valid[slot];
  layout[slot] = (x & 1) ? 0x3fff0000 + (x & 0xfff) : -((x >>> 8) & 0xffff);
  layout[slot] = valid;
  // Packet bytes: CC/X/version byte, extension length, anything.
  const packet = (x >>> 4) % workerData.packets;
  const at = packet * workerData.stride;
  bytes[at] = (x & 2) ? 0x9f : 0x80;
  bytes[at + 14 + ((x >>> 3) & 1)] = x >>> 16;
  bytes[at + ((x >>> 9) % workerData.stride)] = x >>> 24;
  bytes[at] = 0x80;
}
`;

const DRIVER_SOURCE = `
const { Worker } = require('node:worker_threads');
const { pair, rtp, rtcp } = require(process.env.SHARED_HELPERS);
const PACKETS = 8;
const STRIDE = 256;
const rounds = Number(process.env.SHARED_ROUNDS);
const layoutSab = new SharedArrayBuffer(4 * 3 * PACKETS);
const bytesSab = new SharedArrayBuffer(STRIDE * PACKETS);
const stopSab = new SharedArrayBuffer(4);
const layout = new Int32Array(layoutSab);
const bytes = new Uint8Array(bytesSab);
const valid = [];
for (let i = 0; i < PACKETS; i++) valid.push(i * STRIDE, 100, STRIDE);
layout.set(valid);
const results = new Int32Array(PACKETS);
const worker = new Worker(process.env.SHARED_HAMMER, {
  eval: true,
  workerData: { layout: layoutSab, bytes: bytesSab, stop: stopSab, valid, packets: PACKETS, stride: STRIDE },
});
const sessions = ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'].map((p) => pair(p));
let calls = 0;
let thrown = 0;
const attempt = (fn) => {
  calls++;
  try { fn(); } catch (e) {
    if (e.code !== 'ERR_OUT_OF_RANGE' && e.code !== 'ERR_INTERNAL_ARG' && e.name !== 'SrtpError') throw e;
    thrown++;
  }
};
let seq = 1;
for (let round = 0; round < rounds; round++) {
  for (const { a, b } of sessions) {
    for (let i = 0; i < PACKETS; i++) {
      bytes.set(rtp({ seq: seq++ & 0xffff, ssrc: 1 + i, payloadLength: 88 }), i * STRIDE);
    }
    attempt(() => a.protectRtpBatchInPlace(bytes, layout, results));
    attempt(() => b.unprotectRtpBatchInPlace(bytes, layout, results));
    attempt(() => a.protectRtcpBatchInPlace(bytes, layout, results));
    attempt(() => b.unprotectRtcpBatchInPlace(bytes, layout, results));
    const one = bytes.subarray(0, STRIDE);
    attempt(() => a.protectRtpInPlace(one, 100));
    attempt(() => b.unprotectRtpInPlace(one, 116));
    attempt(() => a.protectRtcpInPlace(one, 100));
    attempt(() => b.unprotectRtcpInPlace(one, 120));
    attempt(() => b.unprotectRtp(one.subarray(0, 116)));
    attempt(() => b.unprotectRtpBatch([one.subarray(0, 116), one.subarray(0, 40)]));
  }
}
Atomics.store(new Int32Array(stopSab), 0, 1);
worker.once('exit', () => console.log('done', calls, 'calls', thrown, 'thrown'));
`;

test('shared layouts and packets mutated by another thread during every batch and in-place form stay in bounds', async () => {
  const child = spawn(process.execPath, ['-e', DRIVER_SOURCE], {
    env: { ...process.env, SHARED_HELPERS: helpers, SHARED_HAMMER: HAMMER_SOURCE, SHARED_ROUNDS: '4000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const detail = `code ${code}, signal ${signal}\n${stdout}\n${stderr}`;
  assert.equal(signal, null, detail);
  assert.equal(code, 0, detail);
  assert.match(stdout, /^done \d+ calls/m, detail);
});
