// SPDX-License-Identifier: MIT
// A worker whose native UDP socket is receiving a flood (with an SRTP route
// registered) is terminated, again and again: the process survives, and the
// env teardown closed the socket (its port can be bound again at once). The
// driver runs in a child process, so an abort fails this test instead of
// killing the test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { UdpSocket, SrtpSession } = require(workerData.lib);
(async () => {
  const key = Buffer.alloc(16, 1), salt = Buffer.alloc(12, 2);
  const session = new SrtpSession({ profile: 'AEAD_AES_128_GCM', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
  let reported = 0;
  const socket = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', batchSize: 8, onBatch(batch) {
    if (reported++ < 5) parentPort.postMessage('batch');
    if (workerData.spin) { const until = Date.now() + 2; while (Date.now() < until); }
  } });
  socket.addRoute(workerData.from, session);
  parentPort.postMessage(socket.address().port);
})();
`;

const DRIVER = `
const { Worker } = require('node:worker_threads');
const { UdpSocket } = require(process.env.UDP_LIB);
(async () => {
  const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch() {} });
  const packets = Array.from({ length: 32 }, (_, i) => Buffer.alloc(200, i & 1 ? 0x80 : 7));
  const from = { address: '127.0.0.1', port: tx.address().port };
  for (let round = 0; round < 6; round++) {
    const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true, workerData: { lib: process.env.UDP_LIB, from, spin: round % 2 === 1 } });
    let batches = 0;
    const port = await new Promise((resolve, reject) => {
      worker.on('message', (m) => { if (m === 'batch') batches++; else resolve(m); });
      worker.once('error', reject);
    });
    const to = { address: '127.0.0.1', port };
    await new Promise((resolve) => {
      const step = () => { tx.sendBatch(packets, to); if (batches >= 3) resolve(); else setImmediate(step); };
      step();
    });
    tx.sendBatch(packets, to);
    await worker.terminate();
    tx.sendBatch(packets, to);
    // The worker's socket is gone with its env: the port is free again.
    const again = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', port, onBatch() {} });
    again.close();
  }
  tx.close();
  process.stdout.write('survived');
})();
`;

test('terminating a worker whose native UDP socket is receiving: the process survives, the socket is closed', { skip: process.platform !== 'linux' }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', DRIVER], { env: { ...process.env, UDP_LIB: lib } });
  assert.equal(stdout, 'survived');
});
