// SPDX-License-Identifier: MIT
// DtlsSrtpTransport media path, in memory: RTP packets per second through
// sendRtpBatch (one native protect call per batch) -> path -> receive()
// (RFC 7983 demux, address pinning, in-place unprotect, 'rtp' event), against
// the bare SrtpSession doing the same crypto (batch protect + in-place
// unprotect) with no transport around it. Same run, same machine; medians of
// REPS repetitions. Run with `npm run bench:transport` (`--quick`: a few seconds).
import { Certificate, DtlsSrtpTransport, DtlsTransport, type SrtpProfile, type SrtpSession } from '../lib/index.js';
import { median, runDirectly, type BenchOptions, type BenchRow } from './report.js';

const BATCH = 32;
const A = { address: '192.0.2.1', port: 1 };
const B = { address: '192.0.2.2', port: 2 };

function packets(size: number, ssrc: number, seq0: number): Buffer[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const p = Buffer.alloc(12 + size, 0x5a);
    p[0] = 0x80;
    p[1] = 96;
    p.writeUInt16BE((seq0 + i) & 0xffff, 2);
    p.writeUInt32BE(ssrc, 8);
    return p;
  });
}

async function pair(profile: SrtpProfile): Promise<[DtlsSrtpTransport, DtlsSrtpTransport]> {
  const [ca, cb] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const queue: [DtlsSrtpTransport, Buffer, typeof A][] = [];
  let pumping = false;
  // Synchronous delivery through a queue: no event-loop turn per datagram.
  const deliver = (to: () => DtlsSrtpTransport, from: typeof A) => (d: Buffer) => {
    queue.push([to(), d, from]);
    if (pumping) return;
    pumping = true;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1], item[2]);
    pumping = false;
  };
  const a: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), srtpProfiles: [profile],
    remoteAddress: B, path: { send: deliver(() => b, A) },
  });
  const b: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), srtpProfiles: [profile],
    remoteAddress: A, path: { send: deliver(() => a, B) },
  });
  // The server first: the client's first flight is delivered synchronously.
  await Promise.all([b.start(), a.start()]);
  return [a, b];
}

function rate(reps: number, repMs: number, run: (seq: number) => number): number {
  const rates: number[] = [];
  let seq = 0;
  // Warm-up, not measured: the first case would otherwise also pay for JIT compilation.
  for (const t0 = performance.now(); performance.now() - t0 < Math.min(repMs * 2, 500); seq += BATCH) run(seq);
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < repMs) {
      n += run(seq);
      seq += BATCH;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const quick = options.quick === true;
  const reps = quick ? 3 : Number(process.env['TRANSPORT_BENCH_REPS'] ?? 5);
  const repMs = quick ? 200 : Number(process.env['TRANSPORT_BENCH_REP_MS'] ?? 1000);
  const rows: BenchRow[] = [];
  for (const profile of ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'] as const) {
    for (const size of [160, 1000]) {
      const name = `${profile} ${size} B`;
      options.progress?.(`transport: ${name}, batches of ${BATCH} (${reps} × ${repMs} ms each side)`);
      const [a, b] = await pair(profile);
      let got = 0;
      b.on('rtp', () => got++);
      const transport = rate(reps, repMs, (seq) => {
        const before = got;
        a.sendRtpBatch(packets(size, 0x1234, seq));
        if (got - before !== BATCH) throw new Error('lost packets in memory');
        return BATCH;
      });
      a.close();
      b.close();
      // The same crypto without the transport: sessions keyed by a DtlsTransport pair.
      const [tx, rx, done] = await sessions(profile);
      const bare = rate(reps, repMs, (seq) => {
        for (const r of tx.protectRtpBatch(packets(size, 0x1234, seq))) {
          if (!r.ok || rx.unprotectRtpInPlace(r.packet, r.packet.length) < 0) throw new Error('bare path failed');
        }
        return BATCH;
      });
      done();
      rows.push({
        suite: 'transport',
        case: `DtlsSrtpTransport, ${name}`,
        metric: 'packets/s',
        ours: transport,
        anchor: { name: 'bare SrtpSession', value: bare },
        ratio: transport / bare,
      });
    }
  }
  return rows;
}

/** Two SrtpSessions keyed by an in-memory DtlsTransport handshake (the bench's control). */
async function sessions(profile: SrtpProfile): Promise<[SrtpSession, SrtpSession, () => void]> {
  const [ca, cb] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const queue: [DtlsTransport, Buffer][] = [];
  const client: DtlsTransport = new DtlsTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), srtpProfiles: [profile],
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), srtpProfiles: [profile],
    send: (d) => queue.push([client, d]),
  });
  const started = Promise.all([server.start(), client.start()]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
  await started;
  return [client.createSrtpSession(), server.createSrtpSession(), () => { client.close(); server.close(); }];
}

if (require.main === module) runDirectly('bench:transport — DtlsSrtpTransport vs bare SrtpSession, packets/s', run);
