// SPDX-License-Identifier: MIT
// The TypeScript RTP header reader (`dtls-srtp/rtp`) and the native receive
// path agree: the same packets (CSRCs, one-byte and two-byte header
// extensions, padding, combinations), protected and sent with sendRtpBatch to
// a routed native socket, arrive with the SSRC, sequence number, payload type,
// marker, timestamp, extension offset, payload offset and payload length that
// readRtpHeader reads from the delivered bytes; for SRTCP, the first packet of
// rtcpPackets gives the type and sender SSRC the batch reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, UdpSocket, type UdpReceiveBatch } from '../../lib/index.js';
import { RtpHeaderView, readRtpHeader, rtcpPackets } from '../../lib/entry/rtp.js';
import { randomKeys, rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PACKETS = [
  rtp({ seq: 1, payloadLength: 160 }),
  rtp({ seq: 2, marker: true, payloadType: 111, ssrc: 0xffffffff, timestamp: 0xffffffff, csrcs: [1, 2, 3] }),
  rtp({ seq: 3, extension: { profile: 0xbede, data: Buffer.from([0x10, 0x7f, 0x22, 1, 2, 3, 0, 0]) }, payloadLength: 40 }),
  rtp({ seq: 4, extension: { profile: 0x1000, data: Buffer.from([1, 2, 0xaa, 0xbb, 7, 0, 0, 0]) }, padding: 9 }),
  rtp({ seq: 5, csrcs: Array.from({ length: 15 }, (_, i) => i), extension: { profile: 0xbede, data: Buffer.from([0x20, 5, 0, 0]) }, padding: 255 }),
  rtp({ seq: 6, payloadLength: 0, padding: 1 }),
  rtp({ seq: 7, extension: { profile: 0x4321, data: Buffer.alloc(0) }, payloadLength: 1 }),
];

interface Fields {
  ssrc: number;
  sequenceNumber: number;
  payloadType: number;
  marker: boolean;
  timestamp: number;
  extensionOffset: number;
  payloadOffset: number;
  payloadLength: number;
}

const fromBatch = (b: UdpReceiveBatch, i: number): Fields => ({
  ssrc: b.ssrc(i),
  sequenceNumber: b.sequenceNumber(i),
  payloadType: b.payloadType(i),
  marker: b.marker(i),
  timestamp: b.timestamp(i),
  extensionOffset: b.extensionOffset(i),
  payloadOffset: b.payloadOffset(i),
  payloadLength: b.payloadLength(i),
});

const fromView = (h: RtpHeaderView): Fields => ({
  ssrc: h.ssrc,
  sequenceNumber: h.sequenceNumber,
  payloadType: h.payloadType,
  marker: h.marker,
  timestamp: h.timestamp,
  extensionOffset: h.extensionOffset,
  payloadOffset: h.payloadOffset,
  payloadLength: h.payloadLength,
});

test('readRtpHeader and rtcpPackets agree with what the native batch reports for the same packets', { skip: process.platform !== 'linux' }, async (t) => {
  const profile = 'AEAD_AES_128_GCM';
  const keys = randomKeys(profile);
  const send = new SrtpSession({ profile, localKey: keys.aKey, localSalt: keys.aSalt, remoteKey: keys.bKey, remoteSalt: keys.bSalt });
  const receive = new SrtpSession({ profile, localKey: keys.bKey, localSalt: keys.bSalt, remoteKey: keys.aKey, remoteSalt: keys.aSalt });
  const reports = [Buffer.concat([rtcp({ ssrc: 0x55667788, senderReport: true }), rtcp({ ssrc: 0x99, blocks: 0 })]), rtcp({ ssrc: 0xabcdef01, blocks: 2 })];
  const got: { kind: string; data: Buffer; native: Fields; ts: Fields | string; rtcp: [number, number] | null }[] = [];
  const view = new RtpHeaderView();
  let wake: (() => void) | undefined;
  const rx = await UdpSocket.bind({
    type: 'udp4',
    address: '127.0.0.1',
    path: 'native',
    onBatch(batch) {
      for (let i = 0; i < batch.count; i++) {
        const data = batch.packet(i);
        const h = readRtpHeader(data, view);
        const first = rtcpPackets(data).next();
        got.push({
          kind: batch.kind(i),
          data: Buffer.from(data),
          native: fromBatch(batch, i),
          ts: typeof h === 'string' ? h : fromView(h),
          rtcp: first.done === true ? null : [first.value.packetType, first.value.ssrc],
        });
      }
      wake?.();
    },
  });
  const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path: 'native', onBatch: () => {} });
  t.after(() => {
    rx.close();
    tx.close();
    send.close();
    receive.close();
  });
  assert.equal(rx.path, 'native');
  assert.ok(rx.addRoute({ address: '127.0.0.1', port: tx.address().port }, receive) >= 0);
  const to = { address: '127.0.0.1', port: rx.address().port };
  const slab = (packets: Buffer[]): { buffer: Buffer; layout: Int32Array } => {
    const layout = new Int32Array(3 * packets.length);
    const buffer = Buffer.alloc(packets.length * 2048);
    packets.forEach((p, i) => {
      p.copy(buffer, i * 2048);
      layout.set([i * 2048, p.length, 2048], 3 * i);
    });
    return { buffer, layout };
  };
  const results = new Int32Array(PACKETS.length);
  const r = slab(PACKETS);
  assert.equal(tx.sendRtpBatch(send, r.buffer, r.layout, to, results), PACKETS.length);
  const c = slab(reports);
  assert.equal(tx.sendRtcpBatch(send, c.buffer, c.layout, to, results), reports.length);
  const deadline = Date.now() + 10_000;
  while (got.length < PACKETS.length + reports.length && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 50).unref();
    });
  }
  assert.equal(got.length, PACKETS.length + reports.length);
  for (let i = 0; i < PACKETS.length; i++) {
    const g = got[i]!;
    assert.equal(g.kind, 'rtp');
    assert.deepEqual(g.data, PACKETS[i]);
    assert.deepEqual(g.ts, g.native, `packet ${i}`);
  }
  // Sanity: the vectors do exercise CSRCs, both extension forms and padding.
  const views = PACKETS.map((p) => readRtpHeader(p) as RtpHeaderView);
  assert.ok(views.some((h) => h.csrcCount === 15) && views.some((h) => h.extensionForm === 'two-byte') && views.some((h) => h.paddingLength === 255));
  for (let k = 0; k < reports.length; k++) {
    const g = got[PACKETS.length + k]!;
    assert.equal(g.kind, 'rtcp');
    assert.deepEqual(g.data, reports[k]);
    assert.deepEqual(g.rtcp, [g.native.payloadType, g.native.ssrc]);
  }
});
