// SPDX-License-Identifier: MIT
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import {
  DtlsError,
  DtlsTransport,
  InvalidStateError,
  type DtlsFingerprint,
  type SrtpProfile,
} from '../../lib/index.js';
import { cert, keepAlive, makePair, type Pair } from './pair.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PROFILES: SrtpProfile[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'];
const KEY_LENGTHS: Record<SrtpProfile, [number, number]> = {
  AES_CM_128_HMAC_SHA1_80: [16, 14],
  AES_CM_128_HMAC_SHA1_32: [16, 14],
  AEAD_AES_128_GCM: [16, 12],
  AEAD_AES_256_GCM: [32, 12],
};

async function connect(pair: Pair): Promise<void> {
  const stop = keepAlive();
  try {
    await Promise.all([pair.server.start(), pair.client.start()]);
  } finally {
    stop();
  }
}

function nextData(t: DtlsTransport): Promise<Buffer> {
  return once(t, 'data').then(([d]) => d as Buffer);
}

/** Both sides settled (connected or failed), whichever way each start() went. */
async function settle(pair: Pair): Promise<[PromiseSettledResult<void>, PromiseSettledResult<void>]> {
  const stop = keepAlive();
  try {
    const r = await Promise.allSettled([pair.client.start(), pair.server.start()]);
    return [r[0], r[1]];
  } finally {
    stop();
  }
}

/**
 * Resolves once the side without fingerprints sits at its wait point: a
 * client has received the server's flight (and, paused, sends nothing more);
 * a server has received the client's certificate flight (and holds it).
 */
async function reachedWait(pair: Pair, side: 'client' | 'server'): Promise<void> {
  const sent = side === 'client' ? pair.sentByServer : pair.sentByClient;
  const needed = side === 'client' ? 1 : 2; // server flight 4 / client flight 5 (after ClientHello)
  while (sent.length < needed) await new Promise((r) => setTimeout(r, 1));
  // Let the in-flight datagrams be delivered (setImmediate links).
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function flipFirstByte(fp: DtlsFingerprint): DtlsFingerprint {
  const first = parseInt(fp.value.slice(0, 2), 16) ^ 0x01;
  return { algorithm: fp.algorithm, value: first.toString(16).toUpperCase().padStart(2, '0') + fp.value.slice(2) };
}

describe('in-memory pairs: key types x profiles', () => {
  for (const keyType of ['ecdsa-p256', 'rsa-2048'] as const) {
    for (const profile of PROFILES) {
      test(`${keyType} ${profile}: connects, app data both ways, matching keys by role`, async () => {
        const pair = await makePair({
          keyType,
          client: { srtpProfiles: [profile] },
          server: { srtpProfiles: PROFILES.slice().reverse() },
        });
        const states: string[] = [];
        pair.client.on('statechange', (s) => states.push(s));
        let connectedEvents = 0;
        pair.server.on('connected', () => connectedEvents++);
        await connect(pair);
        assert.deepEqual(states, ['connecting', 'connected']);
        assert.equal(connectedEvents, 1);
        assert.equal(pair.client.state, 'connected');
        assert.equal(pair.server.state, 'connected');
        assert.equal(pair.client.srtpProfile, profile);
        assert.equal(pair.server.srtpProfile, profile);
        assert.match(pair.client.cipherSuite ?? '', keyType === 'rsa-2048' ? /^TLS_ECDHE_RSA_WITH_/ : /^TLS_ECDHE_ECDSA_WITH_/);
        assert.equal(pair.client.cipherSuite, pair.server.cipherSuite);

        // Application data both ways.
        const toServer = nextData(pair.server);
        pair.client.send(Buffer.from('ping from client'));
        assert.equal((await toServer).toString(), 'ping from client');
        const toClient = nextData(pair.client);
        pair.server.send(Buffer.from('pong from server'));
        assert.equal((await toClient).toString(), 'pong from server');

        // RFC 5764 §4.2 export: identical on both sides, non-trivial.
        const [k, s] = KEY_LENGTHS[profile];
        const n = 2 * (k + s);
        const a = pair.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', n);
        const b = pair.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', n);
        assert.equal(a.length, n);
        assert.deepEqual(a, b);
        assert.notDeepEqual(a, Buffer.alloc(n));
        // SRTP keyed natively by role: what one side protects, the other unprotects.
        const cs = pair.client.createSrtpSession();
        const ss = pair.server.createSrtpSession({ replayWindow: 128, maxRemoteStreams: 4 });
        assert.equal(cs.profile, profile);
        const packet = rtp({ seq: 1, ssrc: 0x1234, payloadLength: 100 });
        assert.deepEqual(ss.unprotectRtp(cs.protectRtp(packet)), packet);
        const back = rtp({ seq: 7, ssrc: 0x5678, payloadLength: 40 });
        assert.deepEqual(cs.unprotectRtp(ss.protectRtp(back)), back);
        const report = rtcp({ ssrc: 0x1234, senderReport: true, blocks: 1 });
        assert.deepEqual(ss.unprotectRtcp(cs.protectRtcp(report)), report);
        // A session keyed for the same direction cannot read it (keys differ by role).
        const other = pair.client.createSrtpSession();
        assert.throws(() => other.unprotectRtp(cs.protectRtp(rtp({ seq: 2, ssrc: 0x1234 }))), { code: 'ERR_SRTP_AUTH_FAIL' });
        // Each side sees the other's certificate.
        assert.deepEqual(pair.client.getRemoteCertificate(), pair.serverCert.der);
        assert.deepEqual(pair.server.getRemoteCertificate(), pair.clientCert.der);
        pair.close();
        // Closing the transport closed its sessions.
        assert.equal(cs.closed, true);
        assert.equal(ss.closed, true);
        assert.throws(() => cs.protectRtp(packet), { code: 'ERR_INVALID_STATE' });
      });
    }
  }
});

describe('fingerprint mismatch', () => {
  for (const side of ['client', 'server'] as const) {
    test(`${side} with a wrong fingerprint fails with ERR_DTLS_FINGERPRINT_MISMATCH and sends bad_certificate`, async () => {
      const other = await cert('ecdsa-p256', 2);
      const pair = await makePair({ [side]: { remoteFingerprints: other.getFingerprints() } });
      let data = 0;
      pair.client.on('data', () => data++);
      pair.server.on('data', () => data++);
      const [c, s] = await settle(pair);
      const checker = side === 'client' ? pair.client : pair.server;
      const peer = side === 'client' ? pair.server : pair.client;
      const mine = side === 'client' ? c : s;
      assert.equal(mine.status, 'rejected');
      assert.ok(mine.reason instanceof DtlsError);
      assert.equal(mine.reason.code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
      assert.equal(mine.reason.errorDetail, 'fingerprint-failure');
      assert.equal(mine.reason.sentAlert, 42);
      assert.equal(checker.state, 'failed');
      assert.equal(checker.error, mine.reason);
      // The peer learns of it through the fatal alert.
      assert.equal(peer.state, 'failed');
      assert.equal(peer.error?.code, 'ERR_DTLS_ALERT');
      assert.equal(peer.error?.receivedAlert, 42);
      // No way to keys, SRTP or data on either side.
      for (const t of [pair.client, pair.server]) {
        assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), { code: 'ERR_INVALID_STATE' });
        assert.throws(() => t.getRemoteCertificate(), InvalidStateError);
        assert.throws(() => t.send(Buffer.from('x')), InvalidStateError);
        assert.throws(() => t.createSrtpSession(), { code: 'ERR_INVALID_STATE' });
        assert.equal(t.srtpProfile, undefined);
      }
      assert.equal(data, 0);
      pair.close();
    });

    test(`${side}: flipping one byte of the correct fingerprint fails (control)`, async () => {
      const base = await makePair();
      const correct = (side === 'client' ? base.serverCert : base.clientCert).getFingerprints()[0] as DtlsFingerprint;
      base.close();
      // The unflipped fingerprint connects (the control's other half).
      const good = await makePair({ [side]: { remoteFingerprints: [correct] } });
      await connect(good);
      good.close();
      const pair = await makePair({ [side]: { remoteFingerprints: [flipFirstByte(correct)] } });
      const [c, s] = await settle(pair);
      const mine = side === 'client' ? c : s;
      assert.equal(mine.status, 'rejected');
      assert.equal((mine.reason as DtlsError).code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
      pair.close();
    });
  }

  test('several lines: a match on any strong line accepts; sha-1 is ignored next to sha-256', async () => {
    const other = await cert('ecdsa-p256', 2);
    const serverCert = await cert('ecdsa-p256', 1);
    const pair = await makePair({
      client: { remoteFingerprints: [...other.getFingerprints(['sha-256']), ...serverCert.getFingerprints(['sha-512'])] },
    });
    await connect(pair);
    pair.close();
    // A matching sha-1 line cannot rescue a mismatching sha-256 line (downgrade protection).
    const pair2 = await makePair({
      client: { remoteFingerprints: [...other.getFingerprints(['sha-256']), ...serverCert.getFingerprints(['sha-1'])] },
    });
    const [c] = await settle(pair2);
    assert.equal(c.status, 'rejected');
    assert.equal((c.reason as DtlsError).code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
    pair2.close();
    // sha-1 alone is usable.
    const pair3 = await makePair({ client: { remoteFingerprints: serverCert.getFingerprints(['sha-1']) } });
    await connect(pair3);
    pair3.close();
  });
});

describe('late remote fingerprints', () => {
  for (const side of ['client', 'server'] as const) {
    const peerSide = side === 'client' ? 'server' : 'client';
    test(`${side}: the handshake waits, then completes when they arrive`, async () => {
      const pair = await makePair({ [side]: { remoteFingerprints: undefined } });
      const waiting = side === 'client' ? pair.client : pair.server;
      const stop = keepAlive();
      const starts = Promise.all([pair.server.start(), pair.client.start()]);
      await reachedWait(pair, side);
      assert.equal(pair.client.state, 'connecting');
      assert.equal(pair.server.state, 'connecting');
      // Nothing usable while waiting.
      assert.throws(() => waiting.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), { code: 'ERR_INVALID_STATE' });
      assert.throws(() => waiting.createSrtpSession(), { code: 'ERR_INVALID_STATE' });
      const peerCert = side === 'client' ? pair.serverCert : pair.clientCert;
      waiting.setRemoteFingerprints(peerCert.getFingerprints());
      await starts;
      stop();
      assert.equal(pair.client.state, 'connected');
      assert.equal(pair.server.state, 'connected');
      assert.deepEqual(
        pair.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
        pair.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
      );
      assert.throws(() => waiting.setRemoteFingerprints(peerCert.getFingerprints()), InvalidStateError);
      pair.close();
    });

    test(`${side}: a wrong late fingerprint fails with ERR_DTLS_FINGERPRINT_MISMATCH`, async () => {
      const other = await cert('ecdsa-p256', 2);
      const pair = await makePair({ [side]: { remoteFingerprints: undefined } });
      const waiting = side === 'client' ? pair.client : pair.server;
      const peer = side === 'client' ? pair.server : pair.client;
      const stop = keepAlive();
      const results = Promise.allSettled([waiting.start(), peer.start()]);
      await reachedWait(pair, side);
      waiting.setRemoteFingerprints(other.getFingerprints());
      const [w, p] = await results;
      stop();
      assert.equal(w.status, 'rejected');
      assert.equal((w.reason as DtlsError).code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
      assert.equal(waiting.state, 'failed');
      assert.equal(p.status, 'rejected');
      assert.equal((p.reason as DtlsError).code, 'ERR_DTLS_ALERT');
      assert.equal(peer.state, 'failed');
      pair.close();
    });

    test(`${side}: fingerprints that never come fail with ERR_DTLS_TIMEOUT`, async (t) => {
      t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
      const pair = await makePair({
        async: false,
        [side]: { remoteFingerprints: undefined, handshakeTimeoutMs: 5000 },
        [peerSide]: { handshakeTimeoutMs: 600000 },
      });
      const waiting = side === 'client' ? pair.client : pair.server;
      const result = waiting.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      void pair[peerSide].start().catch(() => undefined);
      t.mock.timers.tick(4999);
      assert.equal(waiting.state, 'connecting');
      t.mock.timers.tick(1);
      const err = await result;
      assert.ok(err instanceof DtlsError);
      assert.equal(err.code, 'ERR_DTLS_TIMEOUT');
      assert.equal(waiting.state, 'failed');
      pair.close();
    });
  }
});

describe('stats and bounds', () => {
  test('server holding the client flight: the hold buffer is bounded and overflow is counted', async () => {
    const pair = await makePair({ server: { remoteFingerprints: undefined } });
    const stop = keepAlive();
    const starts = Promise.all([pair.server.start(), pair.client.start()]);
    await reachedWait(pair, 'server');
    const fake = Buffer.alloc(1000, 0x42);
    fake[0] = 22;
    for (let i = 0; i < 100; i++) pair.server.receive(fake);
    const held = pair.server.getStats();
    assert.ok(held.dropped.holdOverflow >= 100 - 32, JSON.stringify(held));
    // The genuine flight was held first, so the handshake still completes.
    pair.server.setRemoteFingerprints(pair.clientCert.getFingerprints());
    await starts;
    stop();
    assert.equal(pair.server.state, 'connected');
    pair.close();
  });

  test('counts traffic, and input after a failure as inactive', async () => {
    const other = await cert('ecdsa-p256', 2);
    const pair = await makePair({ client: { remoteFingerprints: other.getFingerprints() } });
    await settle(pair);
    const s = pair.client.getStats();
    assert.ok(s.datagramsSent >= 2 && s.bytesSent > 100);
    assert.ok(s.datagramsReceived >= 1 && s.bytesReceived > 100);
    pair.client.receive(pair.sentByServer[0] as Buffer);
    assert.equal(pair.client.getStats().dropped.inactive, 1);
    const sent = pair.client.getStats().datagramsSent;
    pair.client.close();
    // After close: the final figures (the failed association sends no close_notify).
    assert.equal(pair.client.getStats().datagramsSent, sent);
    assert.equal(pair.client.getStats().dropped.inactive, 1);
    pair.close();
  });
});

describe('MTU', () => {
  for (const mtu of [500, 1200]) {
    test(`RSA-2048 with MTU ${mtu}: every datagram (retransmissions too) fits`, async () => {
      // Reference: how many datagrams a handshake takes without loss.
      const clean = await makePair({ keyType: 'rsa-2048', client: { mtu }, server: { mtu } });
      await connect(clean);
      const lossless = clean.sentByClient.length + clean.sentByServer.length;
      clean.close();
      const pair = await makePair({
        keyType: 'rsa-2048',
        client: { mtu, initialRetransmitMs: 10 },
        server: { mtu, initialRetransmitMs: 10 },
        link: { loss: 0.2, seed: 7 },
      });
      await connect(pair);
      // Losses forced retransmissions, which the size check below covers too.
      assert.ok(pair.sentByClient.length + pair.sentByServer.length > lossless);
      const maxData = pair.client.maxDataSize;
      assert.ok(maxData > 0 && maxData < mtu);
      const got = nextData(pair.server);
      pair.client.send(Buffer.alloc(maxData, 1));
      pair.server.send(Buffer.alloc(pair.server.maxDataSize, 2));
      assert.throws(() => pair.client.send(Buffer.alloc(maxData + 1)), { code: 'ERR_OUT_OF_RANGE' });
      await Promise.race([got, new Promise((r) => setTimeout(r, 100))]);
      const all = [...pair.sentByClient, ...pair.sentByServer];
      // RSA-2048 certificates need fragmentation below 1200 bytes: several datagrams per flight.
      assert.ok(all.length > 4);
      for (const d of all) assert.ok(d.length <= mtu, `datagram of ${d.length} bytes > MTU ${mtu}`);
      if (mtu === 500) assert.ok(pair.sentByServer.filter((d) => d.length > 400).length >= 2);
      pair.close();
    });
  }
});

describe('lossy link', () => {
  for (const loss of [0.1, 0.3]) {
    for (const seed of [1, 2, 3]) {
      test(`${loss * 100}% loss with duplication and reordering (seed ${seed}) completes`, async () => {
        const pair = await makePair({
          client: { initialRetransmitMs: 10, handshakeTimeoutMs: 60000 },
          server: { initialRetransmitMs: 10, handshakeTimeoutMs: 60000 },
          link: { loss, duplicate: 0.1, reorder: 0.2, seed },
        });
        await connect(pair);
        assert.equal(pair.client.state, 'connected');
        assert.equal(pair.server.state, 'connected');
        assert.deepEqual(
          pair.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
          pair.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
        );
        pair.close();
      });
    }
  }

  test('a send hook that throws loses the datagram, is counted, and the retransmission gets through', async () => {
    const certificate = await cert();
    let calls = 0;
    const t = new DtlsTransport({
      certificate,
      role: 'client',
      initialRetransmitMs: 100,
      handshakeTimeoutMs: 2000,
      send: () => {
        calls++;
        if (calls === 1) throw new Error('EHOSTUNREACH');
      },
    });
    const started = t.start();
    started.catch(() => undefined);
    assert.equal(t.getStats().sendFailures, 1);
    assert.equal(t.getStats().datagramsSent, 1);
    const stop = keepAlive();
    while (calls < 2) await new Promise((r) => setTimeout(r, 5));
    stop();
    assert.equal(t.state, 'connecting');
    assert.equal(t.getStats().sendFailures, 1);
    assert.equal(t.getStats().datagramsSent, 2);
    t.close();
  });

  test('100% loss: the ClientHello is retransmitted with exponential backoff until the bound', async () => {
    const pair = await makePair({
      client: { initialRetransmitMs: 10, handshakeTimeoutMs: 300 },
      server: { handshakeTimeoutMs: 300 },
      link: { loss: 1 },
    });
    const stop = keepAlive();
    const [c] = await Promise.allSettled([pair.client.start()]);
    stop();
    assert.equal(c.status, 'rejected');
    assert.equal((c.reason as DtlsError).code, 'ERR_DTLS_TIMEOUT');
    // Retransmitted at all, and identical each time...
    assert.ok(pair.sentByClient.length >= 2, String(pair.sentByClient.length));
    for (const d of pair.sentByClient) assert.equal(d[13], 1); // ClientHello
    // ...but backing off: 10, 20, 40, 80, 160 ms leaves at most 5 sends in 300 ms
    // (a fixed 10 ms timer would have sent about 30).
    assert.ok(pair.sentByClient.length <= 6, String(pair.sentByClient.length));
    pair.close();
  });

  test('100% loss fails with ERR_DTLS_TIMEOUT at the handshake bound, not before', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const pair = await makePair({
      async: false,
      client: { handshakeTimeoutMs: 10000 },
      server: { handshakeTimeoutMs: 10000 },
      link: { loss: 1 },
    });
    const results = Promise.allSettled([pair.client.start(), pair.server.start()]);
    t.mock.timers.tick(9999);
    assert.equal(pair.client.state, 'connecting');
    assert.equal(pair.server.state, 'connecting');
    t.mock.timers.tick(1);
    const [c, s] = await results;
    for (const r of [c, s]) {
      assert.equal(r.status, 'rejected');
      assert.equal((r.reason as DtlsError).code, 'ERR_DTLS_TIMEOUT');
    }
    assert.ok(pair.sentByClient.length >= 1);
    pair.close();
  });
});

describe('errors and alerts', () => {
  test('no common SRTP profile: ERR_DTLS_NO_SRTP_PROFILE, the peer gets handshake_failure', async () => {
    const pair = await makePair({
      client: { srtpProfiles: ['AEAD_AES_128_GCM'] },
      server: { srtpProfiles: ['AES_CM_128_HMAC_SHA1_80'] },
    });
    const [c, s] = await settle(pair);
    assert.equal(c.status, 'rejected');
    assert.equal((c.reason as DtlsError).code, 'ERR_DTLS_NO_SRTP_PROFILE');
    assert.equal((c.reason as DtlsError).sentAlert, 40);
    assert.equal(s.status, 'rejected');
    assert.equal((s.reason as DtlsError).code, 'ERR_DTLS_ALERT');
    assert.equal((s.reason as DtlsError).receivedAlert, 40);
    pair.close();
  });

  test('a ClientHello offering only DTLS 1.0 fails the server with ERR_DTLS_HANDSHAKE', async () => {
    const pair = await makePair();
    pair.tap.toServer = (d) => {
      const copy = Buffer.from(d);
      // Handshake type 1 (ClientHello) at 13; client_version at 13 + 12.
      if (copy[13] === 1) copy.writeUInt16BE(0xfeff, 25);
      return copy;
    };
    const [c, s] = await settle(pair);
    assert.equal(s.status, 'rejected');
    assert.equal((s.reason as DtlsError).code, 'ERR_DTLS_HANDSHAKE');
    assert.ok((s.reason as DtlsError).opensslErrors.length > 0);
    assert.equal(c.status, 'rejected');
    assert.equal((c.reason as DtlsError).code, 'ERR_DTLS_ALERT');
    pair.close();
  });

  test('garbage datagrams are dropped without throwing or changing state', async () => {
    const pair = await makePair();
    await connect(pair);
    const junk = [
      Buffer.alloc(0),
      Buffer.from([22]),
      Buffer.alloc(13, 23),
      Buffer.alloc(2000, 22),
      Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.concat([Buffer.from([23, 0xfe, 0xfd]), Buffer.alloc(60, 0x55)]),
    ];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(1 + ((i * 37) % 300));
      for (let j = 0; j < b.length; j++) b[j] = (i * 131 + j * 17) & 0xff;
      b[0] = 20 + (i % 4);
      junk.push(b);
    }
    let data = 0;
    pair.server.on('data', () => data++);
    const before = pair.server.getStats();
    for (const j of junk) pair.server.receive(j);
    assert.equal(pair.server.state, 'connected');
    assert.equal(data, 0);
    const after = pair.server.getStats();
    assert.equal(after.datagramsReceived - before.datagramsReceived, junk.length);
    const notDtls = junk.filter((j) => j.length < 13 || (j[0] as number) < 20 || (j[0] as number) > 63).length;
    assert.ok(notDtls >= 3);
    assert.equal(after.dropped.notDtls - before.dropped.notDtls, notDtls);
    assert.equal(after.messagesReceived, before.messagesReceived);
    const got = nextData(pair.server);
    pair.client.send(Buffer.from('still alive'));
    assert.equal((await got).toString(), 'still alive');
    assert.equal(pair.server.getStats().messagesReceived, before.messagesReceived + 1);
    assert.equal(pair.client.getStats().messagesSent, 1);
    pair.close();
  });

  test('a spoofed protected-epoch record too short for AEAD does not end the association', async () => {
    // OpenSSL 3.0 alone would answer these with a fatal internal_error alert.
    const pair = await makePair();
    await connect(pair);
    const before = pair.sentByServer.length;
    for (const type of [20, 21, 22, 23]) {
      for (let length = 1; length < 24; length++) {
        const forged = Buffer.alloc(13 + length, 0x41);
        forged[0] = type;
        forged.writeUInt16BE(0xfefd, 1);
        forged.writeUInt16BE(1, 3); // epoch 1
        forged.writeUIntBE(1000 + length, 5, 6);
        forged.writeUInt16BE(length, 11);
        pair.server.receive(forged);
      }
    }
    assert.equal(pair.server.state, 'connected');
    assert.equal(pair.sentByServer.length, before); // no alert went out
    assert.equal(pair.server.getStats().dropped.malformed, 4 * 23);
    const got = nextData(pair.server);
    pair.client.send(Buffer.from('still connected'));
    assert.equal((await got).toString(), 'still connected');
    pair.close();
  });

  test('server cookies: HelloVerifyRequest first, then the handshake completes', async () => {
    const pair = await makePair({ server: { serverCookies: true } });
    await connect(pair);
    // First server datagram: handshake record carrying hello_verify_request (type 3).
    assert.equal(pair.sentByServer[0]?.[0], 22);
    assert.equal(pair.sentByServer[0]?.[13], 3);
    pair.close();
  });
});

describe('close and lifecycle', () => {
  test('close() sends close_notify once; the peer goes closed and emits close', async () => {
    const pair = await makePair();
    await connect(pair);
    const before = pair.sentByClient.length;
    const peerClosed = once(pair.server, 'close');
    let closeEvents = 0;
    pair.client.on('close', () => closeEvents++);
    pair.client.close();
    pair.client.close();
    assert.equal(pair.sentByClient.length, before + 1);
    assert.equal(pair.sentByClient.at(-1)?.[0], 21); // alert record
    assert.equal(pair.client.state, 'closed');
    assert.equal(pair.client.closed, true);
    assert.equal(closeEvents, 1);
    await peerClosed;
    assert.equal(pair.server.state, 'closed');
    assert.equal(pair.server.error, undefined);
    pair.close();
  });

  test('every public method after close throws InvalidStateError (ERR_INVALID_STATE)', async () => {
    const pair = await makePair();
    await connect(pair);
    const t = pair.client;
    t[Symbol.dispose]();
    assert.equal(t.state, 'closed');
    await assert.rejects(t.start(), { code: 'ERR_INVALID_STATE', name: 'InvalidStateError' });
    assert.throws(() => t.receive(Buffer.alloc(20, 22)), InvalidStateError);
    assert.throws(() => t.send(Buffer.from('x')), InvalidStateError);
    assert.throws(() => t.setRemoteFingerprints(pair.serverCert.getFingerprints()), InvalidStateError);
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), InvalidStateError);
    assert.throws(() => t.getRemoteCertificate(), InvalidStateError);
    assert.throws(() => t.createSrtpSession(), InvalidStateError);
    t.close();
    pair.close();
  });

  test('close() during the handshake rejects start() with InvalidStateError', async () => {
    const pair = await makePair({ withFingerprints: false });
    const stop = keepAlive();
    const p = pair.client.start();
    pair.client.close();
    await assert.rejects(p, InvalidStateError);
    stop();
    pair.close();
  });

  test('start twice, receive before start, send before connected: InvalidStateError', async () => {
    const pair = await makePair();
    assert.throws(() => pair.server.receive(Buffer.alloc(20, 22)), { code: 'ERR_INVALID_STATE' });
    assert.throws(() => pair.client.send(Buffer.from('x')), { code: 'ERR_INVALID_STATE' });
    const stop = keepAlive();
    const clientStarted = pair.client.start();
    const first = Promise.all([pair.server.start(), clientStarted]);
    // Started twice: the same promise (SecureTransportContract).
    assert.equal(pair.client.start(), clientStarted);
    await first;
    stop();
    pair.close();
  });

  test('invalid options are typed argument errors', async () => {
    const certificate = await cert();
    const send = (): void => undefined;
    const bad: unknown[] = [
      [{ certificate: {}, role: 'client', send }, 'ERR_INVALID_ARG_TYPE'],
      [{ certificate, role: 'auto', send }, 'ERR_INVALID_ARG_VALUE'],
      [{ certificate, role: 'client' }, 'ERR_INVALID_ARG_TYPE'],
      [{ certificate, role: 'client', send, mtu: 100 }, 'ERR_OUT_OF_RANGE'],
      [{ certificate, role: 'client', send, mtu: 1200.5 }, 'ERR_OUT_OF_RANGE'],
      [{ certificate, role: 'client', send, initialRetransmitMs: 0 }, 'ERR_OUT_OF_RANGE'],
      [{ certificate, role: 'client', send, handshakeTimeoutMs: '1' }, 'ERR_INVALID_ARG_TYPE'],
      [{ certificate, role: 'client', send, srtpProfiles: [] }, 'ERR_INVALID_ARG_VALUE'],
      [{ certificate, role: 'client', send, srtpProfiles: ['NULL_NULL'] }, 'ERR_INVALID_ARG_VALUE'],
      [{ certificate, role: 'client', send, serverCookies: 1 }, 'ERR_INVALID_ARG_TYPE'],
      [{ certificate, role: 'client', send, remoteFingerprints: [] }, 'ERR_INVALID_ARG_VALUE'],
      [{ certificate, role: 'client', send, remoteFingerprints: [{ algorithm: 'sha-256', value: 'AB' }] }, 'ERR_DTLS_BAD_FINGERPRINT'],
    ];
    for (const [options, code] of bad as [unknown, string][]) {
      assert.throws(() => new DtlsTransport(options as never), { code }, JSON.stringify(options));
    }
    const t = new DtlsTransport({ certificate, role: 'client', send });
    assert.throws(() => t.receive('x' as never), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => t.exportKeyingMaterial('', 10), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 0), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), { code: 'ERR_INVALID_STATE' });
    assert.throws(() => t.createSrtpSession(), { code: 'ERR_INVALID_STATE' });
    assert.throws(() => t.createSrtpSession({ replayWindow: 10 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => t.createSrtpSession(null as never), { code: 'ERR_INVALID_ARG_TYPE' });
    t.close();
  });
});

/** Splits a datagram into its DTLS records. */
function records(d: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 13 <= d.length; ) {
    const len = d.readUInt16BE(off + 11);
    out.push(d.subarray(off, off + 13 + len));
    off += 13 + len;
  }
  return out;
}

function record(type: number, epoch: number, seq: number, body: Buffer): Buffer {
  const h = Buffer.alloc(13);
  h[0] = type;
  h.writeUInt16BE(0xfefd, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUIntBE(seq, 5, 6);
  h.writeUInt16BE(body.length, 11);
  return Buffer.concat([h, body]);
}

describe('fragmented handshake messages', () => {
  test('a ClientHello split over two datagrams (as Chromium sends it) is reassembled by the server', async () => {
    // No retransmission can rescue a failed reassembly: the first RTO is beyond the handshake bound.
    const slow = { initialRetransmitMs: 60000, handshakeTimeoutMs: 5000 };
    const pair = await makePair({ async: true, client: slow, server: slow });
    // Rewrite the client's epoch-0 records: the ClientHello becomes two
    // fragments in two datagrams; later epoch-0 records shift their sequence
    // number by one so that none looks like a replay. Epoch-1 records are
    // authenticated and pass untouched.
    let fragmented = 0;
    const toServer: Buffer[] = [];
    pair.tap.toServer = (d) => {
      const out: Buffer[] = [];
      for (const r of records(d)) {
        const epoch = r.readUInt16BE(3);
        const seq = r.readUIntBE(5, 6);
        const body = r.subarray(13);
        if (epoch !== 0) {
          out.push(r);
        } else if (r[0] === 22 && body[0] === 1) {
          const length = body.readUIntBE(1, 3);
          const head = body.subarray(0, 12);
          const msg = body.subarray(12);
          const half = length >> 1;
          const frag = (offset: number, part: Buffer): Buffer => {
            const h = Buffer.from(head);
            h.writeUIntBE(offset, 6, 3);
            h.writeUIntBE(part.length, 9, 3);
            return Buffer.concat([h, part]);
          };
          toServer.push(record(22, 0, seq * 2, frag(0, msg.subarray(0, half))));
          toServer.push(record(22, 0, seq * 2 + 1, frag(half, msg.subarray(half))));
          fragmented++;
        } else {
          out.push(record(r[0] as number, 0, seq + 1, body));
        }
      }
      if (out.length > 0) toServer.push(Buffer.concat(out));
      const next = toServer.shift();
      // Deliver the queued datagrams one per call; the rest follow right after.
      setImmediate(() => {
        while (toServer.length > 0) {
          const x = toServer.shift() as Buffer;
          if (!pair.server.closed && pair.server.state === 'connecting') pair.server.receive(x);
          else if (pair.server.state === 'connected') pair.server.receive(x);
        }
      });
      return next;
    };
    await connect(pair);
    assert.ok(fragmented >= 1);
    assert.equal(pair.server.state, 'connected');
    pair.close();
  });
});

describe('timers and hostile input during the handshake', () => {
  test('a forgotten transport mid-handshake does not keep the process alive (unref timer)', () => {
    const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');
    const source = `
      const { Certificate, DtlsTransport } = require(${JSON.stringify(lib)});
      Certificate.generate().then((certificate) => {
        const t = new DtlsTransport({ certificate, role: 'client', send: () => {}, initialRetransmitMs: 50 });
        t.start().catch(() => {});
        process.stdout.write('started ' + t.state);
      });`;
    // Exits by itself although the handshake (30 s bound) is still pending.
    const out = execFileSync(process.execPath, ['-e', source], { encoding: 'utf8', timeout: 20000 });
    assert.equal(out, 'started connecting');
  });

  test('junk injected in both directions mid-handshake does not stop it', async () => {
    const pair = await makePair();
    let n = 0;
    const junk = (): Buffer => {
      n++;
      const b = Buffer.alloc(13 + (n % 200));
      for (let j = 0; j < b.length; j++) b[j] = (n * 97 + j * 31) & 0xff;
      b[0] = 20 + (n % 4);
      b.writeUInt16BE(0xfefd, 1);
      return b;
    };
    pair.tap.toServer = (d) => {
      pair.server.receive(junk());
      return d;
    };
    pair.tap.toClient = (d) => {
      pair.client.receive(junk());
      return d;
    };
    await connect(pair);
    assert.ok(n > 2);
    pair.close();
  });
});
