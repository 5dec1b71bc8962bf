// SPDX-License-Identifier: MIT
// DTLS handshake throughput: full handshakes per second of our client+server
// pair (both in this process, in memory), of the same OpenSSL settings driven
// from plain C (bench/c/dtls_bench.c, built here with `cc`: one shared
// SSL_CTX per role, and a new SSL_CTX per endpoint), and of a werift-dtls pair
// (pure TypeScript). The cases run interleaved, one repetition of each in
// turn, so that load on the machine hits all of them alike. Each is reported
// per wall-clock second and per CPU second of its process (steadier on a
// loaded machine). Certificates (ECDSA P-256) are generated once, outside the
// timing; each JavaScript case first runs untimed until V8's optimising
// compiler has settled (warmUp), as the C program is compiled beforehand.
// Medians of REPS repetitions, with the spread; ratios are medians of the
// per-repetition ratios (ours ÷ C of repetition r), which cancels load
// that changes from one repetition to the next. Our process's CPU time counts
// V8's helper threads (garbage collection, the optimizing compiler) as well
// as the main thread that runs OpenSSL: that is the honest figure and the one
// reported; where the OS tells (Linux), the table also shows the rate per
// CPU second of the main thread alone, so that the split is known (the C
// program has one thread). Run with `npm run bench:dtls`;
// `run()` returns the figures as BenchRows. werift-dtls and the C compiler are
// optional: without one, its column is left out with a note and the rest runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Certificate, DtlsTransport, versions, type DtlsFingerprint } from '../lib/index.js';
import { compileC, loadOptional, note, notePinned, rerunPinned, type BenchRow, type BenchOptions, median } from './report.js';
import { handshakeScheduler } from '../lib/handshake-scheduler.js';
import { weriftPair, type WeriftDtls } from './werift-pair.js';

// Each repetition runs handshakes back to back in one loop turn, pumped
// synchronously: raw throughput, so the per-turn handshake budget (which
// would defer them to later turns) is off here; bench:storm measures it.
handshakeScheduler.configure({ budgetMs: Infinity });

const WERIFT_DTLS = 'werift-dtls/lib/dtls/src/index.js';


let REPS = Number(process.env['DTLS_BENCH_REPS'] ?? 5);
let REP_MS = Number(process.env['DTLS_BENCH_REP_MS'] ?? 1000);


/** Handshakes per wall-clock second and per CPU second of one repetition. */
interface Rate {
  wall: number;
  cpu: number;
  /** Per CPU second of the main thread alone (NaN where unknown); the C program's is its `cpu`. */
  mainCpu: number;
}

/**
 * Nanoseconds this thread has run (Linux: the first field of
 * /proc/thread-self/schedstat), or NaN where the OS does not tell.
 */
function threadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** Runs `once` until REP_MS passed; rates over this process's wall and CPU time, and its main thread's. */
async function timed(once: () => unknown): Promise<Rate> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuNs();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < REP_MS) {
    await once();
    n++;
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const main = threadCpuNs() - main0;
  return { wall: n / ((t - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6), mainCpu: n / (main / 1e9) };
}

/** Most untimed warm-up rounds of a case (see warmUp). */
const WARM_ROUNDS = 8;
/** Warm-up ends at a round whose helper threads used less than this share of the process's CPU time. */
const WARM_SETTLED = 0.02;

/**
 * Untimed rounds of `size` handshakes until V8's compiler threads have
 * settled: for the first 1000-1500 handshakes of our pair they run on helper
 * threads (10-20 % of the process's CPU time) while the main thread still
 * runs unoptimised code (20-30 % slower), and the C program paid for its
 * compiler before it started. The 20-handshake warm-up this replaces left
 * the repetitions measuring that. Where the OS does not tell the main
 * thread's time, every round runs.
 */
async function warmUp(name: string, once: () => unknown, size: number, rounds: number, progress: (line: string) => void): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const cpu0 = process.cpuUsage();
    const main0 = threadCpuNs();
    for (let i = 0; i < size; i++) await once(); // as timed() does: microtasks run between handshakes
    const cpu = process.cpuUsage(cpu0);
    const helpers = 1 - (threadCpuNs() - main0) / 1000 / (cpu.user + cpu.system);
    progress(`dtls: ${name} warm-up round ${round + 1}: helper threads used ${(100 * helpers).toFixed(1)} % of the CPU time`);
    if (helpers < WARM_SETTLED) break;
  }
}

const root = path.join(__dirname, '..', '..');

/**
 * Builds bench/c/dtls_bench.c against the system OpenSSL into a cache outside the
 * package (see compileC); undefined, with a note saying why, if it cannot.
 */
function buildPlainC(): string | undefined {
  const built = compileC(path.join(root, 'bench', 'c', 'dtls_bench.c'), ['-DOPENSSL_API_COMPAT=30000', '-lssl', '-lcrypto']);
  if ('exe' in built) return built.exe;
  note(`plain C column skipped: ${built.skipped}`);
  return undefined;
}

/** werift-dtls if installed; undefined, with a note, if not. */
function loadWerift(): WeriftDtls | undefined {
  const werift = loadOptional(WERIFT_DTLS) as WeriftDtls | undefined;
  if (werift === undefined) note('werift-dtls is not installed: its column is skipped (npm install werift-dtls to compare with it)');
  return werift;
}

/** One repetition of the plain-C program (its own process; it times itself). */
function plainC(exe: string, mode: 'shared' | 'per-session'): Rate {
  const out = execFileSync(exe, [mode, '1', String(REP_MS)], { encoding: 'utf8' });
  const [wall, cpu] = out.trim().split(/\s+/).map(Number);
  return { wall: wall ?? NaN, cpu: cpu ?? NaN, mainCpu: cpu ?? NaN };
}

// Each certificate's fingerprints, computed once (as the C program hashes
// each certificate once): a server learns a peer's from its SDP, it does
// not hash its own certificate per handshake.
const fingerprints = new Map<Certificate, DtlsFingerprint[]>();
function fingerprintsOf(cert: Certificate): DtlsFingerprint[] {
  let list = fingerprints.get(cert);
  if (list === undefined) {
    list = cert.getFingerprints();
    fingerprints.set(cert, list);
  }
  return list;
}

/** One full handshake of our pair, datagrams pumped synchronously through a queue. Returns ms. */
function ourHandshake(clientCert: Certificate, serverCert: Certificate): number {
  const queue: [DtlsTransport, Buffer][] = [];
  const t0 = performance.now();
  const client: DtlsTransport = new DtlsTransport({
    certificate: clientCert,
    role: 'client',
    remoteFingerprints: fingerprintsOf(serverCert),
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: fingerprintsOf(clientCert),
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

/** One full werift-dtls handshake in memory. Returns ms. */
async function weriftHandshake(werift: WeriftDtls, cert: string, key: string): Promise<number> {
  const t0 = performance.now();
  const { client, server } = weriftPair(werift, { cert, key }, 1);
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

interface Case {
  name: string;
  run: () => Promise<Rate> | Rate;
  rates: Rate[];
}

function summary(rates: Rate[], key: keyof Rate): { median: number; min: number; max: number } {
  const values = rates.map((r) => r[key]);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Median of the per-repetition ratios a[r] / b[r]. */
function ratioOf(a: Case, b: Case, key: keyof Rate): number {
  return median(a.rates.map((r, i) => r[key] / (b.rates[i] as Rate)[key]));
}

interface Measured {
  cases: Case[];
  ours: Case;
  c: Case | undefined;
  werift: Case | undefined;
  ourTimes: number[];
  plainC: boolean;
}

async function measure(options: BenchOptions): Promise<Measured> {
  const progress = options.progress ?? (() => undefined);
  progress('dtls: certificates');
  const clientCert = await Certificate.generate();
  const serverCert = await Certificate.generate();
  const weriftCert = (await Certificate.generate()).toPem();
  const exe = buildPlainC();
  const werift = loadWerift();

  const rounds = options.quick === true ? 2 : WARM_ROUNDS;
  await warmUp('our pair', () => ourHandshake(clientCert, serverCert), 250, rounds, progress);
  if (werift !== undefined) await warmUp('werift-dtls', () => weriftHandshake(werift, weriftCert.cert, weriftCert.key), 25, rounds, progress);

  const cases: Case[] = [{ name: 'dtls-srtp pair', run: () => timed(() => ourHandshake(clientCert, serverCert)), rates: [] }];
  if (exe !== undefined) {
    cases.push({ name: 'plain C, shared SSL_CTX', run: () => plainC(exe, 'shared'), rates: [] });
    cases.push({ name: 'plain C, SSL_CTX per endpoint', run: () => plainC(exe, 'per-session'), rates: [] });
  }
  if (werift !== undefined) {
    cases.push({ name: 'werift-dtls', run: () => timed(() => weriftHandshake(werift, weriftCert.cert, weriftCert.key)), rates: [] });
  }
  const ourTimes: number[] = [];
  for (let i = 0; i < 50; i++) ourTimes.push(ourHandshake(clientCert, serverCert));
  for (let rep = 0; rep < REPS; rep++) {
    progress(`dtls: repetition ${rep + 1} of ${REPS}`);
    for (const c of cases) c.rates.push(await c.run());
  }
  return {
    cases,
    ours: cases[0] as Case,
    c: cases.find((x) => x.name === 'plain C, shared SSL_CTX'),
    werift: cases.find((x) => x.name === 'werift-dtls'),
    ourTimes,
    plainC: exe !== undefined,
  };
}

async function withSettings<T>(options: BenchOptions, body: () => Promise<T>): Promise<T> {
  notePinned();
  const saved = [REPS, REP_MS];
  if (options.quick === true) {
    REPS = 3;
    REP_MS = 200;
  }
  try {
    return await body();
  } finally {
    [REPS, REP_MS] = saved as [number, number];
  }
}

/**
 * Runs the DTLS handshake benchmark (interleaved with plain C and werift-dtls).
 * Rows are per CPU second of each process (steadier on a shared machine;
 * the printed table shows wall-clock figures too).
 * @param options - `quick` for a run of a few seconds; `progress` gets one line per repetition
 * @returns our pair against plain C (shared SSL_CTX) and against werift-dtls; a row
 *   is left out (with a note) when its anchor is unavailable, and with neither our
 *   pair's figure comes alone
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const m = await withSettings(options, () => measure(options));
  const ours = summary(m.ours.rates, 'cpu').median;
  const rows: BenchRow[] = [];
  if (m.c !== undefined) {
    rows.push({
      suite: 'dtls',
      case: 'in-memory pair vs plain C, shared SSL_CTX',
      metric: 'handshakes/CPU-s',
      ours,
      anchor: { name: 'plain C', value: summary(m.c.rates, 'cpu').median },
      ratio: ratioOf(m.ours, m.c, 'cpu'),
      target: { min: 0.9, of: 'ratio' },
    });
  }
  if (m.werift !== undefined) {
    rows.push({
      suite: 'dtls',
      case: 'in-memory pair vs werift-dtls',
      metric: 'handshakes/CPU-s',
      ours,
      anchor: { name: 'werift-dtls', value: summary(m.werift.rates, 'cpu').median },
      ratio: ratioOf(m.ours, m.werift, 'cpu'),
      target: { min: 6, of: 'ratio' },
    });
  }
  if (rows.length === 0) rows.push({ suite: 'dtls', case: 'in-memory pair', metric: 'handshakes/CPU-s', ours });
  return rows;
}

async function main(): Promise<void> {
  const options: BenchOptions = { quick: process.argv.includes('--quick') };
  const m = await withSettings(options, () => measure(options));
  const v = versions();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const reps = m.ours.rates.length;
  console.log(
    `DTLS 1.2 handshakes, ECDSA P-256, in memory, ${reps} repetitions per case, interleaved; medians [min-max]; ` +
      'ratios = medians of per-repetition ratios',
  );
  console.log(`${cpu}, ${os.cpus().length} CPUs, load average ${load}; Node ${process.version}; ${v.openssl}`);
  if (!m.plainC) console.log('  (no C compiler or OpenSSL headers: plain C skipped)');
  const fmt = (x: { median: number; min: number; max: number }): string =>
    `${x.median.toFixed(0).padStart(5)} [${x.min.toFixed(0)}-${x.max.toFixed(0)}]`.padEnd(20);
  const split = m.ours.rates.every((r) => Number.isFinite(r.mainCpu));
  console.log(
    `  ${'case'.padEnd(30)} ${'per wall second'.padEnd(20)} ${'per CPU second'.padEnd(20)}${split ? ' per main-thread CPU second' : ''}`,
  );
  for (const x of m.cases) {
    const main = split ? ` ${fmt(summary(x.rates, 'mainCpu'))}` : '';
    console.log(`  ${x.name.padEnd(30)} ${fmt(summary(x.rates, 'wall'))} ${fmt(summary(x.rates, 'cpu'))}${main}`);
  }
  const ratio = (a: Case, b: Case, key: keyof Rate): string => ratioOf(a, b, key).toFixed(2);
  if (m.c !== undefined) {
    const main = split ? `, ${ratio(m.ours, m.c, 'mainCpu')} (main thread's CPU)` : '';
    console.log(`  ours / plain C shared         : ${ratio(m.ours, m.c, 'wall')} (wall), ${ratio(m.ours, m.c, 'cpu')} (CPU)${main}`);
  }
  if (split) {
    const helpers = median(m.ours.rates.map((r) => 1 - r.cpu / r.mainCpu));
    console.log(`  our CPU time off the main thread (V8 helper threads): ${(100 * helpers).toFixed(1)} %`);
  }
  if (m.werift !== undefined) {
    console.log(`  ours / werift-dtls            : ${ratio(m.ours, m.werift, 'wall')} (wall), ${ratio(m.ours, m.werift, 'cpu')} (CPU)`);
  }
  console.log(`  median handshake of our pair  : ${median(m.ourTimes).toFixed(2)} ms`);
}

if (require.main === module && !rerunPinned(__filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
