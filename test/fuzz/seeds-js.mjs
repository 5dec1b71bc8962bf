// SPDX-License-Identifier: MIT
// Writes seed inputs for the JavaScript fuzz targets into <out-dir>/<target>/:
// STUN Binding requests the target's ICE-lite responder accepts (and its
// answers), RFC 7983 first bytes of every kind, fingerprint lines, and SDP
// offers (the Chromium offer fixture and small variants). Needs the compiled
// tree (dist/). `npm run fuzz -- --merge` keeps what adds coverage.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './build.mjs';

const require = createRequire(import.meta.url);
const stun = require(path.join(root, 'dist', 'lib', 'stun.js'));
const { chromiumOffer } = require(path.join(root, 'dist', 'test', 'fixtures', 'chromium-offer.js'));

const out = process.argv[2];
if (out === undefined) throw new Error('usage: seeds-js.mjs <out-dir>');

function write(target, data) {
  const dir = path.join(out, target);
  fs.mkdirSync(dir, { recursive: true });
  const bytes = Buffer.from(data);
  fs.writeFileSync(path.join(dir, createHash('sha1').update(bytes).digest('hex')), bytes);
}

// demux: one datagram per RFC 7983 range, and RTP/RTCP second bytes.
for (const first of [0, 1, 3, 4, 16, 19, 20, 22, 63, 64, 79, 80, 127, 128, 191, 192, 255]) {
  write('demux', [first, 0xc8, 0, 0]);
  write('demux', [first]);
}
write('demux', [0x80, 0x60]);

// STUN: what the target's responder (ufrag "fuzz", remote "peer") answers.
const tid = Buffer.from('0123456789ab');
const check = (attributes, options = { integrityKey: 'fuzzPasswordOf22Charsx' }) =>
  stun.serializeStunMessage({ messageClass: 'request', transactionId: tid, attributes }, options);
const base = [
  { type: 'username', value: 'fuzz:peer' },
  { type: 'priority', value: 1853824767 },
];
write('stun', check([...base, { type: 'ice-controlling', value: 1n }, { type: 'use-candidate' }]));
write('stun', check([...base, { type: 'ice-controlled', value: 2n }]));
write('stun', check([...base]));
write('stun', check([...base, { type: 'ice-controlling', value: 1n }, { type: 0x7fff, value: Buffer.from('abcd') }]));
write('stun', check([{ type: 'username', value: 'fuzz:peer' }], { fingerprint: true }));
write('stun', check([...base, { type: 'ice-controlling', value: 1n }], { integrityKey: 'wrong-password-of-22ch', fingerprint: true }));
write(
  'stun',
  stun.serializeStunMessage({
    messageClass: 'success',
    transactionId: tid,
    attributes: [{ type: 'xor-mapped-address', value: { family: 'IPv6', address: '2001:db8::1', port: 5000 } }],
  }),
);
write(
  'stun',
  stun.serializeStunMessage({
    messageClass: 'error',
    transactionId: tid,
    attributes: [
      { type: 'error-code', code: 420, reason: 'Unknown Attribute' },
      { type: 'unknown-attributes', value: [0x7fff, 0x0001] },
      { type: 'software', value: 'seed' },
    ],
  }),
);
write('stun', stun.serializeStunMessage({ messageClass: 'indication', transactionId: tid }, { fingerprint: false }));

// Fingerprints.
const sha256 = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
const sha1 = Array.from({ length: 20 }, (_, i) => (255 - i).toString(16)).join(':');
for (const line of [
  `a=fingerprint:sha-256 ${sha256}`,
  `fingerprint:SHA-1 ${sha1}`,
  `sha-256 ${sha256.toLowerCase()}\r\n`,
  'sha-512 AB:CD',
  'x-unknown-hash 01:02:03',
  `  a=fingerprint:sha-256\t${sha256}  `,
]) {
  write('fingerprint', line);
}

// SDP.
write('sdp', chromiumOffer);
const minimal = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuv',
  `a=fingerprint:sha-256 ${sha256}`,
  'a=setup:actpass',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host',
];
write('sdp', minimal.join('\r\n') + '\r\n');
write('sdp', minimal.join('\n'));
write('sdp', [...minimal, 'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=mid:1', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96', 'a=recvonly'].join('\r\n'));
write('sdp', minimal.map((l) => l.replace('a=setup:actpass', 'a=setup:active')).join('\r\n'));

console.log(`wrote seeds to ${out}`);
