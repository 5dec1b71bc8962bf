// SPDX-License-Identifier: MIT
// Each thread has its own handshake scheduler: a worker whose storm is
// waiting in its queues can be terminated (its pending drain dies with it),
// and the main thread's scheduler neither sees that work nor stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { handshakeScheduler } from '../../lib/handshake-scheduler.js';
import { makePair } from '../integration/pair.js';

const lib = path.join(__dirname, '..', '..', 'lib');

// Every handshake datagram of 16 pairs waits in the worker's queues, one
// processed per drain; 'queued' is posted while they wait.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { handshakeScheduler } = require(workerData.lib + '/handshake-scheduler.js');
const { makePair } = require(workerData.pair);
const stay = setInterval(() => {}, 1000);
handshakeScheduler.configure({ budgetMs: 0, inlineTransports: 0 });
(async () => {
  const pairs = await Promise.all(Array.from({ length: 16 }, () => makePair({ async: true })));
  for (const p of pairs) { p.server.start().catch(() => {}); p.client.start().catch(() => {}); }
  const poll = () => {
    if (handshakeScheduler.stats().queuedTransports > 0) parentPort.postMessage('queued');
    else setImmediate(poll);
  };
  poll();
})().catch((e) => { clearInterval(stay); parentPort.postMessage({ error: String((e && e.stack) || e) }); });
`;

test('terminating a worker whose handshake storm is queued leaves the process and the main thread\'s scheduler working', async () => {
  const before = handshakeScheduler.stats();
  for (let i = 0; i < 3; i++) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { lib, pair: path.join(__dirname, '..', 'integration', 'pair.js') },
    });
    const [message] = (await once(worker, 'message')) as [unknown];
    assert.equal(message, 'queued');
    await worker.terminate();
  }
  // Nothing of the workers' queues is here.
  assert.equal(handshakeScheduler.stats().queuedTransports, before.queuedTransports);
  const p = await makePair({ async: true });
  await Promise.all([p.server.start(), p.client.start()]);
  assert.equal(p.client.state, 'connected');
  p.close();
});
