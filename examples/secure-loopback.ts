// SPDX-License-Identifier: MIT
// Two DtlsSrtpTransports wired in memory (no sockets): the `path` option takes
// any `send(datagram, remote)`, and `receive(datagram, remote)` feeds what
// arrives. Handshake, RTP both ways, then the stats an SFU would export.
// Run: node dist/examples/secure-loopback.js
import { Certificate, DtlsSrtpTransport, type TransportAddress } from '../lib/index.js';

const ALICE: TransportAddress = { address: '192.0.2.1', port: 40000 };
const BOB: TransportAddress = { address: '192.0.2.2', port: 40000 };

function rtpPacket(seq: number, ssrc: number): Buffer {
  const p = Buffer.alloc(12 + 100);
  p[0] = 0x80; // RTP version 2
  p[1] = 111; // payload type (Opus in a typical SDP)
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(seq * 960, 4);
  p.writeUInt32BE(ssrc, 8);
  return p;
}

async function main(): Promise<void> {
  const [aliceCert, bobCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  // Datagrams cross the "network" on the next turn of the event loop.
  const alice: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: aliceCert,
    role: 'client',
    remoteFingerprints: bobCert.getFingerprints(['sha-256']),
    remoteAddress: BOB,
    path: { send: (d) => setImmediate(() => { if (!bob.closed) bob.receive(d, ALICE); }) },
  });
  const bob: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: bobCert,
    role: 'server',
    remoteFingerprints: aliceCert.getFingerprints(['sha-256']),
    remoteAddress: ALICE,
    path: { send: (d) => setImmediate(() => { if (!alice.closed) alice.receive(d, BOB); }) },
  });
  let bobGot = 0;
  let aliceGot = 0;
  bob.on('rtp', () => bobGot++);
  alice.on('rtp', () => aliceGot++);

  await Promise.all([alice.start(), bob.start()]);
  console.log(`connected: ${alice.srtpProfile}, alice is the DTLS ${alice.role}`);

  alice.sendRtpBatch(Array.from({ length: 50 }, (_, i) => rtpPacket(i + 1, 0xa11ce)));
  for (let i = 1; i <= 50; i++) bob.sendRtp(rtpPacket(i, 0xb0b));
  for (let i = 0; i < 500 && (bobGot < 50 || aliceGot < 50); i++) await new Promise((r) => setTimeout(r, 2));

  const s = bob.getStats();
  console.log(`bob received ${bobGot} RTP packets, alice received ${aliceGot}`);
  console.log(`bob: cipher ${s.dtlsCipher}, handshake ${s.handshakeDurationMs?.toFixed(1)} ms, auth failures ${s.srtpFailures.ERR_SRTP_AUTH_FAIL}`);
  alice.close();
  bob.close();
  if (bobGot !== 50 || aliceGot !== 50) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
