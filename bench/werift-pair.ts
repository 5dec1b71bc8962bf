// SPDX-License-Identifier: MIT
/**
 * A werift-dtls client and server linked in memory, for the benchmarks that
 * compare with werift (bench:dtls, bench:memory). werift-dtls is an optional
 * peer: the caller loads it and passes the module in.
 */

/** The werift-dtls module (its entry file; its package "main" points at a file it does not ship). */
export type WeriftDtls = typeof import('werift-dtls/lib/dtls/src/index.js');

/** The in-memory transport werift-dtls takes. */
interface MemoryTransport {
  type: string;
  address: { address: string; family: string; port: number };
  closed: boolean;
  onData: (data: Buffer, addr: unknown) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A werift client and server with the certificate `pem` (ECDSA, a
 * certificate request, extended master secret), offering SRTP profile
 * `profileId`; each datagram reaches the other side on a later turn
 * (setImmediate). Neither is connected yet: call `client.connect()`.
 */
export function weriftPair(
  werift: WeriftDtls,
  pem: { cert: string; key: string },
  profileId: number,
): { client: InstanceType<WeriftDtls['DtlsClient']>; server: InstanceType<WeriftDtls['DtlsServer']> } {
  const address = { address: '127.0.0.1', family: 'IPv4', port: 1 };
  const link = (): MemoryTransport => ({ type: 'memory', address, closed: false, onData: () => undefined, send: async () => undefined, close: async () => undefined });
  const a = link();
  const b = link();
  a.send = async (d) => {
    setImmediate(() => b.onData(d, address));
  };
  b.send = async (d) => {
    setImmediate(() => a.onData(d, address));
  };
  const options = (transport: MemoryTransport) => ({
    transport: transport as never,
    cert: pem.cert,
    key: pem.key,
    srtpProfiles: [profileId] as never,
    signatureHash: { hash: werift.HashAlgorithm.sha256_4, signature: werift.SignatureAlgorithm.ecdsa_3 },
    certificateRequest: true,
    extendedMasterSecret: true,
  });
  return { server: new werift.DtlsServer(options(b)), client: new werift.DtlsClient(options(a)) };
}
