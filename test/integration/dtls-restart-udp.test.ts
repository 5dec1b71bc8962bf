// SPDX-License-Identifier: MIT
// DTLS restart on real UDP while media flows both ways every few ms: on the
// native shared-port path (UdpServer, media unprotected natively before and
// after the restart window), on a UdpServer's node:dgram fallback, and on a
// plain node:dgram socket. Zero lost packets (sequence numbers counted), zero
// authentication failures in TypeScript and natively, in both roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { Certificate, DtlsSrtpTransport, UdpServer } from '../../lib/index.js';
import { flowMedia, renegotiate, until } from '../fixtures/restart-media.js';
import { rtp } from '../fixtures/srtp-helpers.js';

const LOCALHOST = '127.0.0.1';
const certs = Promise.all([Certificate.generate(), Certificate.generate()]);

interface Ends {
  a: DtlsSrtpTransport;
  b: DtlsSrtpTransport;
  /** Natively dropped SRTP on the servers (0 for plain sockets). */
  nativeDrops(): number;
  close(): void;
}

async function onServers(path: 'native' | 'dgram'): Promise<Ends> {
  const [ca, cb] = await certs;
  const [sa, sb] = await Promise.all([
    UdpServer.bind({ type: 'udp4', address: LOCALHOST, path }),
    UdpServer.bind({ type: 'udp4', address: LOCALHOST, path }),
  ]);
  assert.equal(sa.path, path);
  const a = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), server: sa, remoteAddress: sb.address()
  });
  const b = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), server: sb, remoteAddress: sa.address()
  });
  await Promise.all([a.start(), b.start()]);
  return {
    a,
    b,
    nativeDrops: () => sa.getStats().socket.srtpDropped + sb.getStats().socket.srtpDropped,
    close() {
      a.close();
      b.close();
      sa.close();
      sb.close();
    },
  };
}

async function onSockets(): Promise<Ends> {
  const [ca, cb] = await certs;
  const [sa, sb] = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
  sa.bind(0, LOCALHOST);
  sb.bind(0, LOCALHOST);
  await Promise.all([once(sa, 'listening'), once(sb, 'listening')]);
  const a = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), socket: sa,
    remoteAddress: { address: LOCALHOST, port: sb.address().port }
  });
  const b = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), socket: sb,
    remoteAddress: { address: LOCALHOST, port: sa.address().port }
  });
  await Promise.all([a.start(), b.start()]);
  return {
    a,
    b,
    nativeDrops: () => 0,
    close() {
      a.close();
      b.close();
      sa.close();
      sb.close();
    },
  };
}

const paths = [
  ['native UdpServer (shared-port fast path)', () => onServers('native')],
  ['UdpServer on node:dgram', () => onServers('dgram')],
  ['node:dgram socket', onSockets],
] as const;

for (const [label, open] of paths) {
  for (const offererRole of ['client', 'server'] as const) {
    test(`${label}: restart (offerer becomes ${offererRole}) with media every 2 ms both ways loses nothing`, async (t) => {
      const ends = await open();
      t.after(() => {
        ends.close();
      });
      const { a, b } = ends;
      const batches = { a: 0, b: 0 };
      a.on('mediabatch', () => batches.a++);
      b.on('mediabatch', () => batches.b++);
      const flow = flowMedia(t, a, b);
      await until(() => flow.received.a.size > 30 && flow.received.b.size > 30, 'media before the restart');
      const [ra, rb] = await renegotiate(a, b, offererRole);
      assert.deepEqual([ra, rb], [true, true]);
      await until(() => a.getStats().restart.previousKeysRetired === 1 && b.getStats().restart.previousKeysRetired === 1, 'previous keys retired');
      const mark = { a: flow.sent.a, b: flow.sent.b, batches: { ...batches } };
      await until(() => flow.received.b.size > mark.a + 30 && flow.received.a.size > mark.b + 30, 'media after the restart');
      await flow.finish();
      for (const end of [a, b]) {
        const s = end.getStats();
        for (const [code, n] of Object.entries(s.srtpFailures)) assert.equal(n, 0, code);
        assert.equal(s.restart.completed, 1);
        assert.equal(s.restart.heldDropped, 0);
        assert.equal(end.state, 'connected');
      }
      assert.equal(ends.nativeDrops(), 0, 'no SRTP failed natively');
      if (label.startsWith('native')) {
        // After the window the new session unprotects natively again.
        assert.ok(batches.a > mark.batches.a && batches.b > mark.batches.b, 'mediabatch after the restart');
      }
    });
  }
}

test('native UdpServer: a received batch whose first packet ends the window delivers the rest of the batch too', async (t) => {
  const ends = await onServers('native');
  t.after(() => {
    ends.close();
  });
  const { a, b } = ends;
  const seen = new Set<number>();
  a.on('rtp', (packet) => seen.add(packet.readUInt16BE(2)));
  // No media during the restart: a's window stays open until b's first new-key packet.
  await renegotiate(a, b, 'client');
  assert.equal(a.getStats().restart.previousKeysRetired, 0);
  // b's burst leaves in one sendmmsg and reaches a in one received batch:
  // its first packet proves the new keys (the window closes), the rest must still arrive.
  const burst = Array.from({ length: 8 }, (_, i) => rtp({ ssrc: 0x0b0b0b0b, seq: i + 1, payloadLength: 120 }));
  const results = b.sendRtpBatch(burst);
  assert.ok(results.every((r) => r.ok));
  await until(() => seen.size === 8, 'the whole burst', 400).catch(() => undefined);
  assert.deepEqual([...seen].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(a.getStats().restart.previousKeysRetired, 1);
  assert.equal(ends.nativeDrops(), 0);
});
