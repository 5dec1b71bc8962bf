// SPDX-License-Identifier: MIT
// Memory per connected DtlsSrtpTransport (issue 9): what most transports
// never use is made on first use — the ICE consent clock (by the first
// authenticated check), the forwarding of SRTP `keylimit` events (by the
// first `keylimit` listener), the tls-id (when first read), the restart,
// drop and SRTP-failure counters and the unsent-flight list. These tests hold both halves: nothing
// is made up front, and the lazily made part appears and works when needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as v8 from 'node:v8';
import { DtlsSrtpTransport, SrtpSession, type SrtpKeyLimitEvent } from '../../lib/index.js';
import { IceConsent } from '../../lib/ice-consent.js';
import { serializeStunMessage } from '../../lib/entry/stun.js';
import { pairSecure } from '../fixtures/pair-secure.js';
import { renegotiate } from '../fixtures/restart-media.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { cert } from './pair.js';

const ICE = { ufrag: 'srvU', pwd: 'serverPasswordOf22Chars', remoteUfrag: 'brws' };
const SERVER = { address: '127.0.0.1', port: 5000 };
const PEER = { address: '127.0.0.1', port: 6000 };

/** An authenticated ICE check from the peer (nominating with `useCandidate`). */
function check(useCandidate: boolean): Buffer {
  return serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: randomBytes(12),
      attributes: [
        { type: 'username', value: `${ICE.ufrag}:${ICE.remoteUfrag}` },
        { type: 'ice-controlling', value: 1n },
        { type: 'priority', value: 1853824767 },
        ...(useCandidate ? [{ type: 'use-candidate' as const }] : []),
      ],
    },
    { integrityKey: ICE.pwd },
  );
}

/** Live IceConsent objects in this process (after a full GC). */
function liveConsentClocks(): number {
  return v8.queryObjects(IceConsent) as number;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

test('a connected transport without ICE-lite holds no consent clock; with ICE-lite the first authenticated check makes it, and consent still expires', async (t) => {
  const base = liveConsentClocks();
  const pairs = await Promise.all([pairSecure({ path: 'app', connect: true }), pairSecure({ path: 'app', connect: true })]);
  t.after(() => {
    for (const p of pairs) p.close();
  });
  assert.equal(liveConsentClocks() - base, 0);

  const [serverCert, peerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let peer!: DtlsSrtpTransport;
  const server = new DtlsSrtpTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: peerCert.getFingerprints(),
    iceLite: ICE,
    consentTimeoutMs: 10_000,
    iceDisconnectedTimeoutMs: 8_000,
    path: { send: (d) => setImmediate(() => !peer.closed && peer.receive(d, SERVER)) },
  });
  peer = new DtlsSrtpTransport({
    certificate: peerCert,
    role: 'client',
    remoteFingerprints: serverCert.getFingerprints(),
    remoteAddress: SERVER,
    onStun: () => undefined,
    path: { send: (d) => setImmediate(() => !server.closed && server.receive(d, PEER)) },
  });
  t.after(() => {
    server.close();
    peer.close();
  });
  assert.equal(liveConsentClocks() - base, 0);
  server.receive(check(true), PEER);
  assert.equal(liveConsentClocks() - base, 1);
  await Promise.all([server.start(), peer.start()]);
  const states: string[] = [];
  server.on('icestatechange', (s) => states.push(s));
  t.mock.timers.tick(5000);
  server.receive(check(false), PEER);
  t.mock.timers.tick(8000);
  assert.deepEqual(states, ['disconnected']);
  server.receive(check(false), PEER);
  assert.deepEqual(states, ['disconnected', 'connected']);
  t.mock.timers.tick(10_001);
  assert.equal(server.iceState, 'failed');
  assert.equal(server.state, 'failed');
  const failure: unknown = server.error;
  assert.equal((failure as { code?: string } | undefined)?.code, 'ERR_ICE_CONSENT_EXPIRED');
  assert.equal(liveConsentClocks() - base, 1);
});

test('keylimit: no SRTP session is listened to until someone listens to the transport; a listener added after connect (and after a DTLS restart) gets the events', async (t) => {
  // Count the transport's subscriptions to its sessions' keylimit events.
  const subscribed: SrtpSession[] = [];
  const on = Reflect.get(EventEmitter.prototype, 'on') as (this: object, event: string, listener: (e: SrtpKeyLimitEvent) => void) => SrtpSession;
  t.mock.method(SrtpSession.prototype, 'on', function (this: SrtpSession, event: 'keylimit', listener: (e: SrtpKeyLimitEvent) => void) {
    if (event === 'keylimit') subscribed.push(this);
    return on.call(this, event, listener);
  });
  const keyLimits = { srtpSoft: 2, srtpHard: 1000 };
  const p = await pairSecure({ path: 'app', connect: true, a: { keyLimits }, b: { keyLimits } });
  t.after(() => {
    p.close();
  });
  const packets: number[] = [];
  p.b.on('rtp', (packet) => packets.push(packet.readUInt16BE(2)));
  p.a.sendRtp(rtp({ seq: 1 }));
  await settle();
  assert.deepEqual(subscribed, []);

  const events: SrtpKeyLimitEvent[] = [];
  p.a.on('keylimit', (e) => events.push(e));
  assert.equal(subscribed.length, 1);
  p.a.on('keylimit', () => undefined);
  assert.equal(subscribed.length, 1);
  p.a.sendRtp(rtp({ seq: 2 }));
  await settle();
  assert.deepEqual(packets, [1, 2]);
  assert.deepEqual(events, [{ kind: 'soft', direction: 'outbound', protocol: 'srtp', ssrc: 0xcafebabe }]);

  // A restart's new session is forwarded from its start, since someone listens now.
  assert.deepEqual(await renegotiate(p.a, p.b, 'client'), [true, true]);
  assert.equal(subscribed.length, 2);
  p.a.sendRtp(rtp({ seq: 3 }));
  p.a.sendRtp(rtp({ seq: 4 }));
  await settle();
  assert.deepEqual(events, [
    { kind: 'soft', direction: 'outbound', protocol: 'srtp', ssrc: 0xcafebabe },
    { kind: 'soft', direction: 'outbound', protocol: 'srtp', ssrc: 0xcafebabe },
  ]);
});

test('tls-id, restart counters and the unsent flight: made on use, the same to the caller', async (t) => {
  const p = await pairSecure({ path: 'app', connect: true });
  t.after(() => {
    p.close();
  });
  const id = p.a.localTlsId;
  assert.match(id, /^[A-Za-z0-9+/]{24}$/);
  assert.equal(p.a.localTlsId, id);
  assert.notEqual(p.b.localTlsId, id);
  assert.deepEqual(p.a.getStats().restart, {
    started: 0,
    completed: 0,
    failed: 0,
    unchanged: 0,
    previousKeyPackets: 0,
    currentKeyPackets: 0,
    held: 0,
    replayed: 0,
    heldDropped: 0,
    unexpectedClientHellos: 0,
    previousKeysRetired: 0,
  });
  const renewed = p.a.renewLocalTlsId();
  assert.notEqual(renewed, id);
  assert.equal(p.a.localTlsId, renewed);
  // Unchanged parameters: the association is kept and counted.
  assert.equal(await p.a.restartDtls({ dtlsParameters: { role: 'server', fingerprints: p.b.localFingerprints } }), false);
  assert.equal(p.a.getStats().restart.unchanged, 1);
  assert.equal(p.a.localTlsId, renewed);

  // A client started before any path is selected keeps its flight and sends it when one is.
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const wire: Buffer[] = [];
  const client = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), path: { send: (d) => wire.push(d) } });
  t.after(() => {
    client.close();
  });
  void client.start().catch(() => undefined);
  await settle();
  assert.equal(wire.length, 0);
  client.setRemoteAddress(PEER);
  assert.equal(wire.length, 1);
  assert.equal(wire[0]?.[0], 22);
});

test('drop and SRTP-failure counters: zeros until the first one, then counted as before', async (t) => {
  const p = await pairSecure({ path: 'app', connect: true });
  t.after(() => {
    p.close();
  });
  const stats = p.b.getStats();
  assert.ok(Object.values(stats.droppedDatagrams).every((n) => n === 0));
  assert.ok(Object.values(stats.srtpFailures).every((n) => n === 0));
  assert.equal(Object.keys(stats.droppedDatagrams).length, 9);
  assert.equal(Object.keys(stats.srtpFailures).length, Object.keys(p.a.getStats().srtpFailures).length);
  // A datagram of no known kind, one from a stranger, and a forged SRTP packet.
  p.b.receive(Buffer.from([0xff, 1, 2, 3]), p.addressA);
  p.b.receive(rtp({ seq: 1 }), { address: '192.0.2.9', port: 9 });
  const forged = Buffer.concat([rtp({ seq: 1 }), Buffer.alloc(16)]);
  p.b.receive(forged, p.addressA);
  p.a.sendRtp(rtp({ seq: 2 }));
  await settle();
  const after = p.b.getStats();
  assert.equal(after.droppedDatagrams.unknown, 1);
  assert.equal(after.droppedDatagrams['unselected-address'], 1);
  assert.equal(after.srtpFailures.ERR_SRTP_AUTH_FAIL, 1);
  assert.equal(after.rtpPacketsReceived, 1);
  // The snapshot is a copy: changing it changes nothing.
  after.droppedDatagrams.unknown = 99;
  assert.equal(p.b.getStats().droppedDatagrams.unknown, 1);
});
