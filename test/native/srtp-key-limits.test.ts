// SPDX-License-Identifier: MIT
// Key-usage limits (RFC 3711 §9.2), driven for real with low `keyLimits`:
// the soft event comes first, the hard limit refuses packets with
// ERR_SRTP_KEY_LIMIT in every API form and in both directions, never a wrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { SrtpSession, srtpResultCode, type SrtpKeyLimitEvent } from '../../lib/index.js';
import { pair, rtcp, rtp } from '../fixtures/srtp-helpers.js';

function events(session: SrtpSession): SrtpKeyLimitEvent[] {
  const seen: SrtpKeyLimitEvent[] = [];
  session.on('keylimit', (e) => seen.push(e));
  return seen;
}

test('key limits: soft event after srtpSoft packets, then ERR_SRTP_KEY_LIMIT at srtpHard (outbound)', async () => {
  const { a, b } = pair('AES_CM_128_HMAC_SHA1_80', { keyLimits: { srtpSoft: 5, srtpHard: 8 } });
  const seen = events(a);
  for (let seq = 0; seq < 5; seq++) a.protectRtp(rtp({ seq, ssrc: 0xaa }));
  assert.equal(seen.length, 0, 'emitted asynchronously, never inside the call');
  await tick();
  assert.deepEqual(seen, [{ kind: 'soft', direction: 'outbound', protocol: 'srtp', ssrc: 0xaa }]);
  for (let seq = 5; seq < 8; seq++) assert.ok(b.unprotectRtp(a.protectRtp(rtp({ seq, ssrc: 0xbb }))));
  // The 9th packet under this key, whatever its SSRC and in every form, is refused.
  assert.throws(() => a.protectRtp(rtp({ seq: 8, ssrc: 0xcc })), { name: 'SrtpError', code: 'ERR_SRTP_KEY_LIMIT' });
  const buf = Buffer.alloc(200);
  const packet = rtp({ seq: 9, ssrc: 0xaa });
  packet.copy(buf);
  const n = a.protectRtpInPlace(buf, packet.length);
  assert.equal(srtpResultCode(n), 'ERR_SRTP_KEY_LIMIT');
  const batch = a.protectRtpBatch([rtp({ seq: 10, ssrc: 0xaa }), rtp({ seq: 11, ssrc: 0xaa })]);
  assert.deepEqual(
    batch.map((r) => (r.ok ? 'ok' : r.code)),
    ['ERR_SRTP_KEY_LIMIT', 'ERR_SRTP_KEY_LIMIT'],
  );
  await tick();
  assert.deepEqual(seen.slice(1), [{ kind: 'hard', direction: 'outbound', protocol: 'srtp', ssrc: 0xcc }]);
  const stats = a.getStats();
  assert.equal(stats.rtpPacketsProtected, 8);
  assert.equal(stats.failures.ERR_SRTP_KEY_LIMIT, 4);
  // SRTCP has its own limit (default 2^31): still protected.
  assert.ok(b.unprotectRtcp(a.protectRtcp(rtcp({ ssrc: 0xaa }))));
  a.close();
  b.close();
});

function keyed(keyLimits?: { srtpSoft?: number; srtpHard?: number }): { sender: SrtpSession; receiver: SrtpSession } {
  const k1 = Buffer.alloc(16, 1);
  const s1 = Buffer.alloc(14, 2);
  const k2 = Buffer.alloc(16, 3);
  const s2 = Buffer.alloc(14, 4);
  const profile = 'AES_CM_128_HMAC_SHA1_32' as const;
  return {
    sender: new SrtpSession({ profile, localKey: k1, localSalt: s1, remoteKey: k2, remoteSalt: s2 }),
    receiver: new SrtpSession({
      profile,
      localKey: k2,
      localSalt: s2,
      remoteKey: k1,
      remoteSalt: s1,
      ...(keyLimits === undefined ? {} : { keyLimits }),
    }),
  };
}

test('key limits: the receiving side refuses authentic packets beyond the hard limit (inbound, batch form)', async () => {
  const { sender, receiver } = keyed({ srtpHard: 100 });
  const seen = events(receiver);
  const packets = Array.from({ length: 103 }, (_, seq) => rtp({ seq, ssrc: 7 }));
  const protectedPackets = sender.protectRtpBatch(packets).map((r) => (r.ok ? r.packet : assert.fail(r.code)));
  const results = receiver.unprotectRtpBatch(protectedPackets);
  assert.ok(results.slice(0, 100).every((r) => r.ok));
  assert.deepEqual(
    results.slice(100).map((r) => (r.ok ? 'ok' : r.code)),
    ['ERR_SRTP_KEY_LIMIT', 'ERR_SRTP_KEY_LIMIT', 'ERR_SRTP_KEY_LIMIT'],
  );
  await tick();
  // Default soft limit for a hard limit of 100: 100 - min(2^16, 50) = 50.
  assert.deepEqual(seen, [
    { kind: 'soft', direction: 'inbound', protocol: 'srtp', ssrc: 7 },
    { kind: 'hard', direction: 'inbound', protocol: 'srtp', ssrc: 7 },
  ]);
  assert.equal(receiver.getStats().rtpPacketsUnprotected, 100);
  sender.close();
  receiver.close();
});

test('key limits: inbound soft event at srtpSoft exactly, copying and in-place forms refuse at srtpHard', async () => {
  const { sender, receiver } = keyed({ srtpSoft: 2, srtpHard: 3 });
  const seen = events(receiver);
  const out = [0, 1, 2, 3, 4].map((seq) => sender.protectRtp(rtp({ seq, ssrc: 0x77 })));
  receiver.unprotectRtp(out[0] as Buffer);
  await tick();
  assert.equal(seen.length, 0);
  receiver.unprotectRtp(out[1] as Buffer);
  await tick();
  assert.equal(seen.length, 1);
  receiver.unprotectRtp(out[2] as Buffer);
  assert.throws(() => receiver.unprotectRtp(out[3] as Buffer), { name: 'SrtpError', code: 'ERR_SRTP_KEY_LIMIT' });
  const buf = Buffer.from(out[4] as Buffer);
  assert.equal(srtpResultCode(receiver.unprotectRtpInPlace(buf, buf.length)), 'ERR_SRTP_KEY_LIMIT');
  await tick();
  assert.deepEqual(seen, [
    { kind: 'soft', direction: 'inbound', protocol: 'srtp', ssrc: 0x77 },
    { kind: 'hard', direction: 'inbound', protocol: 'srtp', ssrc: 0x77 },
  ]);
  assert.equal(receiver.getStats().rtpPacketsUnprotected, 3);
  assert.equal(receiver.getStats().failures.ERR_SRTP_KEY_LIMIT, 2);
  sender.close();
  receiver.close();
});

test('key limits: SRTCP soft and hard limits, each event once', async () => {
  const { a, b } = pair('AEAD_AES_256_GCM', { keyLimits: { srtcpSoft: 1, srtcpHard: 2 } });
  const seen = events(a);
  const first = a.protectRtcp(rtcp({ ssrc: 5 }));
  a.protectRtcp(rtcp({ ssrc: 6 }));
  for (let i = 0; i < 3; i++) assert.throws(() => a.protectRtcp(rtcp({ ssrc: 5 })), { code: 'ERR_SRTP_KEY_LIMIT' });
  // RTP is not limited by the SRTCP count.
  assert.ok(b.unprotectRtp(a.protectRtp(rtp({ seq: 1, ssrc: 5 }))));
  assert.ok(b.unprotectRtcp(first));
  await tick();
  assert.deepEqual(seen, [
    { kind: 'soft', direction: 'outbound', protocol: 'srtcp', ssrc: 5 },
    { kind: 'hard', direction: 'outbound', protocol: 'srtcp', ssrc: 5 },
  ]);
  a.close();
  b.close();
});

test('key limits: no event after close; a listener that closes the session stops further events', async () => {
  const { a, b } = pair('AES_CM_128_HMAC_SHA1_80', { keyLimits: { srtpSoft: 1, srtpHard: 1 } });
  const seen = events(a);
  a.protectRtp(rtp({ seq: 1 }));
  assert.throws(() => a.protectRtp(rtp({ seq: 2 })), { code: 'ERR_SRTP_KEY_LIMIT' });
  a.close();
  await tick();
  assert.deepEqual(seen, []);
  let calls = 0;
  b.on('keylimit', () => {
    calls++;
    b.close();
  });
  b.protectRtp(rtp({ seq: 1 }));
  assert.throws(() => b.protectRtp(rtp({ seq: 2 })), { code: 'ERR_SRTP_KEY_LIMIT' });
  await tick();
  assert.equal(calls, 1);
});

test('keyLimits: typed argument errors with stable codes; limits above the RFC maximum are refused', () => {
  const base = {
    profile: 'AES_CM_128_HMAC_SHA1_80' as const,
    localKey: Buffer.alloc(16),
    localSalt: Buffer.alloc(14),
    remoteKey: Buffer.alloc(16),
    remoteSalt: Buffer.alloc(14),
  };
  const make = (keyLimits: unknown) => () => new SrtpSession({ ...base, keyLimits: keyLimits as never }).close();
  assert.throws(make(5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(make({ srtpHard: '5' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(make({ srtpHard: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(make({ srtpHard: 2 ** 48 + 1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(make({ srtcpHard: 2 ** 31 + 1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(make({ srtpSoft: 10, srtpHard: 9 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(make({ srtcpSoft: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  make({})();
  make({ srtpHard: 2 ** 48, srtcpHard: 2 ** 31, srtpSoft: 2 ** 48, srtcpSoft: 1 })();
});
