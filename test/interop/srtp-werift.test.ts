// SPDX-License-Identifier: MIT
// Cross-implementation: our packets decrypt in werift-rtp's independent
// SrtpSession/SrtcpSession and theirs in ours, for the profiles werift
// supports (AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacket, SrtcpSession, SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { SrtpSession, type SrtpProfile } from '../../lib/index.js';
import { pair, randomKeys, rtcp, rtp, type KeySet } from '../fixtures/srtp-helpers.js';

const WERIFT_PROFILES: ReadonlyArray<[SrtpProfile, number]> = [
  ['AES_CM_128_HMAC_SHA1_80', 1],
  ['AEAD_AES_128_GCM', 7],
];

/** werift keyed as the peer "b" of our session "a". */
function weriftPeer(keys: KeySet, profile: number): { rtp: WeriftSrtpSession; rtcp: SrtcpSession } {
  const config = {
    keys: { localMasterKey: keys.bKey, localMasterSalt: keys.bSalt, remoteMasterKey: keys.aKey, remoteMasterSalt: keys.aSalt },
    profile,
  };
  return { rtp: new WeriftSrtpSession(config), rtcp: new SrtcpSession(config) };
}

const PACKETS = [
  rtp({ seq: 10, ssrc: 0x11111111, payloadLength: 160 }),
  rtp({ seq: 11, ssrc: 0x11111111, payloadLength: 1200, marker: true }),
  rtp({ seq: 12, ssrc: 0x11111111, csrcs: [0xabcdef01, 2], payloadLength: 60 }),
  rtp({ seq: 13, ssrc: 0x11111111, extension: { profile: 0xbede, data: Buffer.from('10aa21bbcc000000', 'hex') }, payloadLength: 90 }), // RFC 8285 one-byte form
  rtp({ seq: 500, ssrc: 0x22222222, payloadLength: 20 }),
];

for (const [profile, weriftProfile] of WERIFT_PROFILES) {
  test(`${profile}: our SRTP decrypts in werift-rtp`, () => {
    const keys = randomKeys(profile);
    using ours = pair(profile, {}, keys).a;
    const theirs = weriftPeer(keys, weriftProfile);
    for (const packet of PACKETS) {
      const decrypted = theirs.rtp.decrypt(ours.protectRtp(packet));
      assert.deepEqual(Buffer.from(decrypted), packet);
    }
  });

  test(`${profile}: werift-rtp SRTP decrypts in ours`, () => {
    const keys = randomKeys(profile);
    using ours = pair(profile, {}, keys).a;
    const theirs = weriftPeer(keys, weriftProfile);
    for (const packet of PACKETS) {
      const parsed = RtpPacket.deSerialize(packet);
      const encrypted = theirs.rtp.encrypt(parsed.payload, parsed.header);
      assert.deepEqual(ours.unprotectRtp(encrypted), packet);
    }
    assert.equal(ours.getStats().rtpPacketsUnprotected, PACKETS.length);
  });

  test(`${profile}: SRTCP both ways with werift-rtp`, () => {
    const keys = randomKeys(profile);
    using ours = pair(profile, {}, keys).a;
    const theirs = weriftPeer(keys, weriftProfile);
    const reports = [rtcp({ ssrc: 0x33333333 }), rtcp({ ssrc: 0x33333333, senderReport: true, blocks: 2 })];
    for (const report of reports) {
      assert.deepEqual(Buffer.from(theirs.rtcp.decrypt(ours.protectRtcp(report))), report);
      assert.deepEqual(ours.unprotectRtcp(theirs.rtcp.encrypt(report)), report);
    }
  });

  test(`${profile}: a werift packet tampered in one byte fails in ours`, () => {
    const keys = randomKeys(profile);
    using ours: SrtpSession = pair(profile, {}, keys).a;
    const theirs = weriftPeer(keys, weriftProfile);
    const parsed = RtpPacket.deSerialize(rtp({ seq: 1 }));
    const encrypted = Buffer.from(theirs.rtp.encrypt(parsed.payload, parsed.header));
    encrypted[30] = (encrypted[30] as number) ^ 0x10;
    assert.throws(() => ours.unprotectRtp(encrypted), { name: 'SrtpError', code: 'ERR_SRTP_AUTH_FAIL' });
  });
}
