// SPDX-License-Identifier: MIT
// The rollover counter of a long-lived stream across several sequence-number
// wraps, in both directions, with reordering at each wrap (…, 65534, 0, 65535,
// 2, 1, …): the receiver decrypts every packet once, replays are still
// detected after the wraps, and getRolloverCounter() reports the ROC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SrtpSession } from '../../lib/index.js';
import { pair } from '../fixtures/srtp-helpers.js';

const WRAPS = 3;
const COUNT = WRAPS * 65536 + 40; // indices 0 .. COUNT-1
const PAYLOAD = 8; // the packet's index, twice
const CHUNK = 4096;

function header(buf: Buffer, offset: number, index: number, ssrc: number): void {
  buf[offset] = 0x80;
  buf[offset + 1] = 111;
  buf.writeUInt16BE(index & 0xffff, offset + 2);
  buf.writeUInt32BE(index >>> 0, offset + 4);
  buf.writeUInt32BE(ssrc >>> 0, offset + 8);
  buf.writeUInt32BE(index >>> 0, offset + 12);
  buf.writeUInt32BE(~index >>> 0, offset + 16);
}

/** Delivery order: index order, except that around each wrap B the packets go B-2, B, B-1, B+2, B+1. */
function deliveryOrder(): Int32Array {
  const order = Int32Array.from({ length: COUNT }, (_, i) => i);
  for (let w = 1; w <= WRAPS; w++) {
    const b = w * 65536;
    [order[b - 1], order[b]] = [b, b - 1];
    [order[b + 1], order[b + 2]] = [b + 2, b + 1];
  }
  return order;
}

/** Protects indices 0..COUNT-1 in order (batch, in place); returns every SRTP packet. */
function protectAll(sender: SrtpSession, ssrc: number): Buffer[] {
  const stride = 12 + PAYLOAD + sender.rtpOverhead;
  const out: Buffer[] = [];
  for (let start = 0; start < COUNT; start += CHUNK) {
    const n = Math.min(CHUNK, COUNT - start);
    const slab = Buffer.alloc(n * stride);
    const layout = new Int32Array(3 * n);
    const results = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      header(slab, i * stride, start + i, ssrc);
      layout.set([i * stride, 12 + PAYLOAD, stride], 3 * i);
    }
    assert.equal(sender.protectRtpBatchInPlace(slab, layout, results), n);
    for (let i = 0; i < n; i++) out.push(slab.subarray(i * stride, i * stride + (results[i] as number)));
    if (start === 0) assert.equal(sender.getRolloverCounter(ssrc, 'outbound'), 0);
  }
  return out;
}

/** Unprotects in delivery order (batch); asserts each packet decrypts to its own index. */
function receiveAll(receiver: SrtpSession, packets: readonly Buffer[], order: Int32Array, ssrc: number): number[] {
  const rocs: number[] = [];
  for (let start = 0; start < COUNT; start += CHUNK) {
    const chunk = Array.from(order.subarray(start, Math.min(COUNT, start + CHUNK)));
    const results = receiver.unprotectRtpBatch(chunk.map((i) => packets[i] as Buffer));
    results.forEach((r, j) => {
      const index = chunk[j] as number;
      if (!r.ok) assert.fail(`index ${index} (seq ${index & 0xffff}): ${r.code}`);
      assert.equal(r.packet.readUInt32BE(12), index);
      assert.equal(r.packet.readUInt32BE(16), ~index >>> 0);
    });
    rocs.push(receiver.getRolloverCounter(ssrc, 'inbound') ?? -1);
  }
  return rocs;
}

for (const profile of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as const) {
  test(`ROC across ${WRAPS} sequence wraps with reordering at each wrap, both directions (${profile})`, () => {
    const { a, b } = pair(profile, { replayWindow: 128 });
    const order = deliveryOrder();
    for (const [sender, receiver, ssrc] of [
      [a, b, 0x11112222],
      [b, a, 0x33334444],
    ] as const) {
      assert.equal(sender.getRolloverCounter(ssrc, 'outbound'), undefined, 'no stream before the first packet');
      const packets = protectAll(sender, ssrc);
      assert.equal(sender.getRolloverCounter(ssrc, 'outbound'), WRAPS);
      assert.equal(receiver.getRolloverCounter(ssrc, 'inbound'), undefined);
      const rocs = receiveAll(receiver, packets, order, ssrc);
      // The receiver's ROC followed every wrap (one reading per chunk of 4096).
      assert.deepEqual([...new Set(rocs)], [0, 1, 2, 3]);
      assert.equal(receiver.getRolloverCounter(ssrc, 'inbound'), WRAPS);
      assert.equal(receiver.getStats().rtpPacketsUnprotected % COUNT, 0);

      // Replays after the wraps: the newest packets, the reordered pair at
      // the last wrap, and a packet from before it, are all refused.
      const last = WRAPS * 65536;
      for (const index of [COUNT - 1, COUNT - 20, last, last - 1, last + 1]) {
        assert.throws(() => receiver.unprotectRtp(packets[index] as Buffer), { code: 'ERR_SRTP_REPLAY_FAIL' }, `index ${index}`);
      }
      // Older than the window (and from an earlier ROC): never accepted.
      for (const index of [last - 200, last - 65536 + 5, 3]) {
        const r = receiver.unprotectRtpBatch([packets[index] as Buffer])[0];
        assert.ok(r !== undefined && !r.ok, `index ${index} accepted again`);
        assert.ok(['ERR_SRTP_REPLAY_OLD', 'ERR_SRTP_REPLAY_FAIL', 'ERR_SRTP_AUTH_FAIL'].includes(r.code), r.code);
      }
      assert.equal(receiver.getRolloverCounter(ssrc, 'inbound'), WRAPS);
      assert.equal(receiver.getRolloverCounter(ssrc, 'outbound'), undefined, 'the directions are separate');
    }
    a.close();
    b.close();
  });
}

test('getRolloverCounter: argument errors and use after close', () => {
  const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
  assert.throws(() => a.getRolloverCounter(-1, 'inbound'), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => a.getRolloverCounter(2 ** 32, 'inbound'), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => a.getRolloverCounter('1' as never, 'inbound'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => a.getRolloverCounter(1, 'both' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.equal(a.getRolloverCounter(0xffffffff, 'inbound'), undefined);
  a.close();
  assert.throws(() => a.getRolloverCounter(1, 'inbound'), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE' });
  b.close();
});
