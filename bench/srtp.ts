// SPDX-License-Identifier: MIT
// SRTP throughput: packets/s for protect and unprotect, per profile, at 160
// and 1200 byte payloads, through the copy, in-place and batch forms, side by
// side with werift-rtp (pure TypeScript on node:crypto) and with the same
// libsrtp driven from plain C (bench/c/srtp_bench.c), in the same run.
// Run with `npm run bench:srtp`; `run()` returns the figures as BenchRows.
//
// Interleaved: each repetition runs every form of one case once, in a
// rotating order, then the plain-C program measures the same case for the
// same time (a child process that waits for our commands, so that it runs
// right after us, under the same load). Ratios are medians of the
// per-repetition ratios (in-place ÷ C of repetition r, ...), which cancels
// the load that changes from one repetition to the next; the packets/s are
// medians of the repetitions.
//
// Both sides do the same work per packet: the same policy (REPLAY_WINDOW),
// the same RTP header and payload length, protect = store the sequence
// number (two bytes), copy the packet into the work buffer and protect it
// there, unprotect = a fresh receiver over the same kind of stream, its
// packets packed one after another (Node's Buffer copies sit in 8 KiB pools;
// the C program copies its packets to consecutive 8-byte boundaries).
// (Counted with callgrind, each side runs the same libsrtp and OpenSSL
// instructions per packet; ours adds the call.)
//
// What each form measures:
// - copy:     protectRtp(packet) / unprotectRtp(datagram) -> new Buffer
// - in-place: protect: write the packet into one reusable buffer, protect it there;
//             unprotect: decrypt each received datagram in its own buffer
//             (64 packets per step of the timing loop, as in the C loop)
// - batch:    the in-place batch form, BATCH packets per native call
// - werift:   SrtpSession.encrypt(payload, header) / decrypt(datagram)
//
// werift-rtp and the plain-C program are optional: without one, its column
// is left out with a note and the rest runs. The C program links the libsrtp
// archive of a build from source (build/Release/srtp.a), which a prebuilt
// install does not have.
import * as crypto from 'node:crypto';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { SrtpSession, versions, type SrtpProfile } from '../lib/index.js';
import { compileWithLibsrtp, loadOptional, note, notePinned, rerunPinned, type BenchRow, type BenchOptions, median } from './report.js';

type WeriftRtp = typeof import('werift-rtp');


let REPS = Number(process.env['SRTP_BENCH_REPS'] ?? 7);
let REP_MS = Number(process.env['SRTP_BENCH_REP_MS'] ?? 120);
const BATCH = 64;
const ALL_PROFILES: readonly SrtpProfile[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
];
// SRTP_BENCH_PROFILES / SRTP_BENCH_PAYLOADS (comma-separated) pick a subset.
const PROFILES = ALL_PROFILES.filter((p) => (process.env['SRTP_BENCH_PROFILES'] ?? p).split(',').includes(p));
const WERIFT_PROFILE: Partial<Record<SrtpProfile, number>> = { AES_CM_128_HMAC_SHA1_80: 1, AEAD_AES_128_GCM: 7 };
const PAYLOADS = [160, 1200].filter((n) => (process.env['SRTP_BENCH_PAYLOADS'] ?? `${n}`).split(',').includes(`${n}`));
/** The target: in-place ≥ 0.8 × plain C at 160 B for these. */
const IN_PLACE_TARGET: Partial<Record<SrtpProfile, number>> = { AES_CM_128_HMAC_SHA1_80: 0.8, AEAD_AES_128_GCM: 0.8 };

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Keys {
  key: Buffer;
  salt: Buffer;
}

function keysFor(profile: SrtpProfile): Keys {
  return {
    key: crypto.randomBytes(profile === 'AEAD_AES_256_GCM' ? 32 : 16),
    salt: crypto.randomBytes(profile.startsWith('AEAD') ? 12 : 14),
  };
}

/**
 * The replay window of bench/c/srtp_bench.c's policy, set here rather than
 * left to our default, so that both sides run the same policy: the profile's
 * crypto policies, wildcard SSRCs, this window, no repeated protect.
 */
const REPLAY_WINDOW = 1024;

function session(profile: SrtpProfile, k: Keys): SrtpSession {
  return new SrtpSession({
    profile,
    localKey: k.key,
    localSalt: k.salt,
    remoteKey: k.key,
    remoteSalt: k.salt,
    replayWindow: REPLAY_WINDOW,
  });
}

function werift(peer: WeriftRtp, profile: number, k: Keys): WeriftSrtpSession {
  return new peer.SrtpSession({
    keys: { localMasterKey: k.key, localMasterSalt: k.salt, remoteMasterKey: k.key, remoteMasterSalt: k.salt },
    profile,
  });
}

function rtpPacket(payload: number, seq: number): Buffer {
  const packet = Buffer.alloc(12 + payload);
  packet[0] = 0x80;
  packet[1] = 111;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(seq * 960, 4);
  packet.writeUInt32BE(0x1234abcd, 8);
  crypto.randomFillSync(packet, 12);
  return packet;
}


/**
 * Packets per wall-clock second and per CPU second of the thread that runs
 * the loop (the C program has one thread). Only that thread, where Linux
 * tells it (/proc/thread-self/schedstat, in ns): V8's helper threads sweep
 * up after the `gc()` between repetitions and after the garbage the setup of
 * another form left, which is not the cost of the form being measured. The
 * forms compared with C allocate nothing per packet. Elsewhere: the whole
 * process (`process.cpuUsage`).
 */
interface Rate {
  wall: number;
  cpu: number;
}

/** CPU time of this thread (or process) in ns. */
const cpuNs: () => number = (() => {
  try {
    fs.readFileSync('/proc/thread-self/schedstat', 'utf8');
    return () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return () => {
      const u = process.cpuUsage();
      return (u.user + u.system) * 1000;
    };
  }
})();

/**
 * Packets per step of the in-place forms: the packets of one step run in a
 * loop of their own inside the form's step function, as bench/c/srtp_bench.c
 * runs 64 packets between two looks at the clock. (`timed`'s call of `step`
 * sees every form's function, so V8 cannot inline it there: a step per packet
 * added that call to every packet, which the C loop does not have.)
 */
const IN_PLACE_STEP = 64;

/** Runs `step(i)` (which handles `perStep` packets) until REP_MS passed or `limit` packets. */
function timed(step: (i: number) => void, perStep: number, limit = Infinity): Rate {
  let packets = 0;
  let i = 0;
  // Look at the clock about every 16 packets, at least once per step.
  const mask = perStep >= 16 ? 0 : 15;
  const cpu0 = cpuNs();
  const start = process.hrtime.bigint();
  const budget = BigInt(REP_MS) * 1_000_000n;
  let elapsed = 0n;
  while (packets + perStep <= limit) {
    step(i++);
    packets += perStep;
    if ((i & mask) === 0) {
      elapsed = process.hrtime.bigint() - start;
      if (elapsed >= budget) break;
    }
  }
  elapsed = process.hrtime.bigint() - start;
  const cpu = cpuNs() - cpu0;
  return { wall: (packets * 1e9) / Number(elapsed), cpu: (packets * 1e9) / Math.max(1, cpu) };
}

type Form = 'copy' | 'in-place' | 'batch' | 'werift';
type Op = 'protect' | 'unprotect';

/** One form of one case: `rep()` measures one repetition (packets/s). */
interface Runner {
  rep: () => Rate;
  close: () => void;
}

/**
 * Stores the sequence number (mod 2^16) in an RTP packet: two byte stores, as
 * bench/c/srtp_bench.c does. `writeUInt16BE`, which checks its arguments, cost
 * about 310 instructions more per packet (callgrind), work the C side never did.
 */
function setSequence(packet: Buffer, seq: number): void {
  packet[2] = (seq >>> 8) & 0xff;
  packet[3] = seq & 0xff;
}

// ---- protect: one session per case, one reusable packet ----
function protectRunner(profile: SrtpProfile, payload: number, form: Form, peer: WeriftRtp | undefined): Runner {
  const packet = rtpPacket(payload, 0);
  let seq = 0;
  if (form === 'werift') {
    const w = werift(peer as WeriftRtp, WERIFT_PROFILE[profile] as number, keysFor(profile));
    const parsed = (peer as WeriftRtp).RtpPacket.deSerialize(packet);
    return {
      rep: () =>
        timed(() => {
          parsed.header.sequenceNumber = ++seq & 0xffff;
          w.encrypt(parsed.payload, parsed.header);
        }, 1),
      close: () => undefined,
    };
  }
  const s = session(profile, keysFor(profile));
  const close = (): void => s.close();
  if (form === 'copy') {
    return {
      rep: () =>
        timed(() => {
          setSequence(packet, ++seq);
          s.protectRtp(packet);
        }, 1),
      close,
    };
  }
  if (form === 'in-place') {
    const work = Buffer.alloc(packet.length + s.rtpOverhead);
    return {
      rep: () =>
        timed(() => {
          for (let j = 0; j < IN_PLACE_STEP; j++) {
            setSequence(packet, ++seq);
            work.set(packet);
            if (s.protectRtpInPlace(work, packet.length) < 0) throw new Error('protect failed');
          }
        }, IN_PLACE_STEP),
      close,
    };
  }
  const stride = (packet.length + s.rtpOverhead + 3) & ~3;
  const slab = Buffer.alloc(stride * BATCH);
  const layout = new Int32Array(3 * BATCH);
  for (let i = 0; i < BATCH; i++) layout.set([i * stride, packet.length, stride], 3 * i);
  const results = new Int32Array(BATCH);
  return {
    rep: () =>
      timed(() => {
        for (let i = 0; i < BATCH; i++) {
          setSequence(packet, ++seq);
          slab.set(packet, i * stride);
        }
        if (s.protectRtpBatchInPlace(slab, layout, results) !== BATCH) throw new Error('protect failed');
      }, BATCH),
    close,
  };
}

// ---- unprotect: a stream of distinct protected packets, replayed into a fresh receiver per repetition ----
function protectedStream(profile: SrtpProfile, k: Keys, payload: number): Buffer[] {
  const count = payload > 500 ? 16384 : 32768;
  const sender = session(profile, k);
  const stream = Array.from({ length: count }, (_, i) => sender.protectRtp(rtpPacket(payload, i + 1)));
  sender.close();
  return stream;
}

function unprotectRunner(profile: SrtpProfile, form: Form, k: Keys, stream: Buffer[], peer: WeriftRtp | undefined): Runner {
  const close = (): void => undefined;
  if (form === 'werift') {
    return {
      rep: () => {
        const w = werift(peer as WeriftRtp, WERIFT_PROFILE[profile] as number, k);
        return timed((i) => w.decrypt(stream[i] as Buffer), 1, stream.length);
      },
      close,
    };
  }
  if (form === 'copy') {
    return {
      rep: () => {
        const s = session(profile, k);
        const rate = timed((i) => s.unprotectRtp(stream[i] as Buffer), 1, stream.length);
        s.close();
        return rate;
      },
      close,
    };
  }
  if (form === 'in-place') {
    return {
      rep: () => {
        const s = session(profile, k);
        const copies = stream.map((p) => Buffer.from(p)); // fresh "received" datagrams, outside the timing
        const rate = timed(
          (b) => {
            for (let i = b * IN_PLACE_STEP, end = i + IN_PLACE_STEP; i < end; i++) {
              const p = copies[i] as Buffer;
              if (s.unprotectRtpInPlace(p, p.length) < 0) throw new Error('unprotect failed');
            }
          },
          IN_PLACE_STEP,
          copies.length,
        );
        s.close();
        return rate;
      },
      close,
    };
  }
  const length = (stream[0] as Buffer).length;
  const stride = (length + 3) & ~3;
  const original = Buffer.alloc(stride * stream.length);
  stream.forEach((p, i) => p.copy(original, i * stride));
  const slab = Buffer.alloc(original.length);
  const layouts = Array.from({ length: Math.floor(stream.length / BATCH) }, (_, b) => {
    const layout = new Int32Array(3 * BATCH);
    for (let i = 0; i < BATCH; i++) layout.set([(b * BATCH + i) * stride, length, length], 3 * i);
    return layout;
  });
  const out = new Int32Array(BATCH);
  return {
    rep: () => {
      const s = session(profile, k);
      original.copy(slab);
      const rate = timed(
        (b) => {
          if (s.unprotectRtpBatchInPlace(slab, layouts[b] as Int32Array, out) !== BATCH) throw new Error('unprotect failed');
        },
        BATCH,
        layouts.length * BATCH,
      );
      s.close();
      return rate;
    },
    close,
  };
}

// ---- plain C driver over the same libsrtp + OpenSSL (optional) ----
/** bench/c/srtp_bench.c as a child process that measures one case per command. */
class PlainC {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: ((line: string) => void)[] = [];

  private constructor(exe: string) {
    this.#child = spawn(exe, [], { stdio: 'pipe' });
    this.#child.on('error', () => undefined);
    this.#child.on('exit', () => {
      for (const resolve of this.#waiting.splice(0)) resolve('error exited');
    });
    readline.createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.(line));
  }

  /**
   * Builds the program with the system C compiler (into a cache outside the
   * package, see compileC) and starts it; undefined, with a note saying why and
   * how to get it, if it cannot be built.
   */
  static start(): PlainC | undefined {
    const root = path.join(__dirname, '..', '..');
    const built = compileWithLibsrtp(path.join(root, 'bench', 'c', 'srtp_bench.c'), root);
    if ('skipped' in built) {
      note(`plain C column skipped: ${built.skipped}`);
      return undefined;
    }
    return new PlainC(built.exe);
  }

  /** One repetition of one case in the C program, or undefined if it failed. */
  async measure(profile: SrtpProfile, payload: number, op: Op, ms: number): Promise<Rate | undefined> {
    const line = await new Promise<string>((resolve) => {
      this.#waiting.push(resolve);
      this.#child.stdin.write(`${profile} ${payload} ${op} ${ms}\n`);
    });
    const [wall, cpu] = line.split(/\s+/).map(Number);
    return wall !== undefined && cpu !== undefined && wall > 0 && cpu > 0 ? { wall, cpu } : undefined;
  }

  close(): void {
    this.#child.stdin.end();
  }
}

type Key = keyof Rate;
type Ratios = Partial<Record<'inPlaceVsC' | 'batchVsC' | 'copyVsWerift' | 'inPlaceVsWerift' | 'batchVsWerift', number>>;

/** Medians of one case (profile, payload, op), every form, and the per-repetition ratios. */
interface CaseResult {
  profile: SrtpProfile;
  payload: number;
  op: Op;
  /** median packets/s per form, per wall-clock and per CPU second */
  rates: Record<Key, Partial<Record<Form | 'c', number>>>;
  /** medians of per-repetition ratios, per wall-clock and per CPU second */
  ratios: Record<Key, Ratios>;
}

function medianRatio(a: Rate[] | undefined, b: (Rate | undefined)[] | undefined, key: Key): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const ratios: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const d = b[i];
    if (d !== undefined) ratios.push((a[i] as Rate)[key] / d[key]);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}

async function measureCase(
  profile: SrtpProfile,
  payload: number,
  op: Op,
  c: PlainC | undefined,
  stream: Buffer[] | undefined,
  k: Keys,
  peer: WeriftRtp | undefined,
): Promise<CaseResult> {
  const forms: Form[] = ['copy', 'in-place', 'batch'];
  if (peer !== undefined && WERIFT_PROFILE[profile] !== undefined) forms.push('werift');
  const runners = forms.map((form) =>
    op === 'protect' ? protectRunner(profile, payload, form, peer) : unprotectRunner(profile, form, k, stream as Buffer[], peer),
  );
  const reps = new Map<Form | 'c', (Rate | undefined)[]>(forms.map((f) => [f, []]));
  const cReps: (Rate | undefined)[] = [];
  // Warm-up (JIT, libsrtp stream state), not counted.
  for (const r of runners) r.rep();
  for (let rep = 0; rep < REPS; rep++) {
    for (let j = 0; j < runners.length; j++) {
      const index = (rep + j) % runners.length; // rotating order
      gc();
      reps.get(forms[index] as Form)?.push((runners[index] as Runner).rep());
    }
    cReps.push(c === undefined ? undefined : await c.measure(profile, payload, op, REP_MS));
  }
  for (const r of runners) r.close();
  if (cReps.some((r) => r !== undefined)) reps.set('c', cReps);
  const result: CaseResult = { profile, payload, op, rates: { wall: {}, cpu: {} }, ratios: { wall: {}, cpu: {} } };
  for (const key of ['wall', 'cpu'] as const) {
    for (const [form, values] of reps) {
      const defined = values.filter((v): v is Rate => v !== undefined);
      if (defined.length > 0) result.rates[key][form] = median(defined.map((v) => v[key]));
    }
    const get = (f: Form): Rate[] | undefined => reps.get(f) as Rate[] | undefined;
    const werift = get('werift');
    const ratios: Ratios = {
      inPlaceVsC: medianRatio(get('in-place'), c === undefined ? undefined : cReps, key),
      batchVsC: medianRatio(get('batch'), c === undefined ? undefined : cReps, key),
      copyVsWerift: medianRatio(get('copy'), werift, key),
      inPlaceVsWerift: medianRatio(get('in-place'), werift, key),
      batchVsWerift: medianRatio(get('batch'), werift, key),
    };
    result.ratios[key] = ratios;
  }
  return result;
}

async function measureAll(options: BenchOptions): Promise<CaseResult[]> {
  const payloads = options.quick === true ? [160] : PAYLOADS;
  const peer = loadOptional('werift-rtp') as WeriftRtp | undefined;
  if (peer === undefined) note('werift-rtp is not installed: its column is skipped (npm install werift-rtp to compare with it)');
  const c = PlainC.start();
  const results: CaseResult[] = [];
  try {
    for (const profile of PROFILES) {
      for (const payload of payloads) {
        options.progress?.(`srtp: ${profile} ${payload} B protect`);
        const k = keysFor(profile);
        results.push(await measureCase(profile, payload, 'protect', c, undefined, k, peer));
        options.progress?.(`srtp: ${profile} ${payload} B unprotect`);
        const stream = protectedStream(profile, k, payload);
        results.push(await measureCase(profile, payload, 'unprotect', c, stream, k, peer));
      }
    }
  } finally {
    c?.close();
  }
  if (c !== undefined && results.every((r) => r.rates.cpu.c === undefined)) {
    note('plain C column skipped: the plain-C program answered no command (it failed to start or to run)');
  }
  return results;
}

/**
 * Rows per CPU second: on a shared machine the wall-clock figure of the C
 * child is biased in its favour (it has just woken from waiting for our
 * command, and the scheduler runs a fresh sleeper before a busy process),
 * while CPU time is what each side spent; the table shows both.
 */
function toRows(results: CaseResult[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of results) {
    const name = `${r.profile} ${r.payload} B ${r.op}`;
    const rates = r.rates.cpu;
    const ratios = r.ratios.cpu;
    const row = (form: Form, anchorName: string, anchor: number | undefined, ratio: number | undefined): BenchRow => {
      const out: BenchRow = { suite: 'srtp', case: `${name} ${form}`, metric: 'packets/CPU-s', ours: rates[form] ?? NaN };
      if (anchor !== undefined && ratio !== undefined) {
        out.anchor = { name: anchorName, value: anchor };
        out.ratio = ratio;
      }
      return out;
    };
    const inPlace = row('in-place', 'plain C', rates.c, ratios.inPlaceVsC);
    const target = IN_PLACE_TARGET[r.profile];
    if (target !== undefined && r.payload === 160) inPlace.target = { min: target, of: 'ratio' };
    rows.push(inPlace, row('batch', 'plain C', rates.c, ratios.batchVsC));
    rows.push(row('copy', 'werift-rtp', rates.werift, ratios.copyVsWerift));
  }
  return rows;
}

/**
 * Runs the SRTP benchmark (interleaved with plain C and werift-rtp, see the
 * top of this file).
 * @param options - `quick` for a run of a few seconds; `progress` gets one line per case
 * @returns one row per case and form: in-place and batch against plain C, copy against werift-rtp
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  return toRows(await withSettings(options, () => measureAll(options)));
}

async function withSettings<T>(options: BenchOptions, body: () => Promise<T>): Promise<T> {
  notePinned();
  const saved = [REPS, REP_MS];
  if (options.quick === true) {
    REPS = 3;
    REP_MS = 15;
  }
  try {
    return await body();
  } finally {
    [REPS, REP_MS] = saved as [number, number];
  }
}

function fmt(rate: number | undefined): string {
  if (rate === undefined || Number.isNaN(rate)) return '—';
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(0)} k`;
}

function x(ratio: number | undefined): string {
  return ratio === undefined ? '—' : `${ratio.toFixed(2)}×`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const v = versions();
  const quick = process.argv.includes('--quick');
  const options: BenchOptions = { quick, progress: (line) => process.stderr.write(`${line}\n`) };
  const results = await withSettings(options, () => measureAll(options));
  console.log(
    `SRTP packets/s, ${quick ? 3 : REPS} × ${quick ? 15 : REP_MS} ms per form, interleaved with plain C; medians, ` +
      `ratios = medians of per-repetition ratios; ${v.openssl}, ${v.libsrtp}, Node ${process.version}, ` +
      `${process.arch}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0]?.toFixed(1) ?? '?'}`,
  );
  console.log(`batch = ${BATCH} packets per native call; werift-rtp supports AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM only.`);
  for (const key of ['cpu', 'wall'] as const) {
    console.log('');
    console.log(key === 'cpu' ? 'Per CPU second of the measuring thread:' : 'Per wall-clock second:');
    console.log('');
    console.log(
      '| profile | payload B | op | copy | in-place | batch | werift-rtp | plain C | in-place ÷ C | batch ÷ C | copy ÷ werift | in-place ÷ werift | batch ÷ werift |',
    );
    console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const rate = r.rates[key];
      const ratio = r.ratios[key];
      console.log(
        `| ${r.profile} | ${r.payload} | ${r.op} | ${fmt(rate.copy)} | ${fmt(rate['in-place'])} | ${fmt(rate.batch)} | ` +
          `${fmt(rate.werift)} | ${fmt(rate.c)} | ${x(ratio.inPlaceVsC)} | ${x(ratio.batchVsC)} | ${x(ratio.copyVsWerift)} | ` +
          `${x(ratio.inPlaceVsWerift)} | ${x(ratio.batchVsWerift)} |`,
      );
    }
  }
  console.log('');
  console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module && !rerunPinned(__filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
