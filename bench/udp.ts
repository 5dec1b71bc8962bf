// SPDX-License-Identifier: MIT
// The media path over loopback: SRTP protected, sent, received and
// unprotected, packets delivered per CPU-second, three ways in one run:
// - native: UdpSocket on its native path, sendRtpBatch (protect + sendmmsg in
//   one call) and a routed receiver that unprotects in place natively and
//   hands over one batch per recvmmsg;
// - dgram:  node:dgram with the existing SrtpSession (protectRtp per packet,
//   one 'message' event and unprotectRtpInPlace per datagram);
// - plain C: bench/c/udp_bench.c, recvmmsg/sendmmsg in batches of 32 with
//   libsrtp in place, built with the system compiler.
// What makes the comparison fair (and steady):
// - the same work: every path sends and receives in one thread with the same
//   flow control (WINDOW packets in flight; every delivery sends as many new
//   packets), the same packets (payload, one SSRC, replay window 1024), the
//   same socket buffers (SO_RCVBUF = SO_SNDBUF = SOCKET_BUFFER on every
//   socket, so that the window fits and nothing is dropped at the kernel; what
//   is dropped is reported and never counted as delivered);
// - a fixed amount of work, not a fixed time: each rep counts PACKETS
//   delivered (authenticated and decrypted) after WARMUP, and divides by the
//   CPU time (user + system, all threads of the process: JIT and GC threads
//   count against us) spent between those two points. On a loaded machine a
//   wall-clock window buys a different amount of CPU each run, and a short
//   warm-up left the JavaScript paths measuring the JIT;
// - interleaving: native, dgram and C run rep by rep, case by case; the
//   tables give medians of the per-rep ratios and their min–max spread;
// - a second ratio, best ÷ best (each side's highest rate over the reps): on
//   a shared machine other work only ever adds CPU time to a rep (a busy
//   sibling hyperthread, evicted caches), so a side's best rep is the one
//   closest to its own cost, and the per-rep ratio pairs reps that met
//   different neighbours (the same binary swung 230–360 k/CPU-s between reps
//   minutes apart at load 8 on 2 cores).
// Two more cases: an SFU's fan-out, 1 publisher → 50 subscribers at 1000 B
// (one received batch re-protected per subscriber with sendRtpBatch), vs the
// C program's fan-out mode, both sending to the same subscriber sockets (the
// C program's `sinks` mode, which reads them and reports its drops); and the
// native path in 1 vs 2 worker_threads.
// Run with `npm run bench:udp` (UDP_BENCH_REPS, UDP_BENCH_PACKETS to change).
import * as crypto from 'node:crypto';
import * as dgram from 'node:dgram';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SrtpSession, UdpSocket, versions, type SrtpProfile } from '../lib/index.js';
import { compileWithLibsrtp, note, notePinned, rerunPinned, unpin, type BenchRow, type BenchOptions, median } from './report.js';

const BATCH = 32;
const WINDOW = 96;
/** SO_RCVBUF and SO_SNDBUF of every socket, ours and C's (the kernel doubles it). */
const SOCKET_BUFFER = 1 << 20;
const PROFILES: readonly SrtpProfile[] = ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'];
const PAYLOADS = [160, 1000];

/** Packets per rep: counted after a warm-up, the same for every path. */
interface Amount {
  warmup: number;
  packets: number;
  /**
   * Workers measured together (runWorkers): [warmed up, finished] counters
   * shared by all of them, and how many there are. A worker starts measuring
   * only once every worker has finished its warm-up, ends its span as soon as
   * any worker has measured `packets` (one common window), and keeps its
   * pipeline running until every worker has ended its span, so that each
   * measured span runs while all the workers run (not while another one is
   * still starting or already gone).
   */
  gate?: { counters: Int32Array; workers: number };
  /** Datagrams the sender keeps in flight (a multiple of BATCH); WINDOW when not given. */
  inFlight?: number;
}

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
 * Packets per CPU-second and per wall-second, what the kernel dropped
 * (undefined: not known), and the share of the CPU time that threads other
 * than the main one used (V8's compiler and GC threads; undefined: not measured).
 */
interface Rate {
  cpu: number;
  wall: number;
  drops?: number;
  background?: number;
  /** The measured span: process.hrtime at its start and end (ns; one clock for every thread), packets, CPU-seconds. */
  span?: { start: number; end: number; packets: number; cpuSeconds: number };
}

/** CPU time in microseconds: the whole process (all threads), or only this thread (workers). */
type CpuClock = () => number;
const processCpu: CpuClock = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** This thread's CPU time (Linux: /proc/thread-self/schedstat, nanoseconds on a CPU). */
const threadCpu: CpuClock = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e3;
/** The main thread's CPU time in microseconds (Linux), or NaN where it cannot be read. */
function mainThreadCpu(): number {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  } catch {
    return NaN;
  }
}

/**
 * Measures deliveries: `setup(onDelivered)` starts the pipeline and returns
 * its stop function (which reports the kernel's drops, if known). The clocks
 * are read at the delivery that completes the warm-up and at the one that
 * completes `amount.packets` more: a fixed amount of work.
 */
async function measure(
  amount: Amount,
  setup: (delivered: (n: number) => void) => Promise<() => number | undefined>,
  cpuClock: CpuClock = processCpu,
): Promise<Rate> {
  let count = 0;
  let start = -1;
  let cpu0 = 0;
  let main0 = 0;
  let t0 = 0n;
  let done!: (rate: Rate) => void;
  const measured = new Promise<Rate>((resolve) => {
    done = resolve;
  });
  let rate: Rate | undefined;
  const gate = amount.gate;
  let warmedUp = false;
  let finished = false;
  const stop = await setup((n) => {
    count += n;
    if (finished) return;
    if (rate !== undefined) {
      // Measured; wait (still running) until every worker measured its span.
      if (gate !== undefined && Atomics.load(gate.counters, 1) < gate.workers) return;
      finished = true;
      done(rate);
      return;
    }
    if (start < 0) {
      if (count < amount.warmup) return;
      if (gate !== undefined) {
        if (!warmedUp) {
          warmedUp = true;
          Atomics.add(gate.counters, 0, 1);
        }
        if (Atomics.load(gate.counters, 0) < gate.workers) return;
      }
      start = count;
      cpu0 = cpuClock();
      main0 = mainThreadCpu();
      t0 = process.hrtime.bigint();
      return;
    }
    const packets = count - start;
    // With a gate, every worker's span ends once the first one has measured
    // its packets: one common window, not each worker's own amount (a worker
    // that finished first would then run on unmeasured while the slowest
    // finished, and the span from the first start to the last end would
    // understate what all of them delivered together).
    if (packets < amount.packets && (gate === undefined || Atomics.load(gate.counters, 1) === 0)) return;
    const cpu = cpuClock() - cpu0;
    const main = mainThreadCpu() - main0;
    const t1 = process.hrtime.bigint();
    rate = {
      cpu: (packets * 1e6) / cpu,
      wall: (packets * 1e9) / Number(t1 - t0),
      span: { start: Number(t0), end: Number(t1), packets, cpuSeconds: cpu / 1e6 },
    };
    if (cpuClock === processCpu && Number.isFinite(main)) rate.background = Math.max(0, 1 - main / cpu);
    if (gate !== undefined) {
      Atomics.add(gate.counters, 1, 1);
      if (Atomics.load(gate.counters, 1) < gate.workers) return;
    }
    finished = true;
    done(rate);
  });
  const result = await measured;
  const drops = stop();
  return drops === undefined ? result : { ...result, drops };
}

/**
 * The sending side of the native cases, with the flow control of the file
 * comment: BATCH copies of `template` in a slab (a stride with room for the
 * tag), each send copying the plaintext over it, stamping the next sequence
 * numbers and protecting and sending it in place with one `sendRtpBatch`;
 * `start()` fills the window, `arrived()` sends as many as a received batch
 * held, and a watchdog tops the window up when nothing arrived for a while
 * (lost datagrams shrink it; the C program does the same).
 */
class BatchSender {
  readonly stride: number;
  readonly #slab: Buffer;
  readonly #plain: Buffer;
  readonly #layout = new Int32Array(3 * BATCH);
  readonly #results = new Int32Array(BATCH);
  readonly #session: SrtpSession;
  readonly #to = { address: '127.0.0.1', port: 0 };
  readonly #inFlight: number;
  #tx: UdpSocket | undefined;
  #seq = 0;
  #owed = 0;
  #progress = 0;
  #stopped = false;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(template: Buffer, session: SrtpSession, inFlight = WINDOW) {
    this.#session = session;
    this.#inFlight = inFlight;
    this.stride = (template.length + 16 + 7) & ~7;
    this.#slab = Buffer.alloc(this.stride * BATCH);
    this.#plain = Buffer.alloc(this.#slab.length);
    for (let i = 0; i < BATCH; i++) {
      this.#layout[3 * i] = i * this.stride;
      this.#layout[3 * i + 1] = template.length;
      this.#layout[3 * i + 2] = this.stride;
      template.copy(this.#plain, i * this.stride);
    }
  }

  /** Sends the first window from `tx` to `port` on 127.0.0.1 and starts the watchdog. */
  start(tx: UdpSocket, port: number): void {
    this.#tx = tx;
    this.#to.port = port;
    for (let k = 0; k < this.#inFlight / BATCH; k++) this.#send();
    let seen = 0;
    this.#watchdog = setInterval(() => {
      if (this.#progress === seen && !this.#stopped) this.#send();
      seen = this.#progress;
    }, 5);
  }

  /** A batch of `count` datagrams arrived: as many go out (in whole batches). */
  arrived(count: number): void {
    this.#progress++;
    if (this.#stopped) return;
    this.#owed += count;
    while (this.#owed >= BATCH) {
      this.#owed -= BATCH;
      this.#send();
    }
  }

  /** Sends nothing more. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#watchdog);
  }

  #send(): void {
    const slab = this.#slab;
    slab.set(this.#plain);
    for (let i = 0; i < BATCH; i++) slab.writeUInt16BE(++this.#seq & 0xffff, i * this.stride + 2);
    this.#tx?.sendRtpBatch(this.#session, slab, this.#layout, this.#to, this.#results);
  }
}

async function runNative(profile: SrtpProfile, payload: number, amount: Amount, cpuClock: CpuClock = processCpu): Promise<Rate> {
  const s = sessions(profile);
  const sender = new BatchSender(rtpTemplate(payload), s.tx, amount.inFlight);
  const buffers = { receiveBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER };
  return measure(
    amount,
    async (delivered) => {
      const rx = await UdpSocket.bind({
        type: 'udp4',
        address: '127.0.0.1',
        batchSize: BATCH,
        ...buffers,
        onBatch(batch) {
          let n = 0;
          for (let i = 0; i < batch.count; i++) if (batch.kind(i) === 'rtp') n++;
          delivered(n);
          sender.arrived(batch.count);
        },
      });
      const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', ...buffers, onBatch: () => {} });
      rx.addRoute({ address: '127.0.0.1', port: tx.address().port }, s.rx);
      sender.start(tx, rx.address().port);
      return () => {
        sender.stop();
        const drops = rx.getStats().receiveDropped;
        tx.close();
        rx.close();
        s.tx.close();
        s.rx.close();
        return drops;
      };
    },
    cpuClock,
  );
}

async function runDgram(profile: SrtpProfile, payload: number, amount: Amount): Promise<Rate> {
  const s = sessions(profile);
  const template = rtpTemplate(payload);
  let seq = 0;
  let stopped = false;
  let progress = 0;
  const options = { type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER } as const;
  const tx = dgram.createSocket(options);
  const rx = dgram.createSocket(options);
  await Promise.all([new Promise<void>((r) => tx.bind(0, '127.0.0.1', r)), new Promise<void>((r) => rx.bind(0, '127.0.0.1', r))]);
  const port = rx.address().port;
  const send = (): void => {
    template.writeUInt16BE(++seq & 0xffff, 2);
    tx.send(s.tx.protectRtp(template), port, '127.0.0.1');
  };
  return measure(amount, async (delivered) => {
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
      return undefined; // node:dgram cannot see the kernel's drops
    };
  });
}

const FANOUT = 50;
const FANOUT_PAYLOAD = 1000;
const FANOUT_PROFILE: SrtpProfile = 'AEAD_AES_128_GCM';

/** The C program's `sinks` mode: FANOUT subscriber sockets in a process of their own, read as packets arrive. */
class Sinks {
  readonly ports: number[];
  readonly #child: ReturnType<typeof spawn>;
  readonly #lines: AsyncIterator<string>;

  private constructor(child: ReturnType<typeof spawn>, lines: AsyncIterator<string>, ports: number[]) {
    this.#child = child;
    this.#lines = lines;
    this.ports = ports;
  }

  static async start(exe: string): Promise<Sinks> {
    const child = spawn(exe, ['sinks', String(FANOUT), String(SOCKET_BUFFER)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = (async function* () {
      let text = '';
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        text += chunk.toString();
        let at;
        while ((at = text.indexOf('\n')) >= 0) {
          yield text.slice(0, at);
          text = text.slice(at + 1);
        }
      }
    })();
    const first = await lines.next();
    if (first.done === true) throw new Error('udp_bench_c sinks printed no ports');
    return new Sinks(child, lines, first.value.trim().split(' ').map(Number));
  }

  /** Closes the sinks; resolves with what they dropped on a full receive buffer. */
  async stop(): Promise<number> {
    this.#child.stdin?.end();
    const last = await this.#lines.next();
    const [, drops] = (last.done === true ? '' : last.value).trim().split(' ').map(Number);
    return drops ?? NaN;
  }
}

/**
 * The forwarding unit of an SFU: a publisher sends protected RTP to a
 * forwarding socket, which unprotects each received batch natively in place;
 * the batch is copied once into a plaintext slab, then for each of FANOUT
 * subscribers (an SRTP session of its own) copied over the send slab and
 * protected and sent with one `sendRtpBatch` (one native call, one
 * `sendmmsg`). Counts packets the kernel accepted for subscribers; the
 * subscribers live in the C program's `sinks` process, which reads them and
 * reports its drops (subtracted by the caller), as for the C fan-out.
 */
async function runFanOut(ports: readonly number[], amount: Amount): Promise<Rate> {
  const publisher = sessions(FANOUT_PROFILE);
  const subscribers = Array.from({ length: FANOUT }, () => sessions(FANOUT_PROFILE).tx);
  const publishing = new BatchSender(rtpTemplate(FANOUT_PAYLOAD), publisher.tx);
  const stride = publishing.stride;
  const slab = Buffer.alloc(stride * BATCH);
  const plain = Buffer.alloc(slab.length);
  const layout = new Int32Array(3 * BATCH);
  const results = new Int32Array(BATCH);
  const destinations = ports.map((port) => ({ address: '127.0.0.1', port }));
  const buffers = { receiveBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER };
  return measure(amount, async (delivered) => {
    const sfu = await UdpSocket.bind({
      type: 'udp4',
      address: '127.0.0.1',
      batchSize: BATCH,
      ...buffers,
      onBatch(batch) {
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
          let accepted = 0;
          for (let j = 0; j < FANOUT; j++) {
            plain.copy(slab, 0, 0, used);
            accepted += sfu.sendRtpBatch(subscribers[j] as SrtpSession, slab, view, destinations[j] as { address: string; port: number }, results);
          }
          delivered(accepted);
        }
        publishing.arrived(batch.count);
      },
    });
    const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', ...buffers, onBatch: () => {} });
    sfu.addRoute({ address: '127.0.0.1', port: tx.address().port }, publisher.rx);
    publishing.start(tx, sfu.address().port);
    return () => {
      publishing.stop();
      const drops = sfu.getStats().receiveDropped;
      tx.close();
      sfu.close();
      for (const s of subscribers) s.close();
      publisher.tx.close();
      publisher.rx.close();
      return drops;
    };
  });
}

/** Fan-out delivered to subscribers: the sinks' drops (counted over the whole rep) are not delivered. */
function lessDrops(rate: Rate, packets: number, sinkDrops: number): Rate {
  const kept = Math.max(0, packets - sinkDrops) / packets;
  return { cpu: rate.cpu * kept, wall: rate.wall * kept, drops: (rate.drops ?? 0) + sinkDrops };
}

const WORKER_PROFILE: SrtpProfile = 'AEAD_AES_128_GCM';
const WORKER_PAYLOAD = 1000;
/**
 * Datagrams each worker keeps in flight in the workers case: one batch. The
 * case asks how our path scales over threads, and on loopback a datagram's
 * bytes are written by the sending thread and read back by the kernel's copy
 * into the receiver's buffer WINDOW datagrams later. At WINDOW (96) in
 * flight, two workers' datagrams outgrew a cache the VM's two vCPUs share on
 * the host: under `perf`, the kernel's `_copy_to_iter` took 4.9× the samples
 * per packet with two workers than with one (our code's and OpenSSL's
 * samples per packet unchanged), and two workers reached 1.76–1.87× one. At
 * 32 or 64 in flight one worker's rate is the same and two reach 1.94–1.98×.
 * A NIC writes received datagrams by DMA, not from a sender's cache, so the
 * loopback effect says nothing about a server; the case at WINDOW is
 * reported too (no target), so that it stays visible.
 */
const WORKER_IN_FLIGHT = BATCH;

/** What a worker of runWorkers reports. */
interface WorkerRate {
  /** Packets per wall-second. */
  wall: number;
  /** Packets per CPU-second of the worker's own thread. */
  cpu: number;
  /**
   * CPU-seconds the workers' threads got per wall-second of the measured span
   * (2 workers can reach 2 × one worker's rate only if this reaches about 2).
   */
  cores: number;
}

/**
 * The native path in `count` worker_threads at once, each running the
 * one-thread pipeline of {@link runNative} on sockets of its own, measured
 * over one common window (from when all have warmed up until the first has
 * measured `amount.packets`): all their measured packets per wall-second of
 * the span from the first worker's start of measuring to the last one's end
 * (a sum of per-worker rates would count a worker that ran while the other
 * waited as if both ran at once), their
 * packets per CPU-second of their own threads (the mean over the workers),
 * and the CPU-seconds their threads got per wall-second of that span.
 */
async function runWorkers(count: number, amount: Amount): Promise<WorkerRate> {
  const gate = { counters: new Int32Array(new SharedArrayBuffer(8)), workers: count };
  const workers = Array.from({ length: count }, () => new Worker(__filename, { workerData: { udpBenchWorker: { ...amount, gate } } }));
  try {
    const rates = await Promise.all(
      workers.map(
        (w) =>
          new Promise<Rate>((resolve, reject) => {
            w.once('message', (rate: Rate) => resolve(rate));
            w.once('error', reject);
          }),
      ),
    );
    const spans = rates.map((r) => r.span as NonNullable<Rate['span']>);
    const seconds = (Math.max(...spans.map((x) => x.end)) - Math.min(...spans.map((x) => x.start))) / 1e9;
    return {
      wall: spans.reduce((a, x) => a + x.packets, 0) / seconds,
      cpu: rates.reduce((a, b) => a + b.cpu, 0) / rates.length,
      cores: spans.reduce((a, x) => a + x.cpuSeconds, 0) / seconds,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Builds the plain-C program (once, outside the package); undefined, with a note, when it cannot. */
function buildC(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const root = path.join(__dirname, '..', '..');
  const built = compileWithLibsrtp(path.join(root, 'bench', 'c', 'udp_bench.c'), root);
  if ('skipped' in built) {
    note(`plain C column skipped: ${built.skipped}`);
    return undefined;
  }
  return built.exe;
}

function runC(exe: string, profile: SrtpProfile, payload: number, amount: Amount): Rate {
  return parseC(execFileSync(exe, [profile, String(payload), String(amount.packets), String(amount.warmup), String(SOCKET_BUFFER)], { encoding: 'utf8' }));
}

function runCFanOut(exe: string, ports: readonly number[], amount: Amount): Rate {
  const args = ['fanout', FANOUT_PROFILE, String(FANOUT_PAYLOAD), String(amount.packets), String(amount.warmup), String(SOCKET_BUFFER)];
  return parseC(execFileSync(exe, [...args, ...ports.map(String)], { encoding: 'utf8' }));
}

function parseC(line: string): Rate {
  const [cpu, wall, drops] = line.trim().split(/\s+/).map(Number);
  return { cpu: cpu ?? NaN, wall: wall ?? NaN, drops: drops ?? NaN };
}

/** A median with the min–max of what it is the median of. */
interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The highest CPU rate of a list of reps. */
function best(list: readonly Rate[]): number {
  return Math.max(...list.map((r) => r.cpu));
}

function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

interface CaseResult {
  profile: SrtpProfile;
  payload: number;
  native: Rate;
  dgram: Rate;
  c: Rate | undefined;
  nativeOverC: Spread | undefined;
  /** The native path's best rate ÷ C's best rate over the reps. */
  bestOverC: number | undefined;
  nativeOverDgram: Spread;
  cSpread: Spread | undefined;
  nativeSpread: Spread;
  drops: { native: number; c: number };
  /** Median share of ours' CPU time on threads other than the main one. */
  background: number;
}

/**
 * Runs every case, interleaving native, dgram and C rep by rep.
 * @param options - `quick` for a run of a few seconds
 * @returns the shared bench rows (packets per CPU-second): native vs C (target ≥ 0.8) and native vs dgram (target ≥ 3) per case
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const progress = options.progress ?? (() => undefined);
  const quick = options.quick === true;
  notePinned();
  const reps = quick ? 1 : Number(process.env['UDP_BENCH_REPS'] ?? 5);
  const packets = quick ? 5000 : Number(process.env['UDP_BENCH_PACKETS'] ?? 100_000);
  const amount: Amount = { warmup: Math.max(2000, packets / 5), packets };
  const exe = buildC();
  const rows: BenchRow[] = [];
  const results: CaseResult[] = [];
  const med = (list: readonly Rate[]): Rate => ({ cpu: median(list.map((r) => r.cpu)), wall: median(list.map((r) => r.wall)) });
  const sum = (list: readonly Rate[]): number => list.reduce((a, r) => a + (r.drops ?? 0), 0);
  // Untimed rounds first, until V8's compiler threads have settled on the
  // native path: in the first reps of a process they add 15-30 % to its CPU
  // time (and nothing to C's), which was most of the swing between runs.
  // (node:dgram allocates per datagram, so its GC threads never settle: that
  // is part of its cost.)
  if (!quick) {
    for (let round = 0; round < 4; round++) {
      let busiest = 0;
      for (const profile of PROFILES) {
        for (const payload of PAYLOADS) {
          const n = await runNative(profile, payload, amount);
          await runDgram(profile, payload, { warmup: 0, packets: amount.warmup });
          busiest = Math.max(busiest, n.background ?? 0);
        }
      }
      progress(`warm-up round ${round + 1}: other threads used up to ${(busiest * 100).toFixed(1)} % of the native path's CPU time`);
      if (busiest < 0.02) break;
    }
  }
  for (const profile of PROFILES) {
    for (const payload of PAYLOADS) {
      const native: Rate[] = [];
      const viaDgram: Rate[] = [];
      const c: Rate[] = [];
      const overC: number[] = [];
      const overDgram: number[] = [];
      for (let r = 0; r < reps; r++) {
        const n = await runNative(profile, payload, amount);
        const d = await runDgram(profile, payload, amount);
        native.push(n);
        viaDgram.push(d);
        overDgram.push(n.cpu / d.cpu);
        if (exe !== undefined) {
          const cRate = runC(exe, profile, payload, amount);
          c.push(cRate);
          overC.push(n.cpu / cRate.cpu);
        }
      }
      const result: CaseResult = {
        profile,
        payload,
        native: med(native),
        dgram: med(viaDgram),
        c: exe === undefined ? undefined : med(c),
        nativeOverC: exe === undefined ? undefined : spread(overC),
        bestOverC: exe === undefined ? undefined : best(native) / best(c),
        nativeOverDgram: spread(overDgram),
        cSpread: exe === undefined ? undefined : spread(c.map((x) => x.cpu)),
        nativeSpread: spread(native.map((x) => x.cpu)),
        drops: { native: sum(native), c: sum(c) },
        background: median(native.map((x) => x.background ?? NaN)),
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
          ratio: result.nativeOverC.median,
          target: { min: 0.8, of: 'ratio' },
        });
      }
      rows.push({
        suite: 'udp',
        case: `${name} (vs node:dgram)`,
        metric: 'packets/CPU-s',
        ours: result.native.cpu,
        anchor: { name: 'node:dgram + SrtpSession', value: result.dgram.cpu },
        ratio: result.nativeOverDgram.median,
        target: { min: 3, of: 'ratio' },
      });
    }
  }
  lastResults = results;
  lastReps = { reps, amount };

  // Fan-out 1 → FANOUT subscribers, ours vs the C mode, interleaved, each rep with fresh sinks.
  const fanAmount: Amount = { warmup: amount.warmup * 2, packets: amount.packets * 2 };
  const fanOurs: Rate[] = [];
  const fanC: Rate[] = [];
  const fanRatio: number[] = [];
  for (let r = 0; r < reps && exe !== undefined; r++) {
    let sinks = await Sinks.start(exe);
    const ours = await runFanOut(sinks.ports, fanAmount);
    const n = lessDrops(ours, fanAmount.packets, await sinks.stop());
    sinks = await Sinks.start(exe);
    const theirs = runCFanOut(exe, sinks.ports, fanAmount);
    const cRate = lessDrops(theirs, fanAmount.packets, await sinks.stop());
    fanOurs.push(n);
    fanC.push(cRate);
    fanRatio.push(n.cpu / cRate.cpu);
  }
  lastFanOut =
    exe === undefined
      ? undefined
      : { ours: med(fanOurs), c: med(fanC), ratio: spread(fanRatio), best: best(fanOurs) / best(fanC), drops: { ours: sum(fanOurs), c: sum(fanC) } };
  if (lastFanOut !== undefined) {
    progress(`fan-out 1 → ${FANOUT} per CPU-s: native ${fmt(lastFanOut.ours.cpu)}, C ${fmt(lastFanOut.c.cpu)}`);
    rows.push({
      suite: 'udp',
      case: `fan-out 1 → ${FANOUT} subscribers, ${FANOUT_PROFILE} ${FANOUT_PAYLOAD} B, delivered to subscribers (vs plain C)`,
      metric: 'packets/CPU-s',
      ours: lastFanOut.ours.cpu,
      anchor: { name: 'plain C recvmmsg/sendmmsg + libsrtp fan-out', value: lastFanOut.c.cpu },
      ratio: lastFanOut.ratio.median,
      target: { min: 0.8, of: 'ratio' },
    });
  }

  // 1 worker vs 2 workers on the native path, interleaved, on every CPU the
  // runner could use (the cases above ran on one, next to the C program).
  if (!unpin()) note('the workers case ran on one CPU only: taskset could not give the process its CPUs back');
  // Each rep: 1 and 2 workers with WORKER_IN_FLIGHT datagrams in flight (the
  // target), then the same with WINDOW in flight (reported, no target).
  const base: Amount = quick ? amount : { warmup: amount.warmup, packets: amount.packets * 2 };
  const pairs = [{ inFlight: WORKER_IN_FLIGHT }, { inFlight: WINDOW }].map(({ inFlight }) => ({
    amount: { ...base, inFlight },
    one: [] as WorkerRate[],
    two: [] as WorkerRate[],
  }));
  for (let r = 0; r < Math.min(reps, 3); r++) {
    for (const pair of pairs) {
      pair.one.push(await runWorkers(1, pair.amount));
      pair.two.push(await runWorkers(2, pair.amount));
    }
  }
  lastWorkers = pairs.map(({ amount: { inFlight, packets }, one, two }) => ({
    inFlight: inFlight ?? WINDOW,
    cores: { one: median(one.map((w) => w.cores)), two: median(two.map((w) => w.cores)) },
    one: median(one.map((w) => w.wall)),
    two: median(two.map((w) => w.wall)),
    ratio: spread(one.map((a, i) => (two[i] as WorkerRate).wall / a.wall)),
    efficiency: spread(one.map((a, i) => (two[i] as WorkerRate).cpu / a.cpu)),
    reps: one.length,
    packets,
  }));
  for (const [i, w] of lastWorkers.entries()) {
    progress(`workers, ${w.inFlight} in flight, packets per wall-s: 1 → ${fmt(w.one)}, 2 → ${fmt(w.two)}`);
    rows.push({
      suite: 'udp',
      case:
        `native path, ${WORKER_PROFILE} ${WORKER_PAYLOAD} B loopback, 2 workers (vs 1 worker), ${w.inFlight} datagrams in flight per worker` +
        (i === 0 ? '' : ' (loopback cache effect, see docs)'),
      metric: 'packets/s (wall)',
      ours: w.two,
      anchor: { name: '1 worker', value: w.one },
      ratio: w.ratio.median,
      ...(i === 0 ? { target: { min: 1.8, of: 'ratio' as const } } : {}),
    });
  }
  return rows;
}

let lastResults: CaseResult[] = [];
let lastReps: { reps: number; amount: Amount } = { reps: 0, amount: { warmup: 0, packets: 0 } };
let lastFanOut: { ours: Rate; c: Rate; ratio: Spread; best: number; drops: { ours: number; c: number } } | undefined;
let lastWorkers: {
  inFlight: number;
  one: number;
  two: number;
  ratio: Spread;
  efficiency: Spread;
  reps: number;
  packets: number;
  cores: { one: number; two: number };
}[] = [];

function fmt(rate: number | undefined): string {
  return rate === undefined ? '—' : `${(rate / 1e3).toFixed(0)} k`;
}

function times(value: Spread | undefined): string {
  return value === undefined ? '—' : `${value.median.toFixed(2)}× (${value.min.toFixed(2)}–${value.max.toFixed(2)})`;
}

function ratio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

function range(value: Spread | undefined): string {
  return value === undefined ? '—' : `${fmt(value.min)}–${fmt(value.max)}`;
}

const job = isMainThread ? undefined : (workerData as { udpBenchWorker?: Amount } | null)?.udpBenchWorker;
if (job !== undefined) {
  // A worker of runWorkers: one native pipeline, its rate (CPU: this thread's own) back to the parent.
  runNative(WORKER_PROFILE, WORKER_PAYLOAD, job, threadCpu).then(
    (rate) => parentPort?.postMessage(rate),
    (err: unknown) => {
      throw err;
    },
  );
} else if (require.main === module && !rerunPinned(__filename)) {
  const started = Date.now();
  run({ quick: process.argv.includes('--quick'), progress: (line) => process.stderr.write(`${line}\n`) })
    .then(() => {
      const v = versions();
      const { reps, amount } = lastReps;
      console.log(
        `UDP + SRTP on loopback, packets delivered (authenticated and decrypted) per CPU-second of the whole process, ` +
          `${reps} interleaved reps of ${amount.packets} packets after ${amount.warmup} of warm-up; medians, ratios are medians of ` +
          `per-rep ratios with their min–max; batch ${BATCH}, window ${WINDOW}, socket buffers ${SOCKET_BUFFER} B; ${v.openssl}, ${v.libsrtp}, ` +
          `Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
      );
      console.log('');
      console.log(
        '| profile | payload B | native | node:dgram | plain C | native ÷ C (≥ 0.8) | best ÷ best | native ÷ dgram (≥ 3) | native range | C range | kernel drops native / C | native: other threads |',
      );
      console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of lastResults) {
        console.log(
          `| ${r.profile} | ${r.payload} | ${fmt(r.native.cpu)} | ${fmt(r.dgram.cpu)} | ${fmt(r.c?.cpu)} | ${times(r.nativeOverC)} | ${ratio(r.bestOverC)} | ` +
            `${times(r.nativeOverDgram)} | ${range(r.nativeSpread)} | ${range(r.cSpread)} | ${r.drops.native} / ${r.drops.c} | ` +
            `${(r.background * 100).toFixed(1)} % |`,
        );
      }
      if (lastFanOut !== undefined) {
        console.log('');
        console.log(
          `Fan-out 1 → ${FANOUT} subscribers, ${FANOUT_PROFILE} ${FANOUT_PAYLOAD} B: packets delivered to the subscribers' sockets per CPU-second ` +
            `(${amount.packets * 2} after ${amount.warmup * 2}; kernel drops subtracted)`,
        );
        console.log('');
        console.log('| native (sendRtpBatch per subscriber) | plain C | native ÷ C (≥ 0.8) | best ÷ best | kernel drops native / C |');
        console.log('|---:|---:|---:|---:|---:|');
        console.log(
          `| ${fmt(lastFanOut.ours.cpu)} | ${fmt(lastFanOut.c.cpu)} | ${times(lastFanOut.ratio)} | ${ratio(lastFanOut.best)} | ` +
            `${lastFanOut.drops.ours} / ${lastFanOut.drops.c} |`,
        );
      }
      const [firstWorkers] = lastWorkers;
      if (firstWorkers !== undefined) {
        console.log('');
        console.log(
          `Native path in worker_threads, ${WORKER_PROFILE} ${WORKER_PAYLOAD} B, each worker its own pipeline, measured over one common window ` +
            `(until the first worker has done ${firstWorkers.packets} packets), ${firstWorkers.reps} interleaved reps on ${os.cpus().length} CPUs. ` +
            `Wall: all workers' packets per wall-second from the first ` +
            `one's start of measuring to the last one's end (needs two idle cores). Per thread-CPU-s: each worker's packets per CPU-second of its own thread, 2 workers ÷ 1 ` +
            `(1.00 = no contention between workers; 2 × this is the scaling two free cores give). CPU cores: CPU-seconds the ` +
            `workers' threads got per wall-second of that span (each worker sends and receives in its own thread, loopback ` +
            `included, so 2 workers reach 2 × one only when this reaches about 2)`,
        );
        console.log('');
        console.log(
          '| datagrams in flight per worker | 1 worker (wall) | 2 workers (wall) | 2 ÷ 1, wall (≥ 1.8 at the first) | 2 ÷ 1, per thread-CPU-s | CPU cores the workers got, 1 / 2 workers |',
        );
        console.log('|---:|---:|---:|---:|---:|---:|');
        for (const w of lastWorkers) {
          console.log(
            `| ${w.inFlight} | ${fmt(w.one)} | ${fmt(w.two)} | ${times(w.ratio)} | ${times(w.efficiency)} | ` +
              `${w.cores.one.toFixed(2)} / ${w.cores.two.toFixed(2)} |`,
          );
        }
      }
      console.log('');
      console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
