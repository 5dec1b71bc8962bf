// SPDX-License-Identifier: MIT
// Two DtlsTransports wired in memory (no sockets): the smallest complete
// handshake, with the remote fingerprint arriving late, as it does when DTLS
// starts before the SDP answer.
// Run: node dist/examples/loopback.js
import { Certificate, DtlsTransport } from '../lib/index.js';

async function main(): Promise<void> {
  const [clientCert, serverCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  let client!: DtlsTransport;
  let server!: DtlsTransport;
  // Deliver on the next turn, as a network would.
  const link = (to: () => DtlsTransport) => (datagram: Buffer) =>
    setImmediate(() => {
      if (!to().closed && to().state !== 'new') to().receive(datagram);
    });
  client = new DtlsTransport({
    certificate: clientCert,
    role: 'client',
    remoteFingerprints: serverCert.getFingerprints(),
    send: link(() => server),
  });
  // The server does not know the client's fingerprint yet.
  server = new DtlsTransport({ certificate: serverCert, role: 'server', send: link(() => client) });
  server.on('statechange', (state) => console.log('server:', state));

  const connected = Promise.all([server.start(), client.start()]);
  setTimeout(() => server.setRemoteFingerprints(clientCert.getFingerprints()), 20); // the answer arrives
  await connected;
  const clientKeys = client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
  const serverKeys = server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
  console.log('profile:', client.srtpProfile, '| same keying material:', clientKeys.equals(serverKeys));
  client.close();
  server.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
