// SPDX-License-Identifier: MIT
// werift as the restarting peer: a second, independent DTLS implementation
// (werift-dtls) with werift-rtp for its SRTP. Mid-call the werift side
// starts over with a new certificate and a new DTLS endpoint (what a peer
// that restarts DTLS does); we call restartDtls() with its new fingerprint.
// Its media every 2 ms, switched to the new keys the moment its new
// association connects (as a DTLS server, before ours), arrives complete:
// no packet lost, no authentication failure; ours reaches it under the new
// keys after the switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacket, SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { Certificate, DtlsSrtpTransport } from '../../lib/index.js';
import { until } from '../fixtures/restart-media.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { werift, weriftDtls, type WeriftSocket } from '../fixtures/werift.js';
const US = { address: '192.0.2.1', port: 1 };
const THEM = { address: '192.0.2.2', port: 2 };
const GCM = 7;

interface WeriftPeer {
  socket: WeriftSocket;
  certificate: Certificate;
  deliver(datagram: Buffer): void;
}

function weriftPeer(certificate: Certificate, role: 'client' | 'server', toUs: (d: Buffer) => void): WeriftPeer {
  return { ...weriftDtls(certificate, role, GCM, toUs, US), certificate };
}

function weriftSrtp(socket: WeriftSocket): WeriftSrtpSession {
  const keys = socket.extractSessionKeys(16, 12);
  return new WeriftSrtpSession({
    keys: { localMasterKey: keys.localKey, localMasterSalt: keys.localSalt, remoteMasterKey: keys.remoteKey, remoteMasterSalt: keys.remoteSalt },
    profile: GCM,
  });
}

for (const theirRole of ['server', 'client'] as const) {
  test(`werift restarts DTLS with a new certificate as the DTLS ${theirRole}: its media arrives complete`, async () => {
    const [ours, first, second] = await Promise.all([Certificate.generate(), Certificate.generate(), Certificate.generate()]);
    let peer!: WeriftPeer;
    // Their SRTP: the session they send with, and the ones they can decrypt ours with (newest first).
    let theirSend: WeriftSrtpSession | undefined;
    const theirReceive: WeriftSrtpSession[] = [];
    let ourMediaAtThem = 0;
    let ourMediaAfterSwitch = 0;
    let switched = false;
    const transport: DtlsSrtpTransport = new DtlsSrtpTransport({
      certificate: ours,
      role: theirRole === 'server' ? 'client' : 'server',
      remoteFingerprints: first.getFingerprints(['sha-256']),
      srtpProfiles: ['AEAD_AES_128_GCM'],
      remoteAddress: THEM,
      path: {
        send(datagram) {
          const copy = Buffer.from(datagram);
          setImmediate(() => {
            if (copy[0] !== undefined && copy[0] >= 128) {
              for (const s of theirReceive) {
                try {
                  s.decrypt(copy);
                  ourMediaAtThem++;
                  if (switched && s === theirReceive[0]) ourMediaAfterSwitch++;
                  return;
                } catch {
                  // not this key set
                }
              }
            } else peer.deliver(copy);
          });
        },
      },
    });
    const toUs = (d: Buffer): void => {
      setImmediate(() => {
        if (!transport.closed) transport.receive(d, THEM);
      });
    };
    const connect = async (p: WeriftPeer, ready: Promise<unknown>): Promise<void> => {
      if (p.socket instanceof werift.DtlsClient) void p.socket.connect();
      await ready;
      await until(() => p.socket.connected, 'werift connected');
    };
    peer = weriftPeer(first, theirRole, toUs);
    await connect(peer, transport.start());
    theirSend = weriftSrtp(peer.socket);
    theirReceive.unshift(weriftSrtp(peer.socket));

    const received = new Set<number>();
    transport.on('rtp', (packet) => received.add(packet.readUInt16BE(2)));
    let sent = 0;
    let ourSeq = 0;
    const timer = setInterval(() => {
      const header = RtpPacket.deSerialize(rtp({ seq: ++sent, ssrc: 0x77, payloadLength: 100 }));
      toUs(theirSend?.encrypt(header.payload, header.header) as Buffer);
      if (transport.state === 'connected') transport.sendRtp(rtp({ seq: ++ourSeq, ssrc: 0x55, payloadLength: 100 }));
    }, 2);
    timer.unref();
    await until(() => received.size > 20 && ourMediaAtThem > 20, 'media before the restart');

    // The werift side starts over: a new endpoint, a new certificate. Its
    // new description reaches us; we restart with its fingerprint.
    const old = peer.socket;
    peer = weriftPeer(second, theirRole, toUs);
    const restarted = transport.restartDtls({
      dtlsParameters: { role: theirRole, fingerprints: second.getFingerprints(['sha-256']) },
      tlsId: 'weriftRestartedWithNewTlsId',
    });
    await connect(peer, Promise.resolve());
    // The moment werift is connected it sends under the new keys (as a server: before we are).
    theirSend = weriftSrtp(peer.socket);
    theirReceive.unshift(weriftSrtp(peer.socket));
    switched = true;
    assert.equal(await restarted, true);
    await until(() => transport.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
    const mark = sent;
    await until(() => received.size > mark + 20 && ourMediaAfterSwitch > 20, 'media after the restart');
    clearInterval(timer);
    await until(() => received.size >= sent, 'every packet werift sent', 400).catch(() => undefined);
    const missing: number[] = [];
    for (let s = 1; s <= sent; s++) if (!received.has(s)) missing.push(s);
    assert.deepEqual(missing, []);
    const stats = transport.getStats();
    for (const [code, n] of Object.entries(stats.srtpFailures)) assert.equal(n, 0, code);
    assert.deepEqual(stats.remoteCertificateFingerprint, second.getFingerprints(['sha-256'])[0]);
    assert.equal(stats.restart.completed, 1);
    assert.equal(stats.restart.heldDropped, 0);
    transport.close();
    old.close();
    peer.socket.close();
  });
}
