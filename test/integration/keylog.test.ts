// SPDX-License-Identifier: MIT
/**
 * The `keylog` event (NSS Key Log Format, as node:tls): one CLIENT_RANDOM
 * line per handshake, on the transport that listens only — two transports
 * share one SSL_CTX (same certificate), and each line is routed to its own
 * endpoint (its client random is the one in that association's ClientHello).
 * The tshark test (test/interop/keylog-tshark.test.ts) shows the lines decrypt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, type TransportAddress } from '../../lib/index.js';
import { cert, makePair } from './pair.js';

const LINE = /^CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})\n$/;

/** The 32-byte random of the ClientHello in a client's first datagram (record 13 + handshake 12 + version 2). */
function clientRandom(clientHello: Buffer): string {
  return clientHello.subarray(27, 59).toString('hex');
}

test('keylog: one CLIENT_RANDOM line per side that listens, with that association\'s client random and the same master secret', async (t) => {
  const pair = await makePair();
  t.after(() => pair.close());
  const clientLines: Buffer[] = [];
  const serverLines: Buffer[] = [];
  pair.client.on('keylog', (line) => clientLines.push(line));
  pair.server.on('keylog', (line) => serverLines.push(line));
  await Promise.all([pair.client.start(), pair.server.start()]);
  assert.equal(clientLines.length, 1);
  assert.equal(serverLines.length, 1);
  const c = LINE.exec((clientLines[0] as Buffer).toString('latin1'));
  const s = LINE.exec((serverLines[0] as Buffer).toString('latin1'));
  assert.ok(c && s);
  assert.ok(Buffer.isBuffer(clientLines[0]));
  const random = clientRandom(pair.sentByClient[0] as Buffer);
  assert.equal(c[1], random);
  assert.equal(s[1], random);
  assert.equal(c[2], s[2]);
});

test('keylog: the shared SSL_CTX routes each line to its own endpoint, and a transport with no listener gets none', async (t) => {
  // Three clients with the same certificate share one SSL_CTX; only two listen.
  const pairs = await Promise.all([makePair(), makePair(), makePair()]);
  t.after(() => {
    for (const p of pairs) p.close();
  });
  const lines: Buffer[][] = [[], [], []];
  (pairs[0] ?? assert.fail()).client.on('keylog', (l) => (lines[0] as Buffer[]).push(l));
  (pairs[2] ?? assert.fail()).client.on('keylog', (l) => (lines[2] as Buffer[]).push(l));
  await Promise.all(pairs.flatMap((p) => [p.client.start(), p.server.start()]));
  assert.deepEqual(
    lines.map((l) => l.length),
    [1, 0, 1],
  );
  for (const i of [0, 2]) {
    const m = LINE.exec((lines[i]?.[0] as Buffer).toString('latin1'));
    assert.equal(m?.[1], clientRandom(pairs[i]?.sentByClient[0] as Buffer), `pair ${i}`);
  }
});

test('keylog on DtlsSrtpTransport: the same lines, from its DTLS handshake', async (t) => {
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const A: TransportAddress = { address: '127.0.0.1', port: 5000 };
  const B: TransportAddress = { address: '127.0.0.1', port: 5001 };
  let a!: DtlsSrtpTransport;
  let b!: DtlsSrtpTransport;
  const firstFromA: Buffer[] = [];
  a = new DtlsSrtpTransport({
    certificate: ca,
    role: 'client',
    remoteFingerprints: cb.getFingerprints(),
    remoteAddress: B,
    path: {
      send: (d) => {
        firstFromA.push(Buffer.from(d));
        setImmediate(() => {
          if (!b.closed) b.receive(Buffer.from(d), A);
        });
      },
    },
  });
  b = new DtlsSrtpTransport({
    certificate: cb,
    role: 'server',
    remoteFingerprints: ca.getFingerprints(),
    remoteAddress: A,
    path: {
      send: (d) => {
        setImmediate(() => {
          if (!a.closed) a.receive(Buffer.from(d), B);
        });
      },
    },
  });
  t.after(() => {
    a.close();
    b.close();
  });
  const la: Buffer[] = [];
  const lb: Buffer[] = [];
  a.on('keylog', (l) => la.push(l));
  a.on('keylog', () => undefined); // a second listener does not duplicate lines
  b.on('keylog', (l) => lb.push(l));
  await Promise.all([a.start(), b.start()]);
  assert.equal(la.length, 1);
  assert.equal(lb.length, 1);
  assert.equal((la[0] as Buffer).toString(), (lb[0] as Buffer).toString());
  assert.equal(LINE.exec((la[0] as Buffer).toString())?.[1], clientRandom(firstFromA[0] as Buffer));
});
