// SPDX-License-Identifier: MIT
// The shared SSL_CTX, seen from JavaScript: transports made from one
// Certificate and one SRTP profile list share one context in their thread,
// also when they run one after another; the certificate's JS object keeps it,
// and it goes when the certificate is collected (a fresh certificate per peer
// leaks no context). The Node-free core test checks the sharing itself
// (SSL_CTX identity, per-session settings, lifetime with its endpoints).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Certificate, DtlsTransport, type SrtpProfile } from '../../lib/index.js';
import { native } from '../../lib/native.js';

function handshake(c: Certificate, s: Certificate, srtpProfiles?: SrtpProfile[]): void {
  const queue: [DtlsTransport, Buffer][] = [];
  const client: DtlsTransport = new DtlsTransport({
    certificate: c,
    role: 'client',
    remoteFingerprints: s.getFingerprints(),
    send: (d) => queue.push([server, d]),
    ...(srtpProfiles !== undefined ? { srtpProfiles } : {}),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: s,
    role: 'server',
    remoteFingerprints: c.getFingerprints(),
    send: (d) => queue.push([client, d]),
    ...(srtpProfiles !== undefined ? { srtpProfiles } : {}),
  });
  const started = [server.start(), client.start()];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
  client.close();
  server.close();
  void Promise.all(started).catch(() => undefined);
}

test('sessions run one after another with one certificate reuse one SSL_CTX per certificate', async () => {
  const [c, s] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const before = native.NativeDtls.contextStats();
  for (let i = 0; i < 10; i++) {
    handshake(c, s);
    // A loop turn per handshake: beyond a handful of transports' handshakes
    // in one turn, the handshake scheduler defers work to later turns.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const after = native.NativeDtls.contextStats();
  assert.equal(after.created - before.created, 2); // one per certificate, not one per endpoint
  assert.equal(after.live - before.live, 2); // held by the certificates
  // Transports open at once share it too; a client and a server of one certificate as well.
  const open = Array.from(
    { length: 6 },
    (_, i) => new DtlsTransport({ certificate: c, role: i % 2 === 0 ? 'client' : 'server', send: () => undefined }),
  );
  assert.equal(native.NativeDtls.contextStats().created, after.created);
  for (const t of open) t.close();
  // Another SRTP profile list is another context.
  handshake(c, s, ['AES_CM_128_HMAC_SHA1_80']);
  assert.equal(native.NativeDtls.contextStats().created - after.created, 2);
});

const entry = path.join(__dirname, '..', '..', 'lib', 'index.js');
const nativeEntry = path.join(__dirname, '..', '..', 'lib', 'native.js');
const CHILD = `
const { Certificate, DtlsTransport } = require(${JSON.stringify(entry)});
const { native } = require(${JSON.stringify(nativeEntry)});
const tick = () => new Promise((resolve) => setImmediate(resolve));
(async () => {
  const base = native.NativeDtls.contextStats();
  const PEERS = 40;
  for (let i = 0; i < PEERS; i++) {
    const c = await Certificate.generate();
    const s = await Certificate.generate();
    const queue = [];
    const client = new DtlsTransport({ certificate: c, role: 'client', remoteFingerprints: s.getFingerprints(),
      send: (d) => queue.push([server, d]) });
    const server = new DtlsTransport({ certificate: s, role: 'server', remoteFingerprints: c.getFingerprints(),
      send: (d) => queue.push([client, d]) });
    const started = [server.start(), client.start()];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
    if (client.state !== 'connected' || server.state !== 'connected') throw new Error('handshake failed');
    client.close();
    server.close();
    await Promise.all(started);
  }
  const made = native.NativeDtls.contextStats();
  for (let i = 0; i < 20 && native.NativeDtls.contextStats().live > base.live; i++) {
    globalThis.gc();
    await tick();
    await tick();
  }
  const end = native.NativeDtls.contextStats();
  process.stdout.write(JSON.stringify({ created: made.created - base.created, liveBefore: made.live - base.live, live: end.live - base.live }));
})();
`;

test('a fresh certificate per peer: each context goes with its certificate (none leaks)', () => {
  const output = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8', timeout: 120000 });
  const { created, liveBefore, live } = JSON.parse(output) as { created: number; liveBefore: number; live: number };
  assert.equal(created, 80);
  assert.ok(liveBefore <= 80);
  // Every certificate is unreachable once its loop iteration ends (the last
  // pair may still be on the stack when the loop above gives up).
  assert.ok(live <= 2, `${live} contexts still alive after their certificates were dropped`);
});
