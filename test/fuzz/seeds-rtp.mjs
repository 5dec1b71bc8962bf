// SPDX-License-Identifier: MIT
// Seeds for the plain RTP/RTCP reader targets (`rtpmeta`, native, and `rtp`,
// TypeScript): `node seeds-rtp.mjs <dir>` writes RTP packets with CSRCs, both
// RFC 8285 extension forms and padding, and RTCP compounds (SR+RR+SDES,
// reduced-size, padded last packet), each as one file.
import * as fs from 'node:fs';
import * as path from 'node:path';

const out = process.argv[2];
if (out === undefined) throw new Error('usage: seeds-rtp.mjs <dir>');
fs.mkdirSync(out, { recursive: true });

function rtp({ seq = 1, csrcs = 0, extension, padding = 0, payload = 20, marker = false } = {}) {
  const header = Buffer.alloc(12 + 4 * csrcs);
  header[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs;
  header[1] = (marker ? 0x80 : 0) | 111;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(0x12345678, 4);
  header.writeUInt32BE(0xcafebabe, 8);
  for (let i = 0; i < csrcs; i++) header.writeUInt32BE(i + 1, 12 + 4 * i);
  const parts = [header];
  if (extension) {
    const ext = Buffer.alloc(4);
    ext.writeUInt16BE(extension.profile, 0);
    ext.writeUInt16BE(extension.data.length / 4, 2);
    parts.push(ext, extension.data);
  }
  parts.push(Buffer.alloc(payload, 0x5a));
  if (padding > 0) {
    const pad = Buffer.alloc(padding);
    pad[padding - 1] = padding;
    parts.push(pad);
  }
  return Buffer.concat(parts);
}

function rtcp(type, words, { padding = 0, count = 1 } = {}) {
  const packet = Buffer.alloc(4 * (words + 1));
  packet[0] = 0x80 | (padding > 0 ? 0x20 : 0) | count;
  packet[1] = type;
  packet.writeUInt16BE(words, 2);
  packet.writeUInt32BE(0x11223344, 4);
  if (padding > 0) packet[packet.length - 1] = padding;
  return packet;
}

const seeds = {
  'rtp-plain': rtp(),
  'rtp-csrc-marker': rtp({ csrcs: 3, marker: true }),
  'rtp-one-byte-ext': rtp({ extension: { profile: 0xbede, data: Buffer.from([0x10, 0x7f, 0x22, 1, 2, 3, 0, 0]) } }),
  'rtp-two-byte-ext-padded': rtp({ extension: { profile: 0x1000, data: Buffer.from([1, 2, 0xaa, 0xbb, 7, 0, 0, 0]) }, padding: 4 }),
  'rtcp-sr-rr-sdes': Buffer.concat([rtcp(200, 12), rtcp(201, 7), rtcp(202, 3)]),
  'rtcp-reduced-pli': rtcp(206, 2),
  'rtcp-padded-last': Buffer.concat([rtcp(201, 1, { count: 0 }), rtcp(203, 2, { padding: 4 })]),
};
for (const [name, bytes] of Object.entries(seeds)) fs.writeFileSync(path.join(out, name), bytes);
