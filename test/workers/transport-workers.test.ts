// SPDX-License-Identifier: MIT
// DtlsSrtpTransport in worker_threads: three workers each run a UDP pair on
// 127.0.0.1 and stream RTP at once; a fourth is terminated while its pair
// streams (its sockets, SSL and SRTP state go with it) and the others finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';

const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { Certificate, DtlsSrtpTransport } = require(workerData.lib);
const bind = () => new Promise((resolve) => { const s = dgram.createSocket('udp4'); s.bind(0, '127.0.0.1', () => resolve(s)); });
(async () => {
  const [ca, cb, sa, sb] = await Promise.all([Certificate.generate(), Certificate.generate(), bind(), bind()]);
  const a = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), socket: sa,
    remoteAddress: { address: '127.0.0.1', port: sb.address().port } });
  const b = new DtlsSrtpTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), socket: sb,
    remoteAddress: { address: '127.0.0.1', port: sa.address().port } });
  await Promise.all([a.start(), b.start()]);
  let got = 0;
  b.on('rtp', () => got++);
  const packet = (seq) => { const p = Buffer.alloc(212); p[0] = 0x80; p[1] = 96; p.writeUInt16BE(seq, 2); p.writeUInt32BE(7, 8); return p; };
  if (workerData.forever) {
    parentPort.postMessage({ streaming: true });
    let seq = 0;
    setInterval(() => a.sendRtpBatch(Array.from({ length: 16 }, () => packet(seq++ & 0xffff))), 1);
    return;
  }
  for (let seq = 0; seq < workerData.count; seq += 50) {
    a.sendRtpBatch(Array.from({ length: 50 }, (_, i) => packet(seq + i)));
    for (let i = 0; i < 500 && got < seq + 50; i++) await new Promise((r) => setTimeout(r, 1));
  }
  const stats = b.getStats();
  a.close(); b.close(); sa.close(); sb.close();
  parentPort.postMessage({ got, auth: stats.srtpFailures.ERR_SRTP_AUTH_FAIL, profile: stats.srtpProfile });
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

test('three workers stream over their own UDP pairs while a fourth is terminated mid-stream', async () => {
  const doomed = new Worker(WORKER_SOURCE, { eval: true, workerData: { lib, forever: true } });
  const [first] = (await once(doomed, 'message')) as [{ streaming?: boolean; error?: string }];
  assert.equal(first.error, undefined);
  assert.equal(first.streaming, true);
  const workers = [1, 2, 3].map(() => new Worker(WORKER_SOURCE, { eval: true, workerData: { lib, count: 1000 } }));
  await doomed.terminate();
  const results = await Promise.all(
    workers.map(async (worker) => {
      const exited = once(worker, 'exit');
      const [message] = (await once(worker, 'message')) as [{ got?: number; auth?: number; profile?: string; error?: string }];
      await exited;
      return message;
    }),
  );
  for (const r of results) {
    assert.equal(r.error, undefined);
    assert.equal(r.got, 1000);
    assert.equal(r.auth, 0);
    assert.equal(r.profile, 'AEAD_AES_128_GCM');
  }
});
