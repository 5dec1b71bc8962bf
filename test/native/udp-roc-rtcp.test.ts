// SPDX-License-Identifier: MIT
// What a routed UdpSocket reads while it unprotects, on both paths: the
// rollover counter / extended sequence number of each RTP packet across a
// sequence-number wrap (and for a late packet from before the wrap), and
// the RTCP compound walk (every packet's length word, version and padding
// checked; a malformed compound that authenticated is dropped and counted in
// `rtcpMalformed`, as lib/rtp.ts's rtcpPackets would refuse it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, UdpSocket, type UdpReceiveBatch, type UdpSocketPath } from '../../lib/index.js';
import { rtcpPackets } from '../../lib/entry/rtp.js';
import { randomKeys, rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PATHS: readonly UdpSocketPath[] = process.platform === 'linux' ? ['native', 'dgram'] : ['dgram'];

interface Got {
  kind: string;
  seq: number;
  roc: number;
  extended: number;
  ssrc: number;
  type: number;
}

async function routedPair(
  t: { after: (fn: () => void) => void },
  path: UdpSocketPath,
): Promise<{ send: SrtpSession; tx: UdpSocket; rx: UdpSocket; to: { address: string; port: number }; got: Got[]; until: (n: number) => Promise<void> }> {
  const profile = 'AES_CM_128_HMAC_SHA1_80';
  const keys = randomKeys(profile);
  const send = new SrtpSession({ profile, localKey: keys.aKey, localSalt: keys.aSalt, remoteKey: keys.bKey, remoteSalt: keys.bSalt });
  const receive = new SrtpSession({ profile, localKey: keys.bKey, localSalt: keys.bSalt, remoteKey: keys.aKey, remoteSalt: keys.aSalt });
  const got: Got[] = [];
  let wake: (() => void) | undefined;
  const rx = await UdpSocket.bind({
    type: 'udp4',
    address: '127.0.0.1',
    path,
    onBatch(batch: UdpReceiveBatch) {
      for (let i = 0; i < batch.count; i++) {
        got.push({
          kind: batch.kind(i),
          seq: batch.sequenceNumber(i),
          roc: batch.rolloverCounter(i),
          extended: batch.extendedSequenceNumber(i),
          ssrc: batch.ssrc(i),
          type: batch.payloadType(i),
        });
      }
      wake?.();
    },
  });
  const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
  t.after(() => {
    rx.close();
    tx.close();
    send.close();
    receive.close();
  });
  assert.ok(rx.addRoute({ address: '127.0.0.1', port: tx.address().port }, receive) >= 0);
  const until = async (n: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50).unref();
      });
    }
  };
  return { send, tx, rx, to: { address: '127.0.0.1', port: rx.address().port }, got, until };
}

for (const path of PATHS) {
  test(`${path}: rolloverCounter and extendedSequenceNumber follow a sequence-number wrap, and a late packet keeps its old ROC`, async (t) => {
    const { send, tx, to, got, until } = await routedPair(t, path);
    const seqs = [65534, 65535, 0, 1, 65533, 2];
    // One packet per send, in order: the sender's own ROC follows the same wrap.
    for (const seq of seqs) assert.equal(tx.send(send.protectRtp(rtp({ seq, ssrc: 0x01020304 })), to), 1);
    await until(seqs.length);
    assert.deepEqual(
      got.map((g) => [g.kind, g.seq, g.roc, g.extended]),
      [
        ['rtp', 65534, 0, 65534],
        ['rtp', 65535, 0, 65535],
        ['rtp', 0, 1, 65536],
        ['rtp', 1, 1, 65537],
        ['rtp', 65533, 0, 65533],
        ['rtp', 2, 1, 65538],
      ],
    );
  });

  test(`${path}: every packet of an RTCP compound is checked; a malformed compound that authenticated is dropped and counted`, async (t) => {
    const { send, tx, rx, to, got, until } = await routedPair(t, path);
    const good = Buffer.concat([rtcp({ ssrc: 0x55667788, senderReport: true }), rtcp({ ssrc: 0x99, blocks: 0 })]);
    // The second packet's length word runs 4 bytes past the end.
    const longWord = Buffer.from(good);
    longWord.writeUInt16BE(longWord.readUInt16BE(rtcp({ senderReport: true }).length + 2) + 1, rtcp({ senderReport: true }).length + 2);
    // Padding on the first (not the last) packet.
    const earlyPadding = Buffer.from(good);
    earlyPadding[0] = (earlyPadding[0] as number) | 0x20;
    earlyPadding[rtcp({ senderReport: true }).length - 1] = 4;
    // The second packet has version 1.
    const badVersion = Buffer.from(good);
    badVersion[rtcp({ senderReport: true }).length] = 0x40;
    // Four trailing bytes: too short for another packet.
    const shortTail = Buffer.concat([good, Buffer.from([0x80, 201, 0, 0])]);
    for (const bad of [longWord, earlyPadding, badVersion, shortTail]) {
      const walk = rtcpPackets(bad);
      while (walk.advance());
      assert.notEqual(walk.failure, null, 'the TypeScript walk refuses it too');
    }
    for (const packet of [longWord, earlyPadding, badVersion, shortTail, good]) assert.equal(tx.send(send.protectRtcp(packet), to), 1);
    await until(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      got.map((g) => [g.kind, g.ssrc, g.type]),
      [['rtcp', 0x55667788, 200]],
    );
    const stats = rx.getStats();
    assert.equal(stats.rtcpMalformed, 4);
    assert.equal(stats.srtpDropped, 0);
    assert.equal(stats.datagramsReceived, 1);
  });
}
