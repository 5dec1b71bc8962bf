// SPDX-License-Identifier: MIT
// Two DtlsTransports over node:dgram on 127.0.0.1: certificates, fingerprint
// exchange (what SDP would carry), the handshake, application data both ways
// and SRTP keyed from the handshake.
// Run: node dist/examples/udp-pair.js
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { Certificate, DtlsTransport, parseFingerprint, formatFingerprint } from '../lib/index.js';

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

async function main(): Promise<void> {
  const [aliceCert, bobCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  // Signalling: each side puts `a=fingerprint:...` in its SDP; the other parses it.
  const aliceLine = `a=fingerprint:${formatFingerprint(aliceCert.getFingerprints()[0]!)}`;
  const bobLine = `a=fingerprint:${formatFingerprint(bobCert.getFingerprints()[0]!)}`;

  const [aliceSocket, bobSocket] = await Promise.all([socket(), socket()]);
  const alicePort = aliceSocket.address().port;
  const bobPort = bobSocket.address().port;

  // Alice answered with a=setup:active, so she is the DTLS client (RFC 5763 §5).
  const alice = new DtlsTransport({
    certificate: aliceCert,
    role: 'client',
    remoteFingerprints: [parseFingerprint(bobLine)],
    send: (d) => aliceSocket.send(d, bobPort, '127.0.0.1'),
  });
  const bob = new DtlsTransport({
    certificate: bobCert,
    role: 'server',
    remoteFingerprints: [parseFingerprint(aliceLine)],
    send: (d) => bobSocket.send(d, alicePort, '127.0.0.1'),
  });
  aliceSocket.on('message', (m) => alice.receive(m));
  bobSocket.on('message', (m) => bob.receive(m));
  bob.on('data', (d) => console.log('bob got:', d.toString()));

  await Promise.all([bob.start(), alice.start()]);
  console.log('connected:', alice.srtpProfile, alice.cipherSuite);

  alice.send(Buffer.from('hello over DTLS'));
  await once(bob, 'data');

  // SRTP keyed natively from the handshake; each side gets the right direction.
  const aliceSrtp = alice.createSrtpSession();
  const bobSrtp = bob.createSrtpSession();
  const rtp = Buffer.alloc(12 + 160);
  rtp[0] = 0x80;
  rtp.writeUInt16BE(1, 2);
  rtp.writeUInt32BE(0x1234, 8);
  const plain = bobSrtp.unprotectRtp(aliceSrtp.protectRtp(rtp));
  console.log('SRTP round trip ok:', plain.equals(rtp));

  alice.close(); // sends close_notify; bob goes 'closed'
  await once(bob, 'close');
  aliceSocket.close();
  bobSocket.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
