// SPDX-License-Identifier: MIT
// Known answers. The RFC vectors are stated in session keys, while our API
// takes master keys (libsrtp derives the session keys), so: (1) a reference
// model (test/fixtures/srtp-model.ts) must reproduce the RFCs' exact bytes,
// then (2) our native output must equal the model's bytes for master keys
// whose derivation the model also reproduces from the RFCs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, type SrtpProfile } from '../../lib/index.js';
import {
  aesCmIv,
  aesCtrKeystream,
  deriveSessionKeys,
  hex,
  kdf,
  LABEL,
  protectRtcpCm,
  protectRtcpGcm,
  protectRtpCm,
  protectRtpGcm,
} from '../fixtures/srtp-model.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

// ---- RFC 3711 Appendix B.2: AES-CM keystream ----
test('model: RFC 3711 B.2 AES-CM IV and keystream', () => {
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
  const iv = aesCmIv(salt, 0, 0n);
  assert.equal(iv.toString('hex').toUpperCase(), 'F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  const keystream = aesCtrKeystream(key, iv, 0xff02 * 16);
  assert.deepEqual(
    keystream.subarray(0, 48),
    hex(`E03EAD0935C95E80E166B16DD92B4EB4
         D23513162B02D0F72A43A2FE4A5F97AB
         41E95B3BB0A2E8DD477901E4FCA894C0`),
  );
  assert.deepEqual(keystream.subarray(0xfeff * 16, 0xff00 * 16), hex('EC8CDF7398607CB0F2D21675EA9EA1E4'));
  assert.deepEqual(keystream.subarray(0xff00 * 16, 0xff01 * 16), hex('362B7C3C6773516318A077D7FC5073AE'));
});

// ---- RFC 3711 Appendix B.3: key derivation ----
const B3_MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const B3_MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

test('model: RFC 3711 B.3 key derivation (AES-128 PRF)', () => {
  assert.deepEqual(kdf(B3_MASTER_KEY, B3_MASTER_SALT, LABEL.rtpKey, 16), hex('C61E7A93744F39EE10734AFE3FF7A087'));
  assert.deepEqual(kdf(B3_MASTER_KEY, B3_MASTER_SALT, LABEL.rtpSalt, 14), hex('30CBBC08863D8C85D49DB34A9AE1'));
  assert.deepEqual(
    kdf(B3_MASTER_KEY, B3_MASTER_SALT, LABEL.rtpAuth, 20),
    hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'),
  );
});

// ---- RFC 6188 §7.2: AES-256 key derivation ----
const RFC6188_MASTER_KEY = hex('F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6');
const RFC6188_MASTER_SALT = hex('3B04803DE51EE7C96423AB5B78D2');

test('model: RFC 6188 §7.2 key derivation (AES-256 PRF)', () => {
  assert.deepEqual(
    kdf(RFC6188_MASTER_KEY, RFC6188_MASTER_SALT, LABEL.rtpKey, 32),
    hex('5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4'),
  );
  assert.deepEqual(
    kdf(RFC6188_MASTER_KEY, RFC6188_MASTER_SALT, LABEL.rtpSalt, 14),
    hex('FA31791685CA444A9E07C6C64E93'),
  );
});

// ---- RFC 7714 §16-17: AES-GCM packets (session keys) ----
const GCM_KEY_128 = hex('000102030405060708090a0b0c0d0e0f');
const GCM_KEY_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const GCM_SALT = hex('517569642070726f2071756f');
const RFC7714_RTP = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973
                         20646976 69736120 696e2070 61727465 73207472 6573`);
const RFC7714_RTCP = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                          deadbeef deadbeef deadbeef deadbeef deadbeef`);

test('model: RFC 7714 §16.1 AEAD_AES_128_GCM SRTP packet', () => {
  const expected = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
                        0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`);
  assert.deepEqual(protectRtpGcm(GCM_KEY_128, GCM_SALT, RFC7714_RTP, 0), expected);
});

test('model: RFC 7714 §16.2 AEAD_AES_256_GCM SRTP packet', () => {
  const expected = hex(`8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238
                        9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13`);
  assert.deepEqual(protectRtpGcm(GCM_KEY_256, GCM_SALT, RFC7714_RTP, 0), expected);
});

test('model: RFC 7714 §17.1 AEAD_AES_128_GCM SRTCP packet', () => {
  const expected = hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
                        c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
                        45d9eade 800005d4`);
  assert.deepEqual(protectRtcpGcm(GCM_KEY_128, GCM_SALT, RFC7714_RTCP, 0x5d4), expected);
});

test('model: RFC 7714 §17.2 AEAD_AES_256_GCM SRTCP packet', () => {
  const expected = hex(`81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50
                        a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c
                        b26ac3be 800005d4`);
  assert.deepEqual(protectRtcpGcm(GCM_KEY_256, GCM_SALT, RFC7714_RTCP, 0x5d4), expected);
});

// ---- Our native output equals the validated model ----
function session(profile: SrtpProfile, key: Buffer, salt: Buffer): SrtpSession {
  return new SrtpSession({ profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
}

const SAMPLE_RTP = [
  RFC7714_RTP,
  rtp({ seq: 0x1234, ssrc: 0x11223344, payloadLength: 160 }),
  rtp({ seq: 7, csrcs: [1, 2, 3], extension: { profile: 0xbede, data: hex('10ff0000') }, payloadLength: 33 }),
  rtp({ seq: 9, padding: 4, payloadLength: 20 }),
];

for (const [profile, tagLength] of [
  ['AES_CM_128_HMAC_SHA1_80', 10],
  ['AES_CM_128_HMAC_SHA1_32', 4],
] as const) {
  test(`native ${profile} RTP equals the model keyed from the RFC 3711 B.3 master key`, () => {
    const keys = deriveSessionKeys(B3_MASTER_KEY, B3_MASTER_SALT, false);
    using s = session(profile, B3_MASTER_KEY, B3_MASTER_SALT);
    for (const packet of SAMPLE_RTP) {
      const ours = s.protectRtp(packet);
      assert.deepEqual(ours, protectRtpCm(keys, packet, 0, tagLength));
      assert.deepEqual(s.unprotectRtp(ours), packet);
    }
  });

  test(`native ${profile} RTCP equals the model (80-bit SRTCP tag, first index 1)`, () => {
    const keys = deriveSessionKeys(B3_MASTER_KEY, B3_MASTER_SALT, false);
    using s = session(profile, B3_MASTER_KEY, B3_MASTER_SALT);
    // One SSRC: the SRTCP index counts per stream, starting at 1.
    const packets = [RFC7714_RTCP, rtcp({ ssrc: 0x4d617273, blocks: 2 }), rtcp({ ssrc: 0x4d617273, senderReport: true, blocks: 0 })];
    packets.forEach((packet, i) => {
      const ours = s.protectRtcp(packet);
      assert.deepEqual(ours, protectRtcpCm(keys, packet, i + 1));
      assert.deepEqual(s.unprotectRtcp(ours), packet);
    });
  });
}

for (const [profile, masterKey, masterSalt] of [
  ['AEAD_AES_128_GCM', GCM_KEY_128, GCM_SALT],
  ['AEAD_AES_256_GCM', GCM_KEY_256, GCM_SALT],
  ['AEAD_AES_256_GCM', RFC6188_MASTER_KEY, RFC6188_MASTER_SALT.subarray(0, 12)],
] as const) {
  test(`native ${profile} RTP and RTCP equal the GCM model (master key ${masterKey.subarray(0, 2).toString('hex')}…)`, () => {
    const keys = deriveSessionKeys(masterKey, masterSalt, true);
    using s = session(profile, masterKey, masterSalt);
    for (const packet of SAMPLE_RTP) {
      const ours = s.protectRtp(packet);
      assert.deepEqual(ours, protectRtpGcm(keys.rtpKey, keys.rtpSalt, packet, 0));
      assert.deepEqual(s.unprotectRtp(ours), packet);
    }
    const ours = s.protectRtcp(RFC7714_RTCP);
    assert.deepEqual(ours, protectRtcpGcm(keys.rtcpKey, keys.rtcpSalt, RFC7714_RTCP, 1));
    assert.deepEqual(s.unprotectRtcp(ours), RFC7714_RTCP);
  });
}

test('native SRTP index rolls over: ROC 1 after sequence 65535 matches the model', () => {
  const keys = deriveSessionKeys(B3_MASTER_KEY, B3_MASTER_SALT, false);
  using s = session('AES_CM_128_HMAC_SHA1_80', B3_MASTER_KEY, B3_MASTER_SALT);
  s.protectRtp(rtp({ seq: 65535 }));
  const wrapped = rtp({ seq: 0 });
  assert.deepEqual(s.protectRtp(wrapped), protectRtpCm(keys, wrapped, 1, 10));
});
