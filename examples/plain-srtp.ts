// SPDX-License-Identifier: MIT
// SRTP keyed by signalling (SDES-style key material, as mediasoup's
// `srtpParameters` carry it: a crypto suite and base64 key || salt) instead
// of DTLS. Two sessions protect and unprotect RTP and RTCP for each other.
// Run: node dist/examples/plain-srtp.js
import { randomBytes } from 'node:crypto';
import { SrtpSession, srtpOverhead, srtpResultCode, type SrtpProfile } from '../lib/index.js';

interface SrtpParameters {
  cryptoSuite: SrtpProfile;
  keyBase64: string; // master key || master salt
}

function makeParameters(cryptoSuite: SrtpProfile): SrtpParameters {
  const length = cryptoSuite === 'AEAD_AES_256_GCM' ? 44 : cryptoSuite.startsWith('AEAD') ? 28 : 30;
  return { cryptoSuite, keyBase64: randomBytes(length).toString('base64') };
}

function split(p: SrtpParameters): { key: Buffer; salt: Buffer } {
  const material = Buffer.from(p.keyBase64, 'base64');
  const keyLength = p.cryptoSuite === 'AEAD_AES_256_GCM' ? 32 : 16;
  return { key: material.subarray(0, keyLength), salt: material.subarray(keyLength) };
}

function session(local: SrtpParameters, remote: SrtpParameters): SrtpSession {
  const l = split(local);
  const r = split(remote);
  return new SrtpSession({ profile: local.cryptoSuite, localKey: l.key, localSalt: l.salt, remoteKey: r.key, remoteSalt: r.salt });
}

const alice = makeParameters('AEAD_AES_128_GCM');
const bob = makeParameters('AEAD_AES_128_GCM');
using aliceSession = session(alice, bob);
using bobSession = session(bob, alice);

// An RTP packet: V=2, PT=111 (Opus), seq 1, timestamp 960, SSRC 0x1234abcd, 160 payload bytes.
const rtp = Buffer.concat([Buffer.from('806f0001000003c01234abcd', 'hex'), randomBytes(160)]);
const srtp = aliceSession.protectRtp(rtp);
console.log(`RTP ${rtp.length} B -> SRTP ${srtp.length} B -> RTP equal: ${bobSession.unprotectRtp(srtp).equals(rtp)}`);

// Hot path: in place in a reusable buffer with room for the tag.
const buf = Buffer.alloc(1500);
rtp.copy(buf);
buf.writeUInt16BE(2, 2); // next sequence number
const n = aliceSession.protectRtpInPlace(buf, rtp.length);
const m = bobSession.unprotectRtpInPlace(buf, n);
console.log(`in place: ${rtp.length} -> ${n} -> ${m} (overhead ${srtpOverhead('AEAD_AES_128_GCM').rtp})`);

// A replayed packet is a counted result, not an exception, in the in-place form.
const replay = Buffer.from(srtp);
console.log(`replay: ${srtpResultCode(bobSession.unprotectRtpInPlace(replay, replay.length))}`);

// RTCP (a receiver report with no blocks).
const rtcp = Buffer.from('80c900011234abcd', 'hex');
console.log(`SRTCP round trip: ${bobSession.unprotectRtcp(aliceSession.protectRtcp(rtcp)).equals(rtcp)}`);
console.log(bobSession.getStats());
