// SPDX-License-Identifier: MIT
// Transports that are never closed (connected, or left mid-handshake until
// their handshake timeout fails them) are collected and their SSL/SSL_CTX
// freed by the GC finalizer; certificates too. Runs in a child `node --expose-gc` so that the test can force
// collections, and watches RSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const entry = path.join(__dirname, '..', '..', 'lib', 'index.js');

const CHILD = `
const { Certificate, DtlsTransport } = require(${JSON.stringify(entry)});
const tick = () => new Promise((resolve) => setImmediate(resolve));
(async () => {
  const a = await Certificate.generate();
  const b = await Certificate.generate();
  let collected = 0;
  let registered = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const rss = [];
  const ROUNDS = 8, PER_ROUND = 300;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) {
      const queue = [];
      // Every third pair stays mid-handshake; the others connect; none is closed.
      const steps = i % 3 === 0 ? 1 : 100;
      const timers = { handshakeTimeoutMs: 40, initialRetransmitMs: 10 };
      const client = new DtlsTransport({ certificate: a, role: 'client', remoteFingerprints: b.getFingerprints(),
        send: (d) => queue.push([server, d]), ...timers });
      const server = new DtlsTransport({ certificate: b, role: 'server', remoteFingerprints: a.getFingerprints(),
        send: (d) => queue.push([client, d]), ...timers });
      client.start().catch(() => {});
      server.start().catch(() => {});
      for (let k = 0; k < steps && queue.length > 0; k++) { const [t, d] = queue.shift(); t.receive(d); }
      registry.register(client, 0);
      registry.register(server, 0);
      registered += 2;
      if (i % 50 === 0) {
        registry.register(await Certificate.generate(), 0);
        registered++;
      }
    }
    // A pair left mid-handshake stays reachable from its (unref'd) retransmission
    // timer until the handshake timeout fails it and frees its native state.
    await new Promise((resolve) => setTimeout(resolve, 80));
    globalThis.gc();
    await tick();
    await tick();
    rss.push(process.memoryUsage().rss);
  }
  process.stdout.write(JSON.stringify({ collected, total: registered, rss }));
})();
`;

test('unclosed transports are collected and their OpenSSL state freed (memory stays flat)', () => {
  const output = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8', timeout: 120000 });
  const { collected, total, rss } = JSON.parse(output) as { collected: number; total: number; rss: number[] };
  // Most wrappers were collected (the last round's may still be pending).
  assert.ok(collected >= total * 0.8, `collected ${collected} of ${total}`);
  // An SSL_CTX + SSL pair mid-handshake holds tens of KB; 1 500 leaked pairs
  // after round 3 would add well over 64 MB.
  const growth = (rss[rss.length - 1] as number) - (rss[2] as number);
  assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${(growth / 1e6).toFixed(1)} MB after warm-up`);
});
