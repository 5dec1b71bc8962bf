// SPDX-License-Identifier: MIT
// Two worker_threads, each with its own UdpServer bound to one port with
// reusePort (SO_REUSEPORT), serve 16 peers (one IP, 16 source ports). Every
// worker registers an ICE-lite transport for every peer's ufrag; the kernel
// sends each peer's 4-tuple to one socket, so each peer's ICE check, DTLS
// handshake and SRTP reach one worker only: each peer completes DTLS-SRTP in
// exactly one worker and its media is echoed from there. Then one worker is
// terminated while every peer keeps sending: the process survives and the
// other worker keeps echoing for its own peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Certificate, DtlsSrtpTransport } from '../../lib/index.js';
import { serializeStunMessage } from '../../lib/entry/stun.js';
import { rtp } from '../fixtures/srtp-helpers.js';

const PEERS = 16;
const PWD = 'reusePortPasswordOf22C';
const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Certificate, DtlsSrtpTransport, UdpServer } = require(workerData.lib);
(async () => {
  const certificate = Certificate.fromPem(workerData.cert.cert, workerData.cert.key);
  const server = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1', port: workerData.port, reusePort: true });
  let media = 0;
  for (let k = 0; k < workerData.peers; k++) {
    const edge = new DtlsSrtpTransport({
      certificate, role: 'server', remoteFingerprints: workerData.fingerprints, server,
      iceLite: { ufrag: 'edge' + k, pwd: workerData.pwd, remoteUfrag: 'peer' + k },
    });
    edge.on('rtp', (packet) => { media++; edge.sendRtp(packet); });
    edge.start().then(() => parentPort.postMessage({ connected: k }), () => {});
  }
  parentPort.on('message', () => parentPort.postMessage({ media, unknownSource: server.getStats().unknownSource }));
  parentPort.postMessage({ port: server.address().port });
})();
`;

interface Stats {
  media: number;
  unknownSource: number;
}

/** Waits (yielding to the event loop) until `cond` holds; fails after many turns, never on elapsed time alone. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`never happened: ${what}`);
}

function check(k: number): Buffer {
  return serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: randomBytes(12),
      attributes: [
        { type: 'username', value: `edge${k}:peer${k}` },
        { type: 'ice-controlling', value: 1n },
        { type: 'priority', value: 1853824767 },
        { type: 'use-candidate' },
      ],
    },
    { integrityKey: PWD },
  );
}

test('2 workers on one port with reusePort: 16 peers each served by exactly one worker; terminating one leaves the other serving', { skip: process.platform !== 'linux' ? 'SO_REUSEPORT is on the native (Linux) path' : false }, async (t) => {
  const [sfuCert, peerCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const servedBy: number[][] = Array.from({ length: PEERS }, () => []);
  const workers: Worker[] = [];
  const replies: ((stats: Stats) => void)[][] = [[], []];
  t.after(() => Promise.all(workers.map((w) => w.terminate())));
  let port = 0;
  for (let index = 0; index < 2; index++) {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { lib, port, peers: PEERS, pwd: PWD, cert: sfuCert.toPem(), fingerprints: peerCert.getFingerprints() },
    });
    workers.push(worker);
    port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: { port?: number; connected?: number } & Partial<Stats>) => {
        if (m.port !== undefined) resolve(m.port);
        else if (m.connected !== undefined) servedBy[m.connected]?.push(index);
        else replies[index]?.shift()?.(m as Stats);
      });
    });
  }
  const stats = (index: number): Promise<Stats> =>
    new Promise((resolve) => {
      replies[index]?.push(resolve);
      workers[index]?.postMessage('stats');
    });

  const echoed = new Array<number>(PEERS).fill(0);
  const peers = await Promise.all(
    Array.from({ length: PEERS }, async (_, k) => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      t.after(() => socket.close());
      let answered!: () => void;
      const answer = new Promise<void>((resolve) => (answered = resolve));
      const client = new DtlsSrtpTransport({
        certificate: peerCert,
        role: 'client',
        remoteFingerprints: sfuCert.getFingerprints(),
        socket,
        remoteAddress: { address: '127.0.0.1', port },
        onStun: () => answered(),
      });
      t.after(() => client.close());
      client.on('rtp', () => (echoed[k] = (echoed[k] ?? 0) + 1));
      socket.send(check(k), port, '127.0.0.1');
      await answer;
      await client.start();
      return client;
    }),
  );
  await until(() => servedBy.every((by) => by.length > 0), 'every peer connected');

  // Each peer completed DTLS-SRTP in exactly one worker; the counts add up.
  servedBy.forEach((by, k) => assert.equal(by.length, 1, `peer ${k} served by workers ${by.join(', ')}`));
  const mine = [0, 1].map((w) => servedBy.flatMap((by, k) => (by[0] === w ? [k] : [])));
  const [first = [], second = []] = mine;
  assert.equal(first.length + second.length, PEERS);
  // The kernel's hash put all 16 on one socket with probability 2^-15.
  assert.ok(first.length > 0 && second.length > 0, `peers per worker: ${first.length} + ${second.length}`);

  // Media from every peer is echoed by its worker.
  peers.forEach((client, k) => client.sendRtpBatch(Array.from({ length: 5 }, (_, seq) => rtp({ ssrc: 1 + k, seq }))));
  await until(() => echoed.every((n) => n >= 5), 'every peer echoed');
  const [s0, s1] = await Promise.all([stats(0), stats(1)]);
  assert.equal(s0.media, first.length * 5);
  assert.equal(s1.media, second.length * 5);

  // Traffic flows from every peer; worker 0 is terminated meanwhile.
  let seq = 5;
  const flow = setInterval(() => {
    seq++;
    peers.forEach((client, k) => client.sendRtp(rtp({ ssrc: 1 + k, seq })));
  }, 1);
  t.after(() => clearInterval(flow));
  await until(() => first.every((k) => (echoed[k] ?? 0) >= 10), 'flow reached worker 0');
  await (workers[0] as Worker).terminate();
  const at = [...echoed];
  const before = await stats(1);
  // Worker 1 keeps serving its peers...
  await until(() => second.every((k) => (echoed[k] ?? 0) >= (at[k] ?? 0) + 20), 'worker 1 keeps echoing');
  clearInterval(flow);
  // ...and the peers of worker 0 now hash to worker 1's socket, where their
  // SRTP comes from no selected path of its own: dropped and counted.
  const after = await stats(1);
  assert.ok(after.media > before.media);
  assert.ok(after.unknownSource > before.unknownSource, 'worker 0\'s peers dropped at worker 1');
});
