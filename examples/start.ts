// SPDX-License-Identifier: MIT
/**
 * `npm start`: two DtlsSrtpTransports on 127.0.0.1 UDP sockets handshake, then
 * stream RTP (and a little RTCP) both ways with a live progress line, and end
 * with a summary. Exits 0 only if every packet sent was received decrypted.
 *
 * Flags: --duration <seconds> (default 5), --profile <SRTP profile> (default
 * AEAD_AES_128_GCM), --size <RTP payload bytes> (default 1000), --help.
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Certificate, DtlsSrtpTransport, type SrtpProfile } from '../lib/index.js';

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

/** A sender of RTP packets on one SSRC: 12-byte header plus `size` payload bytes. */
function rtpSource(ssrc: number, size: number): () => Buffer {
  let seq = 0;
  let ts = 0;
  const payload = Buffer.alloc(size, ssrc & 0xff);
  return () => {
    const p = Buffer.allocUnsafe(12 + size);
    p[0] = 0x80;
    p[1] = 96;
    p.writeUInt16BE(seq, 2);
    p.writeUInt32BE(ts >>> 0, 4);
    p.writeUInt32BE(ssrc, 8);
    payload.copy(p, 12);
    seq = (seq + 1) & 0xffff;
    ts += 3000;
    return p;
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

async function main(): Promise<number> {
  const { duration, profile, size } = options();
  const [certA, certB, socketA, socketB] = await Promise.all([Certificate.generate(), Certificate.generate(), udp(), udp()]);
  const addrA = socketA.address();
  const addrB = socketB.address();
  // A offers actpass, B answers active: B is the DTLS client (RFC 5763 §5).
  const a = new DtlsSrtpTransport({
    certificate: certA,
    setup: { localSetup: 'actpass', remoteSetup: 'active', isOfferer: true },
    remoteFingerprints: certB.getFingerprints(['sha-256']),
    srtpProfiles: [profile],
    socket: socketA,
    remoteAddress: { address: addrB.address, port: addrB.port },
  });
  const b = new DtlsSrtpTransport({
    certificate: certB,
    setup: { localSetup: 'active', remoteSetup: 'actpass', isOfferer: false },
    remoteFingerprints: certA.getFingerprints(['sha-256']),
    srtpProfiles: [profile],
    socket: socketB,
    remoteAddress: { address: addrA.address, port: addrA.port },
  });
  console.log(`dtls-srtp: two DtlsSrtpTransports on 127.0.0.1 UDP (${addrA.port} <-> ${addrB.port}), ${profile}, ${size}-byte payloads, ${duration} s`);
  await Promise.all([a.start(), b.start()]);

  let rtpAtA = 0;
  let rtpAtB = 0;
  let rtcpReceived = 0;
  let rtcpSent = 0;
  a.on('rtp', () => rtpAtA++);
  b.on('rtp', () => rtpAtB++);
  a.on('rtcp', () => rtcpReceived++);
  b.on('rtcp', () => rtcpReceived++);
  const fromA = rtpSource(0x0a0a0a0a, size);
  const fromB = rtpSource(0x0b0b0b0b, size);
  let sentByA = 0;
  let sentByB = 0;
  let refused = 0;
  const pump = (t: DtlsSrtpTransport, next: () => Buffer, inFlight: number): number => {
    if (inFlight >= WINDOW) return 0;
    const batch = Array.from({ length: Math.min(BATCH, WINDOW - inFlight) }, next);
    const results = t.sendRtpBatch(batch);
    const ok = results.filter((r) => r.ok).length;
    refused += results.length - ok;
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
  const failures = (s: typeof sa): number => Object.values(s.srtpFailures).reduce((x, y) => x + y, 0);
  const verified =
    sa.remoteCertificateFingerprint?.value === certB.getFingerprints(['sha-256'])[0]?.value &&
    sb.remoteCertificateFingerprint?.value === certA.getFingerprints(['sha-256'])[0]?.value;
  const received = rtpAtA + rtpAtB;
  const ok = sentByA === rtpAtB && sentByB === rtpAtA && rtcpReceived === rtcpSent && failures(sa) + failures(sb) === 0 && refused === 0 && verified;
  const f = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1));
  console.log(`\nSummary`);
  console.log(`  handshake        ${f(sb.handshakeDurationMs)} ms (client B), ${f(sa.handshakeDurationMs)} ms (server A); DTLS retransmissions ${sa.dtlsRetransmissions + sb.dtlsRetransmissions}`);
  console.log(`  DTLS             1.2 (${sa.tlsVersion}), ${sa.dtlsCipher}`);
  console.log(`  SRTP profile     ${sa.srtpCipher}`);
  console.log(`  fingerprints     ${verified ? 'verified' : 'NOT VERIFIED'} (sha-256)`);
  console.log(`    A ${sa.localCertificateFingerprint.value}`);
  console.log(`    B ${sb.localCertificateFingerprint.value}`);
  console.log(`  RTP A->B         sent ${sentByA}, received ${rtpAtB}, failed ${failures(sb)}`);
  console.log(`  RTP B->A         sent ${sentByB}, received ${rtpAtA}, failed ${failures(sa)}`);
  console.log(`  RTCP             sent ${rtcpSent}, received ${rtcpReceived}`);
  console.log(`  throughput       ${(received / elapsed).toFixed(0)} packets/s, ${((received * (12 + size) * 8) / elapsed / 1e6).toFixed(1)} Mbit/s of RTP (both ways, ${elapsed.toFixed(1)} s)`);
  const dropped = (s: typeof sa): number => Object.values(s.droppedDatagrams).reduce((x, y) => x + y, 0);
  console.log(`  dropped          ${dropped(sa)} datagrams at A, ${dropped(sb)} at B (demultiplexer and path pinning)`);
  console.log(ok ? '\nOK: every packet was decrypted' : '\nFAILED: not every packet was decrypted');
  a.close();
  b.close();
  socketA.close();
  socketB.close();
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
