// SPDX-License-Identifier: MIT
/**
 * The handshake scheduler (lib/handshake-scheduler.ts) under storms: every
 * handshake completes when work is deferred, media of a connected transport
 * is never queued behind handshake work, queues are bounded with counted
 * drops, and close() with work queued leaves nothing behind. The scheduler is
 * set to defer everything (`budgetMs: 0, inlineTransports: 0`: one datagram
 * per drain), so the order is deterministic; no timing is asserted.
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, DtlsTransport } from '../../lib/index.js';
import {
  DEFAULT_BUDGET_MS,
  DEFAULT_INLINE_TRANSPORTS,
  handshakeScheduler,
  MAX_QUEUED_DATAGRAMS,
} from '../../lib/handshake-scheduler.js';
import { cert, keepAlive, makePair } from './pair.js';
import { rtp } from '../fixtures/srtp-helpers.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits (loop turns, no clock) until the scheduler has nothing queued. */
async function drained(): Promise<void> {
  for (let i = 0; i < 100000 && handshakeScheduler.stats().queuedTransports > 0; i++) await turn();
  assert.equal(handshakeScheduler.stats().queuedTransports, 0);
}

beforeEach(() => {
  handshakeScheduler.configure({ budgetMs: 0, inlineTransports: 0 });
});
afterEach(async () => {
  await drained();
  handshakeScheduler.configure({ budgetMs: DEFAULT_BUDGET_MS, inlineTransports: DEFAULT_INLINE_TRANSPORTS });
});

/** N clients whose datagrams go into `toServer[i]`, N servers answering into `toClient[i]`, delivered by hand. */
async function storm(n: number, clientRtoMs = 1000): Promise<{ clients: DtlsTransport[]; servers: DtlsTransport[]; toServer: Buffer[][]; toClient: Buffer[][] }> {
  const [cc, sc] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const toServer: Buffer[][] = [];
  const toClient: Buffer[][] = [];
  const clients: DtlsTransport[] = [];
  const servers: DtlsTransport[] = [];
  for (let i = 0; i < n; i++) {
    const up: Buffer[] = [];
    const down: Buffer[] = [];
    toServer.push(up);
    toClient.push(down);
    clients.push(new DtlsTransport({
      certificate: cc, role: 'client', remoteFingerprints: sc.getFingerprints(), initialRetransmitMs: clientRtoMs, send: (d) => up.push(d),
    }));
    servers.push(new DtlsTransport({ certificate: sc, role: 'server', remoteFingerprints: cc.getFingerprints(), send: (d) => down.push(d) }));
  }
  return { clients, servers, toServer, toClient };
}

test('a storm of concurrent handshakes, every datagram deferred, all complete', async () => {
  const n = 24;
  const { clients, servers, toServer, toClient } = await storm(n);
  const before = handshakeScheduler.stats().deferred;
  const started = [...servers.map((s) => s.start()), ...clients.map((c) => c.start())].map((p) => p.catch((err: unknown) => err));
  // Deliver whatever was sent, each turn, until everyone is connected.
  let pending = true;
  for (let i = 0; i < 100000 && pending; i++) {
    for (let k = 0; k < n; k++) {
      for (const d of toServer[k]?.splice(0) ?? []) servers[k]?.receive(d);
      for (const d of toClient[k]?.splice(0) ?? []) clients[k]?.receive(d);
    }
    await turn();
    pending = [...clients, ...servers].some((t) => t.state === 'connecting');
  }
  await Promise.all(started);
  assert.ok([...clients, ...servers].every((t) => t.state === 'connected'));
  // Servers' and clients' handshake datagrams all went through the queues.
  assert.ok(handshakeScheduler.stats().deferred - before >= 4 * n);
  for (const t of [...clients, ...servers]) {
    assert.equal(t.getStats().dropped.queueOverflow, 0);
    t.close();
  }
});

test('media of a connected transport is processed while a storm waits in the queues', async () => {
  // A connected DtlsSrtpTransport pair, keyed before the storm.
  handshakeScheduler.configure({ budgetMs: Infinity });
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 2), cert('ecdsa-p256', 3)]);
  const A = { address: '192.0.2.1', port: 1000 };
  const B = { address: '192.0.2.2', port: 2000 };
  let a!: DtlsSrtpTransport;
  let b!: DtlsSrtpTransport;
  let captured: Buffer[] | undefined;
  a = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B,
    path: {
      send: (d) => {
        if (captured !== undefined) captured.push(d);
        else setImmediate(() => { if (!b.closed) b.receive(d, A); });
      },
    },
  });
  b = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A,
    path: { send: (d) => { setImmediate(() => { if (!a.closed) a.receive(d, B); }); } },
  });
  await Promise.all([b.start(), a.start()]);
  const received: number[] = [];
  b.on('rtp', () => received.push(received.length));

  // The storm: every server gets its ClientHello; all of it waits.
  handshakeScheduler.configure({ budgetMs: 0, inlineTransports: 0 });
  const { clients, servers, toServer } = await storm(16);
  const started = [...servers.map((s) => s.start()), ...clients.map((c) => c.start())].map((p) => p.catch((err: unknown) => err));
  const answered = (): number => servers.filter((s) => s.getStats().datagramsSent > 0).length;
  servers.forEach((s, k) => { for (const d of toServer[k]?.splice(0) ?? []) s.receive(d); });
  assert.equal(handshakeScheduler.stats().queuedTransports, 16);
  assert.equal(answered(), 0);

  // Media arrives behind the storm and is processed at once.
  captured = [];
  a.sendRtp(rtp());
  assert.equal(captured.length, 1);
  b.receive(captured[0] as Buffer, A);
  assert.deepEqual(received, [0]);
  assert.equal(answered(), 0);
  assert.equal(handshakeScheduler.stats().queuedTransports, 16);

  // The storm is served afterwards, one datagram per drain.
  await drained();
  assert.equal(answered(), 16);
  for (const t of [...clients, ...servers]) t.close();
  await Promise.allSettled(started);
  a.close();
  b.close();
});

test('queues are bounded: datagrams beyond the bound are dropped and counted', async () => {
  const { clients, servers, toServer } = await storm(1);
  const server = servers[0] as DtlsTransport;
  const client = clients[0] as DtlsTransport;
  const started = [server.start(), client.start()].map((p) => p.catch((err: unknown) => err));
  const hello = toServer[0]?.[0] as Buffer;
  const extra = 8;
  for (let i = 0; i < MAX_QUEUED_DATAGRAMS + extra; i++) server.receive(hello);
  assert.equal(server.getStats().dropped.queueOverflow, extra);
  assert.equal(server.getStats().datagramsReceived, MAX_QUEUED_DATAGRAMS + extra);
  assert.equal(server.getStats().datagramsSent, 0);
  await drained();
  // The first ClientHello was answered; its copies were retransmissions.
  assert.ok(server.getStats().datagramsSent > 0);
  server.close();
  client.close();
  await Promise.allSettled(started);
});

test('close() with datagrams queued: nothing runs for the closed transport afterwards', async () => {
  const { clients, servers, toServer } = await storm(2);
  const [s0, s1] = servers as [DtlsTransport, DtlsTransport];
  const started = [...servers.map((s) => s.start()), ...clients.map((c) => c.start())].map((p) => p.catch((err: unknown) => err));
  servers.forEach((s, k) => { for (const d of toServer[k]?.splice(0) ?? []) s.receive(d); });
  assert.equal(handshakeScheduler.stats().queuedTransports, 2);
  const events: string[] = [];
  s0.on('statechange', (state) => events.push(state));
  s0.close();
  assert.deepEqual(events, ['closed']);
  assert.equal(handshakeScheduler.stats().queuedTransports, 1);
  await drained();
  assert.deepEqual(events, ['closed']);
  assert.equal(handshakeScheduler.stats().queuedBytes, 0);
  // The other transport's work still ran.
  assert.ok(s1.getStats().datagramsSent > 0);
  for (const t of [...clients, s1]) t.close();
  await Promise.allSettled(started);
});

test('a fingerprint mismatch found in a deferred step fails the transport as it would inline', async () => {
  // The server expects another client certificate: the handshake step that
  // reads the client's flight (deferred) fails it with the typed error.
  const pair = await makePair({ server: { remoteFingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] } });
  const both = [pair.client.start(), pair.server.start()];
  await Promise.allSettled(both);
  assert.equal(pair.server.state, 'failed');
  assert.equal(pair.server.error?.code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.ok(handshakeScheduler.stats().deferred > 0);
  pair.close();
});

test('no retransmission while the peer\'s answer waits in the queue; the handshake goes on after it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  // JS timers are mocked; OpenSSL's retransmission clock is real, so its
  // 1 ms timer has certainly expired once a few real milliseconds passed.
  const { clients, servers, toServer, toClient } = await storm(1, 1);
  const server = servers[0] as DtlsTransport;
  const client = clients[0] as DtlsTransport;
  const started = [server.start(), client.start()].map((p) => p.catch((err: unknown) => err));
  for (const d of toServer[0]?.splice(0) ?? []) server.receive(d);
  await drained();
  const flight = toClient[0]?.splice(0) ?? [];
  assert.ok(flight.length > 0);
  for (const d of flight) client.receive(d);
  const sent = client.getStats().datagramsSent;
  for (const t0 = process.hrtime.bigint(); process.hrtime.bigint() - t0 < 5_000_000n;);
  // The retransmission timer fires while the server's flight waits.
  t.mock.timers.tick(1000);
  assert.equal(client.getStats().datagramsSent, sent);
  await drained();
  // The client answered the server's flight (not a retransmitted ClientHello).
  assert.ok(client.getStats().datagramsSent > sent);
  for (const d of toServer[0]?.splice(0) ?? []) server.receive(d);
  await drained();
  for (const d of toClient[0]?.splice(0) ?? []) client.receive(d);
  await drained();
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
  client.close();
  server.close();
  await Promise.all(started);
});

test('a lossy link under full deferral: retransmissions still complete the handshake', async () => {
  const release = keepAlive();
  try {
    // Seed 7's first draw (0.01) loses the client's first datagram, its ClientHello,
    // whatever the timing: the handshake can only complete through a retransmission.
    // (Seed 11, used before, lost nothing of a 4-datagram handshake, so whether a
    // retransmission happened depended on how fast the machine was.)
    const pair = await makePair({ link: { loss: 0.3, seed: 7 }, client: { initialRetransmitMs: 20 }, server: { initialRetransmitMs: 20 } });
    await Promise.all([pair.client.start(), pair.server.start()]);
    assert.equal(pair.client.state, 'connected');
    assert.equal(pair.server.state, 'connected');
    assert.ok(pair.sentByClient.length >= 2, 'the lost ClientHello was sent again');
    pair.close();
  } finally {
    release();
  }
});
