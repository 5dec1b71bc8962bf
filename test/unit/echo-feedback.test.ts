// SPDX-License-Identifier: MIT
// The browser echo server's RTCP translation: PLI/FIR about the echoed video
// become PLI/FIR about the browser's own video SSRC; nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyFrameRequests } from '../../examples/browser/server.js';

const ECHO = 0x11111111;
const BROWSER = 0x22222222;

function pli(sender: number, media: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(0x81ce0002, 0);
  b.writeUInt32BE(sender, 4);
  b.writeUInt32BE(media, 8);
  return b;
}

function fir(sender: number, target: number, seq: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(0x84ce0004, 0);
  b.writeUInt32BE(sender, 4);
  b.writeUInt32BE(target, 12);
  b[16] = seq;
  return b;
}

function receiverReport(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(0x80c90001, 0);
  b.writeUInt32BE(ssrc, 4);
  return b;
}

test('a PLI about the echo inside a compound packet becomes a PLI to the browser SSRC', () => {
  const out = keyFrameRequests(Buffer.concat([receiverReport(7), pli(7, ECHO)]), ECHO, BROWSER, () => 1);
  assert.deepEqual(out, [pli(ECHO, BROWSER)]);
});

test('a FIR about the echo becomes a FIR with our own sequence number', () => {
  let n = 0;
  const out = keyFrameRequests(fir(7, ECHO, 200), ECHO, BROWSER, () => ++n);
  assert.deepEqual(out, [fir(ECHO, BROWSER, 1)]);
});

test('feedback about other SSRCs, other RTCP and malformed packets yield nothing', () => {
  assert.deepEqual(keyFrameRequests(pli(7, 0x33333333), ECHO, BROWSER, () => 1), []);
  assert.deepEqual(keyFrameRequests(receiverReport(ECHO), ECHO, BROWSER, () => 1), []);
  const truncated = pli(7, ECHO).subarray(0, 10);
  assert.deepEqual(keyFrameRequests(truncated, ECHO, BROWSER, () => 1), []);
  const lying = pli(7, ECHO);
  lying.writeUInt16BE(100, 2); // claims 404 bytes
  assert.deepEqual(keyFrameRequests(lying, ECHO, BROWSER, () => 1), []);
  assert.deepEqual(keyFrameRequests(Buffer.alloc(0), ECHO, BROWSER, () => 1), []);
});
