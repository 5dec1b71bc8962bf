// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDatagram, isRtcpPacket, type DatagramKind } from '../../lib/index.js';

/** RFC 7983 §7, written out independently of the implementation. */
function expectedKind(first: number, second: number): DatagramKind {
  if (first >= 0 && first <= 3) return 'stun';
  if (first >= 16 && first <= 19) return 'zrtp';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 64 && first <= 79) return 'turn-channel';
  if (first >= 128 && first <= 191) return second >= 192 && second <= 223 ? 'rtcp' : 'rtp';
  return 'unknown';
}

test('every first byte 0..255 is classified as RFC 7983 says', () => {
  for (let b = 0; b < 256; b++) {
    const got = classifyDatagram(Buffer.from([b, 0x60, 0, 0]));
    assert.equal(got, expectedKind(b, 0x60), `first byte ${b}`);
  }
});

test('boundary table', () => {
  const table: [number, DatagramKind][] = [
    [0, 'stun'], [3, 'stun'], [4, 'unknown'], [15, 'unknown'],
    [16, 'zrtp'], [19, 'zrtp'], [20, 'dtls'], [22, 'dtls'], [23, 'dtls'], [63, 'dtls'],
    [64, 'turn-channel'], [79, 'turn-channel'], [80, 'unknown'], [127, 'unknown'],
    [128, 'rtp'], [144, 'rtp'], [191, 'rtp'], [192, 'unknown'], [255, 'unknown'],
  ];
  for (const [first, kind] of table) {
    assert.equal(classifyDatagram(Buffer.from([first, 96])), kind, `first byte ${first}`);
  }
});

test('RTP vs RTCP by the second byte for every value (RFC 5761 §4)', () => {
  for (let second = 0; second < 256; second++) {
    const pkt = Buffer.from([0x80, second, 0, 1]);
    const rtcp = second >= 192 && second <= 223;
    assert.equal(classifyDatagram(pkt), rtcp ? 'rtcp' : 'rtp', `second byte ${second}`);
    assert.equal(isRtcpPacket(pkt), rtcp);
  }
  // Boundaries spelled out: 191 = marker + PT 63, 192 = FIR/marker + PT 64, 223 = marker + PT 95, 224 = marker + PT 96.
  assert.equal(classifyDatagram(Buffer.from([0x80, 191])), 'rtp');
  assert.equal(classifyDatagram(Buffer.from([0x80, 192])), 'rtcp');
  assert.equal(classifyDatagram(Buffer.from([0x80, 200])), 'rtcp'); // SR
  assert.equal(classifyDatagram(Buffer.from([0x81, 201])), 'rtcp'); // RR
  assert.equal(classifyDatagram(Buffer.from([0x8f, 206])), 'rtcp'); // PSFB
  assert.equal(classifyDatagram(Buffer.from([0x80, 223])), 'rtcp');
  assert.equal(classifyDatagram(Buffer.from([0x80, 224])), 'rtp'); // VP8 PT 96 with marker
  assert.equal(classifyDatagram(Buffer.from([0x80, 111])), 'rtp'); // Opus PT 111
});

test('short and empty datagrams never throw and never read past the end', () => {
  assert.equal(classifyDatagram(new Uint8Array(0)), 'unknown');
  assert.equal(classifyDatagram(Buffer.from([0x80])), 'unknown');
  assert.equal(classifyDatagram(Buffer.from([0x00])), 'stun');
  assert.equal(classifyDatagram(Buffer.from([22])), 'dtls');
  assert.equal(isRtcpPacket(new Uint8Array(0)), false);
  assert.equal(isRtcpPacket(Buffer.from([0x80])), false);
  // A view into a larger buffer: only the view's bytes count.
  const big = Buffer.from([0x80, 200, 0x80, 96]);
  assert.equal(classifyDatagram(big.subarray(2)), 'rtp');
  assert.equal(classifyDatagram(big.subarray(1, 1)), 'unknown');
});
