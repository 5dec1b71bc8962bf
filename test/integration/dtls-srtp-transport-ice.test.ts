// SPDX-License-Identifier: MIT
/**
 * Selected-path pinning of DtlsSrtpTransport with its ICE-lite responder (and
 * with a user STUN handler): a stranger's ClientHello, STUN and RTP are
 * ignored and counted before and after selection; DTLS is admitted from an
 * address that passed a check before the nominating check (as Chromium does);
 * a renomination moves the path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DtlsSrtpTransport,
  DtlsTransport,
  IceError,
  type TransportAddress,
} from '../../lib/index.js';
import { parseStunMessage } from '../../lib/entry/stun.js';
import { cert } from './pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';
import { addressKey as key, ICE, iceCheck, iceLitePair, PEER, SERVER, settle } from '../fixtures/ice-lite.js';
import { rtp } from '../fixtures/srtp-helpers.js';

const PEER_MOVED = { address: '127.0.0.1', port: 6001 };
const STRANGER = { address: '127.0.0.1', port: 6666 };

function check(options: { useCandidate?: boolean; pwd?: string } = {}): Buffer {
  return iceCheck(ICE, options);
}

test('ICE-lite pinning: stranger ignored before and after selection, early DTLS from a validated address, renomination moves the path', async (t) => {
  const [serverCert, strangerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 2)]);
  /** Everything the server sent, by destination. */
  const sentTo = new Map<string, Buffer[]>();
  let peerAt: TransportAddress = PEER;
  const { lite: server, peer } = await iceLitePair({
    peerAt: () => peerAt,
    fromLite: (d, remote) => {
      const list = sentTo.get(key(remote)) ?? [];
      list.push(d);
      sentTo.set(key(remote), list);
      return key(remote) === key(peerAt);
    },
  });
  // A stranger with its own certificate, racing with a real ClientHello.
  const stranger = new DtlsTransport({
    certificate: strangerCert,
    role: 'client',
    remoteFingerprints: serverCert.getFingerprints(),
    send: (d) => setImmediate(() => !server.closed && server.receive(d, STRANGER)),
  });
  t.after(() => {
    server.close();
    peer.close();
    stranger.close();
  });
  assert.equal(server.iceLite?.localParameters.usernameFragment, ICE.ufrag);
  const moves: string[] = [];
  server.on('remoteaddresschange', (r) => moves.push(key(r)));

  const serverStarted = server.start();
  const strangerStarted = stranger.start().catch(() => undefined);
  await settle();
  assert.equal(server.getStats().droppedDatagrams['unselected-address'], 1);
  assert.equal(server.remoteAddress, undefined);

  // The stranger does not know the ICE password: its check is dropped, unanswered.
  server.receive(check({ pwd: 'wrongPasswordOf22Chars!' }), STRANGER);
  assert.equal(server.getStats().droppedDatagrams['stun-rejected'], 1);
  assert.equal(server.getStats().ice?.dropped['bad-integrity'], 1);

  // The real peer's first check (no USE-CANDIDATE) validates its address; it is answered there.
  server.receive(check(), PEER);
  const answer = parseStunMessage(sentTo.get(key(PEER))?.[0] ?? Buffer.alloc(0));
  assert.equal(answer?.messageClass, 'success');
  assert.equal(server.remoteAddress, undefined);

  // Chromium's order: ClientHello right after the first check, before nomination.
  const peerStarted = peer.start();
  await Promise.all([serverStarted, peerStarted]);
  assert.deepEqual(moves, [key(PEER)]);
  assert.equal(server.state, 'connected');

  // The nominating check confirms the same path: no move.
  server.receive(check({ useCandidate: true }), PEER);
  assert.deepEqual(moves, [key(PEER)]);
  assert.equal(server.getStats().ice?.nominations, 1);

  // After selection the stranger's ClientHello retransmissions and a replayed SRTP packet are dropped.
  const got: Buffer[] = [];
  server.on('rtp', (p) => got.push(Buffer.from(p)));
  peer.sendRtp(rtp({ seq: 1 }));
  await settle();
  assert.equal(got.length, 1);
  const before = server.getStats().droppedDatagrams['unselected-address'];
  const captured = rtp({ seq: 2 });
  // Capture what the peer sends by swapping where its path delivers for one packet.
  const realAt = peerAt;
  peerAt = STRANGER;
  peer.sendRtp(captured);
  await settle();
  peerAt = realAt;
  // The packet went to the server "from the stranger": dropped, SRTP never saw it, no replay slot burnt.
  assert.equal(server.getStats().droppedDatagrams['unselected-address'], before + 1);
  assert.equal(got.length, 1);
  assert.equal(Object.values(server.getStats().srtpFailures).reduce((x, y) => x + y, 0), 0);
  // Nothing was ever sent to the stranger.
  assert.equal(sentTo.has(key(STRANGER)), false);

  // Renomination from a new address moves the path; the old address is then a stranger.
  server.receive(check({ useCandidate: true }), PEER_MOVED);
  assert.deepEqual(moves, [key(PEER), key(PEER_MOVED)]);
  assert.deepEqual(server.remoteAddress, { ...PEER_MOVED, family: 'IPv4' });
  peerAt = PEER_MOVED;
  peer.sendRtp(rtp({ seq: 3 }));
  await settle();
  assert.equal(got.length, 2);
  const dropped = server.getStats().droppedDatagrams['unselected-address'];
  peerAt = PEER;
  peer.sendRtp(rtp({ seq: 4 }));
  await settle();
  assert.equal(got.length, 2);
  assert.equal(server.getStats().droppedDatagrams['unselected-address'], dropped + 1);
  // Media from the server now goes to the new address.
  server.sendRtp(rtp({ seq: 1, ssrc: 99 }));
  assert.equal(sentTo.get(key(PEER_MOVED))?.length, 2); // the STUN answer and the RTP
  // The stranger never got an answer.
  assert.equal(stranger.state, 'connecting');
  stranger.close();
  await strangerStarted;
});

test('without ICE-lite: STUN goes to onStun, nothing is admitted until setRemoteAddress()', async (t) => {
  const stun: string[] = [];
  const { a: server, b: peer, close } = await pairSecure({
    role: 'server',
    path: 'app',
    addressA: SERVER,
    addressB: PEER,
    a: {
      remoteAddress: undefined,
      onStun: (d, remote) => {
        stun.push(key(remote));
        server.setRemoteAddress(remote);
      },
    },
    b: { initialRetransmitMs: 10 },
  });
  t.after(close);
  const keep = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keep));
  const started = Promise.all([server.start(), peer.start()]);
  await settle();
  // The ClientHello arrived before any path was selected.
  assert.ok(server.getStats().droppedDatagrams['unselected-address'] >= 1);
  server.receive(check(), PEER);
  assert.deepEqual(stun, [key(PEER)]);
  await started; // the retransmitted ClientHello is admitted
  assert.ok(peer.getStats().dtlsRetransmissions >= 1);
  assert.equal(server.state, 'connected');
});

test('without ICE and without a handler, STUN is counted as unhandled', async (t) => {
  const c = await cert('ecdsa-p256', 0);
  const tr = new DtlsSrtpTransport({ certificate: c, role: 'server', path: { send: () => {} } });
  t.after(() => tr.close());
  tr.receive(check(), PEER);
  assert.equal(tr.getStats().droppedDatagrams['stun-unhandled'], 1);
  assert.equal(tr.getStats().packetsReceived, 1);
});

test('a client with no path yet counts its ClientHello as unsent, then connects once setRemoteAddress() selects one', async (t) => {
  const { a: server, b: peer, close } = await pairSecure({
    role: 'server',
    path: 'app',
    addressA: SERVER,
    addressB: PEER,
    b: { remoteAddress: undefined, initialRetransmitMs: 10 },
  });
  t.after(close);
  const keep = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keep));
  const started = Promise.all([server.start(), peer.start()]);
  assert.ok(peer.getStats().sendFailures >= 1);
  assert.equal(peer.getStats().packetsSent, 0);
  assert.equal(peer.remoteAddress, undefined);
  peer.setRemoteAddress(SERVER);
  await started;
  assert.equal(peer.state, 'connected');
  assert.deepEqual(peer.getStats().selectedRemoteAddress, { ...SERVER, family: 'IPv4' });
});

test('ICE consent (RFC 7675): checks on the selected path keep the transport alive; when they stop it fails with ERR_ICE_CONSENT_EXPIRED', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { lite: server, peer } = await iceLitePair({ lite: { consentTimeoutMs: 10_000 } });
  const states: string[] = [];
  server.on('statechange', (s) => states.push(s));
  server.receive(check({ useCandidate: true }), PEER);
  await Promise.all([server.start(), peer.start()]);
  assert.equal(server.state, 'connected');

  // 40 s of consent checks every 4 s: still connected, media still flows.
  for (let i = 0; i < 10; i++) {
    t.mock.timers.tick(4000);
    server.receive(check(), PEER);
  }
  assert.equal(server.state, 'connected');
  assert.equal(server.error, undefined);
  server.sendRtp(rtp({ seq: 1 }));

  // A check from another address (valid credentials, not nominated) does not renew consent for the path.
  t.mock.timers.tick(3000);
  server.receive(check(), STRANGER);
  t.mock.timers.tick(6999);
  assert.equal(server.state, 'connected');
  t.mock.timers.tick(2);
  assert.equal(server.state, 'failed');
  const failure: unknown = server.error; // (re-read: the earlier assertion narrowed it)
  assert.ok(failure instanceof IceError);
  assert.equal(failure.code, 'ERR_ICE_CONSENT_EXPIRED');
  assert.deepEqual(states, ['connecting', 'connected', 'failed']);
  // SRTP is gone with the path, and the peer got a close_notify.
  assert.throws(() => server.sendRtp(rtp({ seq: 2 })), { code: 'ERR_INVALID_STATE' });
  await settle();
  assert.equal(peer.state, 'closed');
  // The peer's answering close_notify reaches a DTLS association we ended: dropped and counted, never thrown.
  const stats = server.getStats();
  assert.equal(stats.dtlsState, 'failed');
  assert.ok(stats.droppedDatagrams.ended >= 1, JSON.stringify(stats.droppedDatagrams));
  assert.ok(stats.dtls.datagramsSent > 0);
  // A late check changes nothing.
  server.receive(check(), PEER);
  assert.equal(server.state, 'failed');
  server.close();
  peer.close();
});

test('ICE consent expiring during the handshake rejects start() with the IceError itself', async (t) => {
  const [serverCert, peerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const server = new DtlsSrtpTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: peerCert.getFingerprints(),
    iceLite: ICE,
    consentTimeoutMs: 10_000,
    path: { send: () => undefined },
  });
  t.after(() => server.close());
  server.receive(check({ useCandidate: true }), PEER);
  const started = server.start();
  assert.equal(server.state, 'connecting');
  t.mock.timers.tick(10_000);
  await assert.rejects(started, (err: unknown) => err instanceof IceError && err.code === 'ERR_ICE_CONSENT_EXPIRED' && err === server.error);
  assert.equal(server.state, 'failed');
});

test('ICE consent: 0 disables it; without a selected path the clock does not run; bad values are typed errors', async (t) => {
  const [serverCert, peerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const make = (consentTimeoutMs?: number) =>
    new DtlsSrtpTransport({
      certificate: serverCert,
      role: 'server',
      remoteFingerprints: peerCert.getFingerprints(),
      iceLite: ICE,
      consentTimeoutMs,
      path: { send: () => undefined },
    });
  const disabled = make(0);
  disabled.receive(check({ useCandidate: true }), PEER);
  const unselected = make();
  t.mock.timers.tick(3_600_000);
  assert.equal(disabled.state, 'new');
  assert.equal(unselected.state, 'new');
  // The default is 30 s once a path is selected.
  unselected.receive(check({ useCandidate: true }), PEER);
  t.mock.timers.tick(29_999);
  assert.equal(unselected.state, 'new');
  t.mock.timers.tick(1);
  assert.equal(unselected.state, 'failed');
  assert.equal(unselected.error?.code, 'ERR_ICE_CONSENT_EXPIRED');
  // Starting it afterwards settles at once, with that failure.
  await assert.rejects(unselected.start(), (err: unknown) => err === unselected.error);
  disabled.close();
  unselected.close();
  assert.throws(() => make(999), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => make('30' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

/** Whether a DTLS datagram's first record is a ClientHello (handshake record, message type 1). */
function isClientHello(d: Buffer): boolean {
  return d.length > 13 && d[0] === 22 && d[13] === 1;
}

test('an ICE-lite client started before any check sends its lost ClientHello the moment the nominating check selects the path', { timeout: 20_000 }, async (t) => {
  let clientHellos = 0;
  const { lite: client, peer } = await iceLitePair({
    // Only a resend at selection can finish the handshake within the test's timeout.
    lite: { role: 'client', initialRetransmitMs: 60_000 },
    fromLite: (d) => {
      if (parseStunMessage(d) !== null) return false;
      if (isClientHello(d)) clientHellos++;
      return true;
    },
  });
  t.after(() => {
    client.close();
    peer.close();
  });
  const keep = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keep));
  const started = Promise.all([peer.start(), client.start()]);
  // The ClientHello had no address to go to.
  assert.equal(client.getStats().sendFailures, 1);
  assert.equal(client.getStats().packetsSent, 0);
  assert.equal(clientHellos, 0);
  await settle();
  assert.equal(clientHellos, 0);

  // The browser's nominating check selects the path: the ClientHello goes there at once.
  client.receive(check({ useCandidate: true }), PEER);
  assert.equal(clientHellos, 1);
  await started;
  assert.equal(client.state, 'connected');
  assert.equal(peer.state, 'connected');
  // One ClientHello reached the peer, and no timer ever retransmitted.
  assert.equal(clientHellos, 1);
  assert.equal(client.getStats().dtlsRetransmissions, 0);
  assert.equal(peer.getStats().dtlsRetransmissions, 0);
  assert.equal(client.getStats().sendFailures, 1);
});

test('nothing is resent at selection when nothing was lost: an ICE-lite server, and a client whose path was known', async (t) => {
  const serverSent: Buffer[] = [];
  let clientHellos = 0;
  const { lite: server, peer } = await iceLitePair({
    fromLite: (d) => {
      serverSent.push(d);
      return parseStunMessage(d) === null;
    },
    fromPeer: (d) => {
      if (isClientHello(d)) clientHellos++;
      return true;
    },
  });
  t.after(() => {
    server.close();
    peer.close();
  });
  const serverStarted = server.start();
  await settle();
  // The server's selection sends only the check's answer.
  server.receive(check({ useCandidate: true }), PEER);
  assert.equal(serverSent.length, 1);
  assert.equal(parseStunMessage(serverSent[0] as Buffer)?.messageClass, 'success');
  await Promise.all([serverStarted, peer.start()]);
  assert.equal(clientHellos, 1);
  assert.equal(server.getStats().sendFailures, 0);
  assert.equal(peer.getStats().sendFailures, 0);
  // A later selection (a renomination) sends no DTLS either.
  const before = serverSent.length;
  server.receive(check({ useCandidate: true }), PEER_MOVED);
  assert.equal(serverSent.length, before + 1);
  assert.equal(parseStunMessage(serverSent[before] as Buffer)?.messageClass, 'success');
});
