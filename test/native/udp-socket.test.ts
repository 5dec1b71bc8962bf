// SPDX-License-Identifier: MIT
// UdpSocket on both paths (native recvmmsg/sendmmsg on Linux, node:dgram):
// batches with the right bytes, offsets and sources over IPv4 and IPv6,
// sendBatch to several destinations, SO_REUSEPORT, oversized and malformed
// datagrams, EMSGSIZE and ICMP counted, close with datagrams in flight and
// from inside the callback, SRTP unprotected in place for routed sources and
// protected+sent in one call, and the two paths giving identical results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidStateError,
  SrtpSession,
  UdpError,
  UdpSocket,
  type SrtpProfile,
  type UdpEndpoint,
  type UdpReceiveBatch,
  type UdpSocketOptions,
  type UdpSocketPath,
} from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { UDP_META_STRIDE, UDP_STATS_NAMES } from '../../lib/udp-socket.js';
import { randomKeys, rtcp, rtp, type KeySet } from '../fixtures/srtp-helpers.js';

const PATHS: readonly UdpSocketPath[] = process.platform === 'linux' ? ['native', 'dgram'] : ['dgram'];

interface Got {
  data: string;
  address: string;
  port: number;
  family: string;
  kind: string;
  route: number;
  offset: number;
  fields: number[];
}

function snapshot(batch: UdpReceiveBatch, i: number): Got {
  return {
    data: batch.packet(i).toString('hex'),
    address: batch.address(i),
    port: batch.port(i),
    family: batch.family(i),
    kind: batch.kind(i),
    route: batch.route(i),
    offset: batch.offset(i),
    fields: [
      batch.ssrc(i),
      batch.sequenceNumber(i),
      batch.payloadType(i),
      batch.marker(i) ? 1 : 0,
      batch.timestamp(i),
      batch.extensionOffset(i),
      batch.payloadOffset(i),
      batch.payloadLength(i),
    ],
  };
}

interface Receiver {
  socket: UdpSocket;
  got: Got[];
  batches: number[];
  endpoint: UdpEndpoint;
  /** Resolves once `n` datagrams arrived (rejects after a generous bound, as a failure, not a measurement). */
  waitFor(n: number): Promise<void>;
}

async function receiver(options: Omit<UdpSocketOptions, 'onBatch'>, host: string): Promise<Receiver> {
  const got: Got[] = [];
  const batches: number[] = [];
  let wake: (() => void) | undefined;
  const socket = await UdpSocket.bind({
    ...options,
    onBatch(batch) {
      batches.push(batch.count);
      for (let i = 0; i < batch.count; i++) got.push(snapshot(batch, i));
      wake?.();
    },
  });
  return {
    socket,
    got,
    batches,
    endpoint: { address: host, port: socket.address().port },
    async waitFor(n) {
      const deadline = Date.now() + 10_000;
      while (got.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${got.length} of ${n} datagrams arrived`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50).unref();
        });
      }
    },
  };
}

/** Lets the loop turn a few times (for "nothing more arrives" checks and dgram send callbacks). */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
}

function datagrams(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc((i * 37) % 1400, i & 0xff));
}

const FAMILIES = [
  { name: 'IPv4', type: 'udp4', bind: '127.0.0.1', to: '127.0.0.1', senderType: 'udp4', expect: '127.0.0.1', family: 'IPv4' },
  { name: 'IPv6', type: 'udp6', bind: '::1', to: '::1', senderType: 'udp6', expect: '::1', family: 'IPv6' },
  // A dual-stack IPv6 socket sees an IPv4 sender as an IPv4-mapped address.
  { name: 'dual-stack', type: 'udp6', bind: '::', to: '127.0.0.1', senderType: 'udp4', expect: '::ffff:127.0.0.1', family: 'IPv6' },
] as const;

for (const path of PATHS) {
  for (const f of FAMILIES) {
    test(`${path} ${f.name}: many datagrams arrive in batches with their bytes, offsets and sources`, async (t) => {
      const r = await receiver({ type: f.type, address: f.bind, batchSize: 16, maxDatagramSize: 1400, path }, f.to);
      const senders = await Promise.all(
        [0, 1].map(() => UdpSocket.bind({ type: f.senderType, address: f.senderType === 'udp4' ? '127.0.0.1' : '::1', path, onBatch: () => {} })),
      );
      t.after(() => {
        r.socket.close();
        for (const s of senders) s.close();
      });
      const packets = datagrams(100);
      const a = senders[0]!;
      const b = senders[1]!;
      assert.equal(a.sendBatch(packets.slice(0, 60), r.endpoint), 60);
      assert.equal(b.sendBatch(packets.slice(60), r.endpoint), 40);
      await r.waitFor(100);
      assert.equal(r.got.length, 100);
      for (let i = 0; i < 100; i++) {
        const g = r.got[i]!;
        assert.equal(g.data, packets[i]!.toString('hex'), `datagram ${i}`);
        assert.equal(g.address, f.expect);
        assert.equal(g.family, f.family);
        assert.equal(g.port, (i < 60 ? a : b).address().port);
        assert.equal(g.kind, 'unregistered');
        assert.equal(g.route, -1);
      }
      // Datagram j of a batch sits in slot j of the reused buffer.
      let at = 0;
      for (const count of r.batches) {
        for (let j = 0; j < count; j++) assert.equal(r.got[at + j]!.offset, j * 1400);
        at += count;
      }
      const stats = r.socket.getStats();
      assert.equal(stats.datagramsReceived, 100);
      assert.equal(stats.bytesReceived, packets.reduce((n, p) => n + p.length, 0));
      assert.equal(stats.batchesDelivered, r.batches.length);
      assert.ok(r.batches.length < 100, `one callback per batch, not per datagram (${r.batches.length} batches)`);
      assert.ok(Math.max(...r.batches) <= 16);
      await turns();
      assert.equal(a.getStats().datagramsSent, 60);
      assert.equal(b.getStats().bytesSent, packets.slice(60).reduce((n, p) => n + p.length, 0));
    });
  }

  test(`${path}: sendBatch sends each packet to its own destination`, async (t) => {
    const rs = await Promise.all([0, 1, 2].map(() => receiver({ type: 'udp4', address: '127.0.0.1', path }, '127.0.0.1')));
    const sender = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
    t.after(() => {
      sender.close();
      for (const r of rs) r.socket.close();
    });
    const packets = Array.from({ length: 30 }, (_, i) => Buffer.from(`packet ${i}`));
    assert.equal(
      sender.sendBatch(
        packets,
        packets.map((_, i) => rs[i % 3]!.endpoint),
      ),
      30,
    );
    // And the single-destination form.
    assert.equal(sender.send(Buffer.from('single'), rs[1]!.endpoint), 1);
    await Promise.all([rs[0]!.waitFor(10), rs[1]!.waitFor(11), rs[2]!.waitFor(10)]);
    for (let k = 0; k < 3; k++) {
      const expected = packets.filter((_, i) => i % 3 === k).map((p) => p.toString('hex'));
      if (k === 1) expected.push(Buffer.from('single').toString('hex'));
      assert.deepEqual(
        rs[k]!.got.map((g) => g.data),
        expected,
      );
    }
  });

  test(`${path}: oversized and empty datagrams; EMSGSIZE is counted, never thrown`, async (t) => {
    const r = await receiver({ type: 'udp4', address: '127.0.0.1', maxDatagramSize: 256, path }, '127.0.0.1');
    const sender = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
    t.after(() => {
      sender.close();
      r.socket.close();
    });
    const packets = [Buffer.alloc(300, 1), Buffer.alloc(0), Buffer.alloc(256, 2), Buffer.alloc(257, 3), Buffer.from([0xff])];
    sender.sendBatch(packets, r.endpoint);
    // Larger than any UDP datagram: refused by the kernel, counted; the rest still leaves.
    sender.sendBatch([Buffer.alloc(70_000), Buffer.from('after')], r.endpoint);
    await r.waitFor(4);
    await turns();
    assert.deepEqual(
      r.got.map((g) => g.data),
      ['', Buffer.alloc(256, 2).toString('hex'), 'ff', Buffer.from('after').toString('hex')],
    );
    assert.equal(r.socket.getStats().receiveTruncated, 2);
    assert.equal(sender.getStats().sendMessageTooBig, 1);
    assert.equal(sender.getStats().datagramsSent, 6);
  });

  test(`${path}: bind errors are UdpError ERR_UDP_BIND with the errno`, async (t) => {
    const a = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
    t.after(() => {
      a.close();
    });
    await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', port: a.address().port, path, onBatch: () => {} }), (err) => {
      assert.ok(err instanceof UdpError);
      assert.equal(err.code, 'ERR_UDP_BIND');
      assert.equal(err.errno, 'EADDRINUSE');
      return true;
    });
    await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '::1', path, onBatch: () => {} }), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  test(`${path}: close from inside onBatch with datagrams still queued; the port is free at once; use after close throws`, async (t) => {
    let calls = 0;
    let firstCount = 0;
    const socket = await UdpSocket.bind({
      type: 'udp4',
      address: '127.0.0.1',
      batchSize: 4,
      path,
      onBatch(batch) {
        calls++;
        firstCount = batch.count;
        socket.close();
        socket.close();
      },
    });
    const port = socket.address().port;
    const sender = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
    t.after(() => {
      sender.close();
      socket.close();
    });
    sender.sendBatch(datagrams(64), { address: '127.0.0.1', port });
    // node:dgram sends on a later tick (closing now would drop them all);
    // the native sendmmsg has handed them to the kernel already.
    if (path === 'dgram') await turns(2);
    // The sender closes with its datagrams possibly still in flight.
    sender.close();
    await turns(40);
    assert.equal(calls, 1, 'nothing is delivered after close');
    assert.ok(firstCount >= 1 && firstCount <= 4);
    assert.equal(socket.closed, true);
    assert.ok(socket.getStats().datagramsReceived >= 1);
    assert.throws(() => socket.send(Buffer.from('x'), { address: '127.0.0.1', port }), InvalidStateError);
    assert.throws(() => socket.address(), { code: 'ERR_INVALID_STATE' });
    socket[Symbol.dispose]();
    // Closing released the port synchronously (native) or within the turn (dgram).
    const again = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', port, path, onBatch: () => {} });
    again.close();
  });
}

if (process.platform === 'linux') {
  test('native: SO_REUSEPORT lets two sockets share one port; the kernel spreads sources over both', async (t) => {
    const a = await receiver({ type: 'udp4', address: '127.0.0.1', reusePort: true }, '127.0.0.1');
    const b = await receiver({ type: 'udp4', address: '127.0.0.1', port: a.endpoint.port, reusePort: true }, '127.0.0.1');
    const senders = await Promise.all(Array.from({ length: 32 }, () => UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch: () => {} })));
    t.after(() => {
      a.socket.close();
      b.socket.close();
      for (const s of senders) s.close();
    });
    assert.equal(b.endpoint.port, a.endpoint.port);
    // Without the option the port is taken.
    await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', port: a.endpoint.port, onBatch: () => {} }), {
      code: 'ERR_UDP_BIND',
      errno: 'EADDRINUSE',
    });
    // The dgram path cannot set it on Node 20: refused, not silently ignored.
    await assert.rejects(UdpSocket.bind({ type: 'udp4', path: 'dgram', reusePort: true, onBatch: () => {} }), { code: 'ERR_INVALID_ARG_VALUE' });
    for (const s of senders) s.send(Buffer.from('hi'), a.endpoint);
    const deadline = Date.now() + 10_000;
    while (a.got.length + b.got.length < 32 && Date.now() < deadline) await turns(2);
    assert.equal(a.got.length + b.got.length, 32);
    // 32 source ports hashed onto 2 sockets: all on one has probability 2^-31.
    assert.ok(a.got.length > 0 && b.got.length > 0, `${a.got.length} / ${b.got.length}`);
  });

  test('native: an ICMP port unreachable for a datagram we sent is counted, and the socket keeps working', async (t) => {
    const r = await receiver({ type: 'udp4', address: '127.0.0.1' }, '127.0.0.1');
    const gone = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch: () => {} });
    const deadPort = gone.address().port;
    gone.close();
    t.after(() => {
      r.socket.close();
    });
    r.socket.send(Buffer.from('anyone?'), { address: '127.0.0.1', port: deadPort });
    const deadline = Date.now() + 10_000;
    while (r.socket.getStats().icmpUnreachable === 0 && Date.now() < deadline) await turns(2);
    assert.equal(r.socket.getStats().icmpUnreachable, 1);
    r.socket.send(Buffer.from('self'), r.endpoint);
    await r.waitFor(1);
    assert.equal(r.got[0]!.data, Buffer.from('self').toString('hex'));
    assert.equal(r.socket.getStats().receiveFailed, 0);
  });

  test('native: the stats names and the meta layout are the addon\'s', () => {
    assert.deepEqual(native.NativeUdp?.statsNames, UDP_STATS_NAMES);
    assert.equal(native.NativeUdp?.metaStride, UDP_META_STRIDE);
  });
}

/** Sessions with the same keys for a sender and for each receiving path. */
function sessions(profile: SrtpProfile, keys: KeySet): { send: SrtpSession; receive: SrtpSession } {
  return {
    send: new SrtpSession({ profile, localKey: keys.aKey, localSalt: keys.aSalt, remoteKey: keys.bKey, remoteSalt: keys.bSalt }),
    receive: new SrtpSession({ profile, localKey: keys.bKey, localSalt: keys.bSalt, remoteKey: keys.aKey, remoteSalt: keys.aSalt }),
  };
}

/** One slab holding `packets` with room for the SRTP overhead, and its layout. */
function slab(packets: readonly Buffer[], room = 32): { buffer: Buffer; layout: Int32Array } {
  const layout = new Int32Array(3 * packets.length);
  let offset = 0;
  packets.forEach((p, i) => {
    layout[3 * i] = offset;
    layout[3 * i + 1] = p.length;
    layout[3 * i + 2] = p.length + room;
    offset += (p.length + room + 7) & ~7;
  });
  const buffer = Buffer.alloc(offset);
  packets.forEach((p, i) => p.copy(buffer, layout[3 * i]));
  return { buffer, layout };
}

for (const path of PATHS) {
  for (const profile of ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'] as const) {
    test(`${path} ${profile}: sendRtpBatch protects and sends in one call; a routed receiver gets plain RTP with its routing fields`, async (t) => {
      const keys = randomKeys(profile);
      const s = sessions(profile, keys);
      const r = await receiver({ type: 'udp4', address: '127.0.0.1', path }, '127.0.0.1');
      const sender = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
      t.after(() => {
        sender.close();
        r.socket.close();
        s.send.close();
        s.receive.close();
      });
      const route = r.socket.addRoute({ address: '127.0.0.1', port: sender.address().port }, s.receive);
      assert.ok(route >= 0);
      assert.equal(r.socket.addRoute({ address: '127.0.0.1', port: sender.address().port }, s.receive), -1);
      const packets = [
        rtp({ seq: 10, ssrc: 0x11223344, payloadType: 111, marker: true, timestamp: 0xdeadbeef, payloadLength: 160 }),
        rtp({ seq: 11, ssrc: 0x11223344, payloadType: 96, extension: { profile: 0xbede, data: Buffer.alloc(8, 1) }, padding: 4 }),
      ];
      const { buffer, layout } = slab(packets);
      const results = new Int32Array(2);
      assert.equal(sender.sendRtpBatch(s.send, buffer, layout, r.endpoint, results), 2);
      assert.equal(results[0], packets[0]!.length + s.send.rtpOverhead);
      const reports = [rtcp({ ssrc: 0x55667788, senderReport: true })];
      const rtcpSlab = slab(reports);
      assert.equal(sender.sendRtcpBatch(s.send, rtcpSlab.buffer, rtcpSlab.layout, r.endpoint, results), 1);
      // STUN-like and DTLS-like datagrams from the routed source arrive as they are.
      sender.sendBatch([Buffer.from([0, 1, 0, 0]), Buffer.from([22, 254, 253])], r.endpoint);
      await r.waitFor(5);
      const [a, b, c, d, e] = r.got;
      assert.equal(a!.kind, 'rtp');
      assert.equal(a!.data, packets[0]!.toString('hex'));
      assert.equal(a!.route, route);
      assert.deepEqual(a!.fields, [0x11223344, 10, 111, 1, 0xdeadbeef, 0, 12, 160]);
      assert.equal(b!.data, packets[1]!.toString('hex'));
      assert.deepEqual(b!.fields, [0x11223344, 11, 96, 0, 0x12345678, 12, 24, 160]);
      assert.equal(c!.kind, 'rtcp');
      assert.equal(c!.data, reports[0]!.toString('hex'));
      assert.deepEqual(c!.fields.slice(0, 3), [0x55667788, 0, 200]);
      assert.deepEqual([d!.kind, e!.kind], ['routed', 'routed']);
      assert.equal(s.receive.getStats().rtpPacketsUnprotected, 2);
      // Once the route is gone, the same source is unregistered again (raw SRTP).
      assert.equal(r.socket.removeRoute(route), true);
      assert.equal(r.socket.removeRoute(route), false);
      const next = slab([rtp({ seq: 12 })]);
      sender.sendRtpBatch(s.send, next.buffer, next.layout, r.endpoint, results);
      await r.waitFor(6);
      assert.equal(r.got[5]!.kind, 'unregistered');
      assert.equal(r.got[5]!.data.length / 2, results[0]);
    });
  }
}

if (PATHS.length === 2) {
  test('native and dgram paths give identical results for the same input', async (t) => {
    const profile = 'AEAD_AES_128_GCM';
    const keys = randomKeys(profile);
    const forNative = sessions(profile, keys);
    const forDgram = sessions(profile, keys);
    const rn = await receiver({ type: 'udp6', address: '::', path: 'native', maxDatagramSize: 512, batchSize: 8 }, '::1');
    const rd = await receiver({ type: 'udp6', address: '::', path: 'dgram', maxDatagramSize: 512, batchSize: 8 }, '::1');
    const routed = await UdpSocket.bind({ type: 'udp6', address: '::1', onBatch: () => {} });
    const stranger = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch: () => {} });
    t.after(() => {
      for (const s of [rn.socket, rd.socket, routed, stranger]) s.close();
      for (const s of [forNative, forDgram]) {
        s.send.close();
        s.receive.close();
      }
    });
    const from = { address: '::1', port: routed.address().port };
    assert.equal(rn.socket.addRoute(from, forNative.receive), 0);
    assert.equal(rd.socket.addRoute(from, forDgram.receive), 0);
    const media = [
      rtp({ seq: 1, marker: true, payloadLength: 100 }),
      rtp({ seq: 2, extension: { profile: 0x1000, data: Buffer.alloc(4, 9) }, csrcs: [1, 2] }),
      rtcp({ ssrc: 99 }),
    ];
    const protectedFor = (s: SrtpSession): Buffer[] => [s.protectRtp(media[0]!), s.protectRtp(media[1]!), s.protectRtcp(media[2]!)];
    const nativeMedia = protectedFor(forNative.send);
    const dgramMedia = protectedFor(forDgram.send);
    assert.deepEqual(nativeMedia, dgramMedia);
    const tampered = Buffer.from(nativeMedia[0]!);
    tampered[tampered.length - 1]! ^= 1;
    const plain = [Buffer.alloc(0), Buffer.alloc(600, 1), Buffer.alloc(512, 2), Buffer.from([0, 1, 0, 0, 0x21, 0x12]), Buffer.from([0x80])];
    for (const r of [rn, rd]) {
      routed.sendBatch([...nativeMedia, tampered, ...plain], r.endpoint);
      stranger.sendBatch([nativeMedia[0]!, Buffer.from('who')], { address: '127.0.0.1', port: r.endpoint.port });
    }
    await Promise.all([rn.waitFor(9), rd.waitFor(9)]);
    await turns();
    // Batch boundaries may differ between the paths; what arrives may not.
    const view = (r: Receiver): Omit<Got, 'offset'>[] => r.got.map(({ offset: _offset, ...rest }) => rest);
    assert.deepEqual(view(rn), view(rd));
    assert.deepEqual(
      rn.got.map((g) => g.kind),
      ['rtp', 'rtp', 'rtcp', 'routed', 'routed', 'routed', 'routed', 'unregistered', 'unregistered'],
    );
    assert.equal(rn.got[7]!.address, '::ffff:127.0.0.1');
    const pick = (r: Receiver): number[] => {
      const s = r.socket.getStats();
      return [s.datagramsReceived, s.bytesReceived, s.receiveTruncated, s.srtpDropped];
    };
    assert.deepEqual(pick(rn), pick(rd));
    assert.deepEqual(pick(rn), [9, rn.got.reduce((n, g) => n + g.data.length / 2, 0), 1, 1]);
  });
}
