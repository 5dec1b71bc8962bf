// SPDX-License-Identifier: MIT
// worker.terminate() at arbitrary points while the worker runs handshakes,
// SRTP (including failures that build error objects) and
// Certificate.generate(): only the worker ends. With the env terminating,
// every Node-API call that would run JavaScript fails; the addon must treat
// that as "nothing more to do" instead of aborting the process. The driver
// runs in a child process, so an abort fails this test instead of killing
// the test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');
const pairModule = path.join(__dirname, '..', 'integration', 'pair.js');
const helpers = path.join(__dirname, '..', 'fixtures', 'srtp-helpers.js');

// Runs in each worker until terminated: every native entry point that
// builds JS values or throws, as fast as it can.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Certificate } = require(workerData.lib);
const { makePair } = require(workerData.pairModule);
const { rtp, rtcp } = require(workerData.helpers);
const stay = setInterval(() => {}, 1000);
(async () => {
  let started = false;
  for (let round = 0; ; round++) {
    // In flight across the handshake: a generate worker may complete after the env is gone.
    const generated = [Certificate.generate(), Certificate.generate({ keyType: round % 8 === 3 ? 'rsa-2048' : 'ecdsa-p256' })];
    const p = await makePair({ async: round % 2 === 1 });
    await Promise.all([p.server.start(), p.client.start()]);
    const a = p.client.createSrtpSession();
    const b = p.server.createSrtpSession();
    if (!started) { started = true; parentPort.postMessage('started'); }
    const bogus = Buffer.alloc(60, 0x80);
    for (let seq = 1; seq <= 200; seq++) {
      b.unprotectRtp(a.protectRtp(rtp({ seq, ssrc: 7, payloadLength: 100 })));
      b.unprotectRtcp(a.protectRtcp(rtcp({ ssrc: 7 })));
      try { b.unprotectRtp(bogus); } catch {}
      try { b.unprotectRtcp(bogus); } catch {}
      b.unprotectRtpBatch([bogus, bogus]);
      try { p.client.exportKeyingMaterial('EXTRACTOR-test', 32); } catch {}
    }
    p.close();
    try { a.protectRtp(bogus); } catch {}
    try { p.client.exportKeyingMaterial('EXTRACTOR-test', 32); } catch {}
    for (const c of await Promise.all(generated)) { c.toPem(); c.der; }
  }
})().catch((e) => { clearInterval(stay); parentPort.postMessage({ error: String((e && e.stack) || e) }); });
`;

// The child process: 40 workers in a row, each terminated after a random
// delay (seeded, printed) once it is busy.
const DRIVER_SOURCE = `
const { Worker } = require('node:worker_threads');
const seed = Number(process.env.TERMINATE_SEED);
let s = seed >>> 0;
const rand = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const workerData = JSON.parse(process.env.TERMINATE_DATA);
(async () => {
  for (let i = 0; i < 40; i++) {
    const worker = new Worker(process.env.TERMINATE_WORKER, { eval: true, workerData });
    await new Promise((resolve, reject) => {
      worker.once('message', (m) => (m === 'started' ? resolve() : reject(new Error(JSON.stringify(m)))));
      worker.once('error', reject);
    });
    const delay = Math.floor(rand() * 40);
    await new Promise((r) => setTimeout(r, delay));
    await worker.terminate();
    console.log('terminated', i, 'after', delay, 'ms');
  }
  console.log('done 40');
})().catch((e) => { console.error(e); process.exit(2); });
`;

test('40 workers terminated at random points mid-handshake, mid-SRTP and mid-generate: only the workers end', async () => {
  const seed = Date.now() % 1000000;
  const child = spawn(process.execPath, ['-e', DRIVER_SOURCE], {
    env: {
      ...process.env,
      TERMINATE_SEED: String(seed),
      TERMINATE_WORKER: WORKER_SOURCE,
      TERMINATE_DATA: JSON.stringify({ lib, pairModule, helpers }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const detail = `seed ${seed}, code ${code}, signal ${signal}\n${stdout.split('\n').slice(-5).join('\n')}\n${stderr}`;
  assert.doesNotMatch(stderr, /FATAL ERROR/, detail);
  assert.equal(signal, null, detail);
  assert.equal(code, 0, detail);
  assert.match(stdout, /done 40/, detail);
});
