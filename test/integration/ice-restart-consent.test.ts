// SPDX-License-Identifier: MIT
/**
 * ICE consent and iceState across `DtlsSrtpTransport.restartIce()` (mock
 * timers, in memory): checks with the old credentials keep consent alive
 * until a check with the new ones succeeds, and renew nothing after it (the
 * path goes `disconnected`); the nomination with the new credentials moves
 * the path and restores `connected`; DTLS and SRTP carry on untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, type TransportAddress } from '../../lib/index.js';
import { cert } from './pair.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { addressKey as key, ICE as OLD, iceCheck, type IceCredentials, iceLitePair, PEER, settle } from '../fixtures/ice-lite.js';

const NEW = { ufrag: 'srv2', pwd: 'secondPasswordOf22Char', remoteUfrag: 'brw2' };
const PEER_MOVED = { address: '127.0.0.1', port: 6001 };

function check(creds: IceCredentials, useCandidate = false): Buffer {
  return iceCheck(creds, { useCandidate });
}

test('restartIce(): old-credential checks keep consent until a new-credential check succeeds, then renew nothing; the new nomination moves the path; DTLS and SRTP untouched', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const peerAddresses = new Set([key(PEER), key(PEER_MOVED)]);
  let peerAt: TransportAddress = PEER;
  const { lite: server, peer } = await iceLitePair({
    lite: { consentTimeoutMs: 10_000, iceDisconnectedTimeoutMs: 8_000 },
    peer: { onStun: () => undefined },
    peerAt: () => peerAt,
    fromLite: (_d, remote) => peerAddresses.has(key(remote)),
  });
  t.after(() => {
    server.close();
    peer.close();
  });
  server.receive(check(OLD, true), PEER);
  await Promise.all([server.start(), peer.start()]);
  const received: number[] = [];
  server.on('rtp', (p) => received.push(p.readUInt16BE(2)));
  const events: string[] = [];
  server.on('icestatechange', (s) => events.push(s));
  server.on('statechange', (s) => events.push(`dtls ${s}`));
  server.on('remoteaddresschange', (r) => events.push(`moved ${key(r)}`));

  const noIce = new DtlsSrtpTransport({ certificate: await cert('ecdsa-p256', 0), role: 'server', path: { send: () => undefined } });
  assert.throws(() => noIce.restartIce(), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  noIce.close();
  const local = server.restartIce({ ufrag: NEW.ufrag, pwd: NEW.pwd, remoteUfrag: NEW.remoteUfrag });
  assert.deepEqual(local, { usernameFragment: NEW.ufrag, password: NEW.pwd, iceLite: true });
  assert.deepEqual(server.iceLite?.localParameters, local);

  // 20 s of consent checks with the old credentials during the restart: connected throughout, media flows.
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(4000);
    server.receive(check(OLD), PEER);
    peer.sendRtp(rtp({ seq: 10 + i }));
    await settle();
  }
  assert.deepEqual(events, []);
  assert.deepEqual(received, [10, 11, 12, 13, 14]);

  // A check with the new credentials from the peer's new address succeeds: the old credentials are retired.
  server.receive(check(NEW), PEER_MOVED);
  assert.equal(server.iceLite?.restarting, false);
  const rejected = server.getStats().droppedDatagrams['stun-rejected'];
  // Old checks on the selected path no longer renew consent: it goes quiet after 8 s.
  t.mock.timers.tick(4000);
  server.receive(check(OLD), PEER);
  t.mock.timers.tick(4000);
  server.receive(check(OLD), PEER);
  assert.deepEqual(events, ['disconnected']);
  assert.equal(server.getStats().droppedDatagrams['stun-rejected'], rejected + 2);
  assert.equal(server.getStats().ice?.dropped['retired-credentials'], 2);

  // The peer nominates its new pair with the new credentials: the path moves, ICE is connected again.
  server.receive(check(NEW, true), PEER_MOVED);
  peerAt = PEER_MOVED;
  assert.deepEqual(events, ['disconnected', `moved ${key(PEER_MOVED)}`, 'connected']);
  for (let i = 0; i < 5; i++) {
    t.mock.timers.tick(4000);
    server.receive(check(NEW), PEER_MOVED);
    peer.sendRtp(rtp({ seq: 20 + i }));
    await settle();
  }
  assert.deepEqual(events, ['disconnected', `moved ${key(PEER_MOVED)}`, 'connected']);
  assert.deepEqual(received, [10, 11, 12, 13, 14, 20, 21, 22, 23, 24]);
  assert.equal(server.state, 'connected');
  assert.equal(server.error, undefined);
  const ice = server.getStats().ice;
  assert.equal(ice?.restarts, 1);
  assert.equal(ice?.restartsCompleted, 1);
  assert.equal(ice?.previousCredentialChecks, 5);

  // Without new checks, consent expires as ever.
  t.mock.timers.tick(10_001);
  assert.equal(server.iceState, 'failed');
  const failure: unknown = server.error; // (re-read: an earlier assertion narrowed it)
  assert.equal((failure as { code?: string } | undefined)?.code, 'ERR_ICE_CONSENT_EXPIRED');
  server.close();
  assert.throws(() => server.restartIce(), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
});
