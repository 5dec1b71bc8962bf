// SPDX-License-Identifier: MIT
// Handshake storm: N DTLS clients (in a child process) start at once against N
// server DtlsSrtpTransports in this process, each server on a dgram socket of
// its own on loopback (one socket per peer, as the setup). Measured
// here, in the server process: event-loop delay (perf_hooks
// monitorEventLoopDelay, 1 ms resolution) p50/p99/max over the storm, total
// storm time (first ClientHello received to last server handshake complete)
// and handshakes completed on both sides. The same storm with werift-dtls on
// both sides runs in the same invocation; the cases alternate, REPS
// repetitions each, medians reported. Also reported: this process's CPU time
// over the storm (far below the storm's wall time means the machine, not the
// loop, held the server back). Run with `npm run bench:storm`. Environment:
// STORM_PEERS (1000), STORM_REPS (3), STORM_TIMEOUT_MS (60000),
// STORM_WERIFT=0 (ours only), STORM_BUDGET_MS (server's handshake budget per
// loop turn), STORM_CPU_PROFILE=<prefix> (V8 profile of the storm window).
import { fork, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Certificate, DtlsSrtpTransport, versions, type DtlsFingerprint } from '../lib/index.js';
import { handshakeScheduler } from '../lib/handshake-scheduler.js';
import { type BenchRow, type BenchOptions, median } from './report.js';

type WeriftDtls = typeof import('werift-dtls/lib/dtls/src/index.js');


type Impl = 'ours' | 'werift';

/** Figures of one storm, measured in the server process. */
interface Storm {
  p50: number;
  p99: number;
  max: number;
  totalMs: number;
  /** CPU time of this process over the storm (all its threads). */
  cpuMs: number;
  /** Linux: time the main thread was runnable but waited for a CPU (NaN elsewhere). */
  runQueueMs: number;
  serverConnected: number;
  clientConnected: number;
}

// Messages between the server (this process) and the client child.
type ToChild = { kind: 'go'; ports: number[]; fingerprints: DtlsFingerprint[] };
type FromChild =
  | { kind: 'ready'; ports: number[]; fingerprints: DtlsFingerprint[]; pem: { cert: string; key: string } }
  | { kind: 'done'; connected: number; failed: number };

const HOST = '127.0.0.1';


function loadWerift(): WeriftDtls | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('werift-dtls/lib/dtls/src/index.js') as WeriftDtls;
  } catch {
    return undefined;
  }
}

async function bindSockets(n: number): Promise<dgram.Socket[]> {
  const sockets = Array.from({ length: n }, () => dgram.createSocket('udp4'));
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.bind(0, HOST, resolve))));
  return sockets;
}

/** werift's Transport over one dgram socket talking to one peer. */
function weriftTransport(socket: dgram.Socket, peerPort: number): object {
  const t = {
    type: 'udp',
    address: socket.address(),
    closed: false,
    onData: (_d: Buffer, _a: unknown): void => undefined,
    send: (d: Buffer): Promise<void> => new Promise<void>((resolve) => { socket.send(d, peerPort, HOST, () => { resolve(); }); }),
    close: (): Promise<void> => { t.closed = true; return Promise.resolve(); },
  };
  socket.on('message', (msg, rinfo) => { t.onData(msg, [rinfo.address, rinfo.port]); });
  return t;
}

function weriftOptions(w: WeriftDtls, transport: object, pem: { cert: string; key: string }): object {
  return {
    transport,
    cert: pem.cert,
    key: pem.key,
    srtpProfiles: [1],
    signatureHash: { hash: w.HashAlgorithm.sha256_4, signature: w.SignatureAlgorithm.ecdsa_3 },
    certificateRequest: true,
    extendedMasterSecret: true,
  };
}

/** The client side, in the child process: N clients started in one synchronous loop on `go`. */
async function childMain(impl: Impl, n: number): Promise<void> {
  const send = (m: FromChild): void => { process.send?.(m); };
  const certificate = await Certificate.generate();
  const sockets = await bindSockets(n);
  const ports = sockets.map((s) => s.address().port);
  send({ kind: 'ready', ports, fingerprints: certificate.getFingerprints(), pem: certificate.toPem() });
  const go = await new Promise<ToChild>((resolve) => process.once('message', (m) => { resolve(m as ToChild); }));
  let connected = 0;
  let failed = 0;
  let settled = 0;
  const finish = (): void => {
    if (++settled === n) send({ kind: 'done', connected, failed });
  };
  if (impl === 'ours') {
    for (let i = 0; i < n; i++) {
      const t = new DtlsSrtpTransport({
        certificate, role: 'client', remoteFingerprints: go.fingerprints,
        socket: sockets[i], remoteAddress: { address: HOST, port: go.ports[i] as number },
      });
      t.start().then(() => { connected++; }, () => { failed++; }).finally(finish);
    }
  } else {
    const w = loadWerift() as WeriftDtls;
    const pem = certificate.toPem();
    for (let i = 0; i < n; i++) {
      const transport = weriftTransport(sockets[i] as dgram.Socket, go.ports[i] as number);
      const client = new w.DtlsClient(weriftOptions(w, transport, pem) as never);
      let done = false;
      client.onConnect.once(() => { if (!done) { done = true; connected++; finish(); } });
      void client.connect().catch(() => { if (!done) { done = true; failed++; finish(); } });
    }
  }
  // The parent kills this process when the storm is over.
}

/**
 * With STORM_CPU_PROFILE=<file prefix>: a V8 CPU profile of this (server)
 * process over the storm only, written to <prefix>-<impl>-<n>.cpuprofile.
 * Returns the function that stops and writes it.
 */
async function startProfile(impl: Impl): Promise<() => Promise<void>> {
  const prefix = process.env['STORM_CPU_PROFILE'];
  if (prefix === undefined || prefix === '') return () => Promise.resolve();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      session.post(method, params ?? {}, (err, result) => { if (err !== null) reject(err); else resolve(result); });
    });
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  return async () => {
    const result = (await post('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(`${prefix}-${impl}-${++profiles}.cpuprofile`, JSON.stringify(result.profile));
    session.disconnect();
  };
}
let profiles = 0;

/** Linux schedstat of the main thread: ms spent runnable, waiting for a CPU. */
function runQueueWaitMs(): number {
  try {
    const fields = fs.readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/);
    return Number(fields[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** One storm: fork the clients, set up N servers here, measure. */
async function storm(impl: Impl, n: number, timeoutMs: number): Promise<Storm> {
  const child: ChildProcess = fork(__filename, ['--storm-client', impl, String(n)], { stdio: 'inherit', execArgv: [] });
  const messages: FromChild[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m) => { messages.push(m as FromChild); wake?.(); });
  const next = async (kind: FromChild['kind']): Promise<FromChild> => {
    for (;;) {
      const i = messages.findIndex((m) => m.kind === kind);
      if (i >= 0) return messages.splice(i, 1)[0] as FromChild;
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  };
  const closers: (() => void)[] = [];
  try {
    const ready = await next('ready');
    if (ready.kind !== 'ready') throw new Error('unexpected message');
    const sockets = await bindSockets(n);
    let first = 0;
    let last = 0;
    let serverConnected = 0;
    let allServers: () => void = () => undefined;
    const serversDone = new Promise<void>((resolve) => { allServers = resolve; });
    const onConnected = (): void => {
      last = performance.now();
      if (++serverConnected === n) allServers();
    };
    for (const s of sockets) {
      s.once('message', () => { if (first === 0) first = performance.now(); });
    }
    let fingerprints: DtlsFingerprint[] = [];
    if (impl === 'ours') {
      const certificate = await Certificate.generate();
      fingerprints = certificate.getFingerprints();
      for (let i = 0; i < n; i++) {
        const t = new DtlsSrtpTransport({
          certificate, role: 'server', remoteFingerprints: ready.fingerprints,
          socket: sockets[i], remoteAddress: { address: HOST, port: ready.ports[i] as number },
        });
        t.start().then(onConnected, () => undefined);
        closers.push(() => { t.close(); });
      }
    } else {
      const w = loadWerift() as WeriftDtls;
      const pem = (await Certificate.generate()).toPem();
      for (let i = 0; i < n; i++) {
        const server = new w.DtlsServer(weriftOptions(w, weriftTransport(sockets[i] as dgram.Socket, ready.ports[i] as number), pem) as never);
        server.onConnect.once(onConnected);
        closers.push(() => { server.close(); });
      }
    }
    closers.push(() => { for (const s of sockets) s.close(); });
    const profile = await startProfile(impl);
    const h = monitorEventLoopDelay({ resolution: 1 });
    const cpu0 = process.cpuUsage();
    const wait0 = runQueueWaitMs();
    h.enable();
    child.send({ kind: 'go', ports: sockets.map((s) => s.address().port), fingerprints } satisfies ToChild);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    const clientsDone = next('done');
    await Promise.race([Promise.all([serversDone, clientsDone]), timeout]);
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    const waited = runQueueWaitMs() - wait0;
    await profile();
    const done = messages.find((m) => m.kind === 'done') ?? (await Promise.race([clientsDone, Promise.resolve(undefined)]));
    return {
      p50: h.percentile(50) / 1e6,
      p99: h.percentile(99) / 1e6,
      max: h.max / 1e6,
      totalMs: last > 0 && first > 0 ? last - first : NaN,
      cpuMs: (cpu.user + cpu.system) / 1000,
      runQueueMs: waited,
      serverConnected,
      clientConnected: done?.kind === 'done' ? done.connected : 0,
    };
  } finally {
    child.kill();
    for (const close of closers) {
      try { close(); } catch { /* already closed */ }
    }
  }
}

/**
 * Runs the storm for ours and werift-dtls (when installed), alternating.
 * @param options - `quick`: 50 peers, one repetition each.
 * @returns Rows of the `storm` suite.
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const quick = options.quick === true;
  const n = Number(process.env['STORM_PEERS'] ?? (quick ? 50 : 1000));
  const reps = Number(process.env['STORM_REPS'] ?? (quick ? 1 : 3));
  const timeoutMs = Number(process.env['STORM_TIMEOUT_MS'] ?? 60000);
  const progress = options.progress ?? ((): void => undefined);
  // STORM_BUDGET_MS: the server's handshake time per loop turn (tuning only).
  const budget = process.env['STORM_BUDGET_MS'];
  if (budget !== undefined) handshakeScheduler.configure({ budgetMs: Number(budget) });
  const werift = process.env['STORM_WERIFT'] !== '0' && loadWerift() !== undefined;
  const impls: Impl[] = werift ? ['ours', 'werift'] : ['ours'];
  const results: Record<Impl, Storm[]> = { ours: [], werift: [] };
  for (let r = 0; r < reps; r++) {
    for (const impl of impls) {
      const s = await storm(impl, n, timeoutMs);
      results[impl].push(s);
      progress(`storm ${impl} rep ${r + 1}/${reps}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, ` +
        `total ${s.totalMs.toFixed(0)} ms, server CPU ${s.cpuMs.toFixed(0)} ms, ` +
        `waiting for a CPU ${s.runQueueMs.toFixed(0)} ms, handshakes ${s.serverConnected}/${n} server, ${s.clientConnected}/${n} client`);
    }
  }
  const med = (impl: Impl, key: keyof Storm): number => median(results[impl].map((s) => s[key]));
  const rows: BenchRow[] = [];
  const add = (name: string, metric: string, key: keyof Storm, lowerIsBetter: boolean, target?: BenchRow['target']): void => {
    const ours = med('ours', key);
    const row: BenchRow = { suite: 'storm', case: `${n} handshakes at once, ${name}`, metric, ours };
    if (werift) {
      const value = med('werift', key);
      row.anchor = { name: 'werift-dtls', value };
      row.ratio = lowerIsBetter ? value / ours : ours / value;
    }
    if (target !== undefined) row.target = target;
    rows.push(row);
  };
  add('event-loop delay p50', 'ms', 'p50', true);
  add('event-loop delay p99', 'ms', 'p99', true, { max: 20, of: 'ours' });
  add('event-loop delay max', 'ms', 'max', true, { max: 50, of: 'ours' });
  add('total storm time', 'ms', 'totalMs', true);
  add('server process CPU time', 'ms', 'cpuMs', true);
  add('server main thread waiting for a CPU', 'ms', 'runQueueMs', true);
  add('server handshakes completed', 'handshakes', 'serverConnected', false, { min: n, of: 'ours' });
  add('client handshakes completed', 'handshakes', 'clientConnected', false, { min: n, of: 'ours' });
  return rows;
}

async function main(): Promise<void> {
  const v = versions();
  console.log(`node ${process.version}, ${v.openssl}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load ${os.loadavg()[0]?.toFixed(1) ?? '?'}`);
  const rows = await run({ progress: (line) => { console.log(line); } });
  console.log('\ncase                                                  metric        ours    werift-dtls   werift/ours   target');
  for (const r of rows) {
    const t = r.target === undefined ? '' : r.target.max !== undefined ? `<= ${r.target.max}` : `>= ${r.target.min ?? ''}`;
    console.log(`${r.case.padEnd(53)} ${r.metric.padEnd(10)} ${r.ours.toFixed(1).padStart(8)} ${(r.anchor?.value.toFixed(1) ?? '-').padStart(14)} ` +
      `${(r.ratio?.toFixed(2) ?? '-').padStart(13)}   ${t}`);
  }
}

if (process.argv[2] === '--storm-client') {
  childMain(process.argv[3] === 'werift' ? 'werift' : 'ours', Number(process.argv[4])).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  main().then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
