// SPDX-License-Identifier: MIT
// The retransmission timer of a DtlsTransport: a handshake step keeps the
// armed timer when it is due no later than the new retransmission time
// (every step moves that time a little later), instead of clearing and
// setting a timer per datagram; a timer that fires early re-arms, so the
// retransmission still happens when OpenSSL asks for it, not before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsTransport } from '../../lib/index.js';

const certs = Promise.all([Certificate.generate(), Certificate.generate()]);

/** A client and a server whose datagrams wait in one queue until pumped. */
async function queuedPair(): Promise<{
  client: DtlsTransport;
  server: DtlsTransport;
  queue: [DtlsTransport, Buffer][];
  pump: (filter?: (to: DtlsTransport) => boolean, copies?: number) => number;
}> {
  const [a, b] = await certs;
  const queue: [DtlsTransport, Buffer][] = [];
  const client: DtlsTransport = new DtlsTransport({
    certificate: a,
    role: 'client',
    remoteFingerprints: b.getFingerprints(),
    send: (d) => queue.push([server, d]),
  });
  const server: DtlsTransport = new DtlsTransport({
    certificate: b,
    role: 'server',
    remoteFingerprints: a.getFingerprints(),
    send: (d) => queue.push([client, d]),
  });
  const pump = (keep: (to: DtlsTransport) => boolean = () => true, copies = 1): number => {
    let delivered = 0;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      if (!keep(item[0])) continue; // lost
      for (let i = 0; i < copies; i++) item[0].receive(item[1]); // copies > 1: duplicated by the network
      delivered++;
    }
    return delivered;
  };
  return { client, server, queue, pump };
}

test('a handshake over a duplicating link sets one timer per transport, not one per datagram', async () => {
  const { client, server, pump } = await queuedPair();
  const real = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    const started = Promise.all([server.start(), client.start()]);
    let delivered = 0;
    for (let round = 0; round < 10 && (client.state !== 'connected' || server.state !== 'connected'); round++) {
      delivered += pump(undefined, 3);
    }
    await started;
    assert.ok(delivered >= 4, `${delivered} datagrams`);
    // The client's retransmission timer, the server's handshake deadline
    // and then its (earlier) retransmission timer; every other step keeps
    // the armed timer.
    assert.ok(timers <= 3, `${timers} timers for ${3 * delivered} datagrams`);
  } finally {
    globalThis.setTimeout = real;
    client.close();
    server.close();
  }
});

test('a timer kept from an earlier step fires early, re-arms, and the lost flight is retransmitted', async () => {
  // Real timers: OpenSSL keeps its own clock. The client's timer is armed at
  // start for the ClientHello; the server's flight then makes the client
  // send its own flight, whose retransmission is due later, and the first
  // timer is kept. That flight is lost: only the re-armed timer can get the
  // handshake done (no time is asserted, only that it completes).
  const { client, server, queue, pump } = await queuedPair();
  const done = Promise.all([server.start(), client.start()]);
  pump((to) => to === server); // ClientHello -> server flight queued
  pump((to) => to === client); // server flight -> client flight queued
  const afterFlight = client.getStats().datagramsSent;
  queue.length = 0; // the client's flight is lost
  const keepAlive = setInterval(() => pump(), 5);
  try {
    await done;
  } finally {
    clearInterval(keepAlive);
  }
  assert.ok(client.getStats().datagramsSent > afterFlight, 'the client retransmitted its flight');
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
  client.close();
  server.close();
});
