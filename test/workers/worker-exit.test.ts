// SPDX-License-Identifier: MIT
// A worker that stops while the addon is calling into it (here: process.exit()
// inside the DTLS verifier, the same state as worker.terminate() landing during
// that call) ends that worker only. Every Node-API call the addon makes after
// the stop fails; node-addon-api must not turn that into a fatal error that
// aborts the whole process. Found by `npm run test:asan`, where the slower
// build made worker.terminate() land inside the verifier call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const nativeModule = path.join(__dirname, '..', '..', 'lib', 'native.js');

const CHILD = `
const { Worker } = require('node:worker_threads');
const worker = new Worker(${JSON.stringify(`
  const { native } = require(${JSON.stringify(nativeModule)});
  (async () => {
    const certificate = await native.NativeCertificate.generate(0, 30, 'worker-exit');
    const options = { certificate, srtpProfiles: 'SRTP_AES128_CM_SHA1_80', mtu: 1200, initialRtoMs: 1000, serverCookies: false };
    const client = new native.NativeDtls({ ...options, isServer: false });
    const server = new native.NativeDtls({ ...options, isServer: true });
    const verify = () => process.exit(7);
    server.start(verify);
    let toServer = client.start(verify).datagrams;
    for (let round = 0; round < 10; round++) {
      const toClient = [];
      for (const d of toServer) toClient.push(...server.receive(d, verify).datagrams);
      toServer = [];
      for (const d of toClient) toServer.push(...client.receive(d, verify).datagrams);
    }
    throw new Error('the verifier was never called');
  })();
`)}, { eval: true });
worker.on('exit', (code) => console.log('worker exit ' + code));
`;

test('process.exit() in a worker during a native call ends the worker, not the process', () => {
  const r = spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'worker exit 7');
});
