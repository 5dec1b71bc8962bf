// SPDX-License-Identifier: MIT
// Per-handshake work that the DTLS hot path no longer repeats: the remote
// fingerprints are prepared once (not decoded and hashed through a Hash object
// at every verification), and the native drop counters are read only when a
// datagram went to the endpoint since they were last read. Counted with
// spies, never timed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DtlsTransport } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { cert } from './pair.js';

// The real module object (a namespace import is a copy whose methods cannot be mocked).
const crypto = createRequire(__filename)('node:crypto') as typeof import('node:crypto');

/** Counts NativeDtls#info() calls of the transports made until `restore()` (the native prototype is read-only, so a subclass stands in). */
function countInfoCalls(): { readonly count: number; reset(): void; restore(): void } {
  const original = native.NativeDtls;
  let count = 0;
  class Counting extends original {
    override info(): ReturnType<InstanceType<typeof original>['info']> {
      count++;
      return super.info();
    }
  }
  (native as { NativeDtls: typeof original }).NativeDtls = Counting;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    restore() {
      (native as { NativeDtls: typeof original }).NativeDtls = original;
    },
  };
}

/**
 * One handshake of a client+server pair pumped synchronously; both transports
 * left open. `before` runs once the fingerprints are computed, just before the
 * transports are made.
 */
async function connectedPair(before: () => void = () => undefined): Promise<{ client: DtlsTransport; server: DtlsTransport }> {
  const clientCert = await cert('ecdsa-p256', 0);
  const serverCert = await cert('ecdsa-p256', 1);
  const serverFingerprints = serverCert.getFingerprints(['sha-256', 'sha-512']);
  const clientFingerprints = clientCert.getFingerprints();
  before();
  const queue: [DtlsTransport, Buffer][] = [];
  const client: DtlsTransport = new DtlsTransport({
    certificate: clientCert,
    role: 'client',
    remoteFingerprints: serverFingerprints,
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: clientFingerprints,
    send: (d) => queue.push([client, d]),
  });
  const started = Promise.all([server.start(), client.start()]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) item[0].receive(item[1]);
  await started;
  return { client, server };
}

test('a handshake and close read the native drop counters once per side (at connect)', async (t) => {
  const info = countInfoCalls();
  t.after(() => info.restore());
  const { client, server } = await connectedPair(() => info.reset());
  assert.equal(info.count, 2);
  client.close();
  server.close();
  assert.equal(info.count, 2, 'close() found nothing new to read');
});

test('drop counters stay exact: a datagram after connect is read again by getStats() and by close()', async (t) => {
  const info = countInfoCalls();
  t.after(() => info.restore());
  const { client, server } = await connectedPair();
  info.reset();
  // A record header announcing more bytes than the datagram holds: malformed.
  const bogus = Buffer.from([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0x10, 0x00, 1, 2]);
  server.receive(bogus);
  assert.equal(server.getStats().dropped.malformed, 1);
  assert.equal(info.count, 1);
  assert.equal(server.getStats().dropped.malformed, 1);
  assert.equal(info.count, 1, 'nothing new arrived: not read again');
  server.receive(bogus);
  server.close();
  assert.equal(info.count, 2, 'close() read the counters the second datagram changed');
  client.close();
});

test('the fingerprint check hashes each peer certificate once per hash, with no Hash object', async (t) => {
  const createHash = t.mock.method(crypto, 'createHash');
  const hash = t.mock.method(crypto, 'hash');
  const { client, server } = await connectedPair(() => {
    createHash.mock.resetCalls();
    hash.mock.resetCalls();
  });
  assert.equal(createHash.mock.callCount(), 0);
  // Client: sha-256 and sha-512 lines (two hashes); server: one sha-256 line.
  assert.equal(hash.mock.callCount(), 3);
  client.close();
  server.close();
});
