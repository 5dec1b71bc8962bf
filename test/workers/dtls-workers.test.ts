// SPDX-License-Identifier: MIT
// DTLS in worker_threads: four workers handshake at once, each with its own
// per-env addon state, and terminating a worker mid-handshake (the env
// cleanup hook frees its live SSL objects) disturbs nobody else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { makePair, keepAlive } from '../integration/pair.js';

const pairModule = path.join(__dirname, '..', 'integration', 'pair.js');

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { makePair } = require(workerData.pairModule);
(async () => {
  const stay = setInterval(() => {}, 1000);
  if (workerData.stuck) {
    // Handshakes that wait for fingerprints forever: live SSL objects mid-handshake.
    const pairs = [];
    for (let i = 0; i < 8; i++) {
      const p = await makePair({ withFingerprints: false });
      p.client.start().catch(() => {});
      p.server.start().catch(() => {});
      pairs.push(p);
    }
    await new Promise((r) => setTimeout(r, 20));
    parentPort.postMessage({ started: pairs.every((p) => p.client.state === 'connecting') });
    return; // the interval keeps the worker alive until it is terminated
  }
  let ok = 0;
  for (let i = 0; i < workerData.count; i++) {
    const p = await makePair({ keyType: i % 2 ? 'rsa-2048' : 'ecdsa-p256' });
    await Promise.all([p.server.start(), p.client.start()]);
    const a = p.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    const b = p.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    if (a.equals(b)) ok++;
    p.close();
  }
  clearInterval(stay);
  parentPort.postMessage({ ok });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

function startWorker(data: Record<string, unknown>): Worker {
  return new Worker(WORKER_SOURCE, { eval: true, workerData: { pairModule, ...data } });
}

test('four workers handshake at once', async () => {
  const workers = [1, 2, 3, 4].map(() => startWorker({ count: 4 }));
  const results = await Promise.all(
    workers.map(async (worker) => {
      const exited = once(worker, 'exit');
      const [message] = (await once(worker, 'message')) as [{ ok?: number; error?: string }];
      await exited;
      assert.equal(message.error, undefined);
      return message.ok;
    }),
  );
  assert.deepEqual(results, [4, 4, 4, 4]);
});

test('terminating a worker mid-handshake leaves the others and this thread working', async () => {
  const stuck = startWorker({ stuck: true });
  const stuckStarted = once(stuck, 'message');
  // Listen at once: a busy worker may finish before the stuck one is terminated.
  const busy = [startWorker({ count: 3 }), startWorker({ count: 3 })].map((w) => once(w, 'message'));
  const [started] = (await stuckStarted) as [{ started: boolean }];
  assert.equal(started.started, true);
  await stuck.terminate();
  for (const done of busy) {
    const [message] = (await done) as [{ ok?: number; error?: string }];
    assert.equal(message.error, undefined);
    assert.equal(message.ok, 3);
  }
  const stop = keepAlive();
  const p = await makePair();
  await Promise.all([p.server.start(), p.client.start()]);
  stop();
  assert.equal(p.client.state, 'connected');
  p.close();
});
