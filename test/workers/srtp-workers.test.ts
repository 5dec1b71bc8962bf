// SPDX-License-Identifier: MIT
// The addon is context-aware: several workers load it at once, each runs its
// own SRTP sessions, and terminating a worker mid-use (the env cleanup hook
// frees its live contexts) disturbs nobody else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { pair, rtp, PROFILES } from '../fixtures/srtp-helpers.js';

const helpers = path.join(__dirname, '..', 'fixtures', 'srtp-helpers.js');

// Runs in each worker: round trips on every profile, then reports.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pair, rtp, rtcp, PROFILES } = require(workerData.helpers);
let packets = 0;
for (const profile of PROFILES) {
  const { a, b } = pair(profile);
  for (let seq = 1; seq <= workerData.count; seq++) {
    const packet = rtp({ seq, ssrc: workerData.id, payloadLength: 100 + (seq % 50) });
    if (!b.unprotectRtp(a.protectRtp(packet)).equals(packet)) throw new Error('mismatch');
    packets++;
  }
  const report = rtcp({ ssrc: workerData.id });
  if (!b.unprotectRtcp(a.protectRtcp(report)).equals(report)) throw new Error('rtcp mismatch');
  if (workerData.keepOpen) continue;
  a.close();
  b.close();
}
if (workerData.spin) {
  // Keep many sessions alive and busy until terminated.
  const sessions = PROFILES.map((p) => pair(p));
  parentPort.postMessage({ started: true });
  let seq = 0;
  for (;;) {
    for (const { a, b } of sessions) b.unprotectRtp(a.protectRtp(rtp({ seq: (++seq % 65535) + 1, ssrc: seq })));
    if (seq > 60000) seq = 0;
  }
}
parentPort.postMessage({ packets });
`;

interface Started {
  worker: Worker;
  /** The worker's report; listened for from the start, so an early message is never missed. */
  report: Promise<{ packets: number }>;
  exited: Promise<unknown>;
}

function startWorker(data: Record<string, unknown>): Started {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { helpers, ...data } });
  const report = new Promise<{ packets: number }>((resolve, reject) => {
    worker.on('message', (m: { packets?: number }) => {
      if (typeof m.packets === 'number') resolve({ packets: m.packets });
    });
    worker.once('error', reject);
  });
  return { worker, report, exited: once(worker, 'exit') };
}

test('four workers run SRTP sessions at once', async () => {
  const workers = [1, 2, 3, 4].map((id) => startWorker({ id, count: 300, keepOpen: id % 2 === 0 }));
  const results = await Promise.all(
    workers.map(async ({ report, exited }) => {
      const { packets } = await report;
      await exited;
      return packets;
    }),
  );
  assert.deepEqual(results, [1200, 1200, 1200, 1200]);
});

test('terminating a worker mid-use frees its sessions and leaves the others working', async () => {
  const spinning = startWorker({ id: 9, count: 10, spin: true });
  const busy = [startWorker({ id: 10, count: 500 }), startWorker({ id: 11, count: 500, keepOpen: true })];
  // Wait until the spinning worker is inside its protect/unprotect loop.
  for (;;) {
    const [message] = (await once(spinning.worker, 'message')) as [{ started?: boolean }];
    if (message.started === true) break;
  }
  const exitCode = await spinning.worker.terminate();
  assert.equal(exitCode, 1);
  const counts = await Promise.all(
    busy.map(async ({ report }) => (await report).packets),
  );
  assert.deepEqual(counts, [2000, 2000]);
  // And the main thread's own sessions are unaffected.
  for (const profile of PROFILES) {
    const { a, b } = pair(profile);
    const packet = rtp({ seq: 42 });
    assert.deepEqual(b.unprotectRtp(a.protectRtp(packet)), packet);
    a.close();
    b.close();
  }
});
