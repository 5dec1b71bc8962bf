// SPDX-License-Identifier: MIT
// Writes seed inputs for the SRTP fuzz target (test/fuzz/native/srtp_fuzzer.cc)
// into the directory given as the first argument:
//  - packets protected with the target's fixed keys for every profile, RTP and
//    RTCP, so unprotect reaches past authentication (mode 0), their plaintext
//    (mode 1), and sequences exercising replay, rollover and the remote stream
//    limit (modes 2 and 3);
//  - packets carved out of libsrtp's own fuzz corpus (deps/libsrtp/fuzzer/
//    corpus): its inputs are a structured format (policies, keys, then
//    packets), not raw packets, so from each file we take the bytes from the
//    first offset that looks like an RTP/RTCP header (version 2) onwards.
// Needs the compiled library (dist/lib). `npm run fuzz -- --merge` keeps only
// the inputs that add coverage.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './build.mjs';

const require = createRequire(import.meta.url);
const { SrtpSession } = require(path.join(root, 'dist', 'lib', 'index.js'));

const out = process.argv[2];
if (out === undefined) throw new Error('usage: seeds-srtp.mjs <out-dir>');
fs.mkdirSync(out, { recursive: true });

const profiles = [
  ['AES_CM_128_HMAC_SHA1_80', 16, 14],
  ['AES_CM_128_HMAC_SHA1_32', 16, 14],
  ['AEAD_AES_128_GCM', 16, 12],
  ['AEAD_AES_256_GCM', 32, 12],
];

function write(bytes) {
  const data = Buffer.from(bytes);
  const name = createHash('sha1').update(data).digest('hex');
  fs.writeFileSync(path.join(out, name), data);
}

function session(index) {
  const [profile, keyLength, saltLength] = profiles[index];
  const keySalt = Buffer.alloc(keyLength + saltLength);
  for (let i = 0; i < keySalt.length; i++) keySalt[i] = (0x11 * (i + 1)) & 0xff;
  const key = keySalt.subarray(0, keyLength);
  const salt = keySalt.subarray(keyLength);
  return new SrtpSession({ profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
}

function rtp({ seq = 1, ssrc = 0x11223344, csrc = 0, extension = 0, padding = 0, payload = 20 } = {}) {
  const header = Buffer.alloc(12 + 4 * csrc);
  header[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (extension > 0 ? 0x10 : 0) | csrc;
  header[1] = 96;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(seq * 960, 4);
  header.writeUInt32BE(ssrc, 8);
  const parts = [header];
  if (extension > 0) {
    const ext = Buffer.alloc(4 + 4 * extension, 0x33);
    ext.writeUInt16BE(0xbede, 0);
    ext.writeUInt16BE(extension, 2);
    parts.push(ext);
  }
  parts.push(Buffer.alloc(payload, 0x5a));
  if (padding > 0) {
    const pad = Buffer.alloc(padding);
    pad[padding - 1] = padding;
    parts.push(pad);
  }
  return Buffer.concat(parts);
}

function rtcp({ ssrc = 0x11223344, reports = 1 } = {}) {
  // Sender report with `reports` report blocks, then an SDES chunk.
  const sr = Buffer.alloc(28 + 24 * reports, 0x21);
  sr[0] = 0x80 | reports;
  sr[1] = 200;
  sr.writeUInt16BE(sr.length / 4 - 1, 2);
  sr.writeUInt32BE(ssrc, 4);
  const sdes = Buffer.from([0x81, 202, 0, 3, 0x11, 0x22, 0x33, 0x44, 1, 2, 0x61, 0x62]);
  return Buffer.concat([sr, sdes]);
}

function sequence(entries) {
  // entries: [{ packet, rtcp, protect }]
  const parts = [];
  for (const { packet, rtcp: isRtcp = false, protect = false } of entries) {
    const header = Buffer.alloc(2);
    header.writeUInt16BE((isRtcp ? 0x8000 : 0) | (protect ? 0x4000 : 0) | packet.length, 0);
    parts.push(header, packet);
  }
  return Buffer.concat(parts);
}

const shapes = [
  rtp(),
  rtp({ seq: 2, csrc: 2, payload: 160 }),
  rtp({ seq: 3, extension: 2, payload: 1 }),
  rtp({ seq: 4, padding: 4, payload: 100 }),
  rtp({ seq: 5, payload: 0 }),
];

for (let p = 0; p < 4; p++) {
  const s = session(p);
  for (const packet of shapes) {
    const protectedPacket = s.protectRtp(packet);
    write([p, ...protectedPacket]); // mode 0, RTP
    write([p | 0x20, ...protectedPacket]); // mode 0, odd address
    write([p | (1 << 3), ...packet]); // mode 1, RTP
  }
  for (const packet of [rtcp(), rtcp({ reports: 0 })]) {
    write([p | 4, ...s.protectRtcp(packet)]);
    write([p | 4 | (1 << 3), ...packet]);
  }
  s.close();
  // Mode 2: protected in the target, in order, a replay, then a rollover.
  write([
    p | (2 << 3),
    ...sequence([
      { packet: rtp({ seq: 1 }), protect: true },
      { packet: rtp({ seq: 2 }), protect: true },
      { packet: rtp({ seq: 65535, ssrc: 5 }), protect: true },
      { packet: rtp({ seq: 0, ssrc: 5 }), protect: true },
      { packet: rtcp(), rtcp: true, protect: true },
      { packet: rtp({ seq: 3 }), protect: false },
    ]),
  ]);
  // Mode 3 (2 remote streams, smallest window): valid packets from three SSRCs
  // and one far behind the window.
  const t = session(p);
  const packets = [1, 2, 3].map((ssrc) => t.protectRtp(rtp({ ssrc, seq: 500 })));
  const late = session(p).protectRtp(rtp({ ssrc: 1, seq: 100 }));
  write([
    p | (3 << 3),
    ...sequence([...packets.map((packet) => ({ packet })), { packet: late }, { packet: t.protectRtcp(rtcp()), rtcp: true }]),
  ]);
  t.close();
}

// Carve libsrtp's corpus.
const corpus = path.join(root, 'deps', 'libsrtp', 'fuzzer', 'corpus');
let carved = 0;
if (fs.existsSync(corpus)) {
  for (const [i, name] of fs.readdirSync(corpus).sort().entries()) {
    const data = fs.readFileSync(path.join(corpus, name));
    const at = data.findIndex((b, j) => j > 0 && b >> 6 === 2 && data.length - j >= 12);
    if (at < 0) continue;
    const rtcpLike = data[at + 1] >= 192 && data[at + 1] <= 223;
    write([(i & 3) | (rtcpLike ? 4 : 0), ...data.subarray(at, at + 1500)]);
    carved++;
  }
}
console.log(`wrote seeds to ${out} (${carved} carved from libsrtp's corpus)`);
