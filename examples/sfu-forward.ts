// SPDX-License-Identifier: MIT
/**
 * A forwarding loop on one shared port: one publisher and several subscribers
 * all reach the "SFU" on a single UdpServer. Each batch of the publisher's RTP
 * arrives unprotected natively (the `mediabatch` view, no copy per packet);
 * the SFU copies the run into a slab once, then for each subscriber copies the
 * slab and protects and sends it in place with one `sendRtpBatchInPlace` (one
 * native call and one `sendmmsg` per subscriber per batch).
 *
 * The peers here are given their addresses directly; with browsers, give each
 * SFU-side transport `iceLite` instead and the server routes their ICE checks
 * by ufrag. Exits 0 when every subscriber received every packet intact.
 */
import { performance } from 'node:perf_hooks';
import { Certificate, DtlsSrtpTransport, UdpServer, type UdpReceiveBatch } from '../lib/index.js';

const SUBSCRIBERS = 4;
const PACKETS = 400;
const PAYLOAD = 1000;
/** Room after each packet for the SRTP tag (16 covers every profile). */
const CAPACITY = 12 + PAYLOAD + 16;

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(12 + PAYLOAD, seq & 0xff);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(seq * 3000, 4);
  p.writeUInt32BE(0x5eed, 8);
  return p;
}

/** A remote peer: a transport on a port of its own, and the SFU-side transport on the shared port. */
async function connect(sfu: UdpServer, sfuCert: Certificate, peerCert: Certificate): Promise<{ peer: DtlsSrtpTransport; edge: DtlsSrtpTransport; own: UdpServer }> {
  const own = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1' });
  const peer = new DtlsSrtpTransport({
    certificate: peerCert,
    role: 'client',
    remoteFingerprints: sfuCert.getFingerprints(),
    server: own,
    remoteAddress: sfu.address(),
  });
  const edge = new DtlsSrtpTransport({
    certificate: sfuCert,
    role: 'server',
    remoteFingerprints: peerCert.getFingerprints(),
    server: sfu,
    remoteAddress: own.address(),
  });
  await Promise.all([peer.start(), edge.start()]);
  return { peer, edge, own };
}

async function main(): Promise<number> {
  const [sfuCert, peerCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const sfu = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1' });
  const publisher = await connect(sfu, sfuCert, peerCert);
  const subscribers = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => connect(sfu, sfuCert, peerCert)));
  console.log(`SFU on 127.0.0.1:${sfu.address().port} (${sfu.path} path): 1 publisher, ${SUBSCRIBERS} subscribers, one port`);

  // The forwarding loop.
  let template = Buffer.alloc(CAPACITY * 32);
  let slab = Buffer.alloc(template.length);
  let layout = new Int32Array(3 * 32);
  let results = new Int32Array(32);
  let forwardedBatches = 0;
  publisher.edge.on('mediabatch', (batch: UdpReceiveBatch, start: number, end: number) => {
    const n = end - start;
    if (template.length < n * CAPACITY) {
      template = Buffer.alloc(n * CAPACITY);
      slab = Buffer.alloc(template.length);
      layout = new Int32Array(3 * n);
      results = new Int32Array(n);
    }
    let count = 0;
    for (let i = start; i < end; i++) {
      if (batch.kind(i) !== 'rtp') continue;
      // Route on what the native path read: here every RTP packet goes to everyone.
      const offset = batch.offset(i);
      const length = batch.length(i);
      batch.buffer.copy(template, count * CAPACITY, offset, offset + length);
      layout[3 * count] = count * CAPACITY;
      layout[3 * count + 1] = length;
      layout[3 * count + 2] = CAPACITY;
      count++;
    }
    if (count === 0) return;
    const view = layout.subarray(0, 3 * count);
    for (const { edge } of subscribers) {
      template.copy(slab, 0, 0, count * CAPACITY);
      edge.sendRtpBatchInPlace(slab, view, results);
    }
    forwardedBatches++;
  });

  const received = subscribers.map(() => new Set<number>());
  let corrupt = 0;
  subscribers.forEach(({ peer }, k) => {
    peer.on('rtp', (packet) => {
      const seq = packet.readUInt16BE(2);
      if (!packet.equals(rtp(seq))) corrupt++;
      received[k]?.add(seq);
    });
  });

  const started = performance.now();
  for (let seq = 0; seq < PACKETS; seq += 20) {
    publisher.peer.sendRtpBatch(Array.from({ length: 20 }, (_, i) => rtp(seq + i)));
    await new Promise((r) => setImmediate(r));
  }
  const deadline = performance.now() + 10_000;
  while (received.some((s) => s.size < PACKETS) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const elapsed = performance.now() - started;

  const ok = received.every((s) => s.size === PACKETS) && corrupt === 0;
  const stats = sfu.getStats();
  console.log(`forwarded ${forwardedBatches} received batches to ${SUBSCRIBERS} subscribers in ${elapsed.toFixed(0)} ms`);
  received.forEach((s, k) => console.log(`  subscriber ${k}: ${s.size}/${PACKETS} packets`));
  console.log(`  SFU socket: ${stats.socket.datagramsReceived} datagrams in, ${stats.socket.datagramsSent} out; dropped: unknown source ${stats.unknownSource}, SRTP ${stats.socket.srtpDropped}`);
  console.log(ok ? 'OK: every subscriber received every packet intact' : `FAILED (${corrupt} corrupt)`);
  publisher.peer.close();
  publisher.own.close();
  for (const s of subscribers) {
    s.peer.close();
    s.own.close();
  }
  sfu.close();
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
