// SPDX-License-Identifier: MIT
/**
 * One port on several cores: WORKERS worker_threads each bind their own
 * UdpServer to the same port with `reusePort` (SO_REUSEPORT). The kernel
 * hashes each peer's 4-tuple to one of the sockets, so a peer's ICE check,
 * DTLS handshake and media all reach the same worker. Every worker registers
 * an ICE-lite transport for every peer's ufrag; only the one the kernel picks
 * ever hears from that peer. Each worker echoes the RTP it receives.
 *
 * The main thread plays the remote peers (each on a port of its own).
 * Linux only (the native path). Exits 0 when every peer was served by exactly
 * one worker and got its media echoed.
 */
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Certificate, DtlsSrtpTransport, UdpServer } from '../lib/index.js';
import { serializeStunMessage } from '../lib/entry/stun.js';

const WORKERS = 2;
const PEERS = 8;
const PWD = 'sfuWorkersPassword0022';

interface Setup {
  readonly index: number;
  readonly port: number;
  readonly cert: { cert: string; key: string };
  readonly peerFingerprints: ReturnType<Certificate['getFingerprints']>;
}

/** Worker side: one UdpServer on the shared port, one transport per possible peer. */
async function worker(setup: Setup): Promise<void> {
  const certificate = Certificate.fromPem(setup.cert.cert, setup.cert.key);
  const server = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1', port: setup.port, reusePort: true });
  for (let k = 0; k < PEERS; k++) {
    const edge = new DtlsSrtpTransport({
      certificate,
      role: 'server',
      remoteFingerprints: setup.peerFingerprints,
      server,
      iceLite: { ufrag: `sfu${k}`, pwd: PWD, remoteUfrag: `peer${k}` },
    });
    edge.on('rtp', (packet) => edge.sendRtp(packet));
    // Only the transport whose peer the kernel sends here ever connects.
    edge.start().then(
      () => parentPort?.postMessage({ connected: k, worker: setup.index }),
      () => undefined,
    );
  }
  parentPort?.postMessage({ port: server.address().port });
}

function rtp(ssrc: number, seq: number): Buffer {
  const p = Buffer.alloc(12 + 160, seq & 0xff);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(ssrc, 8);
  return p;
}

function check(k: number): Buffer {
  return serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: randomBytes(12),
      attributes: [
        { type: 'username', value: `sfu${k}:peer${k}` },
        { type: 'ice-controlling', value: 1n },
        { type: 'priority', value: 1853824767 },
        { type: 'use-candidate' },
      ],
    },
    { integrityKey: PWD },
  );
}

async function main(): Promise<number> {
  const [sfuCert, peerCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const servedBy = new Map<number, number[]>();
  const workers: Worker[] = [];
  let port = 0;
  for (let index = 0; index < WORKERS; index++) {
    const setup: Setup = { index, port, cert: sfuCert.toPem(), peerFingerprints: peerCert.getFingerprints() };
    const w = new Worker(__filename, { workerData: setup });
    w.on('message', (m: { connected?: number; worker?: number }) => {
      if (m.connected !== undefined) servedBy.set(m.connected, [...(servedBy.get(m.connected) ?? []), m.worker ?? -1]);
    });
    // The first worker picks the port; the others bind the same one.
    port = await new Promise<number>((resolve, reject) => {
      w.once('error', reject);
      w.on('message', (m: { port?: number }) => {
        if (m.port !== undefined) resolve(m.port);
      });
    });
    workers.push(w);
  }
  console.log(`${WORKERS} workers share 127.0.0.1:${port} (SO_REUSEPORT)`);

  const remote = { address: '127.0.0.1', port };
  const echoed = new Array<number>(PEERS).fill(0);
  const peers = await Promise.all(
    Array.from({ length: PEERS }, async (_, k) => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const transport = new DtlsSrtpTransport({
        certificate: peerCert,
        role: 'client',
        remoteFingerprints: sfuCert.getFingerprints(),
        socket,
        remoteAddress: remote,
        onStun: () => answered(),
      });
      transport.on('rtp', () => (echoed[k] = (echoed[k] ?? 0) + 1));
      // A nominating ICE check first (the browser's part), then DTLS from the same port.
      socket.send(check(k), port, '127.0.0.1');
      await answer;
      await transport.start();
      transport.sendRtpBatch(Array.from({ length: 10 }, (_, seq) => rtp(k + 1, seq)));
      return { socket, transport };
    }),
  );
  for (let i = 0; i < 2000 && (echoed.some((n) => n < 10) || servedBy.size < PEERS); i++) await new Promise((r) => setTimeout(r, 5));

  const counts = new Array<number>(WORKERS).fill(0);
  let ok = true;
  for (let k = 0; k < PEERS; k++) {
    const by = servedBy.get(k) ?? [];
    if (by.length !== 1 || (echoed[k] ?? 0) < 10) ok = false;
    for (const w of by) counts[w] = (counts[w] ?? 0) + 1;
    console.log(`  peer ${k}: served by worker ${by.join(', ') || 'none'}, ${echoed[k]} packets echoed`);
  }
  console.log(`peers per worker: ${counts.join(' + ')} = ${counts.reduce((a, b) => a + b, 0)}`);
  console.log(ok ? 'OK: every peer was served by exactly one worker' : 'FAILED');
  for (const p of peers) {
    p.transport.close();
    p.socket.close();
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return ok ? 0 : 1;
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
} else {
  worker(workerData as Setup).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
