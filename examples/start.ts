// SPDX-License-Identifier: MIT
/**
 * `npm start`: two DtlsSrtpTransports on 127.0.0.1 UDP handshake, then stream
 * RTP (and a little RTCP) both ways with a live progress line, and end with a
 * summary. The main run is on the native UDP path (a `UdpServer` per
 * transport: SRTP protected in place and sent in one `sendmmsg`, unprotected
 * natively and delivered in batches) where the platform has it; a second run
 * of the same length on node:dgram sockets gives the packets/s to compare
 * with. Exits 0 only if every packet sent was received decrypted in both runs.
 *
 * Flags: --duration <seconds> (default 5), --profile <SRTP profile> (default
 * AEAD_AES_128_GCM), --size <RTP payload bytes> (default 1000), --help.
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Certificate, DtlsSrtpTransport, UdpServer, type SrtpProfile } from '../lib/index.js';

const PROFILES: readonly SrtpProfile[] = ['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
const USAGE = `usage: npm start -- [--duration <seconds>] [--profile <${PROFILES.join('|')}>] [--size <bytes>]`;
/** Packets in flight per direction (sent, not yet decrypted by the peer): a closed loop, so loopback never overflows. */
const WINDOW = 512;
const BATCH = 32;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function options(): { duration: number; profile: SrtpProfile; size: number } {
  let values;
  try {
    values = parseArgs({
      options: { duration: { type: 'string' }, profile: { type: 'string' }, size: { type: 'string' }, help: { type: 'boolean' } },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const duration = Number(values.duration ?? '5');
  const size = Number(values.size ?? '1000');
  const profile = (values.profile ?? 'AEAD_AES_128_GCM') as SrtpProfile;
  if (!(duration > 0 && duration <= 3600)) fail(`--duration must be a number of seconds in (0, 3600], got ${values.duration}`);
  if (!Number.isInteger(size) || size < 0 || size > 1400) fail(`--size must be an integer from 0 to 1400 (payload bytes), got ${values.size}`);
  if (!PROFILES.includes(profile)) fail(`--profile must be one of ${PROFILES.join(', ')}, got ${values.profile}`);
  return { duration, profile, size };
}

async function udp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** A sender of RTP packets on one SSRC: 12-byte header plus `size` payload bytes, written at `at` of `into`. */
function rtpSource(ssrc: number, size: number): (into: Buffer, at: number) => void {
  let seq = 0;
  let ts = 0;
  const payload = Buffer.alloc(size, ssrc & 0xff);
  return (p, at) => {
    p[at] = 0x80;
    p[at + 1] = 96;
    p.writeUInt16BE(seq, at + 2);
    p.writeUInt32BE(ts >>> 0, at + 4);
    p.writeUInt32BE(ssrc, at + 8);
    payload.copy(p, at + 12);
    seq = (seq + 1) & 0xffff;
    ts += 3000;
  };
}

function senderReport(ssrc: number): Buffer {
  const p = Buffer.alloc(28);
  p[0] = 0x80;
  p[1] = 200;
  p.writeUInt16BE(6, 2);
  p.writeUInt32BE(ssrc, 4);
  return p;
}

type Path = 'native' | 'dgram';

interface Endpoints {
  a: { socket: dgram.Socket } | { server: UdpServer };
  b: { socket: dgram.Socket } | { server: UdpServer };
  addrA: { address: string; port: number };
  addrB: { address: string; port: number };
  close(): void;
}

async function endpoints(path: Path): Promise<Endpoints> {
  if (path === 'native') {
    const [a, b] = await Promise.all([UdpServer.bind({ type: 'udp4', address: '127.0.0.1' }), UdpServer.bind({ type: 'udp4', address: '127.0.0.1' })]);
    return { a: { server: a }, b: { server: b }, addrA: a.address(), addrB: b.address(), close: () => {
        a.close();
        b.close();
      },
    };
  }
  const [a, b] = await Promise.all([udp(), udp()]);
  return { a: { socket: a }, b: { socket: b }, addrA: a.address(), addrB: b.address(), close: () => {
        a.close();
        b.close();
      },
    };
}

interface RunResult {
  ok: boolean;
  packetsPerSecond: number;
}

async function run(path: Path, certA: Certificate, certB: Certificate, duration: number, profile: SrtpProfile, size: number, verbose: boolean): Promise<RunResult> {
  const io = await endpoints(path);
  const { addrA, addrB } = io;
  // A offers actpass, B answers active: B is the DTLS client (RFC 5763 §5).
  const a = new DtlsSrtpTransport({
    certificate: certA,
    setup: { localSetup: 'actpass', remoteSetup: 'active', isOfferer: true },
    remoteFingerprints: certB.getFingerprints(['sha-256']),
    srtpProfiles: [profile],
    ...io.a,
    remoteAddress: { address: addrB.address, port: addrB.port },
  });
  const b = new DtlsSrtpTransport({
    certificate: certB,
    setup: { localSetup: 'active', remoteSetup: 'actpass', isOfferer: false },
    remoteFingerprints: certA.getFingerprints(['sha-256']),
    srtpProfiles: [profile],
    ...io.b,
    remoteAddress: { address: addrA.address, port: addrA.port },
  });
  const where = path === 'native' ? 'the native UDP path (UdpServer)' : 'node:dgram sockets';
  console.log(`${verbose ? 'dtls-srtp: two DtlsSrtpTransports' : 'comparison run:'} on 127.0.0.1 UDP (${addrA.port} <-> ${addrB.port}), ${where}, ${profile}, ${size}-byte payloads, ${duration} s`);
  await Promise.all([a.start(), b.start()]);

  let rtpAtA = 0;
  let rtpAtB = 0;
  let rtcpReceived = 0;
  let rtcpSent = 0;
  if (path === 'native') {
    // The SFU-style batch view: no copy, no event per packet.
    const count = (batch: { kind(i: number): string }, start: number, end: number): number => {
      let n = 0;
      for (let i = start; i < end; i++) if (batch.kind(i) === 'rtp') n++;
      return n;
    };
    a.on('mediabatch', (batch, s, e) => (rtpAtA += count(batch, s, e)));
    b.on('mediabatch', (batch, s, e) => (rtpAtB += count(batch, s, e)));
  } else {
    a.on('rtp', () => rtpAtA++);
    b.on('rtp', () => rtpAtB++);
  }
  a.on('rtcp', () => rtcpReceived++);
  b.on('rtcp', () => rtcpReceived++);
  const fromA = rtpSource(0x0a0a0a0a, size);
  const fromB = rtpSource(0x0b0b0b0b, size);
  let sentByA = 0;
  let sentByB = 0;
  let refused = 0;
  // Native: packets are written into one slab with room for the SRTP tag, protected in place and sent in one sendmmsg.
  const capacity = 12 + size + 16;
  const slab = Buffer.alloc(capacity * BATCH);
  const layout = new Int32Array(3 * BATCH);
  const results = new Int32Array(BATCH);
  const pump = (t: DtlsSrtpTransport, write: (into: Buffer, at: number) => void, inFlight: number): number => {
    if (inFlight >= WINDOW) return 0;
    const n = Math.min(BATCH, WINDOW - inFlight);
    if (path === 'native') {
      for (let i = 0; i < n; i++) {
        write(slab, i * capacity);
        layout[3 * i] = i * capacity;
        layout[3 * i + 1] = 12 + size;
        layout[3 * i + 2] = capacity;
      }
      const ok = t.sendRtpBatchInPlace(slab, layout.subarray(0, 3 * n), results);
      refused += n - ok;
      return ok;
    }
    const batch = Array.from({ length: n }, () => {
      const p = Buffer.allocUnsafe(12 + size);
      write(p, 0);
      return p;
    });
    const sent = t.sendRtpBatch(batch);
    const ok = sent.filter((r) => r.ok).length;
    refused += sent.length - ok;
    return ok;
  };

  const start = performance.now();
  const end = start + duration * 1000;
  const tty = process.stdout.isTTY;
  let lastShown = start;
  let lastPackets = 0;
  const show = (now: number, final: boolean): void => {
    const packets = rtpAtA + rtpAtB;
    const mbps = ((packets - lastPackets) * (12 + size) * 8) / ((now - lastShown) * 1000);
    const s = a.getStats();
    const t = b.getStats();
    const auth = s.srtpFailures.ERR_SRTP_AUTH_FAIL + t.srtpFailures.ERR_SRTP_AUTH_FAIL;
    const line = `  ${((now - start) / 1000).toFixed(1).padStart(5)} s  A->B ${String(rtpAtB).padStart(9)}  B->A ${String(rtpAtA).padStart(9)} packets  ${mbps.toFixed(0).padStart(6)} Mbit/s  auth failures ${auth}`;
    if (tty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
    else console.log(line);
    lastShown = now;
    lastPackets = packets;
  };

  await new Promise<void>((resolve) => {
    let nextRtcp = start;
    const tick = (): void => {
      const now = performance.now();
      if (now >= end) {
        resolve();
        return;
      }
      sentByA += pump(a, fromA, sentByA - rtpAtB);
      sentByB += pump(b, fromB, sentByB - rtpAtA);
      if (now >= nextRtcp) {
        a.sendRtcp(senderReport(0x0a0a0a0a));
        b.sendRtcp(senderReport(0x0b0b0b0b));
        rtcpSent += 2;
        nextRtcp += 500;
      }
      if (now - lastShown >= (tty ? 250 : 1000)) show(now, false);
      setImmediate(tick);
    };
    tick();
  });
  // Let the packets in flight land (bounded).
  const drainEnd = performance.now() + 2000;
  while ((rtpAtB < sentByA || rtpAtA < sentByB || rtcpReceived < rtcpSent) && performance.now() < drainEnd) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = (performance.now() - start) / 1000;
  show(performance.now(), true);

  const sa = a.getStats();
  const sb = b.getStats();
  // On the native path SRTP that fails to unprotect is dropped natively: the session counts it.
  const failures = (s: typeof sa): number => Object.values(s.srtp?.failures ?? s.srtpFailures).reduce((x, y) => x + y, 0);
  const verified =
    sa.remoteCertificateFingerprint?.value === certB.getFingerprints(['sha-256'])[0]?.value &&
    sb.remoteCertificateFingerprint?.value === certA.getFingerprints(['sha-256'])[0]?.value;
  const received = rtpAtA + rtpAtB;
  const ok = sentByA === rtpAtB && sentByB === rtpAtA && rtcpReceived === rtcpSent && failures(sa) + failures(sb) === 0 && refused === 0 && verified;
  const packetsPerSecond = received / elapsed;
  const f = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1));
  if (verbose) {
    console.log(`\nSummary`);
    console.log(`  path             ${path === 'native' ? 'native UDP (recvmmsg/sendmmsg, SRTP in place)' : 'node:dgram'}`);
    console.log(`  handshake        ${f(sb.handshakeDurationMs)} ms (client B), ${f(sa.handshakeDurationMs)} ms (server A); DTLS retransmissions ${sa.dtlsRetransmissions + sb.dtlsRetransmissions}`);
    console.log(`  DTLS             1.2 (${sa.tlsVersion}), ${sa.dtlsCipher}`);
    console.log(`  SRTP profile     ${sa.srtpProfile}`);
    console.log(`  fingerprints     ${verified ? 'verified' : 'NOT VERIFIED'} (sha-256)`);
    console.log(`    A ${sa.localCertificateFingerprint.value}`);
    console.log(`    B ${sb.localCertificateFingerprint.value}`);
    console.log(`  RTP A->B         sent ${sentByA}, received ${rtpAtB}, failed ${failures(sb)}`);
    console.log(`  RTP B->A         sent ${sentByB}, received ${rtpAtA}, failed ${failures(sa)}`);
    console.log(`  RTCP             sent ${rtcpSent}, received ${rtcpReceived}`);
    console.log(`  throughput       ${packetsPerSecond.toFixed(0)} packets/s, ${((received * (12 + size) * 8) / elapsed / 1e6).toFixed(1)} Mbit/s of RTP (both ways, ${elapsed.toFixed(1)} s)`);
    const dropped = (s: typeof sa): number => Object.values(s.droppedDatagrams).reduce((x, y) => x + y, 0);
    console.log(`  dropped          ${dropped(sa)} datagrams at A, ${dropped(sb)} at B (demultiplexer and path pinning)`);
  } else {
    console.log(`  ${path}: sent ${sentByA + sentByB}, received ${received}, ${packetsPerSecond.toFixed(0)} packets/s${ok ? '' : ' (NOT every packet decrypted)'}`);
  }
  a.close();
  b.close();
  io.close();
  return { ok, packetsPerSecond };
}

async function main(): Promise<number> {
  const { duration, profile, size } = options();
  const [certA, certB] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const probe = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1' });
  const native = probe.path === 'native';
  probe.close();
  if (!native) console.log(`(no native UDP on ${process.platform}: running on node:dgram only)`);
  const main = await run(native ? 'native' : 'dgram', certA, certB, duration, profile, size, true);
  let ok = main.ok;
  if (native) {
    console.log('');
    const dgramRun = await run('dgram', certA, certB, duration, profile, size, false);
    ok &&= dgramRun.ok;
    console.log(`  native vs node:dgram: ${main.packetsPerSecond.toFixed(0)} vs ${dgramRun.packetsPerSecond.toFixed(0)} packets/s (${(main.packetsPerSecond / dgramRun.packetsPerSecond).toFixed(2)}x, same run)`);
  }
  console.log(ok ? '\nOK: every packet was decrypted' : '\nFAILED: not every packet was decrypted');
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
