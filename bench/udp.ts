// SPDX-License-Identifier: MIT
// The media path over loopback: SRTP protected, sent, received and
// unprotected, packets delivered per second, three ways in one run:
// - native: UdpSocket on its native path, sendRtpBatch (protect + sendmmsg in
//   one call) and a routed receiver that unprotects in place natively and
//   hands over one batch per recvmmsg;
// - dgram:  node:dgram with the existing SrtpSession (protectRtp per packet,
//   one 'message' event and unprotectRtpInPlace per datagram);
// - plain C: bench/c/udp_bench.c, recvmmsg/sendmmsg in batches of 32 with
//   libsrtp in place, built with the system compiler.
// Each path runs in one thread with the same flow control (WINDOW packets in
// flight; every delivery sends as many new packets). The runs of a case are
// interleaved rep by rep, and the table gives medians of the per-rep ratios.
// The rate is packets per second of the process's CPU time (user + system,
// all threads): on a shared machine wall-clock rates mostly measure how much
// of a core the scheduler granted each run; wall-clock rates are shown too.
// Two more cases: an SFU's fan-out, 1 publisher → 50 subscribers at 1000 B
// (one received batch re-protected per subscriber with sendRtpBatch), vs the
// C program's fan-out mode; and the native path in 1 vs 2 worker_threads
// (packets per wall-second summed over the workers, each its own pipeline).
// Run with `npm run bench:udp` (UDP_BENCH_REPS, UDP_BENCH_REP_MS to change).
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SrtpSession, UdpSocket, versions, type SrtpProfile } from '../lib/index.js';
import { type BenchRow, type BenchOptions, median } from './report.js';

const BATCH = 32;
const WINDOW = 96;
const WARMUP_MS = 50;
const PROFILES: readonly SrtpProfile[] = ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'];
const PAYLOADS = [160, 1000];


function sessions(profile: SrtpProfile): { tx: SrtpSession; rx: SrtpSession } {
  const key = crypto.randomBytes(16);
  const salt = crypto.randomBytes(profile.startsWith('AEAD') ? 12 : 14);
  const options = { profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt };
  return { tx: new SrtpSession(options), rx: new SrtpSession(options) };
}

function rtpTemplate(payload: number): Buffer {
  const packet = Buffer.alloc(12 + payload);
  packet[0] = 0x80;
  packet[1] = 111;
  packet.writeUInt32BE(0x1234abcd, 8);
  for (let i = 12; i < packet.length; i++) packet[i] = (i * 7) & 0xff;
  return packet;
}

/**
 * Measures deliveries per second: `start(onDelivered)` begins the pipeline;
 * the count is taken over `ms` after a warm-up, then `stop()` ends it.
 */
/** Packets per CPU-second and per wall-second. */
interface Rate {
  cpu: number;
  wall: number;
}

/**
 * Measures deliveries: `setup(onDelivered)` starts the pipeline and returns
 * its stop function; the count is taken over `ms` after a warm-up.
 */
async function measure(ms: number, setup: (delivered: (n: number) => void) => Promise<() => void>): Promise<Rate> {
  let count = 0;
  const stop = await setup((n) => {
    count += n;
  });
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const c0 = count;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const cpu = process.cpuUsage(cpu0);
  const packets = count - c0;
  const rate = { cpu: (packets * 1e6) / (cpu.user + cpu.system), wall: (packets * 1e9) / Number(process.hrtime.bigint() - t0) };
  stop();
  return rate;
}

async function runNative(profile: SrtpProfile, payload: number, ms: number): Promise<Rate> {
  const s = sessions(profile);
  const template = rtpTemplate(payload);
  const stride = (template.length + 16 + 7) & ~7;
  const slab = Buffer.alloc(stride * BATCH);
  const layout = new Int32Array(3 * BATCH);
  for (let i = 0; i < BATCH; i++) {
    layout[3 * i] = i * stride;
    layout[3 * i + 1] = template.length;
    layout[3 * i + 2] = stride;
  }
  // The plaintext batch, copied over the slab (one copy) before each protect-in-place.
  const plain = Buffer.alloc(slab.length);
  for (let i = 0; i < BATCH; i++) template.copy(plain, i * stride);
  const results = new Int32Array(BATCH);
  let seq = 0;
  let tx!: UdpSocket;
  let rx!: UdpSocket;
  let stopped = false;
  let progress = 0;
  const to = { address: '127.0.0.1', port: 0 };
  const send = (): void => {
    slab.set(plain);
    for (let i = 0; i < BATCH; i++) slab.writeUInt16BE(++seq & 0xffff, i * stride + 2);
    tx.sendRtpBatch(s.tx, slab, layout, to, results);
  };
  return measure(ms, async (delivered) => {
    let owed = 0;
    rx = await UdpSocket.bind({
      type: 'udp4',
      address: '127.0.0.1',
      batchSize: BATCH,
      onBatch(batch) {
        let n = 0;
        for (let i = 0; i < batch.count; i++) if (batch.kind(i) === 'rtp') n++;
        delivered(n);
        progress++;
        if (stopped) return;
        owed += batch.count;
        while (owed >= BATCH) {
          owed -= BATCH;
          send();
        }
      },
    });
    tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch: () => {} });
    rx.addRoute({ address: '127.0.0.1', port: tx.address().port }, s.rx);
    to.port = rx.address().port;
    for (let k = 0; k < WINDOW / BATCH; k++) send();
    // Lost datagrams shrink the window: top it up when nothing arrived for a while.
    let seen = 0;
    const watchdog = setInterval(() => {
      if (progress === seen && !stopped) send();
      seen = progress;
    }, 5);
    return () => {
      stopped = true;
      clearInterval(watchdog);
      tx.close();
      rx.close();
      s.tx.close();
      s.rx.close();
    };
  });
}

async function runDgram(profile: SrtpProfile, payload: number, ms: number): Promise<Rate> {
  const s = sessions(profile);
  const template = rtpTemplate(payload);
  let seq = 0;
  let stopped = false;
  let progress = 0;
  const tx = dgram.createSocket('udp4');
  const rx = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => tx.bind(0, '127.0.0.1', r)), new Promise<void>((r) => rx.bind(0, '127.0.0.1', r))]);
  const port = rx.address().port;
  const send = (): void => {
    template.writeUInt16BE(++seq & 0xffff, 2);
    tx.send(s.tx.protectRtp(template), port, '127.0.0.1');
  };
  return measure(ms, async (delivered) => {
    rx.on('message', (msg) => {
      if (s.rx.unprotectRtpInPlace(msg, msg.length) >= 0) delivered(1);
      progress++;
      if (!stopped) send();
    });
    for (let k = 0; k < WINDOW; k++) send();
    let seen = 0;
    const watchdog = setInterval(() => {
      if (progress === seen && !stopped) for (let k = 0; k < BATCH; k++) send();
      seen = progress;
    }, 5);
    return () => {
      stopped = true;
      clearInterval(watchdog);
      tx.close();
      rx.close();
      s.tx.close();
      s.rx.close();
    };
  });
}

const FANOUT = 50;
const FANOUT_PAYLOAD = 1000;
const FANOUT_PROFILE: SrtpProfile = 'AEAD_AES_128_GCM';

/**
 * The forwarding unit of an SFU: a publisher sends protected RTP to a
 * forwarding socket, which unprotects each received batch natively in place;
 * the batch is copied once into a plaintext slab, then for each of FANOUT
 * subscribers (a socket and an SRTP session of its own) copied over the send
 * slab and protected and sent with one `sendRtpBatch` (one native call, one
 * `sendmmsg`). Counts packets the kernel accepted for subscribers, which
 * never read (a full receive queue drops at the kernel); same in the C mode.
 * The subscribers' sockets live in the C program's `sinks` mode (a socket on
 * Node's loop would be read, which the C fan-out does not pay for).
 */
async function runFanOut(exe: string, ms: number): Promise<Rate> {
  const publisher = sessions(FANOUT_PROFILE);
  const subscribers = Array.from({ length: FANOUT }, () => sessions(FANOUT_PROFILE).tx);
  const template = rtpTemplate(FANOUT_PAYLOAD);
  const stride = (template.length + 16 + 7) & ~7;
  const slab = Buffer.alloc(stride * BATCH);
  const plain = Buffer.alloc(slab.length);
  const layout = new Int32Array(3 * BATCH);
  const results = new Int32Array(BATCH);
  const pubLayout = new Int32Array(3 * BATCH);
  const pubSlab = Buffer.alloc(slab.length);
  const pubPlain = Buffer.alloc(slab.length);
  for (let i = 0; i < BATCH; i++) {
    pubLayout[3 * i] = i * stride;
    pubLayout[3 * i + 1] = template.length;
    pubLayout[3 * i + 2] = stride;
    template.copy(pubPlain, i * stride);
  }
  const pubResults = new Int32Array(BATCH);
  let seq = 0;
  let stopped = false;
  let progress = 0;
  let tx!: UdpSocket;
  let sfu!: UdpSocket;
  let sinks: ChildProcess | undefined;
  const to = { address: '127.0.0.1', port: 0 };
  const send = (): void => {
    pubSlab.set(pubPlain);
    for (let i = 0; i < BATCH; i++) pubSlab.writeUInt16BE(++seq & 0xffff, i * stride + 2);
    tx.sendRtpBatch(publisher.tx, pubSlab, pubLayout, to, pubResults);
  };
  return measure(ms, async (delivered) => {
    let owed = 0;
    // Subscribers never read; their queues fill and the kernel drops.
    const child = spawn(exe, ['sinks', String(FANOUT)], { stdio: ['pipe', 'pipe', 'inherit'] });
    sinks = child;
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text);
      });
      child.once('error', reject);
    });
    const destinations = line
      .trim()
      .split(' ')
      .map((port) => ({ address: '127.0.0.1', port: Number(port) }));
    sfu = await UdpSocket.bind({
      type: 'udp4',
      address: '127.0.0.1',
      batchSize: BATCH,
      onBatch(batch) {
        progress++;
        let count = 0;
        for (let i = 0; i < batch.count; i++) {
          if (batch.kind(i) !== 'rtp') continue;
          const offset = batch.offset(i);
          const length = batch.length(i);
          batch.buffer.copy(plain, count * stride, offset, offset + length);
          layout[3 * count] = count * stride;
          layout[3 * count + 1] = length;
          layout[3 * count + 2] = stride;
          count++;
        }
        if (count > 0) {
          const used = count * stride;
          const view = layout.subarray(0, 3 * count);
          for (let j = 0; j < FANOUT; j++) {
            plain.copy(slab, 0, 0, used);
            delivered(sfu.sendRtpBatch(subscribers[j] as SrtpSession, slab, view, destinations[j] as { address: string; port: number }, results));
          }
        }
        if (stopped) return;
        owed += batch.count;
        while (owed >= BATCH) {
          owed -= BATCH;
          send();
        }
      },
    });
    tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', onBatch: () => {} });
    sfu.addRoute({ address: '127.0.0.1', port: tx.address().port }, publisher.rx);
    to.port = sfu.address().port;
    for (let k = 0; k < WINDOW / BATCH; k++) send();
    let seen = 0;
    const watchdog = setInterval(() => {
      if (progress === seen && !stopped) send();
      seen = progress;
    }, 5);
    return () => {
      stopped = true;
      clearInterval(watchdog);
      tx.close();
      sfu.close();
      sinks?.stdin?.end();
      for (const s of subscribers) s.close();
      publisher.tx.close();
      publisher.rx.close();
    };
  });
}

const WORKER_PROFILE: SrtpProfile = 'AEAD_AES_128_GCM';
const WORKER_PAYLOAD = 1000;

/**
 * The native path in `count` worker_threads at once, each running the
 * one-thread pipeline of {@link runNative} on sockets of its own: the sum of
 * their packets per wall-second (CPU-second rates cannot show scaling).
 */
async function runWorkers(count: number, ms: number): Promise<number> {
  const workers = Array.from({ length: count }, () => new Worker(__filename, { workerData: { udpBenchWorker: { ms } } }));
  try {
    const rates = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', (rate: Rate) => resolve(rate.wall));
            w.once('error', reject);
          }),
      ),
    );
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Builds the plain-C program (once); undefined when there is no compiler or libsrtp build. */
function buildC(progress: (line: string) => void): string | undefined {
  const root = path.join(__dirname, '..', '..');
  const source = path.join(root, 'bench', 'c', 'udp_bench.c');
  const lib = path.join(root, 'build', 'Release', 'srtp.a');
  if (process.platform !== 'linux' || !fs.existsSync(source) || !fs.existsSync(lib)) return undefined;
  const exe = path.join(root, 'build', 'udp_bench_c');
  try {
    execFileSync(
      'cc',
      [
        '-O2',
        '-DHAVE_CONFIG_H',
        `-I${path.join(root, 'deps', 'libsrtp-config')}`,
        `-I${path.join(root, 'deps', 'libsrtp', 'include')}`,
        `-I${path.join(root, 'deps', 'libsrtp', 'crypto', 'include')}`,
        source,
        lib,
        '-Wl,-Bstatic',
        '-lssl',
        '-lcrypto',
        '-Wl,-Bdynamic',
        '-ldl',
        '-lpthread',
        '-o',
        exe,
      ],
      { stdio: 'pipe' },
    );
    return exe;
  } catch (err) {
    progress(`(plain C program skipped: ${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

function runC(exe: string, profile: SrtpProfile, payload: number, ms: number): Rate {
  return parseC(execFileSync(exe, [profile, String(payload), String(ms)], { encoding: 'utf8' }));
}

function runCFanOut(exe: string, ms: number): Rate {
  return parseC(execFileSync(exe, ['fanout', FANOUT_PROFILE, String(FANOUT_PAYLOAD), String(ms), String(FANOUT)], { encoding: 'utf8' }));
}

function parseC(line: string): Rate {
  const [cpu, wall] = line.trim().split(/\s+/).map(Number);
  return { cpu: cpu ?? NaN, wall: wall ?? NaN };
}

interface CaseResult {
  profile: SrtpProfile;
  payload: number;
  native: Rate;
  dgram: Rate;
  c: Rate | undefined;
  nativeOverC: number | undefined;
  nativeOverDgram: number;
  nativeOverCWall: number | undefined;
  nativeOverDgramWall: number;
}

/**
 * Runs every case, interleaving native, dgram and C rep by rep.
 * @param options - `quick` for a run of a few seconds
 * @returns the shared bench rows (packets per CPU-second): native vs C (target ≥ 0.8) and native vs dgram (target ≥ 3) per case
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const progress = options.progress ?? (() => undefined);
  const reps = options.quick === true ? 1 : Number(process.env['UDP_BENCH_REPS'] ?? 5);
  const ms = options.quick === true ? 100 : Number(process.env['UDP_BENCH_REP_MS'] ?? 250);
  const exe = buildC(progress);
  const rows: BenchRow[] = [];
  const results: CaseResult[] = [];
  const med = (list: readonly Rate[]): Rate => ({ cpu: median(list.map((r) => r.cpu)), wall: median(list.map((r) => r.wall)) });
  for (const profile of PROFILES) {
    for (const payload of PAYLOADS) {
      const native: Rate[] = [];
      const viaDgram: Rate[] = [];
      const c: Rate[] = [];
      const overC: number[] = [];
      const overDgram: number[] = [];
      const overCWall: number[] = [];
      const overDgramWall: number[] = [];
      for (let r = 0; r < reps; r++) {
        const n = await runNative(profile, payload, ms);
        const d = await runDgram(profile, payload, ms);
        native.push(n);
        viaDgram.push(d);
        overDgram.push(n.cpu / d.cpu);
        overDgramWall.push(n.wall / d.wall);
        if (exe !== undefined) {
          const cRate = runC(exe, profile, payload, ms);
          c.push(cRate);
          overC.push(n.cpu / cRate.cpu);
          overCWall.push(n.wall / cRate.wall);
        }
      }
      const result: CaseResult = {
        profile,
        payload,
        native: med(native),
        dgram: med(viaDgram),
        c: exe === undefined ? undefined : med(c),
        nativeOverC: exe === undefined ? undefined : median(overC),
        nativeOverDgram: median(overDgram),
        nativeOverCWall: exe === undefined ? undefined : median(overCWall),
        nativeOverDgramWall: median(overDgramWall),
      };
      results.push(result);
      progress(
        `${profile} ${payload} B per CPU-s: native ${fmt(result.native.cpu)}, dgram ${fmt(result.dgram.cpu)}` +
          (result.c === undefined ? '' : `, C ${fmt(result.c.cpu)}`),
      );
      const name = `${profile} ${payload} B loopback protect+send+receive+unprotect`;
      if (result.c !== undefined && result.nativeOverC !== undefined) {
        rows.push({
          suite: 'udp',
          case: `${name} (vs plain C)`,
          metric: 'packets/CPU-s',
          ours: result.native.cpu,
          anchor: { name: 'plain C recvmmsg/sendmmsg + libsrtp', value: result.c.cpu },
          ratio: result.nativeOverC,
          target: { min: 0.8, of: 'ratio' },
        });
      }
      rows.push({
        suite: 'udp',
        case: `${name} (vs node:dgram)`,
        metric: 'packets/CPU-s',
        ours: result.native.cpu,
        anchor: { name: 'node:dgram + SrtpSession', value: result.dgram.cpu },
        ratio: result.nativeOverDgram,
        target: { min: 3, of: 'ratio' },
      });
    }
  }
  lastResults = results;
  lastReps = { reps, ms };

  // Fan-out 1 → FANOUT subscribers, ours vs the C mode, interleaved.
  const fanOurs: Rate[] = [];
  const fanC: Rate[] = [];
  const fanRatio: number[] = [];
  const fanRatioWall: number[] = [];
  for (let r = 0; r < reps && exe !== undefined; r++) {
    const n = await runFanOut(exe, ms);
    fanOurs.push(n);
    const cRate = runCFanOut(exe, ms);
    fanC.push(cRate);
    fanRatio.push(n.cpu / cRate.cpu);
    fanRatioWall.push(n.wall / cRate.wall);
  }
  lastFanOut = exe === undefined ? undefined : { ours: med(fanOurs), c: med(fanC), ratio: median(fanRatio), ratioWall: median(fanRatioWall) };
  if (lastFanOut !== undefined) {
    progress(`fan-out 1 → ${FANOUT} per CPU-s: native ${fmt(lastFanOut.ours.cpu)}, C ${fmt(lastFanOut.c.cpu)}`);
    rows.push({
      suite: 'udp',
      case: `fan-out 1 → ${FANOUT} subscribers, ${FANOUT_PROFILE} ${FANOUT_PAYLOAD} B, delivered to subscribers (vs plain C)`,
      metric: 'packets/CPU-s',
      ours: lastFanOut.ours.cpu,
      anchor: { name: 'plain C recvmmsg/sendmmsg + libsrtp fan-out', value: lastFanOut.c.cpu },
      ratio: lastFanOut.ratio,
      target: { min: 0.8, of: 'ratio' },
    });
  }

  // 1 worker vs 2 workers on the native path, interleaved; wall-clock rates.
  const workerMs = Math.max(ms, options.quick === true ? 200 : 1000);
  const one: number[] = [];
  const two: number[] = [];
  const scaling: number[] = [];
  for (let r = 0; r < Math.min(reps, 3); r++) {
    const a = await runWorkers(1, workerMs);
    const b = await runWorkers(2, workerMs);
    one.push(a);
    two.push(b);
    scaling.push(b / a);
  }
  lastWorkers = { one: median(one), two: median(two), ratio: median(scaling), reps: one.length, ms: workerMs };
  progress(`workers, packets per wall-s: 1 → ${fmt(lastWorkers.one)}, 2 → ${fmt(lastWorkers.two)}`);
  rows.push({
    suite: 'udp',
    case: `native path, ${WORKER_PROFILE} ${WORKER_PAYLOAD} B loopback, 2 workers (vs 1 worker)`,
    metric: 'packets/s (wall)',
    ours: lastWorkers.two,
    anchor: { name: '1 worker', value: lastWorkers.one },
    ratio: lastWorkers.ratio,
    target: { min: 1.8, of: 'ratio' },
  });
  return rows;
}

let lastResults: CaseResult[] = [];
let lastReps = { reps: 0, ms: 0 };
let lastFanOut: { ours: Rate; c: Rate; ratio: number; ratioWall: number } | undefined;
let lastWorkers: { one: number; two: number; ratio: number; reps: number; ms: number } | undefined;

function fmt(rate: number | undefined): string {
  return rate === undefined ? '—' : `${(rate / 1e3).toFixed(0)} k`;
}

function times(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

const job = isMainThread ? undefined : (workerData as { udpBenchWorker?: { ms: number } } | null)?.udpBenchWorker;
if (job !== undefined) {
  // A worker of runWorkers: one native pipeline, its rate back to the parent.
  runNative(WORKER_PROFILE, WORKER_PAYLOAD, job.ms).then(
    (rate) => parentPort?.postMessage(rate),
    (err: unknown) => {
      throw err;
    },
  );
} else if (require.main === module) {
  const started = Date.now();
  run({ progress: (line) => process.stderr.write(`${line}\n`) })
    .then(() => {
      const v = versions();
      console.log(
        `UDP + SRTP on loopback, packets delivered per CPU-second (then per wall-second), median of ${lastReps.reps} interleaved reps × ${lastReps.ms} ms ` +
          `(ratios: medians of per-rep ratios); batch ${BATCH}, window ${WINDOW}; ${v.openssl}, ${v.libsrtp}, ` +
          `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
      );
      console.log('');
      console.log(
        '| profile | payload B | native | node:dgram | plain C | native ÷ C (≥ 0.8) | native ÷ dgram (≥ 3) | wall: native | wall: dgram | wall: C | wall: native ÷ C | wall: native ÷ dgram |',
      );
      console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of lastResults) {
        console.log(
          `| ${r.profile} | ${r.payload} | ${fmt(r.native.cpu)} | ${fmt(r.dgram.cpu)} | ${fmt(r.c?.cpu)} | ${times(r.nativeOverC)} | ` +
            `${times(r.nativeOverDgram)} | ${fmt(r.native.wall)} | ${fmt(r.dgram.wall)} | ${fmt(r.c?.wall)} | ${times(r.nativeOverCWall)} | ` +
            `${times(r.nativeOverDgramWall)} |`,
        );
      }
      if (lastFanOut !== undefined) {
        console.log('');
        console.log(`Fan-out 1 → ${FANOUT} subscribers, ${FANOUT_PROFILE} ${FANOUT_PAYLOAD} B: packets accepted for subscribers per CPU-second (wall in parentheses)`);
        console.log('');
        console.log('| native (sendRtpBatch per subscriber) | plain C | native ÷ C (≥ 0.8) | wall: native ÷ C |');
        console.log('|---:|---:|---:|---:|');
        console.log(
          `| ${fmt(lastFanOut.ours.cpu)} (${fmt(lastFanOut.ours.wall)}) | ${fmt(lastFanOut.c.cpu)} (${fmt(lastFanOut.c.wall)}) | ` +
            `${times(lastFanOut.ratio)} | ${times(lastFanOut.ratioWall)} |`,
        );
      }
      if (lastWorkers !== undefined) {
        console.log('');
        console.log(
          `Native path in worker_threads, ${WORKER_PROFILE} ${WORKER_PAYLOAD} B, each worker its own pipeline: packets per wall-second, ` +
            `median of ${lastWorkers.reps} interleaved reps × ${lastWorkers.ms} ms on ${os.cpus().length} CPUs`,
        );
        console.log('');
        console.log('| 1 worker | 2 workers | 2 ÷ 1 (≥ 1.8) |');
        console.log('|---:|---:|---:|');
        console.log(`| ${fmt(lastWorkers.one)} | ${fmt(lastWorkers.two)} | ${times(lastWorkers.ratio)} |`);
      }
      console.log('');
      console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
