// SPDX-License-Identifier: MIT
// DtlsSrtpTransport.restartDtls (RFC 8842) over an in-memory path: a new
// association while media flows both ways with no packet lost and no
// authentication failure, in both roles; the unchanged-parameters no-op; a
// peer that switches keys before we are keyed (held and replayed); a failed
// restart whose previous keys then expire; a new certificate; mediaOnly; the
// ClientHello of a peer that restarted first; misuse and use after close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Certificate, DtlsError, DtlsSrtpTransport, InvalidStateError, type DtlsRestartEvent } from '../../lib/index.js';
import { flowMedia, renegotiate, until } from '../fixtures/restart-media.js';
import { rtp } from '../fixtures/srtp-helpers.js';

const A = { address: '192.0.2.1', port: 1 };
const B = { address: '192.0.2.2', port: 2 };
const certs = Promise.all([Certificate.generate(), Certificate.generate(), Certificate.generate()]);

interface PairOptions {
  /** Return false to drop a datagram (`from` is 'a' or 'b'). */
  filter?: (from: 'a' | 'b', datagram: Buffer) => boolean;
  mediaOnly?: boolean;
  restartGraceMs?: number;
  initialRetransmitMs?: number;
}

/** Two transports whose datagrams travel in order, each in its own later turn of the event loop. */
async function pair(options: PairOptions = {}): Promise<{ a: DtlsSrtpTransport; b: DtlsSrtpTransport }> {
  const [ca, cb] = await certs;
  const link = (from: 'a' | 'b', to: () => DtlsSrtpTransport, source: typeof A) => ({
    send(datagram: Buffer): void {
      if (options.filter !== undefined && !options.filter(from, datagram)) return;
      setImmediate(() => {
        const target = to();
        if (!target.closed) target.receive(datagram, source);
      });
    },
  });
  // The default retransmission time (1 s): a restart begun while the first
  // handshake's last flight is still being retransmitted meets that flight
  // (see the README), which a loaded machine could otherwise cause here.
  const extra = {
    ...(options.mediaOnly === undefined ? {} : { mediaOnly: options.mediaOnly }),
    ...(options.restartGraceMs === undefined ? {} : { restartGraceMs: options.restartGraceMs }),
    ...(options.initialRetransmitMs === undefined ? {} : { initialRetransmitMs: options.initialRetransmitMs }),
  };
  const a: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B, path: link('a', () => b, A), ...extra,
  });
  const b: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A, path: link('b', () => a, B), ...extra,
  });
  await Promise.all([a.start(), b.start()]);
  return { a, b };
}

function assertNoFailures(t: DtlsSrtpTransport): void {
  const s = t.getStats();
  for (const [code, n] of Object.entries(s.srtpFailures)) assert.equal(n, 0, `${code} on ${s.dtlsRole}`);
}

for (const [offererRole, label] of [
  ['client', 'roles kept (a client, b server)'],
  ['server', 'roles swapped (a server, b client)'],
] as const) {
  test(`restart while media flows both ways: no packet lost, no auth failure, ${label}`, async (t) => {
    const { a, b } = await pair();
    const flow = flowMedia(t, a, b);
    await until(() => flow.received.a.size > 20 && flow.received.b.size > 20, 'media before the restart');
    const before = { a: a.getStats().remoteCertificateFingerprint, b: b.getStats().remoteCertificateFingerprint };
    const [ra, rb] = await renegotiate(a, b, offererRole);
    assert.equal(ra, true);
    assert.equal(rb, true);
    assert.equal(a.role, offererRole);
    assert.equal(b.role, offererRole === 'client' ? 'server' : 'client');
    // Media keeps flowing until both have retired the previous keys.
    await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
    const mark = { a: flow.sent.a, b: flow.sent.b };
    await until(() => flow.received.b.size > mark.a + 20 && flow.received.a.size > mark.b + 20, 'media after the restart');
    await flow.finish();
    for (const t of [a, b]) {
      assertNoFailures(t);
      const r = t.getStats().restart;
      assert.equal(r.started, 1);
      assert.equal(r.completed, 1);
      assert.equal(r.failed, 0);
      assert.ok(r.currentKeyPackets >= 1, 'a packet under the new keys ended the window');
      assert.equal(r.heldDropped, 0);
      assert.equal(t.state, 'connected');
    }
    // The same certificates: the fingerprints seen are the same, the association is new.
    assert.deepEqual(a.getStats().remoteCertificateFingerprint, before.a);
    assert.deepEqual(b.getStats().remoteCertificateFingerprint, before.b);
    a.close();
    b.close();
  });
}

test('unchanged fingerprints and tls-id keep the association (RFC 8842 §5)', async () => {
  const { a, b } = await pair();
  const tlsId = a.localTlsId;
  const kept = await b.restartDtls({ dtlsParameters: { role: 'client', fingerprints: a.localFingerprints } });
  assert.equal(kept, false);
  // The same certificate given again is no change either; lower-case hex is the same fingerprint.
  const lower = a.localFingerprints.map((fp) => ({ algorithm: fp.algorithm, value: fp.value.toLowerCase() }));
  const [, cb] = await certs;
  assert.equal(await b.restartDtls({ dtlsParameters: { role: 'auto', fingerprints: lower }, certificate: cb }), false);
  assert.equal(b.getStats().restart.unchanged, 2);
  assert.equal(b.getStats().restart.started, 0);
  assert.equal(a.localTlsId, tlsId);
  // Once a tls-id was given, the same one is no change; another one is.
  const [ra] = await renegotiate(a, b, 'client');
  assert.equal(ra, true);
  assert.equal(await b.restartDtls({ dtlsParameters: { role: 'client', fingerprints: a.localFingerprints }, tlsId: a.localTlsId }), false);
  a.close();
  b.close();
});

test('new-key packets that arrive before our new keys exist are held and replayed, none lost', async (t) => {
  // The server completes first (DTLS 1.2): its final flight to the client is
  // lost once, so its new-key media reaches the client before the client is keyed.
  let dropFinal = false;
  // A short retransmission time: the client resends its flight soon, and what
  // it holds meanwhile stays within the hold's bounds (128 packets).
  const { a, b } = await pair({
    initialRetransmitMs: 100,
    filter: (from, d) => {
      if (dropFinal && from === 'b' && d[0] === 20) {
        dropFinal = false;
        return false;
      }
      return true;
    },
  });
  const flow = flowMedia(t, a, b);
  await until(() => flow.received.a.size > 20 && flow.received.b.size > 20, 'media before the restart');
  // Let the first handshake's retransmissions (if the machine was slow) end first.
  await sleep(500);
  dropFinal = true;
  await renegotiate(a, b, 'client');
  await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
  const mark = flow.sent.b;
  await until(() => flow.received.a.size > mark + 10, 'media after the restart');
  await flow.finish();
  assert.equal(dropFinal, false, 'the final flight was dropped once');
  const r = a.getStats().restart;
  assert.ok(r.held > 0, `held ${r.held}`);
  assert.equal(r.replayed, r.held);
  assert.equal(r.heldDropped, 0);
  assertNoFailures(a);
  assertNoFailures(b);
  a.close();
  b.close();
});

test('a restart whose new fingerprint does not match fails; the previous keys expire after the grace period', async (t) => {
  const [, , stranger] = await certs;
  const { a, b } = await pair({ restartGraceMs: 300 });
  const events: DtlsRestartEvent['phase'][] = [];
  a.on('dtlsrestart', (e) => events.push(e.phase));
  const flow = flowMedia(t, a, b);
  await until(() => flow.received.a.size > 5 && flow.received.b.size > 5, 'media before the restart');
  // b restarts honestly; a is told a fingerprint that is not b's.
  const answered = b.restartDtls({ dtlsParameters: { role: 'client', fingerprints: a.localFingerprints }, tlsId: a.renewLocalTlsId() });
  answered.catch(() => undefined);
  await assert.rejects(
    a.restartDtls({ dtlsParameters: { role: 'server', fingerprints: stranger.getFingerprints(['sha-256']) }, tlsId: b.localTlsId }),
    (err: unknown) => err instanceof DtlsError && err.code === 'ERR_DTLS_FINGERPRINT_MISMATCH',
  );
  assert.deepEqual(events, ['started', 'failed']);
  assert.equal(a.state, 'connected', 'media carries on under the previous keys for the grace period');
  assert.equal(a.getStats().restart.failed, 1);
  // Another restart is refused: the transport is on its way to failing.
  await assert.rejects(a.restartDtls({ dtlsParameters: { role: 'server', fingerprints: b.localFingerprints } }), { code: 'ERR_INVALID_STATE' });
  if (a.state === 'connected') await once(a, 'statechange');
  assert.equal(a.state, 'failed');
  assert.ok(a.error instanceof DtlsError);
  assert.equal(a.error.code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.equal(a.getStats().restart.previousKeysRetired, 1);
  assert.throws(() => a.sendRtp(rtp({ seq: 1 })), InvalidStateError);
  flow.stop();
  a.close();
  b.close();
});

test('restart with a new local certificate: the peer verifies and reports the new fingerprint', async (t) => {
  const [, , fresh] = await certs;
  const { a, b } = await pair();
  const flow = flowMedia(t, a, b);
  await until(() => flow.received.a.size > 5 && flow.received.b.size > 5, 'media before the restart');
  await renegotiate(a, b, 'client', { offerer: fresh });
  assert.deepEqual(a.localFingerprints, fresh.getFingerprints(['sha-256']));
  assert.deepEqual(a.localParameters.fingerprints, fresh.getFingerprints(['sha-256']));
  assert.deepEqual(b.getStats().remoteCertificateFingerprint, fresh.getFingerprints(['sha-256'])[0]);
  assert.deepEqual(a.getStats().localCertificateFingerprint, fresh.getFingerprints(['sha-256'])[0]);
  const [der] = b.getRemoteCertificates();
  assert.ok(der?.equals(fresh.der));
  await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
  await flow.finish();
  assertNoFailures(a);
  assertNoFailures(b);
  a.close();
  b.close();
});

test('restart under mediaOnly: a new association, its DTLS state freed once proven, media gapless', async (t) => {
  const { a, b } = await pair({ mediaOnly: true });
  const flow = flowMedia(t, a, b);
  await until(() => flow.received.a.size > 5 && flow.received.b.size > 5, 'media before the restart');
  // DTLS of the first association was released by the first authenticated packet.
  assert.throws(() => a.sendData(Buffer.from('x')), { code: 'ERR_DTLS_RELEASED' });
  await renegotiate(a, b, 'server');
  await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
  const mark = flow.sent.a;
  await until(() => flow.received.b.size > mark + 5, 'media after the restart');
  assert.throws(() => a.sendData(Buffer.from('x')), { code: 'ERR_DTLS_RELEASED' });
  assert.throws(() => b.sendData(Buffer.from('x')), { code: 'ERR_DTLS_RELEASED' });
  await flow.finish();
  assertNoFailures(a);
  assertNoFailures(b);
  a.close();
  b.close();
});

test('a ClientHello reaching a connected transport that was not told to restart is dropped; the association lives', async (t) => {
  let hellos = 0;
  const { a, b } = await pair({
    filter: (from, d) => {
      if (from === 'a' && d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 1) hellos++;
      return true;
    },
  });
  const flow = flowMedia(t, a, b);
  await until(() => flow.received.a.size > 5 && flow.received.b.size > 5, 'media before the restart');
  // a restarts first (as the client): b has not been told and must not lose its association.
  hellos = 0;
  const done = a.restartDtls({ dtlsParameters: { role: 'server', fingerprints: b.localFingerprints }, tlsId: 'peerRestartedWithANewTlsId0' });
  await until(() => hellos >= 2, 'a ClientHello and its retransmission sent to b');
  const mark = { a: flow.sent.a, b: flow.sent.b };
  await until(() => flow.received.b.size > mark.a + 5 && flow.received.a.size > mark.b + 5, 'media on the old association');
  assert.equal(b.state, 'connected');
  assert.ok(b.getStats().restart.unexpectedClientHellos >= 2);
  assertNoFailures(a);
  assertNoFailures(b);
  // Now b is told; a's retransmitted ClientHello is answered.
  const answered = b.restartDtls({ dtlsParameters: { role: 'client', fingerprints: a.localFingerprints }, tlsId: a.localTlsId });
  assert.deepEqual(await Promise.all([done, answered]), [true, true]);
  await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
  await flow.finish();
  assertNoFailures(a);
  assertNoFailures(b);
  a.close();
  b.close();
});

test('key log: a restart logs the new association\'s keys, on both sides alike', async () => {
  const { a, b } = await pair();
  const lines = { a: [] as string[], b: [] as string[] };
  // Listening from now: the first association's secrets were derived before.
  a.on('keylog', (line: Buffer) => lines.a.push(line.toString('latin1')));
  b.on('keylog', (line: Buffer) => lines.b.push(line.toString('latin1')));
  const [ra, rb] = await renegotiate(a, b, 'client');
  assert.deepEqual([ra, rb], [true, true]);
  assert.equal(lines.a.length, 1);
  assert.match(lines.a[0] ?? '', /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/i);
  assert.deepEqual(lines.b, lines.a);
  a.close();
  b.close();
});

test('restartDtls misuse: typed errors with stable codes', async () => {
  const [ca, cb] = await certs;
  const idle = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), path: { send() {} } });
  const params = { dtlsParameters: { role: 'server' as const, fingerprints: cb.getFingerprints() } };
  await assert.rejects(idle.restartDtls(params), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  idle.close();
  const { a, b } = await pair();
  await assert.rejects(a.restartDtls(undefined as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(a.restartDtls({ dtlsParameters: { role: 'both' as never, fingerprints: cb.getFingerprints() } }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(a.restartDtls({ ...params, tlsId: 'short' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(a.restartDtls({ ...params, tlsId: 'x'.repeat(20) + '!' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(a.restartDtls({ ...params, certificate: {} as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(
    a.restartDtls({ dtlsParameters: { role: 'server', fingerprints: [{ algorithm: 'sha-256', value: 'zz' }] } }),
    { code: 'ERR_DTLS_BAD_FINGERPRINT' },
  );
  assert.throws(() => a.connect({ dtlsParameters: params.dtlsParameters, tlsId: 'short' }), { code: 'ERR_INVALID_ARG_VALUE' });
  // A second restart while the first one's handshake runs is refused; close() rejects the pending one.
  const first = a.restartDtls({ ...params, tlsId: 'aNewTlsIdThatIsLongEnough' });
  await assert.rejects(a.restartDtls({ ...params, tlsId: 'anotherNewTlsIdLongEnough' }), { code: 'ERR_INVALID_STATE' });
  a.close();
  await assert.rejects(first, { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  // Use after close.
  await assert.rejects(a.restartDtls(params), { code: 'ERR_INVALID_STATE' });
  assert.throws(() => a.renewLocalTlsId(), { code: 'ERR_INVALID_STATE' });
  assert.equal(typeof a.localTlsId, 'string');
  assert.equal(a.getStats().restart.started, 1);
  b.close();
});

test('tls-id values: random, RFC 8842 alphabet, new on each restart', async () => {
  const { a, b } = await pair();
  const ids = new Set([a.localTlsId, b.localTlsId]);
  assert.equal(ids.size, 2);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9+/]{24}$/);
  const before = b.localTlsId;
  await renegotiate(a, b, 'client');
  assert.notEqual(b.localTlsId, before);
  a.close();
  b.close();
});
