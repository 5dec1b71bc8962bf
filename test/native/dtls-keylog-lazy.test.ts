// SPDX-License-Identifier: MIT
// The key-log callback goes on a shared SSL_CTX only once one of its
// endpoints asks for its key log (a 'keylog' listener): until then OpenSSL
// formats no key-log line at all (it would for every session of the context
// otherwise). Once registered, it stays, and the lines still reach only the
// transports that listen (test/integration/keylog.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsTransport } from '../../lib/index.js';
import { native } from '../../lib/native.js';

/** A client and a server linked in memory through one queue; `pump()` delivers until it is empty. */
function linkedPair(c: Certificate, s: Certificate): { client: DtlsTransport; server: DtlsTransport; pump: () => void } {
  const queue: [DtlsTransport, Buffer][] = [];
  const client: DtlsTransport = new DtlsTransport({
    certificate: c,
    role: 'client',
    remoteFingerprints: s.getFingerprints(),
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: s,
    role: 'server',
    remoteFingerprints: c.getFingerprints(),
    send: (d) => queue.push([client, d]),
  });
  const pump = (): void => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
  };
  return { client, server, pump };
}

/** One in-memory handshake; `listen` adds a 'keylog' listener on that side before start(). Returns each side's lines. */
function handshake(c: Certificate, s: Certificate, listen: { client?: boolean; server?: boolean }): { client: Buffer[]; server: Buffer[] } {
  const { client, server, pump } = linkedPair(c, s);
  const lines = { client: [] as Buffer[], server: [] as Buffer[] };
  if (listen.client === true) client.on('keylog', (line) => lines.client.push(line));
  if (listen.server === true) server.on('keylog', (line) => lines.server.push(line));
  const started = [server.start(), client.start()];
  pump();
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
  client.close();
  server.close();
  void Promise.all(started).catch(() => undefined);
  return lines;
}

test('keylog: no key-log callback on a shared SSL_CTX until a transport of it listens; then its lines arrive', async () => {
  const [c, s] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const before = native.NativeDtls.contextStats();
  const quiet = handshake(c, s, {});
  assert.deepEqual([quiet.client.length, quiet.server.length], [0, 0]);
  const made = native.NativeDtls.contextStats();
  assert.equal(made.created - before.created, 2);
  assert.equal(made.keylog, before.keylog, 'no listener: no callback registered on either context');

  // The client's context gets the callback when a client transport listens.
  const first = handshake(c, s, { client: true });
  assert.deepEqual([first.client.length, first.server.length], [1, 0]);
  assert.match((first.client[0] as Buffer).toString('latin1'), /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/);
  assert.equal(native.NativeDtls.contextStats().keylog - before.keylog, 1);

  // Registered once, it stays: a later transport of that context that does
  // not listen still gets nothing, one that listens gets its line.
  const again = handshake(c, s, { server: true });
  assert.deepEqual([again.client.length, again.server.length], [0, 1]);
  assert.equal(native.NativeDtls.contextStats().keylog - before.keylog, 2);
  const both = handshake(c, s, { client: true, server: true });
  assert.deepEqual([both.client.length, both.server.length], [1, 1]);
  assert.equal(native.NativeDtls.contextStats().created, made.created, 'still the same two contexts');
});

test('keylog: a listener added after start() still gets the line of a handshake not yet at its secret', async () => {
  const [c, s] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const { client, server, pump } = linkedPair(c, s);
  const lines: Buffer[] = [];
  const started = [server.start(), client.start()];
  // The ClientHello is out; no secret yet. Listening now registers the callback.
  client.on('keylog', (line) => lines.push(line));
  pump();
  assert.equal(client.state, 'connected');
  assert.equal(lines.length, 1);
  client.close();
  server.close();
  await Promise.all(started);
});
