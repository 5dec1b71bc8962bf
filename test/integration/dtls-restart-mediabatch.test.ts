// SPDX-License-Identifier: MIT
// An SFU that forwards from 'mediabatch' only, on the native shared-port
// path (and its node:dgram fallback), across a DTLS restart: during the restart window the transport's
// media is decrypted in TypeScript (its native route is unkeyed), and it must
// still arrive as mediabatch runs with the fields the native path gives
// (ssrc, sequence number, ROC, payload type, marker, timestamp, offsets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsSrtpTransport, UdpServer, type UdpReceiveBatch } from '../../lib/index.js';
import { renegotiate, until } from '../fixtures/restart-media.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

const LOCALHOST = '127.0.0.1';
/** The first packet index: the sequence number wraps (ROC 1) before the restart. */
const FIRST_INDEX = 65536 - 40;
const EXTENSION = { profile: 0xbede, data: Buffer.from([0x10, 0xaa, 0, 0, 0x21, 0xbb, 0xcc, 0]) };

interface Side {
  readonly transport: DtlsSrtpTransport;
  readonly ssrc: number;
  /** Packet indexes sent so far (FIRST_INDEX + count - 1 is the last). */
  sent: number;
  /** Set synchronously when outbound switches to the new keys (the `complete` dtlsrestart event). */
  switched: boolean;
  /** The ROC the receiver must report for each sequence number sent. */
  readonly roc: Map<number, number>;
  /** Extended sequence numbers under the previous keys / sequence numbers under the new keys, as received. */
  readonly received: Set<number>;
  /** Packets received while the receiver's restart window was open. */
  inWindow: number;
  /** RTCP receiver reports sent, received, and received in the window. */
  rtcpSent: number;
  rtcpReceived: number;
  rtcpInWindow: number;
}

for (const [path, offererRole] of [['native', 'client'], ['native', 'server'], ['dgram', 'client']] as const) {
  test(`${path} UdpServer: a mediabatch-only listener gets every packet across a restart (offerer becomes ${offererRole})`, async (t) => {
    const [ca, cb] = await Promise.all([Certificate.generate(), Certificate.generate()]);
    const [sa, sb] = await Promise.all([
      UdpServer.bind({ type: 'udp4', address: LOCALHOST, path }),
      UdpServer.bind({ type: 'udp4', address: LOCALHOST, path }),
    ]);
    assert.equal(sa.path, path);
    const a = new DtlsSrtpTransport({
      certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), server: sa, remoteAddress: sb.address(),
    });
    const b = new DtlsSrtpTransport({
      certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), server: sb, remoteAddress: sa.address(),
    });
    t.after(() => {
      a.close();
      b.close();
      sa.close();
      sb.close();
    });
    await Promise.all([a.start(), b.start()]);
    const side = (transport: DtlsSrtpTransport, ssrc: number): Side => ({
      transport, ssrc, sent: 0, switched: false, roc: new Map(), received: new Set(), inWindow: 0, rtcpSent: 0, rtcpReceived: 0, rtcpInWindow: 0,
    });
    const sides = { a: side(a, 0x0a0a0a0a), b: side(b, 0x0b0b0b0b) };
    const problems: string[] = [];

    // What the receiver `to` gets from `from`: checked packet by packet against what was sent.
    const listen = (to: Side, from: Side, fromPort: number): void => {
      to.transport.on('dtlsrestart', (event) => {
        if (event.phase === 'complete') to.switched = true;
      });
      to.transport.on('mediabatch', (batch: UdpReceiveBatch, start: number, end: number) => {
        const restart = to.transport.getStats().restart;
        const windowOpen = restart.started === 1 && restart.previousKeysRetired === 0;
        for (let i = start; i < end; i++) {
          if (batch.kind(i) === 'rtcp') {
            const got = [batch.ssrc(i), batch.payloadType(i), batch.payloadOffset(i), batch.payloadLength(i), batch.length(i), batch.port(i)];
            const want = [from.ssrc, 201, 8, 24, 32, fromPort];
            if (got.join() !== want.join()) problems.push(`${windowOpen ? 'in window' : 'native'} rtcp: ${got.join()} != ${want.join()}`);
            to.rtcpReceived++;
            if (windowOpen) to.rtcpInWindow++;
            continue;
          }
          const seq = batch.sequenceNumber(i);
          const k = (seq - (FIRST_INDEX & 0xffff) + 0x10000) & 0xffff;
          const expected = {
            kind: batch.kind(i),
            ssrc: batch.ssrc(i),
            roc: batch.rolloverCounter(i),
            payloadType: batch.payloadType(i),
            marker: batch.marker(i),
            timestamp: batch.timestamp(i),
            extensionOffset: batch.extensionOffset(i),
            payloadOffset: batch.payloadOffset(i),
            payloadLength: batch.payloadLength(i),
            length: batch.length(i),
            port: batch.port(i),
            address: batch.address(i),
            bytesSeq: batch.packet(i).readUInt16BE(2),
            extended: batch.extendedSequenceNumber(i),
          };
          const roc = from.roc.get(seq) ?? -1;
          const want = {
            kind: 'rtp',
            ssrc: from.ssrc,
            roc,
            payloadType: 111,
            marker: k % 2 === 0,
            timestamp: k * 960,
            extensionOffset: 16,
            payloadOffset: 28,
            payloadLength: 120,
            length: 148,
            port: fromPort,
            address: LOCALHOST,
            bytesSeq: seq,
            extended: roc * 65536 + seq,
          };
          try {
            assert.deepEqual(expected, want);
          } catch {
            problems.push(`${windowOpen ? 'in window' : 'native'} seq ${seq}: ${JSON.stringify(expected)} != ${JSON.stringify(want)}`);
          }
          to.received.add(seq);
          if (windowOpen) to.inWindow++;
        }
      });
    };
    listen(sides.a, sides.b, sb.address().port);
    listen(sides.b, sides.a, sa.address().port);

    const send = (s: Side): void => {
      if (s.transport.state !== 'connected') return;
      const k = s.sent++;
      const index = FIRST_INDEX + k;
      const seq = index & 0xffff;
      // The previous keys carry the wrap (ROC 1 after it); the new keys start a new context (ROC 0).
      s.roc.set(seq, s.switched ? 0 : Math.floor(index / 65536));
      s.transport.sendRtp(
        rtp({ ssrc: s.ssrc, seq, payloadType: 111, marker: k % 2 === 0, timestamp: k * 960, csrcs: [0x01020304], extension: EXTENSION, payloadLength: 120 }),
      );
      s.transport.sendRtcp(rtcp({ ssrc: s.ssrc, blocks: 1 }));
      s.rtcpSent++;
    };
    const timer = setInterval(() => {
      send(sides.a);
      send(sides.b);
    }, 2);
    t.after(() => {
      clearInterval(timer);
    });
    // Past the wrap before the restart begins.
    await until(() => sides.a.received.size > 60 && sides.b.received.size > 60, 'media before the restart');
    const [ra, rb] = await renegotiate(a, b, offererRole);
    assert.deepEqual([ra, rb], [true, true]);
    await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
    const mark = { a: sides.a.sent, b: sides.b.sent };
    await until(() => sides.a.received.size > mark.b + 30 && sides.b.received.size > mark.a + 30, 'media after the restart', 400).catch(() => undefined);
    clearInterval(timer);
    const all = (): boolean =>
      sides.a.received.size >= sides.b.sent && sides.b.received.size >= sides.a.sent &&
      sides.a.rtcpReceived >= sides.b.rtcpSent && sides.b.rtcpReceived >= sides.a.rtcpSent;
    await until(all, 'every packet sent', 400).catch(() => undefined);

    const missing = (got: Set<number>, count: number): number[] => {
      const out: number[] = [];
      for (let k = 0; k < count; k++) if (!got.has((FIRST_INDEX + k) & 0xffff)) out.push((FIRST_INDEX + k) & 0xffff);
      return out;
    };
    assert.deepEqual(missing(sides.b.received, sides.a.sent), [], 'packets from a missing from b\'s mediabatch runs');
    assert.deepEqual(missing(sides.a.received, sides.b.sent), [], 'packets from b missing from a\'s mediabatch runs');
    assert.deepEqual(problems, []);
    // The window really carried media (decrypted in TypeScript), both directions.
    assert.ok(sides.a.inWindow > 0 && sides.b.inWindow > 0, `packets in the window: a ${sides.a.inWindow}, b ${sides.b.inWindow}`);
    assert.deepEqual([sides.a.rtcpReceived, sides.b.rtcpReceived], [sides.b.rtcpSent, sides.a.rtcpSent], 'every RTCP packet as a mediabatch run');
    assert.ok(sides.a.rtcpInWindow > 0 && sides.b.rtcpInWindow > 0, `RTCP in the window: a ${sides.a.rtcpInWindow}, b ${sides.b.rtcpInWindow}`);
    for (const end of [a, b]) {
      const s = end.getStats();
      for (const [code, n] of Object.entries(s.srtpFailures)) assert.equal(n, 0, code);
      assert.ok(s.restart.previousKeyPackets + s.restart.currentKeyPackets > 0, 'media decrypted in TypeScript during the window');
    }
    assert.equal(sa.getStats().socket.srtpDropped + sb.getStats().socket.srtpDropped, 0);
  });
}
