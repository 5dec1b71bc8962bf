// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import {
  InvalidStateError,
  SrtpError,
  SrtpSession,
  srtpOverhead,
  srtpResultCode,
  type SrtpProfile,
  type SrtpPacketErrorCode,
} from '../../lib/index.js';
import { wrapNativeSrtp } from '../../lib/srtp-session.js';
import { native } from '../../lib/native.js';
import { PROFILES, keyLength, pair, randomKeys, rtcp, rtp, saltLength } from '../fixtures/srtp-helpers.js';

function expectSrtpError(fn: () => unknown, code: SrtpPacketErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SrtpError, `expected SrtpError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

const VARIANTS = [
  rtp({ seq: 1, payloadLength: 160 }),
  rtp({ seq: 2, payloadLength: 1200, marker: true }),
  rtp({ seq: 3, csrcs: [0x01010101, 0x02020202], payloadLength: 50 }),
  rtp({ seq: 4, extension: { profile: 0xbede, data: Buffer.from('22334455667788ff', 'hex') }, payloadLength: 80 }),
  rtp({ seq: 5, padding: 7, payloadLength: 33 }),
  rtp({ seq: 6, csrcs: [7], extension: { profile: 0x1000, data: Buffer.alloc(0) }, padding: 1, payloadLength: 1 }),
  rtp({ seq: 7, payloadLength: 0 }),
];

for (const profile of PROFILES) {
  test(`${profile}: RTP and RTCP round trips (CSRCs, extensions, padding, empty payload)`, () => {
    const { a, b } = pair(profile);
    for (const packet of VARIANTS) {
      const protectedPacket = a.protectRtp(packet);
      assert.equal(protectedPacket.length, packet.length + a.rtpOverhead);
      // The fixed header stays in clear; a payload does not.
      assert.deepEqual(protectedPacket.subarray(0, 12), packet.subarray(0, 12));
      if (packet.length > 40) assert.notDeepEqual(protectedPacket.subarray(0, packet.length), packet);
      assert.deepEqual(b.unprotectRtp(protectedPacket), packet);
      // and the other direction
      assert.deepEqual(a.unprotectRtp(b.protectRtp(packet)), packet);
    }
    for (const packet of [rtcp(), rtcp({ blocks: 0 }), rtcp({ senderReport: true, blocks: 3 })]) {
      const protectedPacket = a.protectRtcp(packet);
      assert.equal(protectedPacket.length, packet.length + a.rtcpOverhead);
      assert.deepEqual(b.unprotectRtcp(protectedPacket), packet);
    }
    const stats = b.getStats();
    assert.equal(stats.rtpPacketsUnprotected, VARIANTS.length);
    assert.equal(
      stats.rtpBytesUnprotected,
      VARIANTS.reduce((n, p) => n + p.length, 0),
    );
    assert.equal(stats.rtpPacketsProtected, VARIANTS.length);
    assert.equal(stats.rtcpPacketsUnprotected, 3);
    assert.equal(a.getStats().rtcpPacketsProtected, 3);
    assert.equal(stats.remoteStreams, 2); // the RTP SSRC and the RTCP SSRC
    assert.ok(Object.values(stats.failures).every((n) => n === 0));
    a.close();
    b.close();
  });

  test(`${profile}: copy, in-place and batch forms give identical bytes`, () => {
    const keys = randomKeys(profile);
    const copy = pair(profile, {}, keys);
    const inPlace = pair(profile, {}, keys);
    const batch = pair(profile, {}, keys);
    const batchInPlace = pair(profile, {}, keys);

    const viaCopy = VARIANTS.map((p) => copy.a.protectRtp(p));
    const viaInPlace = VARIANTS.map((p) => {
      const buf = Buffer.alloc(p.length + inPlace.a.rtpOverhead);
      p.copy(buf);
      const n = inPlace.a.protectRtpInPlace(buf, p.length);
      assert.equal(n, buf.length);
      return buf;
    });
    const viaBatch = batch.a.protectRtpBatch(VARIANTS).map((r) => {
      assert.ok(r.ok);
      return r.packet;
    });
    // In-place batch: one slab, packets at odd offsets too.
    const overhead = batchInPlace.a.rtpOverhead;
    const slab = Buffer.alloc(VARIANTS.reduce((n, p) => n + p.length + overhead + 3, 0));
    const layout = new Int32Array(3 * VARIANTS.length);
    let offset = 1;
    VARIANTS.forEach((p, i) => {
      p.copy(slab, offset);
      layout.set([offset, p.length, p.length + overhead], 3 * i);
      offset += p.length + overhead + 3;
    });
    const results = new Int32Array(VARIANTS.length);
    assert.equal(batchInPlace.a.protectRtpBatchInPlace(slab, layout, results), VARIANTS.length);
    const viaBatchInPlace = VARIANTS.map((p, i) =>
      slab.subarray(layout[3 * i] as number, (layout[3 * i] as number) + (results[i] as number)),
    );
    assert.deepEqual(viaInPlace, viaCopy);
    assert.deepEqual(viaBatch, viaCopy);
    assert.deepEqual(viaBatchInPlace, viaCopy);

    // Unprotect through every form.
    assert.deepEqual(
      viaCopy.map((p) => copy.b.unprotectRtp(p)),
      VARIANTS,
    );
    assert.deepEqual(
      viaCopy.map((p) => {
        const buf = Buffer.from(p);
        const n = inPlace.b.unprotectRtpInPlace(buf, buf.length);
        return buf.subarray(0, n);
      }),
      VARIANTS,
    );
    assert.deepEqual(
      batch.b.unprotectRtpBatch(viaCopy).map((r) => (r.ok ? r.packet : r.code)),
      VARIANTS,
    );
    assert.equal(batchInPlace.b.unprotectRtpBatchInPlace(slab, new Int32Array(layout.map((v, i) => (i % 3 === 1 ? (results[(i - 1) / 3] as number) : v))), results), VARIANTS.length);

    // RTCP forms.
    const reports = [rtcp(), rtcp({ senderReport: true })];
    const rtcpCopy = reports.map((p) => copy.a.protectRtcp(p));
    const rtcpInPlace = reports.map((p) => {
      const buf = Buffer.alloc(p.length + inPlace.a.rtcpOverhead);
      p.copy(buf);
      assert.equal(inPlace.a.protectRtcpInPlace(buf, p.length), buf.length);
      return buf;
    });
    const rtcpBatch = batch.a.protectRtcpBatch(reports).map((r) => (r.ok ? r.packet : r.code));
    assert.deepEqual(rtcpInPlace, rtcpCopy);
    assert.deepEqual(rtcpBatch, rtcpCopy);
    assert.deepEqual(
      rtcpCopy.map((p) => copy.b.unprotectRtcp(p)),
      reports,
    );
    assert.deepEqual(
      batch.b.unprotectRtcpBatch(rtcpCopy).map((r) => (r.ok ? r.packet : r.code)),
      reports,
    );
    const buf = Buffer.from(rtcpCopy[0] as Buffer);
    const n = inPlace.b.unprotectRtcpInPlace(buf, buf.length);
    assert.deepEqual(buf.subarray(0, n), reports[0]);
    const slab2 = Buffer.concat(rtcpCopy);
    const layout2 = new Int32Array([0, rtcpCopy[0]!.length, rtcpCopy[0]!.length, rtcpCopy[0]!.length, rtcpCopy[1]!.length, rtcpCopy[1]!.length]);
    const results2 = new Int32Array(2);
    const bip = pair(profile, {}, keys);
    assert.equal(bip.b.unprotectRtcpBatchInPlace(slab2, layout2, results2), 2);
    assert.deepEqual(slab2.subarray(0, results2[0]), reports[0]);
    // protectRtcpBatchInPlace
    const slab3 = Buffer.alloc(200);
    reports[0]!.copy(slab3, 0);
    const results3 = new Int32Array(1);
    assert.equal(bip.a.protectRtcpBatchInPlace(slab3, new Int32Array([0, reports[0]!.length, 200]), results3), 1);
    assert.deepEqual(slab3.subarray(0, results3[0]), rtcpCopy[0]);
  });

  test(`${profile}: tampering any single byte fails authentication and leaves the session unchanged`, () => {
    const { a, b } = pair(profile);
    const first = a.protectRtp(rtp({ seq: 100, csrcs: [5], payloadLength: 24 }));
    assert.ok(b.unprotectRtp(first));
    // Sequence 102: no single-bit flip of it lands on 100, which would be a replay.
    const genuine = a.protectRtp(rtp({ seq: 102, csrcs: [5], payloadLength: 24 }));
    for (let i = 0; i < genuine.length; i++) {
      for (const mask of [0x01, 0x40]) {
        // Bit 0x40 of byte 0 is the version: that is a malformed packet, not a forgery.
        if (i === 0 && mask === 0x40) continue;
        const forged = Buffer.from(genuine);
        forged[i] = (forged[i] as number) ^ mask;
        expectSrtpError(() => b.unprotectRtp(forged), 'ERR_SRTP_AUTH_FAIL');
      }
    }
    const stats = b.getStats();
    assert.equal(stats.rtpPacketsUnprotected, 1);
    assert.equal(stats.failures.ERR_SRTP_AUTH_FAIL, 2 * genuine.length - 1);
    assert.equal(stats.remoteStreams, 1);
    // The genuine packet still decrypts: no replay state was advanced.
    assert.equal(b.unprotectRtp(genuine).readUInt16BE(2), 102);

    const rtcpGenuine = a.protectRtcp(rtcp());
    for (let i = 0; i < rtcpGenuine.length; i++) {
      const forged = Buffer.from(rtcpGenuine);
      forged[i] = (forged[i] as number) ^ 0x01;
      expectSrtpError(() => b.unprotectRtcp(forged), 'ERR_SRTP_AUTH_FAIL');
    }
    // Clearing the E flag (an unencrypted SRTCP claim) is never accepted either.
    const noE = Buffer.from(rtcpGenuine);
    const eAt = profile.startsWith('AEAD') ? noE.length - 4 : noE.length - 14;
    noE[eAt] = (noE[eAt] as number) & 0x7f;
    expectSrtpError(() => b.unprotectRtcp(noE), 'ERR_SRTP_AUTH_FAIL');
    assert.equal(b.getStats().rtcpPacketsUnprotected, 0);
    assert.deepEqual(b.unprotectRtcp(rtcpGenuine), rtcp());
  });

  test(`${profile}: replays and too-old packets are rejected with their codes`, () => {
    const { a, b } = pair(profile, { replayWindow: 64 });
    // Protected in order (the sender's own window refuses indices far behind).
    const p900 = a.protectRtp(rtp({ seq: 900 }));
    const p990 = a.protectRtp(rtp({ seq: 990 }));
    const p1000 = a.protectRtp(rtp({ seq: 1000 }));
    b.unprotectRtp(p1000);
    // SrtpError carries libsrtp's status number next to the stable code.
    assert.throws(() => b.unprotectRtp(p1000), { name: 'SrtpError', code: 'ERR_SRTP_REPLAY_FAIL', status: 9 });
    expectSrtpError(() => b.unprotectRtp(p900), 'ERR_SRTP_REPLAY_OLD');
    assert.ok(b.unprotectRtp(p990)); // inside the window, first time
    expectSrtpError(() => b.unprotectRtp(p990), 'ERR_SRTP_REPLAY_FAIL');
    const r = a.protectRtcp(rtcp());
    b.unprotectRtcp(r);
    expectSrtpError(() => b.unprotectRtcp(r), 'ERR_SRTP_REPLAY_FAIL');
    const f = b.getStats().failures;
    assert.equal(f.ERR_SRTP_REPLAY_FAIL, 3);
    assert.throws(() => b.unprotectRtp(Buffer.alloc(5)), { code: 'ERR_SRTP_BAD_PACKET', status: 0 });
    assert.equal(f.ERR_SRTP_REPLAY_OLD, 1);
  });
}

test('the replay window option is applied (64 rejects 100 back, 1024 accepts)', () => {
  for (const [window, accepted] of [
    [64, false],
    [1024, true],
  ] as const) {
    const { a, b } = pair('AEAD_AES_128_GCM', { replayWindow: window });
    const late = a.protectRtp(rtp({ seq: 1900 }));
    b.unprotectRtp(a.protectRtp(rtp({ seq: 2000 })));
    if (accepted) assert.ok(b.unprotectRtp(late));
    else expectSrtpError(() => b.unprotectRtp(late), 'ERR_SRTP_REPLAY_OLD');
  }
});

test('protecting the same SSRC and sequence number twice is refused (no keystream or nonce reuse)', () => {
  const { a } = pair('AEAD_AES_128_GCM');
  a.protectRtp(rtp({ seq: 5 }));
  expectSrtpError(() => a.protectRtp(rtp({ seq: 5, payload: Buffer.from('different') })), 'ERR_SRTP_REPLAY_FAIL');
  assert.equal(a.getStats().failures.ERR_SRTP_REPLAY_FAIL, 1);
});

test('remote stream cap: new SSRCs beyond it are dropped and counted; failed packets take no slot', () => {
  const { a, b } = pair('AES_CM_128_HMAC_SHA1_80', { maxRemoteStreams: 2 });
  // A forged packet from a new SSRC fails auth and does not consume a slot.
  const forged = a.protectRtp(rtp({ ssrc: 99 }));
  forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
  expectSrtpError(() => b.unprotectRtp(forged), 'ERR_SRTP_AUTH_FAIL');
  assert.equal(b.getStats().remoteStreams, 0);
  b.unprotectRtp(a.protectRtp(rtp({ ssrc: 1, seq: 1 })));
  b.unprotectRtcp(a.protectRtcp(rtcp({ ssrc: 2 })));
  assert.equal(b.getStats().remoteStreams, 2);
  expectSrtpError(() => b.unprotectRtp(a.protectRtp(rtp({ ssrc: 3 }))), 'ERR_SRTP_TOO_MANY_STREAMS');
  expectSrtpError(() => b.unprotectRtcp(a.protectRtcp(rtcp({ ssrc: 4 }))), 'ERR_SRTP_TOO_MANY_STREAMS');
  // Known SSRCs keep working, in both RTP and RTCP.
  assert.ok(b.unprotectRtp(a.protectRtp(rtp({ ssrc: 2, seq: 1 }))));
  assert.ok(b.unprotectRtp(a.protectRtp(rtp({ ssrc: 1, seq: 2 }))));
  const stats = b.getStats();
  assert.equal(stats.failures.ERR_SRTP_TOO_MANY_STREAMS, 2);
  assert.equal(stats.remoteStreams, 2);
});

test('malformed packets give typed errors, never a crash', () => {
  for (const profile of PROFILES) {
    const { a, b } = pair(profile);
    const good = a.protectRtp(rtp({ seq: 1, csrcs: [1, 2], payloadLength: 40 }));
    const cases: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['one byte', Buffer.from([0x80])],
      ['11 bytes', good.subarray(0, 11)],
      ['header only', good.subarray(0, 12)],
      ['truncated into the tag', good.subarray(0, 12 + 8 + 2)],
      ['bad CSRC count', Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 30)])],
      ['extension length past the end', (() => {
        const p = Buffer.from(good);
        p[0] = 0x90; // X bit, no CSRCs
        p.writeUInt16BE(0xffff, 14);
        return p;
      })()],
      ['version 0', Buffer.concat([Buffer.from([0x00]), good.subarray(1)])],
      ['64 KiB datagram', Buffer.alloc(65536, 0x80)],
    ];
    for (const [name, packet] of cases) {
      assert.throws(() => b.unprotectRtp(packet), { name: 'SrtpError', code: 'ERR_SRTP_BAD_PACKET' }, name);
    }
    for (const [name, packet] of [
      ['empty', Buffer.alloc(0)],
      ['7 bytes', Buffer.from('80c8000112345678', 'hex').subarray(0, 7)],
      ['header without trailer', Buffer.from('80c8000112345678', 'hex')],
      ['version 1', Buffer.concat([Buffer.from('40c8000112345678', 'hex'), Buffer.alloc(40)])],
      ['64 KiB datagram', Buffer.alloc(65536, 0x80)],
    ] as Array<[string, Buffer]>) {
      assert.throws(() => b.unprotectRtcp(packet), { name: 'SrtpError', code: 'ERR_SRTP_BAD_PACKET' }, `rtcp ${name}`);
    }
    // Protect side: structurally bad RTP is refused too.
    assert.throws(() => a.protectRtp(Buffer.alloc(5)), { code: 'ERR_SRTP_BAD_PACKET' });
    assert.throws(() => a.protectRtp(Buffer.from([0x8f, ...Buffer.alloc(20)])), { code: 'ERR_SRTP_BAD_PACKET' });
    assert.throws(() => a.protectRtcp(Buffer.alloc(4, 0x80)), { code: 'ERR_SRTP_BAD_PACKET' });
    assert.throws(() => a.protectRtp(Buffer.alloc(65535 - a.rtpOverhead + 1, 0x80)), { code: 'ERR_SRTP_BAD_PACKET' });
    assert.ok(a.protectRtp(rtp({ seq: 77, payloadLength: 65535 - a.rtpOverhead - 12 })));
    // Random datagrams: every one is a typed, counted failure.
    const allowed = new Set(['ERR_SRTP_AUTH_FAIL', 'ERR_SRTP_BAD_PACKET', 'ERR_SRTP_REPLAY_OLD', 'ERR_SRTP_REPLAY_FAIL']);
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const random = crypto.randomBytes(crypto.randomInt(0, 1500));
      // Half of them look like RTP/RTCP (version 2, random P/X/CC bits), so they reach libsrtp.
      if (i % 2 === 0 && random.length > 0) random[0] = 0x80 | ((random[0] as number) & 0x3f);
      for (const fn of [() => b.unprotectRtp(random), () => b.unprotectRtcp(random)]) {
        try {
          fn();
          assert.fail('random bytes authenticated');
        } catch (err) {
          assert.ok(err instanceof SrtpError);
          assert.ok(allowed.has(err.code), err.code);
          failures++;
        }
      }
    }
    const stats = b.getStats();
    const counted = Object.values(stats.failures).reduce((n, v) => n + v, 0);
    assert.equal(counted, failures + cases.length + 5);
    assert.equal(stats.rtpPacketsUnprotected + stats.rtcpPacketsUnprotected, 0);
    assert.equal(stats.remoteStreams, 0);
    // The session still works.
    assert.ok(b.unprotectRtp(good));
  }
});

test('sliced and unaligned buffers work (and give the same bytes as aligned ones)', () => {
  for (const profile of PROFILES) {
    const keys = randomKeys(profile);
    const aligned = pair(profile, {}, keys);
    const unaligned = pair(profile, {}, keys);
    for (let shift = 1; shift < 4; shift++) {
      const packet = rtp({ seq: shift, csrcs: [9], payloadLength: 100 + shift });
      const backing = Buffer.alloc(packet.length + 64, 0xee);
      const view = backing.subarray(shift, shift + packet.length + aligned.a.rtpOverhead);
      packet.copy(view);
      assert.notEqual(view.byteOffset % 4, 0);
      const n = unaligned.a.protectRtpInPlace(view, packet.length);
      const expected = aligned.a.protectRtp(packet);
      assert.deepEqual(view.subarray(0, n), expected);
      // Bytes around the view are untouched.
      assert.ok(backing.subarray(0, shift).every((x) => x === 0xee));
      assert.ok(backing.subarray(shift + view.length).every((x) => x === 0xee));
      // Copy form from an unaligned slice.
      const slice = Buffer.concat([Buffer.alloc(shift), expected]).subarray(shift);
      assert.deepEqual(unaligned.b.unprotectRtp(slice), packet);
      // In place, unaligned, for RTCP too.
      const report = rtcp({ ssrc: 100 + shift });
      const rtcpBacking = Buffer.alloc(report.length + 40);
      const rtcpView = rtcpBacking.subarray(shift, shift + report.length + aligned.a.rtcpOverhead);
      report.copy(rtcpView);
      const m = unaligned.a.protectRtcpInPlace(rtcpView, report.length);
      assert.equal(m, rtcpView.length);
      assert.equal(unaligned.b.unprotectRtcpInPlace(rtcpView, m), report.length);
      assert.deepEqual(rtcpView.subarray(0, report.length), report);
    }
  }
});

test('in-place protection needs room for the overhead: one byte short is ERR_SRTP_BUFFER_SMALL, nothing written', () => {
  for (const profile of PROFILES) {
    const { a } = pair(profile);
    const { rtp: rtpOverhead, rtcp: rtcpOverhead } = srtpOverhead(profile);
    assert.equal(a.rtpOverhead, rtpOverhead);
    assert.equal(a.rtcpOverhead, rtcpOverhead);
    const packet = rtp({ seq: 1 });
    const backing = Buffer.alloc(packet.length + rtpOverhead, 0xaa);
    packet.copy(backing);
    const short = backing.subarray(0, packet.length + rtpOverhead - 1);
    const result = a.protectRtpInPlace(short, packet.length);
    assert.equal(srtpResultCode(result), 'ERR_SRTP_BUFFER_SMALL');
    assert.deepEqual(backing.subarray(0, packet.length), packet);
    assert.equal(backing[backing.length - 1], 0xaa);
    assert.equal(a.protectRtpInPlace(backing, packet.length), backing.length);
    const report = rtcp();
    const r = Buffer.alloc(report.length + rtcpOverhead - 1);
    report.copy(r);
    assert.equal(srtpResultCode(a.protectRtcpInPlace(r, report.length)), 'ERR_SRTP_BUFFER_SMALL');
    // The batch form reports it per packet.
    const results = new Int32Array(1);
    assert.equal(a.protectRtpBatchInPlace(short, new Int32Array([0, packet.length, short.length]), results), 0);
    assert.equal(srtpResultCode(results[0] as number), 'ERR_SRTP_BUFFER_SMALL');
    assert.equal(a.getStats().failures.ERR_SRTP_BUFFER_SMALL, 3);
  }
});

test('batch forms report failures per packet and never throw for them', () => {
  const { a, b } = pair('AEAD_AES_256_GCM');
  const good1 = a.protectRtp(rtp({ seq: 1 }));
  const good2 = a.protectRtp(rtp({ seq: 2 }));
  const forged = Buffer.from(good2);
  forged[20] = (forged[20] as number) ^ 0xff;
  const results = b.unprotectRtpBatch([good1, forged, Buffer.alloc(3), good2, good1]);
  assert.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.code)),
    ['ok', 'ERR_SRTP_AUTH_FAIL', 'ERR_SRTP_BAD_PACKET', 'ok', 'ERR_SRTP_REPLAY_FAIL'],
  );
  const failed = results[1];
  assert.ok(failed !== undefined && !failed.ok);
  assert.equal(failed.status, 7);
  assert.deepEqual(b.unprotectRtpBatch([]), []);
  const rtcpResults = b.unprotectRtcpBatch([Buffer.alloc(70000), a.protectRtcp(rtcp())]);
  assert.deepEqual(
    rtcpResults.map((r) => (r.ok ? 'ok' : r.code)),
    ['ERR_SRTP_BAD_PACKET', 'ok'],
  );
});

test('option validation: types, profiles, key and salt lengths, bounds', () => {
  const profile: SrtpProfile = 'AEAD_AES_128_GCM';
  const good = {
    profile,
    localKey: Buffer.alloc(16),
    localSalt: Buffer.alloc(12),
    remoteKey: Buffer.alloc(16),
    remoteSalt: Buffer.alloc(12),
  };
  assert.throws(() => new SrtpSession(null as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new SrtpSession({ ...good, profile: 'NULL_NULL' as never }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
  });
  assert.throws(() => new SrtpSession({ ...good, localKey: 'key' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  for (const profileName of PROFILES) {
    const lengths = { key: keyLength(profileName), salt: saltLength(profileName) };
    const ok = {
      profile: profileName,
      localKey: Buffer.alloc(lengths.key),
      localSalt: Buffer.alloc(lengths.salt),
      remoteKey: Buffer.alloc(lengths.key),
      remoteSalt: Buffer.alloc(lengths.salt),
    };
    new SrtpSession(ok).close();
    for (const field of ['localKey', 'localSalt', 'remoteKey', 'remoteSalt'] as const) {
      for (const delta of [-1, 1]) {
        assert.throws(() => new SrtpSession({ ...ok, [field]: Buffer.alloc(ok[field].length + delta) }), {
          name: 'RangeError',
          code: 'ERR_OUT_OF_RANGE',
        });
      }
    }
  }
  for (const replayWindow of [63, 32768, 100.5, -1]) {
    assert.throws(() => new SrtpSession({ ...good, replayWindow }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  }
  assert.throws(() => new SrtpSession({ ...good, replayWindow: '64' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  new SrtpSession({ ...good, replayWindow: 64 }).close();
  new SrtpSession({ ...good, replayWindow: 32767 }).close();
  for (const maxRemoteStreams of [0, 4097, 1.5]) {
    assert.throws(() => new SrtpSession({ ...good, maxRemoteStreams }), { code: 'ERR_OUT_OF_RANGE' });
  }
  assert.throws(() => srtpOverhead('AES_256_CM' as never), { code: 'ERR_INVALID_ARG_VALUE' });

  using s = new SrtpSession(good);
  assert.equal(s.profile, profile);
  assert.throws(() => s.protectRtp('x' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => s.protectRtpInPlace(Buffer.alloc(10), 11), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.unprotectRtpInPlace(Buffer.alloc(10), -1), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.unprotectRtpInPlace(Buffer.alloc(10), 1.5), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.unprotectRtpInPlace([1, 2] as never, 1), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => s.protectRtpBatch('x' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => s.protectRtpBatch([Buffer.alloc(20), 'x'] as never), { code: 'ERR_INVALID_ARG_TYPE' });
  const r = new Int32Array(1);
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array([0, 5]), r), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array([8, 5, 5]), r), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array([0, 6, 5]), r), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array([-1, 1, 1]), r), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array(6), r), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), [0, 1, 1] as never, r), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => s.protectRtpBatchInPlace(Buffer.alloc(10), new Int32Array(3), [0] as never), {
    code: 'ERR_INVALID_ARG_TYPE',
  });
});

test('the native layer rejects what TypeScript would never pass with ERR_INTERNAL_ARG, without crashing', () => {
  const key = new Uint8Array(28);
  const handle = new native.NativeSrtp(7, key, key, 1024, 8, 8);
  assert.throws(() => handle.protectRtp(new Uint16Array(8) as never, 1), { code: 'ERR_INTERNAL_ARG' });
  assert.throws(() => handle.protectRtp(new Uint8Array(8), 9), { code: 'ERR_INTERNAL_ARG' });
  assert.throws(() => handle.protectRtp(new Uint8Array(8), NaN), { code: 'ERR_INTERNAL_ARG' });
  assert.throws(() => (handle.protectRtp as (...args: unknown[]) => number)(), { code: 'ERR_INTERNAL_ARG' });
  const results = new Int32Array(1);
  assert.throws(() => handle.protectRtpBatch(new Uint8Array(8), new Int32Array([4, 2, 5]), 1, results), {
    code: 'ERR_INTERNAL_ARG',
  });
  assert.throws(() => handle.protectRtpBatch(new Uint8Array(8), new Int32Array([0, 2, 2]), 2, results), {
    code: 'ERR_INTERNAL_ARG',
  });
  assert.throws(() => handle.getStats(new Float64Array(2)), { code: 'ERR_INTERNAL_ARG' });
  assert.throws(() => new native.NativeSrtp(3, key, key, 1024, 8, 8), { code: 'ERR_INTERNAL_ARG' });
  assert.throws(() => new native.NativeSrtp(7, key, key.subarray(1), 1024, 8, 8), { name: 'SrtpError', code: 'ERR_SRTP_BAD_PARAM' });
  assert.throws(() => new native.NativeSrtp(7, key, key, 1024, 0, 8), { code: 'ERR_SRTP_BAD_PARAM' });
  assert.throws(() => new native.NativeSrtp(7, key, key, 1024, 8, 0), { code: 'ERR_SRTP_BAD_PARAM' });
  assert.throws(() => new native.NativeSrtp(7, key, key, 1024, 8, 65537), { code: 'ERR_SRTP_BAD_PARAM' });
  assert.throws(() => new (native.NativeSrtp as unknown as new (...args: unknown[]) => unknown)(7, key, key, 1024, 8), {
    code: 'ERR_INTERNAL_ARG',
  });
  handle.close();
  handle.close();
  assert.throws(() => handle.protectRtp(new Uint8Array(40), 20), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
});

test('wrapNativeSrtp adopts a natively created context (the DTLS path)', () => {
  const keys = randomKeys('AES_CM_128_HMAC_SHA1_32');
  const handle = new native.NativeSrtp(2, Buffer.concat([keys.aKey, keys.aSalt]), Buffer.concat([keys.bKey, keys.bSalt]), 1024, 64, 1024);
  assert.throws(() => wrapNativeSrtp(handle, 'AES_CM_128_HMAC_SHA1_80'), { code: 'ERR_INVALID_ARG_VALUE' });
  const wrapped = wrapNativeSrtp(handle, 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(wrapped.profile, 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(wrapped.rtpOverhead, 4);
  const { b } = pair('AES_CM_128_HMAC_SHA1_32', {}, keys);
  const packet = rtp();
  assert.deepEqual(b.unprotectRtp(wrapped.protectRtp(packet)), packet);
  wrapped.close();
  assert.ok(wrapped.closed);
});

test('after close every method throws InvalidStateError; close is idempotent; dispose closes', () => {
  const { a } = pair('AES_CM_128_HMAC_SHA1_80');
  assert.equal(a.closed, false);
  a.close();
  a.close();
  assert.equal(a.closed, true);
  const buf = Buffer.alloc(100);
  const layout = new Int32Array(3);
  const results = new Int32Array(1);
  const calls: Array<[string, () => unknown]> = [
    ['protectRtp', () => a.protectRtp(buf)],
    ['unprotectRtp', () => a.unprotectRtp(buf)],
    ['protectRtcp', () => a.protectRtcp(buf)],
    ['unprotectRtcp', () => a.unprotectRtcp(buf)],
    ['protectRtpInPlace', () => a.protectRtpInPlace(buf, 20)],
    ['unprotectRtpInPlace', () => a.unprotectRtpInPlace(buf, 20)],
    ['protectRtcpInPlace', () => a.protectRtcpInPlace(buf, 20)],
    ['unprotectRtcpInPlace', () => a.unprotectRtcpInPlace(buf, 20)],
    ['protectRtpBatch', () => a.protectRtpBatch([buf])],
    ['unprotectRtpBatch', () => a.unprotectRtpBatch([buf])],
    ['protectRtcpBatch', () => a.protectRtcpBatch([buf])],
    ['unprotectRtcpBatch', () => a.unprotectRtcpBatch([buf])],
    ['protectRtpBatchInPlace', () => a.protectRtpBatchInPlace(buf, layout, results)],
    ['unprotectRtpBatchInPlace', () => a.unprotectRtpBatchInPlace(buf, layout, results)],
    ['protectRtcpBatchInPlace', () => a.protectRtcpBatchInPlace(buf, layout, results)],
    ['unprotectRtcpBatchInPlace', () => a.unprotectRtcpBatchInPlace(buf, layout, results)],
    ['getStats', () => a.getStats()],
    ['getRolloverCounter', () => a.getRolloverCounter(1, 'inbound')],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE', name);
  }
  // Every public method of the class is covered above.
  const methods = Object.getOwnPropertyNames(SrtpSession.prototype).filter(
    (n) => n !== 'constructor' && n !== 'close' && typeof Object.getOwnPropertyDescriptor(SrtpSession.prototype, n)?.value === 'function',
  );
  assert.deepEqual(methods.sort(), calls.map(([n]) => n).sort());
  let disposed: SrtpSession | undefined;
  {
    using s = pair('AEAD_AES_128_GCM').a;
    disposed = s;
    assert.equal(s.closed, false);
  }
  assert.equal(disposed.closed, true);
});
