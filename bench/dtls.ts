// SPDX-License-Identifier: MIT
// DTLS handshake throughput: full handshakes per second of our client+server
// pair (both in this process, in memory) against a werift-dtls pair (pure
// TypeScript) in the same run, plus the median time of one in-memory
// handshake. Certificates (ECDSA P-256) are generated once, outside the
// timing. Medians of REPS repetitions. Run with `npm run bench:dtls`.
import * as os from 'node:os';
import { Certificate, DtlsTransport, versions } from '../lib/index.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const werift = require('werift-dtls/lib/dtls/src/index.js') as typeof import('werift-dtls/lib/dtls/src/index.js');

const REPS = Number(process.env['DTLS_BENCH_REPS'] ?? 5);
const REP_MS = Number(process.env['DTLS_BENCH_REP_MS'] ?? 1000);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** One full handshake of our pair, datagrams pumped synchronously through a queue. Returns ms. */
function ourHandshake(clientCert: Certificate, serverCert: Certificate): number {
  const queue: [DtlsTransport, Buffer][] = [];
  const t0 = performance.now();
  const client: DtlsTransport = new DtlsTransport({
    certificate: clientCert,
    role: 'client',
    remoteFingerprints: serverCert.getFingerprints(),
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: clientCert.getFingerprints(),
    send: (d) => queue.push([client, d]),
  });
  const started = [server.start(), client.start()];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
  const ms = performance.now() - t0;
  if (client.state !== 'connected' || server.state !== 'connected') throw new Error('our handshake did not complete');
  client.close();
  server.close();
  void Promise.all(started).catch(() => undefined);
  return ms;
}

interface MemoryTransport {
  type: string;
  address: { address: string; family: string; port: number };
  closed: boolean;
  onData: (data: Buffer, addr: unknown) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

/** One full werift-dtls handshake in memory. Returns ms. */
async function weriftHandshake(cert: string, key: string): Promise<number> {
  const address = { address: '127.0.0.1', family: 'IPv4', port: 1 };
  const a: MemoryTransport = { type: 'memory', address, closed: false, onData: () => undefined, send: async () => undefined, close: async () => undefined };
  const b: MemoryTransport = { type: 'memory', address, closed: false, onData: () => undefined, send: async () => undefined, close: async () => undefined };
  a.send = async (d) => {
    setImmediate(() => b.onData(d, address));
  };
  b.send = async (d) => {
    setImmediate(() => a.onData(d, address));
  };
  const options = (transport: MemoryTransport) => ({
    transport: transport as never,
    cert,
    key,
    srtpProfiles: [1] as never,
    signatureHash: { hash: werift.HashAlgorithm.sha256_4, signature: werift.SignatureAlgorithm.ecdsa_3 },
    certificateRequest: true,
    extendedMasterSecret: true,
  });
  const t0 = performance.now();
  const server = new werift.DtlsServer(options(b));
  const client = new werift.DtlsClient(options(a));
  // Completion = both onConnect events. (client.connect() itself resolves only
  // after werift's fixed 500 ms flight wait, which would not be a fair measure.)
  const connected = Promise.all([server.onConnect.asPromise(), client.onConnect.asPromise()]);
  void client.connect().catch(() => undefined);
  await connected;
  const ms = performance.now() - t0;
  client.close();
  server.close();
  return ms;
}

async function main(): Promise<void> {
  const clientCert = await Certificate.generate();
  const serverCert = await Certificate.generate();
  const weriftCert = (await Certificate.generate()).toPem();

  // Warm-up.
  for (let i = 0; i < 20; i++) ourHandshake(clientCert, serverCert);
  for (let i = 0; i < 5; i++) await weriftHandshake(weriftCert.cert, weriftCert.key);

  const ours: number[] = [];
  const theirs: number[] = [];
  const ourTimes: number[] = [];
  const weriftTimes: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    let n = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < REP_MS) {
      ourTimes.push(ourHandshake(clientCert, serverCert));
      n++;
    }
    ours.push(n / ((performance.now() - t0) / 1000));
    n = 0;
    t0 = performance.now();
    while (performance.now() - t0 < REP_MS) {
      weriftTimes.push(await weriftHandshake(weriftCert.cert, weriftCert.key));
      n++;
    }
    theirs.push(n / ((performance.now() - t0) / 1000));
  }
  const v = versions();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const ourRate = median(ours);
  const weriftRate = median(theirs);
  console.log(`DTLS 1.2 handshakes, ECDSA P-256, in memory, ${REPS} x ${REP_MS} ms, medians`);
  console.log(`${cpu}, ${os.cpus().length} CPUs; Node ${process.version}; ${v.openssl}`);
  console.log(`  dtls-srtp pair : ${ourRate.toFixed(0)} handshakes/s  (median handshake ${median(ourTimes).toFixed(2)} ms)`);
  console.log(`  werift-dtls    : ${weriftRate.toFixed(0)} handshakes/s  (median handshake ${median(weriftTimes).toFixed(2)} ms)`);
  console.log(`  ratio          : ${(ourRate / weriftRate).toFixed(1)}x`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
