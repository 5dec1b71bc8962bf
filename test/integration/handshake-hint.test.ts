// SPDX-License-Identifier: MIT
/**
 * A failed handshake says what it did and did not receive (`error.received`)
 * and its likeliest cause (`error.hint`, also in the message): both sides
 * clients, both sides servers, a peer that never answers, a path that
 * refuses every send, a peer that stops half-way. Counted from the DTLS
 * record headers as they arrive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsError, DtlsTransport, type DtlsHandshakeHint } from '../../lib/index.js';
import { HandshakeObserver } from '../../lib/handshake-hint.js';
import { cert, makePair } from './pair.js';

/** Two transports of the given roles wired to each other (asynchronously, as a network would). */
async function wired(roleA: 'client' | 'server', roleB: 'client' | 'server', handshakeTimeoutMs = 30000) {
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  let a!: DtlsTransport;
  let b!: DtlsTransport;
  const deliver = (target: () => DtlsTransport) => (d: Buffer) => {
    setImmediate(() => {
      const t = target();
      if (t.state === 'connecting' || t.state === 'connected') t.receive(d);
    });
  };
  a = new DtlsTransport({ certificate: ca, role: roleA, remoteFingerprints: cb.getFingerprints(), handshakeTimeoutMs, send: deliver(() => b) });
  b = new DtlsTransport({ certificate: cb, role: roleB, remoteFingerprints: ca.getFingerprints(), handshakeTimeoutMs, send: deliver(() => a) });
  return { a, b };
}

// The transports' timers are unref'd (they never keep a process alive): this keeps the test's loop running.
const keepAlive = setInterval(() => undefined, 1000);
test.after(() => {
  clearInterval(keepAlive);
});

function failure(err: unknown, code: string, hint: DtlsHandshakeHint | undefined): boolean {
  assert.ok(err instanceof DtlsError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.hint, hint);
  assert.notEqual(err.received, undefined);
  return true;
}

test('both sides clients: each fails fast naming it (hint both-clients), not as a bare handshake failure', async (t) => {
  const { a, b } = await wired('client', 'client');
  t.after(() => {
    a.close();
    b.close();
  });
  const results = await Promise.allSettled([a.start(), b.start()]);
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 'rejected', `side ${i}`);
    const err = (r).reason as DtlsError;
    assert.ok(err instanceof DtlsError);
    assert.notEqual(err.code, 'ERR_DTLS_TIMEOUT');
    assert.equal(err.hint, 'both-clients', `side ${i}: ${err.code} ${err.message}`);
    assert.match(err.message, /both sides are clients/);
    assert.equal(err.received?.serverHellos, 0);
  }
  // At least the side that read the other's ClientHello counted it.
  const hellos = [a, b].map((x) => x.error?.received?.clientHellos ?? 0);
  assert.ok(hellos.some((n) => n > 0), String(hellos));
});

test('both sides servers: the handshake timeout says nothing was received and we are server (hint both-servers)', async (t) => {
  const { a, b } = await wired('server', 'server', 150);
  t.after(() => {
    a.close();
    b.close();
  });
  const results = await Promise.allSettled([a.start(), b.start()]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    const err = (r).reason as DtlsError;
    failure(err, 'ERR_DTLS_TIMEOUT', 'both-servers');
    assert.equal(err.received?.datagrams, 0);
    assert.match(err.message, /both sides are servers/);
  }
});

test('a peer that never answers: the client times out with "no datagram from the peer" (hint no-datagram)', async (t) => {
  const c = await cert('ecdsa-p256', 0);
  let sent = 0;
  const client = new DtlsTransport({
    certificate: c,
    role: 'client',
    remoteFingerprints: c.getFingerprints(),
    handshakeTimeoutMs: 150,
    initialRetransmitMs: 50,
    send: () => {
      sent++;
    },
  });
  t.after(() => client.close());
  await assert.rejects(client.start(), (err) => failure(err, 'ERR_DTLS_TIMEOUT', 'no-datagram'));
  assert.ok(sent >= 1);
  assert.match(client.error?.message ?? '', /no datagram from the peer/);
  assert.deepEqual(client.error?.received, {
    datagrams: 0,
    notDtls: 0,
    clientHellos: 0,
    serverHellos: 0,
    helloVerifyRequests: 0,
    otherHandshakeMessages: 0,
    changeCipherSpecs: 0,
    alerts: 0,
    encryptedRecords: 0,
  });
});

test('every send fails (no destination): the timeout says so (hint send-failed)', async (t) => {
  const c = await cert('ecdsa-p256', 0);
  const client = new DtlsTransport({
    certificate: c,
    role: 'client',
    handshakeTimeoutMs: 100,
    send: () => {
      throw new Error('no route');
    },
  });
  t.after(() => client.close());
  await assert.rejects(client.start(), (err) => failure(err, 'ERR_DTLS_TIMEOUT', 'send-failed'));
});

test('a peer that answers, then stops: the timeout counts what came (hint stalled)', async (t) => {
  // The server's first flight reaches the client; nothing after the client's second flight does.
  const pair = await makePair({ client: { handshakeTimeoutMs: 300, initialRetransmitMs: 50 }, server: { handshakeTimeoutMs: 300 } });
  t.after(() => pair.close());
  let toClient = 0;
  pair.tap.toClient = (d) => (toClient++ === 0 ? d : undefined);
  pair.tap.toServer = (d) => (pair.sentByClient.indexOf(d) === 0 ? d : undefined);
  const [rc] = await Promise.allSettled([pair.client.start(), pair.server.start()]);
  assert.equal(rc.status, 'rejected');
  const err = (rc).reason as DtlsError;
  failure(err, 'ERR_DTLS_TIMEOUT', 'stalled');
  assert.equal(err.received?.serverHellos, 1);
  assert.ok((err.received?.otherHandshakeMessages ?? 0) >= 3, JSON.stringify(err.received));
});

test('a fingerprint mismatch keeps its own code and gets no hint, but says what was received', async (t) => {
  const other = await cert('ecdsa-p256', 2);
  const pair = await makePair({ client: { remoteFingerprints: other.getFingerprints() } });
  t.after(() => pair.close());
  const [rc] = await Promise.allSettled([pair.client.start(), pair.server.start()]);
  assert.equal(rc.status, 'rejected');
  failure((rc).reason, 'ERR_DTLS_FINGERPRINT_MISMATCH', undefined);
  assert.equal(pair.client.error?.received?.serverHellos, 1);
});

test('HandshakeObserver reads record and handshake types from the headers of a real handshake', async (t) => {
  const pair = await makePair();
  t.after(() => pair.close());
  await Promise.all([pair.client.start(), pair.server.start()]);
  const fromClient = new HandshakeObserver();
  for (const d of pair.sentByClient) fromClient.observe(d);
  const fromServer = new HandshakeObserver();
  for (const d of pair.sentByServer) fromServer.observe(d);
  assert.equal(fromClient.clientHellos, 1);
  assert.equal(fromClient.serverHellos, 0);
  assert.equal(fromClient.changeCipherSpecs, 1);
  // Certificate, ClientKeyExchange, CertificateVerify.
  assert.equal(fromClient.otherHandshakeMessages, 3);
  assert.ok(fromClient.encryptedRecords >= 1);
  assert.equal(fromServer.serverHellos, 1);
  assert.equal(fromServer.clientHellos, 0);
  // Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone.
  assert.equal(fromServer.otherHandshakeMessages, 4);
  // Garbage, a cut record header and an alert.
  const o = new HandshakeObserver();
  o.observe(Buffer.from([0x80, 1, 2]));
  o.observe(Buffer.alloc(12, 22));
  o.observe(Buffer.from([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40]));
  assert.deepEqual([o.datagrams, o.notDtls, o.alerts], [3, 2, 1]);
});
