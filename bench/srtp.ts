// SPDX-License-Identifier: MIT
// SRTP throughput: packets/s for protect and unprotect, per profile, at 160
// and 1200 byte payloads, through the copy, in-place and batch forms, side by
// side with werift-rtp (pure TypeScript on node:crypto) in the same run.
// Medians of REPS repetitions. Run with `npm run bench:srtp`.
//
// What each form measures:
// - copy:     protectRtp(packet) / unprotectRtp(datagram) -> new Buffer
// - in-place: protect: write the packet into one reusable buffer, protect it there;
//             unprotect: decrypt each received datagram in its own buffer
// - batch:    the in-place batch form, BATCH packets per native call
// - werift:   SrtpSession.encrypt(payload, header) / decrypt(datagram)
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RtpPacket, SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { SrtpSession, versions, type SrtpProfile } from '../lib/index.js';

const REPS = Number(process.env['SRTP_BENCH_REPS'] ?? 7);
const REP_MS = Number(process.env['SRTP_BENCH_REP_MS'] ?? 120);
const BATCH = 64;
const PROFILES: readonly SrtpProfile[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
];
const WERIFT_PROFILE: Partial<Record<SrtpProfile, number>> = { AES_CM_128_HMAC_SHA1_80: 1, AEAD_AES_128_GCM: 7 };
const PAYLOADS = [160, 1200];

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

function session(profile: SrtpProfile, k: Keys): SrtpSession {
  return new SrtpSession({ profile, localKey: k.key, localSalt: k.salt, remoteKey: k.key, remoteSalt: k.salt });
}

function werift(profile: number, k: Keys): WeriftSrtpSession {
  return new WeriftSrtpSession({
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs `step(i)` (which handles `perStep` packets) until REP_MS passed or `limit` packets; returns packets/s. */
function timed(step: (i: number) => void, perStep: number, limit = Infinity): number {
  let packets = 0;
  let i = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(REP_MS) * 1_000_000n;
  let elapsed = 0n;
  while (packets + perStep <= limit) {
    step(i++);
    packets += perStep;
    if ((i & 15) === 0) {
      elapsed = process.hrtime.bigint() - start;
      if (elapsed >= budget) break;
    }
  }
  elapsed = process.hrtime.bigint() - start;
  return (packets * 1e9) / Number(elapsed);
}

function repeat(run: () => number): number {
  const results: number[] = [];
  for (let r = 0; r < REPS; r++) {
    gc();
    results.push(run());
  }
  return median(results);
}

// ---- protect ----
function protectCopy(profile: SrtpProfile, payload: number): number {
  const k = keysFor(profile);
  const s = session(profile, k);
  const packet = rtpPacket(payload, 0);
  let seq = 0;
  const rate = repeat(() =>
    timed(() => {
      packet.writeUInt16BE(++seq & 0xffff, 2);
      s.protectRtp(packet);
    }, 1),
  );
  s.close();
  return rate;
}

function protectInPlace(profile: SrtpProfile, payload: number): number {
  const s = session(profile, keysFor(profile));
  const packet = rtpPacket(payload, 0);
  const work = Buffer.alloc(packet.length + s.rtpOverhead);
  let seq = 0;
  const rate = repeat(() =>
    timed(() => {
      packet.writeUInt16BE(++seq & 0xffff, 2);
      work.set(packet);
      if (s.protectRtpInPlace(work, packet.length) < 0) throw new Error('protect failed');
    }, 1),
  );
  s.close();
  return rate;
}

function protectBatch(profile: SrtpProfile, payload: number): number {
  const s = session(profile, keysFor(profile));
  const packet = rtpPacket(payload, 0);
  const stride = (packet.length + s.rtpOverhead + 3) & ~3;
  const slab = Buffer.alloc(stride * BATCH);
  const layout = new Int32Array(3 * BATCH);
  for (let i = 0; i < BATCH; i++) layout.set([i * stride, packet.length, stride], 3 * i);
  const results = new Int32Array(BATCH);
  let seq = 0;
  const rate = repeat(() =>
    timed(() => {
      for (let i = 0; i < BATCH; i++) {
        packet.writeUInt16BE(++seq & 0xffff, 2);
        slab.set(packet, i * stride);
      }
      if (s.protectRtpBatchInPlace(slab, layout, results) !== BATCH) throw new Error('protect failed');
    }, BATCH),
  );
  s.close();
  return rate;
}

function protectWerift(profile: number, payload: number): number {
  const w = werift(profile, keysFor(profile === 1 ? 'AES_CM_128_HMAC_SHA1_80' : 'AEAD_AES_128_GCM'));
  const parsed = RtpPacket.deSerialize(rtpPacket(payload, 0));
  let seq = 0;
  return repeat(() =>
    timed(() => {
      parsed.header.sequenceNumber = ++seq & 0xffff;
      w.encrypt(parsed.payload, parsed.header);
    }, 1),
  );
}

// ---- unprotect: a stream of distinct protected packets, replayed into fresh receivers ----
function protectedStream(profile: SrtpProfile, k: Keys, payload: number): Buffer[] {
  const count = payload > 500 ? 16384 : 32768;
  const sender = session(profile, k);
  const stream = Array.from({ length: count }, (_, i) => sender.protectRtp(rtpPacket(payload, i + 1)));
  sender.close();
  return stream;
}

function unprotect(
  profile: SrtpProfile,
  payload: number,
  form: 'copy' | 'in-place' | 'batch' | 'werift',
  k: Keys,
  stream: Buffer[],
): number {
  const results: number[] = [];
  for (let r = 0; r < REPS; r++) {
    gc();
    if (form === 'werift') {
      const w = werift(WERIFT_PROFILE[profile] as number, k);
      results.push(timed((i) => w.decrypt(stream[i] as Buffer), 1, stream.length));
      continue;
    }
    const s = session(profile, k);
    if (form === 'copy') {
      results.push(timed((i) => s.unprotectRtp(stream[i] as Buffer), 1, stream.length));
    } else if (form === 'in-place') {
      const copies = stream.map((p) => Buffer.from(p)); // fresh "received" datagrams, outside the timing
      results.push(
        timed((i) => {
          const p = copies[i] as Buffer;
          if (s.unprotectRtpInPlace(p, p.length) < 0) throw new Error('unprotect failed');
        }, 1, copies.length),
      );
    } else {
      const length = (stream[0] as Buffer).length;
      const stride = (length + 3) & ~3;
      const slab = Buffer.alloc(stride * stream.length);
      stream.forEach((p, i) => p.copy(slab, i * stride));
      const layouts = Array.from({ length: Math.floor(stream.length / BATCH) }, (_, b) => {
        const layout = new Int32Array(3 * BATCH);
        for (let i = 0; i < BATCH; i++) layout.set([(b * BATCH + i) * stride, length, length], 3 * i);
        return layout;
      });
      const out = new Int32Array(BATCH);
      results.push(
        timed((b) => {
          if (s.unprotectRtpBatchInPlace(slab, layouts[b] as Int32Array, out) !== BATCH) throw new Error('unprotect failed');
        }, BATCH, layouts.length * BATCH),
      );
    }
    s.close();
  }
  return median(results);
}

// ---- plain C driver over the same libsrtp + OpenSSL (optional) ----
function runC(): Map<string, number> | undefined {
  const root = path.join(__dirname, '..', '..');
  const source = path.join(root, 'bench', 'c', 'srtp_bench.c');
  const lib = path.join(root, 'build', 'Release', 'srtp.a');
  if (!fs.existsSync(source) || !fs.existsSync(lib)) return undefined;
  const exe = path.join(root, 'build', 'srtp_bench_c');
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
    const out = execFileSync(exe, [String(REPS), String(REP_MS)], { encoding: 'utf8' });
    const rates = new Map<string, number>();
    for (const line of out.trim().split('\n')) {
      const [profile, payload, op, rate] = line.split(/\s+/);
      rates.set(`${profile} ${payload} ${op}`, Number(rate));
    }
    return rates;
  } catch (err) {
    process.stderr.write(`(plain C driver skipped: ${(err as Error).message.split('\n')[0]})\n`);
    return undefined;
  }
}

function fmt(rate: number | undefined): string {
  if (rate === undefined) return '—';
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(0)} k`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '—' : `${(a / b).toFixed(1)}×`;
}

function main(): void {
  const started = Date.now();
  const v = versions();
  const c = runC();
  const rows: string[] = [];
  for (const profile of PROFILES) {
    for (const payload of PAYLOADS) {
      const weriftProfile = WERIFT_PROFILE[profile];
      const protect = {
        copy: protectCopy(profile, payload),
        inPlace: protectInPlace(profile, payload),
        batch: protectBatch(profile, payload),
        werift: weriftProfile === undefined ? undefined : protectWerift(weriftProfile, payload),
      };
      const k = keysFor(profile);
      const stream = protectedStream(profile, k, payload);
      const unprot = {
        copy: unprotect(profile, payload, 'copy', k, stream),
        inPlace: unprotect(profile, payload, 'in-place', k, stream),
        batch: unprotect(profile, payload, 'batch', k, stream),
        werift: weriftProfile === undefined ? undefined : unprotect(profile, payload, 'werift', k, stream),
      };
      for (const [op, r] of [
        ['protect', protect],
        ['unprotect', unprot],
      ] as const) {
        const cRate = c?.get(`${profile} ${payload} ${op}`);
        rows.push(
          `| ${profile} | ${payload} | ${op} | ${fmt(r.copy)} | ${fmt(r.inPlace)} | ${fmt(r.batch)} | ${fmt(r.werift)} | ` +
            `${ratio(r.copy, r.werift)} | ${ratio(r.inPlace, r.werift)} | ${ratio(r.batch, r.werift)} | ${fmt(cRate)} | ${ratio(r.batch, cRate)} |`,
        );
      }
    }
  }
  console.log(
    `SRTP packets/s, median of ${REPS} × ${REP_MS} ms; ${v.openssl}, ${v.libsrtp}, Node ${process.version}, ` +
      `${process.arch}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
  );
  console.log(`batch = ${BATCH} packets per native call; werift-rtp supports AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM only.`);
  console.log('');
  console.log(
    '| profile | payload B | op | copy | in-place | batch | werift-rtp | copy ÷ werift | in-place ÷ werift | batch ÷ werift | plain C | batch ÷ C |',
  );
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log('');
  console.log(`total run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
