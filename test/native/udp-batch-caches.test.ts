// SPDX-License-Identifier: MIT
// The receive loop resolves each datagram's route once per run of datagrams
// from one source, and reads each RTP packet's rollover counter from the
// stream libsrtp has just used, looked up once per run of one SSRC. These
// tests interleave sources and SSRCs inside one receive batch, so that a
// cache that kept the previous datagram's route or stream would hand a packet
// the wrong session (and drop it) or the wrong rollover counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, UdpSocket, type UdpReceiveBatch, type UdpSocketPath } from '../../lib/index.js';
import { randomKeys, rtp } from '../fixtures/srtp-helpers.js';

const PATHS: readonly UdpSocketPath[] = process.platform === 'linux' ? ['native', 'dgram'] : ['dgram'];
const PROFILE = 'AEAD_AES_128_GCM';

interface Got {
  kind: string;
  route: number;
  ssrc: number;
  seq: number;
  roc: number;
  payload: number;
}

/** A sender's session and the receiver's matching one, with keys of their own. */
function pair(t: { after: (fn: () => void) => void }): { send: SrtpSession; receive: SrtpSession } {
  const keys = randomKeys(PROFILE);
  const send = new SrtpSession({ profile: PROFILE, localKey: keys.aKey, localSalt: keys.aSalt, remoteKey: keys.bKey, remoteSalt: keys.bSalt });
  const receive = new SrtpSession({ profile: PROFILE, localKey: keys.bKey, localSalt: keys.bSalt, remoteKey: keys.aKey, remoteSalt: keys.aSalt });
  t.after(() => {
    send.close();
    receive.close();
  });
  return { send, receive };
}

async function receiver(
  t: { after: (fn: () => void) => void },
  path: UdpSocketPath,
): Promise<{ rx: UdpSocket; got: Got[]; batches: number[]; until: (n: number) => Promise<void>; socket: () => Promise<UdpSocket> }> {
  const got: Got[] = [];
  const batches: number[] = [];
  let wake: (() => void) | undefined;
  const rx = await UdpSocket.bind({
    type: 'udp4',
    address: '127.0.0.1',
    path,
    batchSize: 32,
    onBatch(batch: UdpReceiveBatch) {
      batches.push(batch.count);
      for (let i = 0; i < batch.count; i++) {
        const kind = batch.kind(i);
        got.push({
          kind,
          route: batch.route(i),
          ssrc: batch.ssrc(i),
          seq: batch.sequenceNumber(i),
          roc: batch.rolloverCounter(i),
          payload: kind === 'rtp' ? (batch.buffer[batch.offset(i) + batch.payloadOffset(i)] as number) : (batch.buffer[batch.offset(i)] as number),
        });
      }
      wake?.();
    },
  });
  const sockets: UdpSocket[] = [rx];
  t.after(() => {
    for (const s of sockets) s.close();
  });
  const until = async (n: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (got.length < n && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50).unref();
      });
    }
  };
  const socket = async (): Promise<UdpSocket> => {
    const s = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
    sockets.push(s);
    return s;
  };
  return { rx, got, batches, until, socket };
}

for (const path of PATHS) {
  test(`${path}: two routed sources with their own keys and an unrouted one, interleaved in one batch, each get their own route`, async (t) => {
    const { rx, got, batches, until, socket } = await receiver(t, path);
    const a = pair(t);
    const b = pair(t);
    const [txA, txB, txC] = [await socket(), await socket(), await socket()];
    const routeA = rx.addRoute({ address: '127.0.0.1', port: txA.address().port }, a.receive);
    const routeB = rx.addRoute({ address: '127.0.0.1', port: txB.address().port }, b.receive);
    assert.ok(routeA >= 0 && routeB >= 0 && routeA !== routeB);
    const to = { address: '127.0.0.1', port: rx.address().port };
    // The first payload byte names the packet; all sent before the loop polls.
    const fromA = (seq: number, first: number): number => txA.send(a.send.protectRtp(rtp({ seq, ssrc: 0xa, payload: Buffer.from([first, 0, 0, 0]) })), to);
    const fromB = (seq: number, first: number): number => txB.send(b.send.protectRtp(rtp({ seq, ssrc: 0xb, payload: Buffer.from([first, 0, 0, 0]) })), to);
    assert.equal(fromA(1, 1), 1);
    assert.equal(fromB(1, 2), 1);
    assert.equal(fromB(2, 3), 1);
    assert.equal(txC.send(Buffer.from([4, 0, 0, 0]), to), 1);
    assert.equal(fromA(2, 5), 1);
    assert.equal(txC.send(Buffer.from([6, 0, 0, 0]), to), 1);
    assert.equal(fromB(3, 7), 1);
    assert.equal(fromA(3, 8), 1);
    await until(8);
    assert.deepEqual(
      got.map((g) => [g.kind, g.route, g.ssrc, g.payload]),
      [
        ['rtp', routeA, 0xa, 1],
        ['rtp', routeB, 0xb, 2],
        ['rtp', routeB, 0xb, 3],
        ['unregistered', -1, 0, 4],
        ['rtp', routeA, 0xa, 5],
        ['unregistered', -1, 0, 6],
        ['rtp', routeB, 0xb, 7],
        ['rtp', routeA, 0xa, 8],
      ],
    );
    if (path === 'native') assert.deepEqual(batches, [8], 'all eight in one receive batch');
    assert.equal(rx.getStats().srtpDropped, 0);
  });

  test(`${path}: two SSRCs of one source, interleaved in one batch, each keep their own rollover counter`, async (t) => {
    const { rx, got, batches, until, socket } = await receiver(t, path);
    const s = pair(t);
    const tx = await socket();
    assert.ok(rx.addRoute({ address: '127.0.0.1', port: tx.address().port }, s.receive) >= 0);
    const to = { address: '127.0.0.1', port: rx.address().port };
    // SSRC 0x1 wraps (and has a late packet from before the wrap); SSRC 0x2 never does.
    const sends: Array<[number, number]> = [
      [0x1, 65535],
      [0x2, 100],
      [0x1, 0],
      [0x2, 101],
      [0x1, 65534],
      [0x2, 102],
      [0x1, 1],
    ];
    for (const [ssrc, seq] of sends) assert.equal(tx.send(s.send.protectRtp(rtp({ seq, ssrc })), to), 1);
    await until(sends.length);
    assert.deepEqual(
      got.map((g) => [g.kind, g.ssrc, g.seq, g.roc]),
      [
        ['rtp', 0x1, 65535, 0],
        ['rtp', 0x2, 100, 0],
        ['rtp', 0x1, 0, 1],
        ['rtp', 0x2, 101, 0],
        ['rtp', 0x1, 65534, 0],
        ['rtp', 0x2, 102, 0],
        ['rtp', 0x1, 1, 1],
      ],
    );
    if (path === 'native') assert.deepEqual(batches, [sends.length], 'all in one receive batch');
  });
}
