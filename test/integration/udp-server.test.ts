// SPDX-License-Identifier: MIT
/**
 * DtlsSrtpTransport on a UdpServer (the native UDP socket): one peer per port
 * with media both ways in the four SRTP profiles, unprotected natively and
 * delivered per packet and per batch; many peers on one shared port routed by
 * ICE ufrag before selection and by source after; unknown, spoofed and
 * wrong-ufrag datagrams dropped and counted; closing one transport, then the
 * server with traffic in flight. No timing: waits are for counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import {
  DtlsSrtpTransport,
  UdpServer,
  type TransportAddress,
} from '../../lib/index.js';
import { cert, keepAlive } from './pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';
import { PROFILES, rtcp, rtp } from '../fixtures/srtp-helpers.js';
import { check, PWD, sendFrom, sharedPortPeer, udp, until, type SharedPortPeer } from '../fixtures/shared-port.js';

const LOCALHOST = '127.0.0.1';

/** A few event-loop turns with I/O, for "nothing more arrives" checks after a counter moved. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 1));
}

function here(socket: dgram.Socket): TransportAddress {
  return { address: LOCALHOST, port: socket.address().port };
}

/** Copies `packets` into one slab with `spare` bytes after each; returns it and its layout. */
function slab(packets: readonly Buffer[], spare: number): { buffer: Buffer; layout: Int32Array } {
  const capacity = Math.max(...packets.map((p) => p.length)) + spare;
  const buffer = Buffer.alloc(capacity * packets.length);
  const layout = new Int32Array(3 * packets.length);
  packets.forEach((p, i) => {
    p.copy(buffer, i * capacity);
    layout.set([i * capacity, p.length, capacity], 3 * i);
  });
  return { buffer, layout };
}

for (const profile of PROFILES) {
  test(`per-peer native path (${profile}): media both ways, unprotected natively, per packet and per batch; route removed on close`, async (t) => {
    const release = keepAlive();
    t.after(release);
    const { a, b, serverA, serverB, close } = await pairSecure({ path: 'server', profiles: [profile], connect: true });
    t.after(close);
    assert.equal(a.srtpProfile, profile);
    assert.equal(serverA.getStats().transports, 1);

    const atA: Buffer[] = [];
    const atB: Buffer[] = [];
    const rtcpAtB: Buffer[] = [];
    const batchesAtB: { ssrc: number; seq: number; pt: number; marker: boolean; kind: string; payload: Buffer }[] = [];
    a.on('rtp', (p) => atA.push(p));
    b.on('rtp', (p) => atB.push(p));
    b.on('rtcp', (p) => rtcpAtB.push(p));
    b.on('mediabatch', (batch, start, end) => {
      for (let i = start; i < end; i++) {
        const at = batch.offset(i) + batch.payloadOffset(i);
        batchesAtB.push({
          ssrc: batch.ssrc(i),
          seq: batch.sequenceNumber(i),
          pt: batch.payloadType(i),
          marker: batch.marker(i),
          kind: batch.kind(i),
          payload: Buffer.from(batch.buffer.subarray(at, at + batch.payloadLength(i))),
        });
      }
    });

    // A → B: one at a time, as a batch (copying), and in place (one sendmmsg); RTCP too.
    const sent = Array.from({ length: 12 }, (_, i) => rtp({ seq: 100 + i, ssrc: 0x1111, marker: i === 3, payloadType: 111, payloadLength: 100 + i }));
    a.sendRtp(sent[0] as Buffer);
    assert.equal(a.sendRtpBatch(sent.slice(1, 4)).filter((r) => r.ok).length, 3);
    const { buffer, layout } = slab(sent.slice(4), 16);
    const results = new Int32Array(8);
    assert.equal(a.sendRtpBatchInPlace(buffer, layout, results), 8);
    const report = rtcp({ ssrc: 0x1111 });
    const r = slab([report], 20);
    assert.equal(a.sendRtcpBatchInPlace(r.buffer, r.layout, new Int32Array(1)), 1);
    await until(() => atB.length === 12 && rtcpAtB.length === 1, 'media at B');
    assert.deepEqual(
      atB.map((p) => p.toString('hex')).sort(),
      sent.map((p) => p.toString('hex')).sort(),
    );
    assert.deepEqual(rtcpAtB[0], report);
    // The batch view carries the routing fields, read natively.
    const rtpRows = batchesAtB.filter((row) => row.kind === 'rtp').sort((x, y) => x.seq - y.seq);
    assert.equal(rtpRows.length, 12);
    rtpRows.forEach((row, i) => {
      assert.equal(row.ssrc, 0x1111);
      assert.equal(row.seq, 100 + i);
      assert.equal(row.pt, 111);
      assert.equal(row.marker, i === 3);
      assert.deepEqual(row.payload, (sent[i] as Buffer).subarray(12));
    });
    assert.equal(batchesAtB.filter((row) => row.kind === 'rtcp').length, 1);
    const sb = b.getStats();
    assert.equal(sb.rtpPacketsReceived, 12);
    assert.equal(sb.rtcpPacketsReceived, 1);
    assert.equal(a.getStats().rtpPacketsSent, 12);

    // B → A.
    b.sendRtpBatch([rtp({ seq: 7, ssrc: 0x2222 }), rtp({ seq: 8, ssrc: 0x2222 })]);
    await until(() => atA.length === 2, 'media at A');
    assert.deepEqual(atA.map((p) => p.readUInt16BE(2)).sort(), [7, 8]);

    // Closing B removes its route: A's media is now from an unknown source.
    b.close();
    assert.equal(serverB.getStats().transports, 0);
    const before = serverB.getStats().unknownSource;
    a.sendRtp(rtp({ seq: 500, ssrc: 0x1111 }));
    // (A may also answer B's close_notify: counted the same way.)
    await until(() => serverB.getStats().unknownSource >= before + 1, 'dropped after close');
    assert.equal(atB.length, 12);
  });
}

type Peer = SharedPortPeer;

for (const path of ['native', 'dgram'] as const) {
  test(`shared port (${path}): 20 peers (one IP, different ports) routed by ufrag then by source; strangers, spoofs and wrong ufrags dropped and counted; one closes, then the server closes with traffic in flight`, { skip: path === 'native' && process.platform !== 'linux' ? 'no native UDP here' : false }, async (t) => {
    const release = keepAlive();
    t.after(release);
    const serverCert = await cert('ecdsa-p256', 0);
    const shared = await UdpServer.bind({ type: 'udp4', address: LOCALHOST, path });
    assert.equal(shared.path, path);
    t.after(() => shared.close());
    const port = shared.address();
    const peers: Peer[] = [];
    for (let k = 0; k < 20; k++) peers.push(await sharedPortPeer(t, shared, port, k));
    assert.equal(shared.getStats().transports, 20);
    const cantDuplicate = (): DtlsSrtpTransport =>
      new DtlsSrtpTransport({ certificate: serverCert, role: 'server', server: shared, iceLite: { ufrag: 'srv0x', pwd: PWD } });
    assert.throws(cantDuplicate, { code: 'ERR_INVALID_ARG_VALUE' });
    // An IPv6 peer on a udp4 port is refused, and the refused transport holds no registration.
    const wrongFamily = (): DtlsSrtpTransport =>
      new DtlsSrtpTransport({ certificate: serverCert, role: 'server', server: shared, remoteAddress: { address: '::1', port: 9 }, iceLite: { ufrag: 'v6peer' } });
    assert.throws(wrongFamily, { code: 'ERR_INVALID_ARG_VALUE' });
    assert.equal(shared.getStats().transports, 20);

    // Before any check: a stranger's DTLS and RTP are dropped at the server, STUN with a wrong ufrag too.
    const stranger = await udp();
    t.after(() => stranger.close());
    await sendFrom(stranger, Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), port);
    await sendFrom(stranger, rtp({ ssrc: 0x99 }), port);
    await sendFrom(stranger, check('nobody', 'cli0'), port);
    await sendFrom(stranger, Buffer.from('not stun, not anything'), port);
    await until(() => shared.getStats().unknownSource === 3 && shared.getStats().unknownUfrag === 1, 'stranger counted');
    for (const p of peers) assert.equal(p.server.getStats().packetsReceived, 0, 'no transport saw the stranger');

    // Checks: even peers nominate; odd peers only pass a check, and their ClientHello selects the path.
    for (const [k, p] of peers.entries()) {
      await sendFrom(p.socket, check(p.ufrag, `cli${k}`, { useCandidate: k % 2 === 0 }), port);
    }
    await until(() => peers.every((p) => p.server.iceLite?.isValidatedAddress({ ...here(p.socket), family: 'IPv4' }) === true), 'all checks answered');
    for (const [k, p] of peers.entries()) {
      assert.equal(p.server.getStats().ice?.successResponses, 1, `peer ${k}: its check reached its own transport only`);
      if (k % 2 === 0) assert.deepEqual(p.server.remoteAddress, { ...here(p.socket), family: 'IPv4' });
      else assert.equal(p.server.remoteAddress, undefined);
    }
    await Promise.all(peers.flatMap((p) => [p.server.start(), p.client.start()]));
    for (const p of peers) assert.deepEqual(p.server.remoteAddress, { ...here(p.socket), family: 'IPv4' });

    // Media from every peer reaches its own transport only (unprotected natively).
    for (const [k, p] of peers.entries()) p.client.sendRtpBatch([rtp({ ssrc: 1000 + k, seq: 1 }), rtp({ ssrc: 1000 + k, seq: 2 })]);
    await until(() => peers.every((p) => p.received.length === 2), 'media at every transport');
    peers.forEach((p, k) => assert.deepEqual(p.received, [1000 + k, 1000 + k]));
    // And back, from the shared port.
    const back: number[][] = peers.map(() => []);
    peers.forEach((p, k) => p.client.on('rtp', (packet) => back[k]?.push(packet.readUInt16BE(2))));
    for (const p of peers) p.server.sendRtp(rtp({ seq: 42 }));
    await until(() => back.every((b) => b.length === 1), 'media from the shared port');

    // A spoofed source for a selected path: peer 0's IP with another port, and
    // SRTP that does not authenticate from peer 0's own address.
    const unknownBefore = shared.getStats().unknownSource;
    await sendFrom(stranger, rtp({ ssrc: 1000 }), port);
    await sendFrom(stranger, Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), port);
    const forged = rtp({ ssrc: 1000, seq: 9 });
    await sendFrom((peers[0] as Peer).socket, Buffer.concat([forged, Buffer.alloc(16)]), port);
    await until(() => shared.getStats().unknownSource === unknownBefore + 2 && shared.getStats().socket.srtpDropped === 1, 'spoofs counted');
    await settle();
    assert.deepEqual((peers[0] as Peer).received, [1000, 1000]);

    // STUN with the right ufrag from an unknown source reaches that transport (a wrong password: rejected there).
    const rejectedBefore = (peers[5] as Peer).server.getStats().droppedDatagrams['stun-rejected'];
    await sendFrom(stranger, check('srv5x', 'cli5', { pwd: 'aWrongPasswordOf22Chars' }), port);
    await until(() => (peers[5] as Peer).server.getStats().droppedDatagrams['stun-rejected'] === rejectedBefore + 1, 'wrong password at peer 5');
    await sendFrom(stranger, check('srv6x', 'cli6'), port);
    await until(() => (peers[6] as Peer).server.getStats().ice?.successResponses === 2, 'stranger check answered by peer 6');
    assert.deepEqual((peers[6] as Peer).server.remoteAddress, { ...here((peers[6] as Peer).socket), family: 'IPv4' }, 'an unnominated check moves nothing');
    const ufragBefore = shared.getStats().unknownUfrag;
    await sendFrom(stranger, check('srv7', 'cli7'), port);
    await until(() => shared.getStats().unknownUfrag === ufragBefore + 1, 'wrong ufrag counted');

    // Closing one transport leaves the others working.
    const gone = peers[3] as Peer;
    gone.server.close();
    assert.equal(shared.getStats().transports, 19);
    const beforeClose = shared.getStats().unknownSource;
    for (const [k, p] of peers.entries()) p.client.sendRtp(rtp({ ssrc: 1000 + k, seq: 3 }));
    await until(() => peers.every((p, k) => k === 3 || p.received.length === 3), 'media after one closed');
    await until(() => shared.getStats().unknownSource >= beforeClose + 1, 'closed peer media dropped');
    assert.equal(gone.received.length, 2);

    // Closing the server with traffic in flight: its transports close, nothing throws, nothing more arrives.
    for (const [k, p] of peers.entries()) if (k !== 3) p.client.sendRtpBatch(Array.from({ length: 20 }, (_, i) => rtp({ ssrc: 1000 + k, seq: 10 + i })));
    await new Promise((r) => setImmediate(r));
    const counts = peers.map((p) => p.received.length);
    shared.close();
    assert.equal(shared.closed, true);
    for (const p of peers) assert.equal(p.server.state, 'closed');
    assert.equal(shared.getStats().transports, 0);
    for (const [k, p] of peers.entries()) if (k !== 3) p.client.sendRtp(rtp({ ssrc: 1000 + k, seq: 99 }));
    await settle();
    assert.deepEqual(
      peers.map((p) => p.received.length),
      counts,
    );
    assert.throws(() => shared.address(), { code: 'ERR_INVALID_STATE' });
    for (const p of peers) p.client.close();
  });
}

test('mediaOnly on the native server path: media unprotected natively is the proof that frees DTLS, and media keeps flowing', async (t) => {
  const release = keepAlive();
  t.after(release);
  const { a, b, close } = await pairSecure({ path: 'server', b: { mediaOnly: true }, connect: true });
  t.after(close);
  const holdsDtls = (x: DtlsSrtpTransport): boolean => {
    try {
      x.sendData(Buffer.from('probe'));
      return true;
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'ERR_DTLS_RELEASED');
      return false;
    }
  };
  assert.ok(holdsDtls(b), 'DTLS is kept until the peer proves it holds the keys');
  let batches = 0;
  b.on('mediabatch', () => batches++);
  a.sendRtp(rtp({ seq: 1, ssrc: 0x2222 }));
  await until(() => batches > 0, 'media at B');
  assert.equal(holdsDtls(b), false, 'the natively authenticated packet released DTLS');
  assert.ok(holdsDtls(a), 'the peer without mediaOnly keeps its DTLS');
  const atA: Buffer[] = [];
  a.on('rtp', (p) => atA.push(p));
  b.sendRtp(rtp({ seq: 9, ssrc: 0x3333 }));
  await until(() => atA.length === 1, 'media at A after the release');
  a.close();
  b.close();
});
