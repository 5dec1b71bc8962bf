// SPDX-License-Identifier: MIT
// The native receive path allocates nothing per datagram: over 200,000
// datagrams (after a warm-up), with a 1 MiB young generation, the number of
// scavenges stays at what per-batch work costs. The same run with a callback
// that allocates one small view and one string per datagram scavenges many
// times more, which shows the count can see per-packet allocation at all.
// Counters, not timing; in a child process so that the flags and the GC
// observer touch nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');

const CHILD = `
const { UdpSocket } = require(process.env.UDP_LIB);
const { PerformanceObserver, constants } = require('node:perf_hooks');
const mode = process.argv[1];
const TOTAL = 200000, WARM = 10000;
let minor = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
});
(async () => {
  let received = 0, sum = 0, observing = false, done;
  const finished = new Promise((r) => { done = r; });
  const packets = Array.from({ length: 32 }, () => Buffer.alloc(100, 1));
  let tx, to;
  // Each received batch sends the next one: the loop runs on socket events only (no timers).
  const rx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', batchSize: 32, onBatch(batch) {
    const n = batch.count;
    if (mode === 'alloc') { for (let i = 0; i < n; i++) sum += batch.packet(i).length + batch.address(i).length; }
    else { for (let i = 0; i < n; i++) sum += batch.offset(i) + batch.length(i) + batch.port(i) + (batch.kind(i) === 'unregistered' ? 1 : 0); }
    received += n;
    if (!observing && received >= WARM) { observing = true; observer.observe({ entryTypes: ['gc'] }); }
    if (received >= TOTAL + WARM) return done();
    tx.sendBatch(n === 32 ? packets : packets.slice(0, n), to);
  } });
  tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch() {} });
  to = { address: '127.0.0.1', port: rx.address().port };
  for (let k = 0; k < 8; k++) tx.sendBatch(packets, to);
  await finished;
  observer.disconnect();
  process.stdout.write(JSON.stringify({ minor, received, sum: sum > 0, path: rx.path }));
  rx.close();
  tx.close();
})();
`;

async function run(mode: 'none' | 'alloc'): Promise<{ minor: number; received: number; path: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-semi-space-size=1', '-e', CHILD, mode], {
    env: { ...process.env, UDP_LIB: lib },
  });
  return JSON.parse(stdout) as { minor: number; received: number; path: string };
}

test('native receive path: no allocation per datagram (scavenges over 200k datagrams)', { skip: process.platform !== 'linux' }, async (t) => {
  const quiet = await run('none');
  const allocating = await run('alloc');
  t.diagnostic(`scavenges: ${quiet.minor} without, ${allocating.minor} with per-datagram allocation`);
  assert.equal(quiet.path, 'native');
  assert.ok(quiet.received >= 200_000);
  // 1 MiB per scavenge: 10 scavenges over 200k datagrams is under 53 bytes per
  // datagram for everything the loop does (send side, per-batch calls included).
  assert.ok(quiet.minor <= 10, `${quiet.minor} scavenges`);
  // The control: one view and one string per datagram is plainly visible.
  assert.ok(allocating.minor >= 3 * (quiet.minor + 5), `control: ${allocating.minor} scavenges`);
});
