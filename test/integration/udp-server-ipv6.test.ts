// SPDX-License-Identifier: MIT
/**
 * DtlsSrtpTransport on a shared UdpServer port over IPv6, end to end, on
 * both socket paths: a server on '::1' with two peers behind that one
 * address (different ports), routed by ICE ufrag then by source, media both
 * ways; a spoofed source (the peers' address with another port) and forged
 * SRTP from a peer's own address dropped and counted. And a dual-stack
 * server on '::' serving an IPv4 peer (its address seen IPv4-mapped). No
 * timing: waits are for counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, UdpServer } from '../../lib/index.js';
import { cert, keepAlive } from './pair.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { check, PWD, sendFrom, sharedPortPeer, udp, until, type SharedPortPeer } from '../fixtures/shared-port.js';

const PATHS = process.platform === 'linux' ? (['native', 'dgram'] as const) : (['dgram'] as const);

/** A nominating check from the peer `remoteUfrag` to the transport `localUfrag`. */
function nominate(localUfrag: string, remoteUfrag: string): Buffer {
  return check(localUfrag, remoteUfrag, { useCandidate: true });
}

type Peer = SharedPortPeer;

for (const path of PATHS) {
  test(`IPv6 shared port (${path}): two peers behind '::1' on different ports, media both ways; a spoofed source and forged SRTP dropped and counted`, async (t) => {
    const release = keepAlive();
    t.after(release);
    const shared = await UdpServer.bind({ type: 'udp6', address: '::1', path });
    t.after(() => shared.close());
    assert.equal(shared.address().family, 'IPv6');
    const port = { address: '::1', port: shared.address().port };
    const peers: Peer[] = [];
    for (let k = 0; k < 2; k++) peers.push(await sharedPortPeer(t, shared, port, k, 'udp6', '::1'));
    for (const [k, p] of peers.entries()) await sendFrom(p.socket, nominate(p.ufrag, `cli${k}`), port);
    const own = (p: Peer): { address: string; port: number; family: 'IPv6' } => ({ address: '::1', port: p.socket.address().port, family: 'IPv6' });
    await until(() => peers.every((p) => p.server.remoteAddress !== undefined), 'both paths selected');
    for (const p of peers) assert.deepEqual(p.server.remoteAddress, own(p));
    await Promise.all(peers.flatMap((p) => [p.server.start(), p.client.start()]));

    for (const [k, p] of peers.entries()) p.client.sendRtpBatch([rtp({ ssrc: 2000 + k, seq: 1 }), rtp({ ssrc: 2000 + k, seq: 2 })]);
    await until(() => peers.every((p) => p.received.length === 2), 'media at both transports');
    peers.forEach((p, k) => assert.deepEqual(p.received, [2000 + k, 2000 + k], `peer ${k} got its own media only`));
    const back: number[][] = peers.map(() => []);
    peers.forEach((p, k) => p.client.on('rtp', (packet) => back[k]?.push(packet.readUInt16BE(2))));
    for (const p of peers) p.server.sendRtp(rtp({ seq: 7 }));
    await until(() => back.every((b) => b.length === 1), 'media from the shared port');

    // The peers' own address with another port: its RTP and DTLS are dropped as an unknown source.
    const spoof = await udp('udp6', '::1');
    t.after(() => spoof.close());
    const unknownBefore = shared.getStats().unknownSource;
    await sendFrom(spoof, rtp({ ssrc: 2000 }), port);
    await sendFrom(spoof, Buffer.from([22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), port);
    // SRTP that does not authenticate, from peer 0's own address and port.
    await sendFrom((peers[0] as Peer).socket, Buffer.concat([rtp({ ssrc: 2000, seq: 9 }), Buffer.alloc(16)]), port);
    await until(() => shared.getStats().unknownSource === unknownBefore + 2 && shared.getStats().socket.srtpDropped === 1, 'spoofs counted');
    for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual((peers[0] as Peer).received, [2000, 2000]);
    assert.deepEqual((peers[1] as Peer).received, [2001, 2001]);
    for (const p of peers) p.client.close();
  });

  test(`dual-stack shared port (${path}): a server on '::' serves an IPv4 peer, seen IPv4-mapped`, async (t) => {
    const release = keepAlive();
    t.after(release);
    const [serverCert, clientCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
    const shared = await UdpServer.bind({ type: 'udp6', address: '::', path });
    t.after(() => shared.close());
    const socket = await udp('udp4', '127.0.0.1');
    t.after(() => socket.close());
    const port = { address: '127.0.0.1', port: shared.address().port };
    const server = new DtlsSrtpTransport({
      certificate: serverCert,
      role: 'server',
      remoteFingerprints: clientCert.getFingerprints(),
      server: shared,
      iceLite: { ufrag: 'dualx', pwd: PWD, remoteUfrag: 'v4peer' },
    });
    const client = new DtlsSrtpTransport({
      certificate: clientCert,
      role: 'client',
      remoteFingerprints: serverCert.getFingerprints(),
      socket,
      remoteAddress: port,
      onStun: () => undefined,
    });
    t.after(() => client.close());
    const received: number[] = [];
    server.on('rtp', (p) => received.push(p.readUInt16BE(2)));
    await sendFrom(socket, nominate('dualx', 'v4peer'), port);
    await until(() => server.remoteAddress !== undefined, 'path selected');
    assert.deepEqual(server.remoteAddress, { address: '::ffff:127.0.0.1', port: socket.address().port, family: 'IPv6' });
    await Promise.all([server.start(), client.start()]);
    client.sendRtpBatch([rtp({ seq: 1 }), rtp({ seq: 2 })]);
    await until(() => received.length === 2, 'media from the IPv4 peer');
    const back: number[] = [];
    client.on('rtp', (packet) => back.push(packet.readUInt16BE(2)));
    server.sendRtp(rtp({ seq: 5 }));
    await until(() => back.length === 1, 'media to the IPv4 peer');
    assert.deepEqual(back, [5]);
    // Another IPv4 source is an unknown source on the dual-stack port too.
    const stranger = await udp('udp4', '127.0.0.1');
    t.after(() => stranger.close());
    const before = shared.getStats().unknownSource;
    await sendFrom(stranger, rtp({ seq: 3 }), port);
    await until(() => shared.getStats().unknownSource === before + 1, 'IPv4 stranger counted');
    assert.deepEqual(received, [1, 2]);
  });
}
