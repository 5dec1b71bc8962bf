// SPDX-License-Identifier: MIT
/**
 * DtlsSrtpTransport over real UDP sockets on 127.0.0.1: both roles × the four
 * SRTP profiles, media both ways (single and batch), a stranger's datagrams
 * ignored and counted, stats content, failures and lifecycle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import {
  DtlsError,
  DtlsSrtpTransport,
  InvalidStateError,
  SrtpError,
  type DtlsSrtpTransportOptions,
  type SrtpProfile,
} from '../../lib/index.js';
import { cert } from './pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PROFILES: readonly SrtpProfile[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
];

async function udp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function addressOf(socket: dgram.Socket): { address: string; port: number } {
  const a = socket.address();
  return { address: a.address, port: a.port };
}

/** Polls `cond` every 5 ms, up to `ms` (a bound for a hang, not a timing assertion). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const profile of PROFILES) {
  for (const roleA of ['client', 'server'] as const) {
    test(`UDP pair, ${profile}, A is ${roleA}: handshake, RTP/RTCP both ways, stranger ignored, stats`, async (t) => {
      const p = await pairSecure({ role: roleA, profiles: [profile] });
      const stranger = await udp();
      t.after(() => {
        p.close();
        stranger.close();
      });
      const states: string[] = [];
      p.a.on('statechange', (s) => states.push(s));
      // A stranger races the real peer: a ClientHello-shaped record, RTP, RTCP and STUN, at both ends.
      const fakeHello = Buffer.concat([Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60]), Buffer.alloc(60, 1)]);
      for (const target of [p.sa, p.sb]) {
        const { port } = addressOf(target);
        stranger.send(fakeHello, port, '127.0.0.1');
      }
      await until(() => p.a.getStats().droppedDatagrams['unselected-address'] === 1);
      await until(() => p.b.getStats().droppedDatagrams['unselected-address'] === 1);
      await Promise.all([p.a.start(), p.b.start()]);
      assert.deepEqual(states, ['connecting', 'connected']);
      assert.equal(p.a.state, 'connected');
      assert.equal(p.a.srtpProfile, profile);
      assert.equal(p.b.srtpProfile, profile);

      const gotA: Buffer[] = [];
      const gotB: Buffer[] = [];
      const rtcpA: Buffer[] = [];
      const rtcpB: Buffer[] = [];
      p.a.on('rtp', (pkt) => gotA.push(Buffer.from(pkt)));
      p.b.on('rtp', (pkt) => gotB.push(Buffer.from(pkt)));
      p.a.on('rtcp', (pkt) => rtcpA.push(Buffer.from(pkt)));
      p.b.on('rtcp', (pkt) => rtcpB.push(Buffer.from(pkt)));
      const sentAB = [1, 2, 3].map((seq) => rtp({ seq, ssrc: 0x1111, payloadLength: 100 + seq }));
      const sentBA = [1, 2, 3].map((seq) => rtp({ seq, ssrc: 0x2222, payloadLength: 200 + seq }));
      for (const pkt of sentAB) p.a.sendRtp(pkt);
      for (const pkt of sentBA) p.b.sendRtp(pkt);
      const srAB = rtcp({ ssrc: 0x1111, senderReport: true });
      const rrBA = rtcp({ ssrc: 0x2222 });
      p.a.sendRtcp(srAB);
      p.b.sendRtcp(rrBA);
      // After selection: the stranger's SRTP-shaped RTP and RTCP are dropped before SRTP sees them.
      for (const target of [p.sa, p.sb]) {
        stranger.send(rtp({ seq: 9, ssrc: 0x1111 }), addressOf(target).port, '127.0.0.1');
        stranger.send(rtcp({ ssrc: 0x1111 }), addressOf(target).port, '127.0.0.1');
      }
      await until(() => gotA.length === 3 && gotB.length === 3 && rtcpA.length === 1 && rtcpB.length === 1);
      await until(() => p.a.getStats().droppedDatagrams['unselected-address'] === 3);
      await until(() => p.b.getStats().droppedDatagrams['unselected-address'] === 3);
      assert.deepEqual(gotB, sentAB);
      assert.deepEqual(gotA, sentBA);
      assert.deepEqual(rtcpB, [srAB]);
      assert.deepEqual(rtcpA, [rrBA]);

      const s = p.a.getStats();
      assert.equal(s.dtlsState, 'connected');
      assert.equal(s.dtlsRole, roleA);
      assert.equal(s.tlsVersion, 'FEFD');
      assert.match(s.dtlsCipher ?? '', /^TLS_ECDHE_ECDSA_WITH_/);
      assert.equal(s.srtpProfile, profile);
      assert.deepEqual(s.localCertificateFingerprint, (await cert('ecdsa-p256', 0)).getFingerprints(['sha-256'])[0]);
      assert.deepEqual(s.remoteCertificateFingerprint, (await cert('ecdsa-p256', 1)).getFingerprints(['sha-256'])[0]);
      assert.deepEqual(s.selectedRemoteAddress, { ...addressOf(p.sb), family: 'IPv4' });
      assert.ok(typeof s.handshakeDurationMs === 'number' && s.handshakeDurationMs > 0);
      assert.equal(s.rtpPacketsSent, 3);
      assert.equal(s.rtpPacketsReceived, 3);
      assert.equal(s.rtcpPacketsSent, 1);
      assert.equal(s.rtcpPacketsReceived, 1);
      assert.ok(s.bytesSent > 0 && s.bytesReceived > 0 && s.packetsSent >= 4);
      assert.equal(Object.values(s.srtpFailures).reduce((x, y) => x + y, 0), 0);
      assert.equal(s.srtp?.rtpPacketsUnprotected, 3);
      assert.equal(s.sendFailures, 0);
      assert.equal(s.ice, undefined);
      assert.ok(s.dtlsPacketsReceived >= 1);
      assert.equal(s.dtls.datagramsReceived, s.dtlsPacketsReceived);
      assert.ok(s.dtls.datagramsSent >= 1);
    });
  }
}

test('batch send: one native call per batch, every packet arrives in order', async (t) => {
  const p = await pairSecure();
  t.after(() => p.close());
  await Promise.all([p.a.start(), p.b.start()]);
  const got: Buffer[] = [];
  const gotRtcp: Buffer[] = [];
  p.b.on('rtp', (pkt) => got.push(Buffer.from(pkt)));
  p.b.on('rtcp', (pkt) => gotRtcp.push(Buffer.from(pkt)));
  const batch = Array.from({ length: 64 }, (_, i) => rtp({ seq: 100 + i, ssrc: 7, payloadLength: 50 + i }));
  const results = p.a.sendRtpBatch(batch);
  assert.equal(results.length, 64);
  assert.ok(results.every((r) => r.ok));
  // A repeated sequence number is refused by SRTP (keystream reuse) and not sent.
  const again = p.a.sendRtpBatch([rtp({ seq: 100, ssrc: 7 }), rtp({ seq: 164, ssrc: 7 })]);
  assert.deepEqual(
    again.map((r) => (r.ok ? 'ok' : r.code)),
    ['ERR_SRTP_REPLAY_FAIL', 'ok'],
  );
  const reports = [rtcp({ ssrc: 7, senderReport: true }), rtcp({ ssrc: 7, blocks: 2 })];
  assert.ok(p.a.sendRtcpBatch(reports).every((r) => r.ok));
  await until(() => got.length === 65 && gotRtcp.length === 2);
  assert.deepEqual(got.slice(0, 64), batch);
  assert.deepEqual(gotRtcp, reports);
  assert.equal(p.a.getStats().rtpPacketsSent, 65);
  assert.equal(p.b.getStats().rtpPacketsReceived, 65);
});

test('SRTP receive failures are counted by code, never thrown, never an event', async (t) => {
  // The path variant lets the test inject datagrams "from the peer" directly.
  const wire: Buffer[] = [];
  let hold = false;
  const { a, b, addressB: peerAddr, close } = await pairSecure({
    path: 'app',
    onWire: (from, d) => from === 'b' && wire.push(d),
    loss: (from) => from === 'b' && hold,
    connect: true,
  });
  t.after(close);
  let events = 0;
  a.on('rtp', () => events++);
  a.on('rtcp', () => events++);
  b.sendRtp(rtp({ seq: 1, ssrc: 5 }));
  await until(() => events === 1);
  const srtp = wire.at(-1) as Buffer;
  // Replay of the same packet, a flipped tag bit (on a fresh index: libsrtp checks replay first),
  // a truncated packet, and a forged SRTCP packet.
  a.receive(srtp, peerAddr);
  hold = true;
  b.sendRtp(rtp({ seq: 2, ssrc: 5 }));
  const flipped = Buffer.from(wire.at(-1) as Buffer);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
  a.receive(flipped, peerAddr);
  a.receive(srtp.subarray(0, 8), peerAddr);
  a.receive(Buffer.concat([rtcp({ ssrc: 5 }), Buffer.alloc(20)]), peerAddr);
  // Out-of-range first bytes are dropped by the demultiplexer.
  a.receive(Buffer.from([17, 0, 0]), peerAddr);
  a.receive(Buffer.from([70, 0, 0, 0]), peerAddr);
  a.receive(Buffer.from([200, 0, 0, 0]), peerAddr);
  a.receive(Buffer.alloc(0), peerAddr);
  a.receive(Buffer.from([0, 1, 0, 0]), peerAddr);
  const s = a.getStats();
  assert.equal(events, 1);
  assert.equal(s.srtpFailures.ERR_SRTP_REPLAY_FAIL, 1);
  assert.equal(s.srtpFailures.ERR_SRTP_AUTH_FAIL, 2);
  assert.equal(s.srtpFailures.ERR_SRTP_BAD_PACKET, 1);
  assert.deepEqual(s.droppedDatagrams, {
    unknown: 2,
    zrtp: 1,
    'turn-channel': 1,
    'stun-unhandled': 1,
    'stun-rejected': 0,
    'unselected-address': 0,
    'not-started': 0,
    ended: 0,
    'srtp-not-ready': 0,
  });
  // The receive buffer given to receive() is the caller's: it is not decrypted in place.
  assert.deepEqual(srtp, wire.at(-2));
  assert.equal(a.state, 'connected');
});

test('RTP before the handshake and DTLS before start() are dropped and counted', async (t) => {
  const p = await pairSecure();
  t.after(() => p.close());
  const probe = await udp();
  t.after(() => probe.close());
  // From B's own socket address (the selected one for A): DTLS before start, then RTP before keys.
  p.sb.send(Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), Buffer.alloc(20)]), addressOf(p.sa).port, '127.0.0.1');
  p.sb.send(rtp({ seq: 1 }), addressOf(p.sa).port, '127.0.0.1');
  await until(() => p.a.getStats().packetsReceived === 2);
  assert.equal(p.a.getStats().droppedDatagrams['not-started'], 1);
  assert.equal(p.a.getStats().droppedDatagrams['srtp-not-ready'], 1);
  await Promise.all([p.a.start(), p.b.start()]);
  assert.equal(p.a.state, 'connected');
});

test('role from a=setup; application data both ways; DTLS retransmissions counted on a lossy path', async (t) => {
  // A offered actpass and B answered active: B is the DTLS client. B's first ClientHello is lost.
  const { a, b, close } = await pairSecure({
    path: 'app',
    addressA: { address: '10.0.0.1', port: 1000 },
    addressB: { address: '10.0.0.2', port: 2000 },
    loss: (from, _d, index) => from === 'b' && index === 0,
    a: { setup: { localSetup: 'actpass', remoteSetup: 'active', isOfferer: true }, initialRetransmitMs: 20 },
    b: { setup: { localSetup: 'active', remoteSetup: 'actpass', isOfferer: false }, initialRetransmitMs: 20 },
  });
  t.after(close);
  assert.equal(a.role, 'server');
  assert.equal(b.role, 'client');
  const keep = setInterval(() => {}, 1000);
  try {
    await Promise.all([a.start(), b.start()]);
  } finally {
    clearInterval(keep);
  }
  assert.ok(b.getStats().dtlsRetransmissions >= 1);
  assert.equal(a.getStats().dtlsRetransmissions, 0);
  const dataA: string[] = [];
  const dataB: string[] = [];
  a.on('data', (d) => dataA.push(d.toString()));
  b.on('data', (d) => dataB.push(d.toString()));
  a.sendData(Buffer.from('from a'));
  b.sendData(Buffer.from('from b'));
  await until(() => dataA.length === 1 && dataB.length === 1);
  assert.deepEqual([dataA, dataB], [['from b'], ['from a']]);
});

test('fingerprint mismatch: start() rejects, state failed, no SRTP, stats still readable', async (t) => {
  const other = await cert('ecdsa-p256', 2);
  const p = await pairSecure({ a: { remoteFingerprints: other.getFingerprints() } });
  t.after(() => p.close());
  const b = p.b.start().catch(() => undefined);
  await assert.rejects(p.a.start(), (err: unknown) => err instanceof DtlsError && err.code === 'ERR_DTLS_FINGERPRINT_MISMATCH');
  await b;
  assert.equal(p.a.state, 'failed');
  assert.equal(p.a.error?.code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.throws(() => p.a.sendRtp(rtp()), InvalidStateError);
  assert.equal(p.a.getStats().srtpCipher, undefined);
  assert.equal(p.a.getStats().remoteCertificateFingerprint, undefined);
  assert.equal(p.a.getStats().dtlsState, 'failed');
});

test('late remote fingerprints: the handshake completes once they are set', async (t) => {
  const p = await pairSecure({ b: { remoteFingerprints: undefined } });
  t.after(() => p.close());
  const started = Promise.all([p.a.start(), p.b.start()]);
  await until(() => p.b.getStats().packetsReceived > 0);
  assert.equal(p.b.state, 'connecting');
  p.b.setRemoteFingerprints((await cert('ecdsa-p256', 0)).getFingerprints());
  await started;
  assert.equal(p.b.state, 'connected');
});

test('close and dispose: children closed, socket detached, every method after close throws ERR_INVALID_STATE', async (t) => {
  const p = await pairSecure();
  t.after(() => p.close());
  await Promise.all([p.a.start(), p.b.start()]);
  p.a.sendRtp(rtp({ seq: 1 }));
  const listeners = p.sa.listenerCount('message');
  const closedB = new Promise<void>((resolve) => p.b.on('statechange', (s) => s === 'closed' && resolve()));
  p.a.close();
  p.a.close(); // twice is fine
  assert.equal(p.a.closed, true);
  assert.equal(p.a.state, 'closed');
  assert.equal(p.sa.listenerCount('message'), listeners - 1);
  await closedB; // the peer received close_notify
  const isState = (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE';
  assert.throws(() => p.a.sendRtp(rtp({ seq: 2 })), isState);
  assert.throws(() => p.a.sendRtcp(rtcp()), isState);
  assert.throws(() => p.a.sendRtpBatch([rtp({ seq: 3 })]), isState);
  assert.throws(() => p.a.sendRtcpBatch([rtcp()]), isState);
  assert.throws(() => p.a.sendData(Buffer.from('x')), isState);
  assert.throws(() => p.a.receive(rtp(), { address: '127.0.0.1', port: 1 }), isState);
  assert.throws(() => p.a.setRemoteFingerprints(ZERO_FP), isState);
  assert.throws(() => p.a.setRemoteAddress({ address: '127.0.0.1', port: 1 }), isState);
  await assert.rejects(p.a.start(), isState);
  // Stats stay readable after close: the snapshot taken at close.
  const s = p.a.getStats();
  assert.equal(s.dtlsState, 'closed');
  assert.equal(s.rtpPacketsSent, 1);
  assert.equal(s.srtp?.rtpPacketsProtected, 1);
  // The peer cannot send after the close_notify either.
  assert.throws(() => p.b.sendRtp(rtp({ seq: 1 })), isState);

  // using / Symbol.dispose
  const q = await pairSecure({ role: 'server' });
  {
    using a = q.a;
    await Promise.all([a.start(), q.b.start()]);
  }
  assert.equal(q.a.closed, true);
  q.close();
});

test('a socket the application closed: sends fail quietly and are counted, never thrown', async () => {
  const p = await pairSecure();
  await Promise.all([p.a.start(), p.b.start()]);
  p.sa.close();
  p.a.sendRtp(rtp({ seq: 1 }));
  p.a.sendRtpBatch([rtp({ seq: 2 }), rtp({ seq: 3 })]);
  assert.equal(p.a.getStats().sendFailures, 3);
  p.a.close(); // its close_notify cannot go out either
  assert.equal(p.a.getStats().sendFailures, 4);
  p.b.close();
  p.sb.close();
});

const ZERO_FP = [{ algorithm: 'sha-256', value: Array<string>(32).fill('00').join(':') }];

test('closing before connected rejects start() with ERR_INVALID_STATE', async (t) => {
  const p = await pairSecure({ role: 'server', b: { remoteAddress: { address: '127.0.0.1', port: 9 } } });
  t.after(() => p.close());
  const started = p.a.start();
  p.a.close();
  await assert.rejects(started, (err: unknown) => err instanceof InvalidStateError);
});

test('sendRtp errors: before connected and malformed packets have stable codes', async (t) => {
  const p = await pairSecure();
  t.after(() => p.close());
  assert.throws(() => p.a.sendRtp(rtp()), (e: unknown) => e instanceof InvalidStateError);
  await Promise.all([p.a.start(), p.b.start()]);
  assert.throws(() => p.a.sendRtp(Buffer.alloc(5)), (e: unknown) => e instanceof SrtpError && e.code === 'ERR_SRTP_BAD_PACKET');
  assert.throws(() => p.a.sendRtp('x' as unknown as Uint8Array), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('constructor validation: stable codes for every kind of mistake', async (t) => {
  const [ca, socket] = await Promise.all([cert('ecdsa-p256', 0), udp()]);
  t.after(() => socket.close());
  const base = { certificate: ca, role: 'client' as const, socket };
  const bad = (o: unknown, code: string) =>
    assert.throws(() => new DtlsSrtpTransport(o as DtlsSrtpTransportOptions), { code });
  bad(null, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, certificate: {} }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, role: undefined }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, setup: { localSetup: 'active', remoteSetup: 'actpass', isOfferer: false } }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, role: 'boss' }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, role: undefined, setup: 'actpass' }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, role: undefined, setup: { localSetup: 'active', remoteSetup: 'active', isOfferer: false } }, 'ERR_DTLS_ROLE_CONFLICT');
  bad({ ...base, socket: undefined }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, path: { send: () => {} } }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, socket: undefined, path: {} }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, socket: {} }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, remoteAddress: { address: '127.0.0.1', port: 0 } }, 'ERR_OUT_OF_RANGE');
  bad({ ...base, remoteAddress: { address: 1, port: 1 } }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, remoteAddress: { address: '::1', port: 1, family: 'IPX' } }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, replayWindow: 10 }, 'ERR_OUT_OF_RANGE');
  bad({ ...base, maxRemoteStreams: 'many' }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, onStun: 5 }, 'ERR_INVALID_ARG_TYPE');
  bad({ ...base, onStun: () => {}, iceLite: {} }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, iceLite: { ufrag: 'x' } }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, remoteFingerprints: [{ algorithm: 'sha-256', value: 'zz' }] }, 'ERR_DTLS_BAD_FINGERPRINT');
  bad({ ...base, srtpProfiles: ['ROT13'] }, 'ERR_INVALID_ARG_VALUE');
  bad({ ...base, mtu: 100 }, 'ERR_OUT_OF_RANGE');
  assert.equal(socket.listenerCount('message'), 0);
  const ok = new DtlsSrtpTransport(base);
  assert.equal(ok.state, 'new');
  assert.deepEqual(ok.localFingerprints, ca.getFingerprints(['sha-256']));
  assert.equal(ok.iceLite, undefined);
  assert.throws(() => ok.receive('x' as unknown as Uint8Array, { address: '127.0.0.1', port: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => ok.receive(Buffer.alloc(1), { address: '127.0.0.1', port: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
  ok.close();
});

test('hostile input: 20000 random datagrams of every RFC 7983 class from the peer and a stranger never throw, never break the association', async (t) => {
  const stranger = { address: '127.0.0.1', port: 41003 };
  const { a, b, addressB: addrB, close } = await pairSecure({
    path: 'app',
    addressA: { address: '127.0.0.1', port: 41001 },
    addressB: { address: '127.0.0.1', port: 41002 },
    a: { iceLite: {} },
    connect: true,
  });
  t.after(close);
  let events = 0;
  a.on('rtp', () => events++);
  a.on('rtcp', () => events++);
  a.on('data', () => events++);
  // Deterministic pseudo-random bytes (xorshift32).
  let x = 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const firstBytes = [0, 1, 3, 16, 19, 20, 22, 23, 63, 64, 79, 128, 129, 144, 191, 192, 255];
  for (let i = 0; i < 20000; i++) {
    const len = next() % 300;
    const d = Buffer.alloc(len);
    for (let k = 0; k < len; k++) d[k] = next() & 0xff;
    if (len > 0) d[0] = firstBytes[next() % firstBytes.length] as number;
    if (len > 13 && d[0] === 22) {
      d[1] = 0xfe; // a DTLS 1.2 record header with a random body
      d[2] = 0xfd;
    }
    if (len > 1 && (d[0] as number) >= 128 && (d[0] as number) < 192 && i % 2 === 0) d[1] = 200 + (i % 5); // RTCP types
    a.receive(d, i % 3 === 0 ? stranger : addrB);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(events, 0);
  assert.equal(a.state, 'connected');
  const s = a.getStats();
  assert.ok(s.packetsReceived >= 20000);
  assert.ok(s.droppedDatagrams['unselected-address'] > 0);
  assert.ok(s.droppedDatagrams['stun-rejected'] > 0);
  assert.ok(s.srtpFailures.ERR_SRTP_AUTH_FAIL + s.srtpFailures.ERR_SRTP_BAD_PACKET > 0);
  // The association still works both ways.
  const got: Buffer[] = [];
  a.on('rtp', (p) => got.push(Buffer.from(p)));
  b.on('rtp', (p) => got.push(Buffer.from(p)));
  b.sendRtp(rtp({ seq: 1, ssrc: 1 }));
  a.sendRtp(rtp({ seq: 1, ssrc: 2 }));
  await until(() => got.length === 2);
});

test('RFC 7983 routing table: every first byte reaches the right handler or drop counter', async (t) => {
  const { a, addressB: addrB, close } = await pairSecure({
    path: 'app',
    addressA: { address: '127.0.0.1', port: 42001 },
    addressB: { address: '127.0.0.1', port: 42002 },
    a: { iceLite: {} },
    connect: true,
  });
  t.after(close);
  const snapshot = () => {
    const s = a.getStats();
    return {
      stun: s.droppedDatagrams['stun-rejected'],
      unknown: s.droppedDatagrams.unknown,
      zrtp: s.droppedDatagrams.zrtp,
      turn: s.droppedDatagrams['turn-channel'],
      srtp: Object.values(s.srtpFailures).reduce((x, y) => x + y, 0),
      dtls: s.dtlsPacketsReceived,
    };
  };
  const expectFor = (first: number): string => {
    if (first <= 3) return 'stun';
    if (first <= 15) return 'unknown';
    if (first <= 19) return 'zrtp';
    if (first <= 63) return 'dtls';
    if (first <= 79) return 'turn';
    if (first <= 127) return 'unknown';
    if (first <= 191) return 'srtp';
    return 'unknown';
  };
  for (let first = 0; first < 256; first++) {
    const before = snapshot();
    const d = Buffer.alloc(40, 0x42);
    d[0] = first;
    a.receive(d, addrB);
    const after = snapshot();
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    const want = expectFor(first);
    assert.deepEqual(changed, [want], `first byte ${first}`);
  }
  assert.equal(a.state, 'connected');
});

test('IPv6: a UDP pair on ::1 connects and pins the IPv6 peer', async (t) => {
  const bind6 = () =>
    new Promise<dgram.Socket | undefined>((resolve) => {
      const s = dgram.createSocket('udp6');
      s.once('error', () => resolve(undefined));
      s.bind(0, '::1', () => resolve(s));
    });
  const [sa, sb] = await Promise.all([bind6(), bind6()]);
  if (sa === undefined || sb === undefined) {
    sa?.close();
    sb?.close();
    t.skip('no IPv6 loopback on this machine');
    return;
  }
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const a = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), socket: sa,
    remoteAddress: { address: '::1', port: sb.address().port },
  });
  const b = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), socket: sb,
    remoteAddress: { address: '::1', port: sa.address().port },
  });
  t.after(() => {
    a.close();
    b.close();
    sa.close();
    sb.close();
  });
  await Promise.all([a.start(), b.start()]);
  const got: Buffer[] = [];
  b.on('rtp', (p) => got.push(Buffer.from(p)));
  a.sendRtp(rtp({ seq: 1 }));
  await until(() => got.length === 1);
  assert.deepEqual(got[0], rtp({ seq: 1 }));
  assert.deepEqual(b.getStats().selectedRemoteAddress, { address: '::1', port: sa.address().port, family: 'IPv6' });
});

test('a host name as remoteAddress is refused at construction and at setRemoteAddress, with the fix in the error', async () => {
  // Before: { address: 'localhost' } was accepted, every reply was then dropped as unselected-address
  // (the source of a datagram is an IP address) and start() ended in a 30 s ERR_DTLS_TIMEOUT.
  const certificate = await cert();
  const base = { certificate, role: 'client' as const, path: { send: (): void => {} } };
  const hostName = (e: unknown): boolean =>
    e instanceof TypeError && (e as { code?: string }).code === 'ERR_INVALID_ARG_VALUE';
  assert.throws(() => new DtlsSrtpTransport({ ...base, remoteAddress: { address: 'localhost', port: 5000 } }), hostName);
  const transport = new DtlsSrtpTransport(base);
  try {
    assert.throws(() => transport.setRemoteAddress({ address: 'example.invalid', port: 5000 }), hostName);
    assert.equal(transport.remoteAddress, undefined, 'nothing was selected');
    transport.setRemoteAddress({ address: '127.0.0.1', port: 5000 });
    assert.deepEqual(transport.remoteAddress, { address: '127.0.0.1', port: 5000, family: 'IPv4' });
  } finally {
    transport.close();
  }
});

test('sendRtp and sendRtcp check their argument first and name themselves in the error', async () => {
  // Before: sendRtp('x') on a transport that is not connected threw ERR_INVALID_STATE "Not available in
  // state new" (the wrong argument went unnoticed and no method was named).
  const transport = new DtlsSrtpTransport({ certificate: await cert(), role: 'client', path: { send: (): void => {} } });
  try {
    for (const method of ['sendRtp', 'sendRtcp'] as const) {
      // The message is what this test is about: it must name the method.
      assert.throws(() => transport[method]('x' as never), (e: unknown) =>
        e instanceof TypeError && (e as { code?: string }).code === 'ERR_INVALID_ARG_TYPE' && e.message.includes(`${method}(packet)`));
      assert.throws(() => transport[method](rtp()), (e: unknown) =>
        e instanceof InvalidStateError && e.code === 'ERR_INVALID_STATE' && e.message.includes(`${method}()`));
    }
  } finally {
    transport.close();
  }
});
