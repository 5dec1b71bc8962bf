// SPDX-License-Identifier: MIT
/**
 * DtlsParameters and connect({ dtlsParameters }) on DtlsSrtpTransport (the
 * mediasoup flow): a transport created with role 'auto' before the peer's
 * description, its localParameters, the role it takes from the peer's, DTLS
 * that arrives before connect(), and the typed errors of connect().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DtlsError,
  DtlsSrtpTransport,
  InvalidStateError,
  type DtlsSrtpTransportOptions,
  type TransportAddress,
} from '../../lib/index.js';
import { serializeStunMessage } from '../../lib/entry/stun.js';
import { cert } from './pair.js';

const SFU = { address: '127.0.0.1', port: 7100 };
const PEER = { address: '127.0.0.1', port: 7200 };
const ICE = { ufrag: 'sfuU', pwd: 'sfuPasswordOf22CharsXY', remoteUfrag: 'peer' };

type Extra = Partial<DtlsSrtpTransportOptions>;

/** An SFU-side transport and a peer wired in memory (next-turn delivery). */
async function wire(sfuOptions: Extra, peerOptions: Extra): Promise<{ sfu: DtlsSrtpTransport; peer: DtlsSrtpTransport }> {
  const [sfuCert, peerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  let sfu!: DtlsSrtpTransport;
  let peer!: DtlsSrtpTransport;
  const to = (target: () => DtlsSrtpTransport, from: TransportAddress) => ({
    send: (d: Buffer) => {
      setImmediate(() => {
        const t = target();
        if (!t.closed) t.receive(d, from);
      });
    },
  });
  sfu = new DtlsSrtpTransport({ certificate: sfuCert, remoteAddress: PEER, path: to(() => peer, SFU), ...sfuOptions });
  peer = new DtlsSrtpTransport({
    certificate: peerCert,
    remoteAddress: SFU,
    path: to(() => sfu, PEER),
    remoteFingerprints: sfuCert.getFingerprints(['sha-256']),
    ...peerOptions,
  });
  return { sfu, peer };
}

test("role 'auto': localParameters before the answer, DTLS before connect() dropped as not-started, then the role from the peer's", async (t) => {
  const { sfu, peer } = await wire({ role: 'auto' }, { role: 'client', initialRetransmitMs: 20 });
  t.after(() => {
    sfu.close();
    peer.close();
  });
  // The transports' timers are unref'd: keep the loop alive for the peer's retransmission.
  const keep = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keep));
  const sfuCert = await cert('ecdsa-p256', 0);
  assert.deepEqual(sfu.localParameters, { role: 'auto', fingerprints: sfuCert.getFingerprints(['sha-256']) });
  assert.equal(sfu.role, 'auto');
  assert.equal(sfu.getStats().dtlsRole, 'unknown');
  const states: string[] = [];
  sfu.on('statechange', (s) => states.push(s));

  // start() may come first: 'connecting', and DTLS waits for connect().
  const sfuStarted = sfu.start();
  assert.equal(sfu.start(), sfuStarted);
  assert.equal(sfu.state, 'connecting');
  const peerStarted = peer.start();
  // The peer's ClientHello arrives before connect(): dropped and counted.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.ok(sfu.getStats().droppedDatagrams['not-started'] >= 1);
  assert.equal(sfu.getStats().dtls.datagramsReceived, 0);

  sfu.connect({ dtlsParameters: peer.localParameters });
  assert.equal(sfu.role, 'server');
  assert.equal(sfu.localParameters.role, 'server');
  // The peer retransmits its flight; the handshake completes.
  await Promise.all([sfuStarted, peerStarted]);
  assert.equal(sfu.state, 'connected');
  assert.equal(sfu.getStats().dtlsRole, 'server');
  assert.deepEqual(states, ['connecting', 'connected']);

  // connect() twice, and after close: typed errors with stable codes.
  assert.throws(
    () => {
      sfu.connect({ dtlsParameters: peer.localParameters });
    },
    (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE',
  );
  sfu.close();
  assert.throws(
    () => {
      sfu.connect({ dtlsParameters: peer.localParameters });
    },
    (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE',
  );
});

test("connect() before start(): the role comes from the peer's, the handshake runs when start() is called", async (t) => {
  const { sfu, peer } = await wire({ role: 'auto' }, { role: 'server' });
  t.after(() => {
    sfu.close();
    peer.close();
  });
  sfu.connect({ dtlsParameters: peer.localParameters });
  assert.equal(sfu.role, 'client');
  assert.equal(sfu.state, 'new');
  await Promise.all([sfu.start(), peer.start()]);
  assert.equal(sfu.state, 'connected');
  assert.equal(sfu.getStats().dtlsRole, 'client');
});

test('a transport created with a role (the existing options) gets the remote fingerprints from connect() after start()', async (t) => {
  const { sfu, peer } = await wire({ role: 'server' }, { role: 'client' });
  t.after(() => {
    sfu.close();
    peer.close();
  });
  const keep = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keep));
  const started = Promise.all([sfu.start(), peer.start()]);
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  // The server holds the client's flight until the fingerprints come.
  assert.equal(sfu.state, 'connecting');
  sfu.connect({ dtlsParameters: { role: 'client', fingerprints: peer.localParameters.fingerprints } });
  await started;
  assert.equal(sfu.state, 'connected');
  assert.equal(sfu.role, 'server');
});

test('connect() role rules: opposite of the peer; auto vs auto is the ICE-lite (controlled) client; conflicts are ERR_DTLS_ROLE_CONFLICT', async (t) => {
  const certificate = await cert('ecdsa-p256', 0);
  const fingerprints = (await cert('ecdsa-p256', 1)).getFingerprints(['sha-256']);
  const made: DtlsSrtpTransport[] = [];
  t.after(() => {
    for (const m of made) m.close();
  });
  const make = (extra: Extra): DtlsSrtpTransport => {
    const tr = new DtlsSrtpTransport({ certificate, path: { send: () => undefined }, ...extra });
    made.push(tr);
    return tr;
  };
  const cases: [Extra, 'auto' | 'client' | 'server', string][] = [
    [{ role: 'auto' }, 'client', 'server'],
    [{ role: 'auto' }, 'server', 'client'],
    [{ role: 'auto', iceLite: ICE }, 'auto', 'client'],
    [{ role: 'server' }, 'auto', 'server'],
    [{ role: 'client' }, 'server', 'client'],
    [{ setup: { localSetup: 'passive', remoteSetup: 'actpass', isOfferer: false } }, 'client', 'server'],
  ];
  for (const [extra, remote, expected] of cases) {
    const tr = make(extra);
    tr.connect({ dtlsParameters: { role: remote, fingerprints } });
    assert.equal(tr.role, expected, `${JSON.stringify(extra)} vs ${remote}`);
  }
  const conflicts: [Extra, 'auto' | 'client' | 'server'][] = [
    [{ role: 'auto' }, 'auto'],
    [{ role: 'client' }, 'client'],
    [{ role: 'server' }, 'server'],
  ];
  for (const [extra, remote] of conflicts) {
    const tr = make(extra);
    assert.throws(
      () => {
        tr.connect({ dtlsParameters: { role: remote, fingerprints } });
      },
      (err: unknown) => err instanceof DtlsError && err.code === 'ERR_DTLS_ROLE_CONFLICT',
      `${JSON.stringify(extra)} vs ${remote}`,
    );
    // A refused connect() changes nothing: a correct one still works.
    tr.connect({ dtlsParameters: { role: remote === 'server' ? 'client' : 'server', fingerprints } });
  }
  // Malformed parameters are argument errors; an 'auto' transport has no DtlsTransport for setRemoteFingerprints yet.
  const auto = make({ role: 'auto' });
  assert.throws(() => {
    auto.connect({ dtlsParameters: { role: 'actpass' as 'auto', fingerprints } });
  }, { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => {
    auto.connect({ dtlsParameters: { role: 'auto', fingerprints: [] } });
  }, { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => {
    auto.setRemoteFingerprints(fingerprints);
  }, { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
});

test("close() of an 'auto' transport that never connected: closed, start() rejected, one close event", async () => {
  const certificate = await cert('ecdsa-p256', 0);
  const tr = new DtlsSrtpTransport({ certificate, role: 'auto', path: { send: () => undefined } });
  const events: string[] = [];
  tr.on('statechange', (s) => events.push(s));
  tr.on('close', () => events.push('close'));
  const started = tr.start();
  tr.close();
  await assert.rejects(started, { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  assert.equal(tr.state, 'closed');
  assert.deepEqual(events, ['connecting', 'closed', 'close']);
  assert.equal(tr.getStats().dtls.datagramsSent, 0);
});

test("ICE consent expiring before connect() fails an 'auto' transport with ERR_ICE_CONSENT_EXPIRED", async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const certificate = await cert('ecdsa-p256', 0);
  const tr = new DtlsSrtpTransport({ certificate, role: 'auto', iceLite: ICE, path: { send: () => undefined } });
  t.after(() => tr.close());
  const started = tr.start();
  tr.receive(nominatingCheck(), PEER);
  assert.equal(tr.iceState, 'connected');
  t.mock.timers.tick(30_000);
  await assert.rejects(started, { code: 'ERR_ICE_CONSENT_EXPIRED' });
  assert.equal(tr.state, 'failed');
  assert.equal(tr.iceState, 'failed');
});

function nominatingCheck(): Buffer {
  return serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: randomBytes(12),
      attributes: [
        { type: 'username', value: `${ICE.ufrag}:${ICE.remoteUfrag}` },
        { type: 'ice-controlling', value: 1n },
        { type: 'priority', value: 1853824767 },
        { type: 'use-candidate' },
      ],
    },
    { integrityKey: ICE.pwd },
  );
}
