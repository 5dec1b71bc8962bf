// SPDX-License-Identifier: MIT
// Memory per connected transport: N client+server pairs of DtlsSrtpTransport
// (both sides in one process, wired in memory, each handshake completed and
// one SRTP packet sent each way, so that every transport holds what a live
// media session holds), against werift (werift-dtls + a werift-rtp
// SrtpSession per side) in the same run. Each case runs in a child process
// of its own (`node --expose-gc`), so that nothing of one case stays in the
// next; figures are per transport (one side), i.e. the growth divided by 2N:
// - RSS: resident set growth after a full GC;
// - JS heap: V8 heap used; JS external: ArrayBuffers and other external
//   memory (process.memoryUsage().external, which leaves out what native
//   objects report through napi_adjust_external_memory);
// - native: C heap in use (glibc mallinfo2, from the addon), minus the
//   ArrayBuffers (Node allocates their backing stores there);
// - libsrtp: one SRTP context per transport, measured alone in its own
//   child (SrtpSession pairs keyed directly, one packet each way); the
//   native figure minus this is OpenSSL's DTLS session and our endpoint.
// Cases: DTLS kept (the default), and `mediaOnly` (the DTLS state is freed
// once the peer's first SRTP packet authenticates).
// Run with `npm run bench:memory` (N = 1,000 and 5,000; about a minute).
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { Certificate, DtlsSrtpTransport, SrtpSession, versions } from '../lib/index.js';
import { native } from '../lib/native.js';
import { type BenchRow, type BenchOptions } from './report.js';
import { weriftPair, type WeriftDtls } from './werift-pair.js';


type CaseName = 'kept' | 'media-only' | 'werift' | 'libsrtp';

/** What one child measured, per transport (bytes). */
interface Sample {
  transports: number;
  rss: number;
  heapUsed: number;
  jsExternal: number;
  arrayBuffers: number;
  native: number;
  /** What our native objects reported to V8 (napi_adjust_external_memory). */
  reported: number;
  seconds: number;
}

const A = { address: '192.0.2.1', port: 1 };
const B = { address: '192.0.2.2', port: 2 };

function packet(seq: number, ssrc: number): Buffer {
  const p = Buffer.alloc(12 + 160, 0x5a);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(ssrc, 8);
  return p;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) g();
}

interface Snapshot {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  malloc: number;
  reported: number;
}

function snapshot(): Snapshot {
  gc();
  const m = process.memoryUsage();
  const s = native.NativeDtls.memoryStats();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, malloc: s.mallocInUse, reported: s.externalMemory };
}

function perTransport(before: Snapshot, after: Snapshot, transports: number, seconds: number): Sample {
  const d = (k: keyof Snapshot): number => (after[k] - before[k]) / transports;
  return {
    transports,
    rss: d('rss'),
    heapUsed: d('heapUsed'),
    // process.memoryUsage().external does not include what native objects
    // report through napi_adjust_external_memory (that goes to V8's GC
    // heuristics only): it is ArrayBuffers and other external strings.
    jsExternal: d('external'),
    arrayBuffers: d('arrayBuffers'),
    native: before.malloc < 0 ? NaN : d('malloc') - d('arrayBuffers'),
    reported: d('reported'),
    seconds,
  };
}

/** N connected DtlsSrtpTransport pairs, one RTP packet each way; kept alive until measured. */
async function ours(n: number, mediaOnly: boolean): Promise<Sample> {
  const [ca, cb] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const keep: DtlsSrtpTransport[] = [];
  const before = snapshot();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const queue: [DtlsSrtpTransport, Buffer, typeof A][] = [];
    let pumping = false;
    const deliver = (to: () => DtlsSrtpTransport, from: typeof A) => (d: Buffer): void => {
      queue.push([to(), d, from]);
      if (pumping) return;
      pumping = true;
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1], item[2]);
      pumping = false;
    };
    const common = { srtpProfiles: ['AEAD_AES_128_GCM' as const], ...(mediaOnly ? { mediaOnly: true } : {}) };
    const a: DtlsSrtpTransport = new DtlsSrtpTransport({
      certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B,
      path: { send: deliver(() => b, A) }, ...common,
    });
    const b: DtlsSrtpTransport = new DtlsSrtpTransport({
      certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A,
      path: { send: deliver(() => a, B) }, ...common,
    });
    await Promise.all([b.start(), a.start()]);
    a.sendRtp(packet(1, 0x1000 + i));
    b.sendRtp(packet(1, 0x2000 + i));
    keep.push(a, b);
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = snapshot();
  const received = keep.reduce((sum, t) => sum + t.getStats().rtpPacketsReceived, 0);
  if (received !== 2 * n) throw new Error(`expected ${2 * n} RTP packets through, got ${received}`);
  const sample = perTransport(before, after, keep.length, seconds);
  for (const t of keep) t.close();
  return sample;
}

/** N SrtpSession pairs keyed directly (what a transport's SRTP context holds), one packet each way. */
function libsrtp(n: number): Sample {
  const keep: SrtpSession[] = [];
  const key = Buffer.alloc(16, 1);
  const salt = Buffer.alloc(12, 2);
  const before = snapshot();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const options = { profile: 'AEAD_AES_128_GCM' as const, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt };
    const a = new SrtpSession(options);
    const b = new SrtpSession(options);
    b.unprotectRtp(a.protectRtp(packet(1, 0x1000 + i)));
    a.unprotectRtp(b.protectRtp(packet(1, 0x2000 + i)));
    keep.push(a, b);
  }
  const seconds = (performance.now() - t0) / 1000;
  const sample = perTransport(before, snapshot(), keep.length, seconds);
  for (const s of keep) s.close();
  return sample;
}

/** N werift-dtls pairs with a werift-rtp SrtpSession per side, one packet each way. */
async function werift(n: number): Promise<Sample> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const dtls = require('werift-dtls/lib/dtls/src/index.js') as WeriftDtls;
  const rtp = require('werift-rtp') as typeof import('werift-rtp');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const pem = (await Certificate.generate()).toPem();
  const keep: unknown[] = [];
  const before = snapshot();
  const t0 = performance.now();
  const one = async (i: number): Promise<void> => {
    const { client, server } = weriftPair(dtls, pem, 7);
    const connected = Promise.all([server.onConnect.asPromise(), client.onConnect.asPromise()]);
    void client.connect().catch(() => undefined);
    await connected;
    const session = (side: typeof client | typeof server) => {
      const k = side.extractSessionKeys(16, 12);
      return new rtp.SrtpSession({
        keys: { localMasterKey: k.localKey, localMasterSalt: k.localSalt, remoteMasterKey: k.remoteKey, remoteMasterSalt: k.remoteSalt },
        profile: 7,
      });
    };
    const sc = session(client);
    const ss = session(server);
    const pc = rtp.RtpPacket.deSerialize(packet(1, 0x1000 + i));
    const ps = rtp.RtpPacket.deSerialize(packet(1, 0x2000 + i));
    ss.decrypt(sc.encrypt(pc.payload, pc.header));
    sc.decrypt(ss.encrypt(ps.payload, ps.header));
    keep.push(client, server, sc, ss);
  };
  const BATCH = 250;
  for (let i = 0; i < n; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => one(i + k)));
  }
  const seconds = (performance.now() - t0) / 1000;
  // werift's client.connect() resolves after a fixed wait; let those settle before measuring.
  await new Promise((resolve) => setTimeout(resolve, 700));
  return perTransport(before, snapshot(), 2 * n, seconds);
}

async function child(name: CaseName, n: number): Promise<Sample> {
  switch (name) {
    case 'kept':
      return ours(n, false);
    case 'media-only':
      return ours(n, true);
    case 'werift':
      return werift(n);
    case 'libsrtp':
      return libsrtp(n);
  }
}

function spawnCase(name: CaseName, n: number): Sample {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--child', name, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as Sample;
}

const KIB = 1024;

/**
 * Runs every case at N = 1,000 and 5,000 pairs (quick: 100), each in a child
 * process, and returns the rows (bytes per transport).
 */
export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const sizes = options.quick === true ? [100] : [1000, 5000];
  const rows: BenchRow[] = [];
  const samples = new Map<string, Sample>();
  for (const n of sizes) {
    for (const name of ['libsrtp', 'kept', 'media-only', 'werift'] as const) {
      options.progress?.(`memory: ${name}, N = ${n} pairs`);
      const s = spawnCase(name, n);
      samples.set(`${name}/${n}`, s);
      await Promise.resolve();
    }
    const srtp = samples.get(`libsrtp/${n}`) as Sample;
    const w = samples.get(`werift/${n}`) as Sample;
    const anchor = { name: 'werift', value: w.rss };
    for (const name of ['kept', 'media-only'] as const) {
      const s = samples.get(`${name}/${n}`) as Sample;
      const label = name === 'kept' ? 'DTLS kept' : 'mediaOnly';
      const target = n === 5000 ? { max: (name === 'kept' ? 48 : 32) * KIB, of: 'ours' as const } : undefined;
      rows.push({
        suite: 'memory', case: `RSS per connected transport, ${label}, N = ${n}`, metric: 'bytes/transport',
        ours: s.rss, anchor, ratio: w.rss / s.rss, ...(target === undefined ? {} : { target }),
      });
      const split: [string, number][] = [
        ['JS heap', s.heapUsed],
        ['JS external (ArrayBuffers etc.)', s.jsExternal],
        ['native: OpenSSL DTLS + endpoint', s.native - srtp.native],
        ['native: libsrtp context', srtp.native],
        ['reported to V8 (napi_adjust_external_memory)', s.reported],
      ];
      for (const [part, value] of split) {
        rows.push({ suite: 'memory', case: `${label}, N = ${n}: ${part}`, metric: 'bytes/transport', ours: value });
      }
    }
    rows.push({ suite: 'memory', case: `werift, N = ${n}: JS heap`, metric: 'bytes/transport', ours: w.heapUsed });
    rows.push({ suite: 'memory', case: `werift, N = ${n}: RSS`, metric: 'bytes/transport', ours: w.rss });
  }
  return rows;
}

function print(rows: BenchRow[]): void {
  const v = versions();
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log('Memory per connected transport (one side of a pair; both sides in one process; after a full GC)');
  console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${load}; Node ${process.version}; ${v.openssl}; ${v.libsrtp}`);
  for (const r of rows) {
    const kib = (r.ours / KIB).toFixed(1).padStart(7);
    const vs = r.anchor === undefined ? '' : `   ${r.anchor.name} ${(r.anchor.value / KIB).toFixed(1)} KiB, ratio ${(r.ratio ?? NaN).toFixed(2)}`;
    const target = r.target?.max === undefined ? '' : `   target <= ${(r.target.max / KIB).toFixed(0)} KiB: ${r.ours <= r.target.max ? 'met' : 'NOT met'}`;
    console.log(`  ${r.case.padEnd(72)} ${kib} KiB${vs}${target}`);
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(args[1] as CaseName, Number(args[2])).then(
      (s) => { process.stdout.write(JSON.stringify(s)); process.exit(0); },
      (err: unknown) => { console.error(err); process.exit(1); },
    );
  } else {
    run({ quick: args.includes('--quick'), progress: (line) => { process.stderr.write(`${line}\n`); } }).then(print, (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
  }
}
