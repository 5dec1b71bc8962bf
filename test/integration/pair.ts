// SPDX-License-Identifier: MIT
// Two DtlsTransports wired in memory, with an optional seeded lossy link.
import { Certificate, DtlsTransport, type DtlsTransportOptions } from '../../lib/index.js';

/** Deterministic PRNG (mulberry32) so a lossy run is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LinkOptions {
  /** Probability of dropping a datagram (1 = drop all). */
  loss?: number;
  /** Probability of delivering a datagram twice. */
  duplicate?: number;
  /** Probability of holding a datagram back and delivering it after the next one. */
  reorder?: number;
  seed?: number;
}

export interface Pair {
  client: DtlsTransport;
  server: DtlsTransport;
  /** Every datagram each side sent (before loss). */
  sentByClient: Buffer[];
  sentByServer: Buffer[];
  clientCert: Certificate;
  serverCert: Certificate;
  /** Replace the delivery function (e.g. to tamper). */
  tap: { toServer?: (d: Buffer) => Buffer | undefined; toClient?: (d: Buffer) => Buffer | undefined };
  close(): void;
}

type Extra = Partial<Omit<DtlsTransportOptions, 'certificate' | 'role' | 'send'>>;

const certCache = new Map<string, Promise<Certificate>>();
/** Certificates are cached per key type and slot: generation is not what these tests measure. */
export function cert(keyType: 'ecdsa-p256' | 'rsa-2048' = 'ecdsa-p256', slot = 0): Promise<Certificate> {
  const key = `${keyType}/${slot}`;
  let p = certCache.get(key);
  if (p === undefined) {
    p = Certificate.generate({ keyType });
    certCache.set(key, p);
  }
  return p;
}

export async function makePair(
  opts: {
    keyType?: 'ecdsa-p256' | 'rsa-2048';
    client?: Extra;
    server?: Extra;
    withFingerprints?: boolean;
    link?: LinkOptions;
    /** Deliver asynchronously (setImmediate) instead of synchronously. */
    async?: boolean;
  } = {},
): Promise<Pair> {
  const keyType = opts.keyType ?? 'ecdsa-p256';
  const clientCert = await cert(keyType, 0);
  const serverCert = await cert(keyType, 1);
  const withFps = opts.withFingerprints ?? true;
  const rand = seeded(opts.link?.seed ?? 1);
  const link = opts.link ?? {};
  const sentByClient: Buffer[] = [];
  const sentByServer: Buffer[] = [];
  const tap: Pair['tap'] = {};
  let client!: DtlsTransport;
  let server!: DtlsTransport;
  let closed = false;
  const makeSender = (log: Buffer[], target: () => DtlsTransport, dir: 'toServer' | 'toClient') => {
    let held: Buffer | undefined;
    const deliver = (d: Buffer) => {
      const run = () => {
        if (closed) return;
        const t = target();
        if (t.closed || t.state === 'new') return;
        const tapped = tap[dir] ? tap[dir](d) : d;
        if (tapped !== undefined) t.receive(tapped);
      };
      if (opts.async === false) run();
      else setImmediate(run);
    };
    return (d: Buffer) => {
      log.push(d);
      if (link.loss !== undefined && rand() < link.loss) return;
      if (link.reorder !== undefined && held === undefined && rand() < link.reorder) {
        held = d;
        return;
      }
      deliver(d);
      if (link.duplicate !== undefined && rand() < link.duplicate) deliver(d);
      if (held !== undefined) {
        const h = held;
        held = undefined;
        deliver(h);
      }
    };
  };
  client = new DtlsTransport({
    certificate: clientCert,
    role: 'client',
    remoteFingerprints: withFps ? serverCert.getFingerprints() : undefined,
    send: makeSender(sentByClient, () => server, 'toServer'),
    ...opts.client,
  });
  server = new DtlsTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: withFps ? clientCert.getFingerprints() : undefined,
    send: makeSender(sentByServer, () => client, 'toClient'),
    ...opts.server,
  });
  return {
    client,
    server,
    sentByClient,
    sentByServer,
    clientCert,
    serverCert,
    tap,
    close() {
      closed = true;
      client.close();
      server.close();
    },
  };
}

/** Keeps the event loop alive while a test awaits unref'd transport timers. */
export function keepAlive(): () => void {
  const t = setInterval(() => {}, 1000);
  return () => clearInterval(t);
}
