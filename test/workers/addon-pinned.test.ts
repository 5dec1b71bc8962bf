// SPDX-License-Identifier: MIT
// The addon stays mapped after the last worker that loaded it has exited.
// Node unloads an addon with its last environment, but the addon carries
// process-wide state (libsrtp's crypto kernel, OpenSSL's per-thread state on
// libuv's pool threads, whose exit destructors point into the addon's code)
// that must outlive it: unloaded, that state leaked on every load/unload cycle
// (found by `npm run test:asan`) and those destructors pointed into unmapped
// memory. Run in a child process whose main thread never loads the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const indexModule = path.join(__dirname, '..', '..', 'lib', 'index.js');

const CHILD = `
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const mapped = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').some((l) => l.endsWith('.node') && l.includes('dtls_srtp'));
const runs = [];
function once() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(${JSON.stringify(`
      const { parentPort } = require('node:worker_threads');
      const m = require(${JSON.stringify(indexModule)});
      m.Certificate.generate().then((c) => parentPort.postMessage(c.getFingerprints().length));
    `)}, { eval: true });
    worker.on('message', (n) => runs.push(n));
    worker.on('error', reject);
    worker.on('exit', resolve);
  });
}
(async () => {
  const before = mapped();
  await once();
  await new Promise((r) => setTimeout(r, 100));
  const afterFirst = mapped();
  await once();
  console.log(JSON.stringify({ before, afterFirst, afterSecond: mapped(), runs }));
})();
`;

test('the addon stays loaded after the last worker using it exits', { skip: process.platform !== 'linux' && 'reads /proc/self/maps' }, () => {
  const r = spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { before: boolean; afterFirst: boolean; afterSecond: boolean; runs: number[] };
  assert.equal(result.before, false, 'the main thread of the child must not load the addon itself');
  assert.equal(result.afterFirst, true, 'the addon was unmapped when its only worker exited');
  assert.equal(result.afterSecond, true);
  assert.deepEqual(result.runs, [1, 1]);
});
