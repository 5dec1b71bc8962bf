// SPDX-License-Identifier: MIT
// The retransmission timer of a DtlsTransport: a handshake step keeps the
// armed timer when it is due no later than the new retransmission time
// (every step moves that time a little later), instead of clearing and
// setting a timer per datagram; a timer that fires early re-arms, so the
// retransmission still happens when OpenSSL asks for it, not before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsTransport } from '../../lib/index.js';
import { native, type NativeDtlsStep, type NativeVerifier } from '../../lib/native.js';

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

/** The transports' default initial retransmission time. */
const INITIAL_RTO_MS = 1000;

/**
 * Real OpenSSL endpoints whose retransmission time is reported on the test's
 * clock (`clock.now`, which also stands in for Date.now). OpenSSL measures its
 * timer on the real clock and the transport anchors the reported remaining
 * time at its own Date.now(), read a little later: a stall in between (a
 * loaded machine, a GC) made one step's retransmission time look a few ms
 * earlier than the armed timer's, and that re-armed a timer — correctly, but
 * the count then depended on the machine. Here a step that sent datagrams
 * (OpenSSL restarts its timer for a flight) reports the full duration OpenSSL
 * started the timer with (a whole multiple of the initial time); every other
 * step reports the same instant again, one millisecond earlier every second
 * time (the rounding the transport must tolerate). What OpenSSL really reported
 * is checked too: between flights it only ever runs down.
 */
function clockedNative(clock: { now: number }): { restore: () => void; problems: string[] } {
  const Real = native.NativeDtls;
  const problems: string[] = [];
  class Clocked extends Real {
    #due: number | undefined;
    #flightMs = -1;
    #repeats = 0;
    #report(step: NativeDtlsStep): NativeDtlsStep {
      if (step.timeoutMs < 0) {
        this.#due = undefined;
        return step;
      }
      if (step.datagrams.length > 0 || this.#due === undefined) {
        this.#flightMs = step.timeoutMs;
        this.#due = clock.now + Math.ceil(step.timeoutMs / INITIAL_RTO_MS) * INITIAL_RTO_MS;
        return { ...step, timeoutMs: this.#due - clock.now };
      }
      if (step.timeoutMs > this.#flightMs) problems.push(`${step.timeoutMs} ms reported after ${this.#flightMs} ms for the same flight`);
      const rounding = this.#repeats++ % 2;
      return { ...step, timeoutMs: Math.max(0, this.#due - clock.now - rounding) };
    }
    override start(verify: NativeVerifier): NativeDtlsStep {
      return this.#report(super.start(verify));
    }
    override receive(datagram: Uint8Array, verify: NativeVerifier): NativeDtlsStep {
      return this.#report(super.receive(datagram, verify));
    }
    override handleTimeout(verify: NativeVerifier): NativeDtlsStep {
      return this.#report(super.handleTimeout(verify));
    }
    override continueHandshake(verify: NativeVerifier): NativeDtlsStep {
      return this.#report(super.continueHandshake(verify));
    }
  }
  native.NativeDtls = Clocked;
  return {
    restore: () => {
      native.NativeDtls = Real;
    },
    problems,
  };
}

test('a handshake over a duplicating link sets one timer per transport, not one per datagram', async () => {
  const clock = { now: Date.now() };
  const clocked = clockedNative(clock);
  let pair;
  try {
    pair = await queuedPair();
  } finally {
    clocked.restore();
  }
  const { client, server, pump } = pair;
  const realNow = Date.now;
  const real = globalThis.setTimeout;
  let timers = 0;
  Date.now = () => clock.now;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    const started = Promise.all([server.start(), client.start()]);
    let delivered = 0;
    for (let round = 0; round < 10 && (client.state !== 'connected' || server.state !== 'connected'); round++) {
      clock.now += 10; // a round trip: every new flight's retransmission is due a little later
      delivered += pump(undefined, 3);
    }
    await started;
    assert.ok(delivered >= 4, `${delivered} datagrams`);
    // The client's retransmission timer, the server's handshake deadline
    // and then its (earlier) retransmission timer; every other step keeps
    // the armed timer.
    assert.ok(timers <= 3, `${timers} timers for ${3 * delivered} datagrams`);
    assert.deepEqual(clocked.problems, []);
  } finally {
    Date.now = realNow;
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

test('the retransmission is due when OpenSSL said, however long the send function and listeners of that step took', async () => {
  const clock = { now: Date.now() };
  const clocked = clockedNative(clock);
  const [a, b] = await certs;
  let client: DtlsTransport;
  try {
    client = new DtlsTransport({
      certificate: a,
      role: 'client',
      remoteFingerprints: b.getFingerprints(),
      // A slow send function: 600 ms pass while the ClientHello leaves.
      send: () => {
        clock.now += 600;
      },
    });
  } finally {
    clocked.restore();
  }
  const realNow = Date.now;
  const real = globalThis.setTimeout;
  const delays: number[] = [];
  Date.now = () => clock.now;
  globalThis.setTimeout = ((handler: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return real(handler, 60_000);
  }) as typeof setTimeout;
  try {
    void client.start().catch(() => undefined);
    assert.equal(client.getStats().datagramsSent, 1);
    // One timer, for the earlier of the handshake deadline (30 s) and the
    // retransmission, due 1 s after the step, of which the send function used
    // 600 ms: 400 ms are left.
    assert.deepEqual(delays, [INITIAL_RTO_MS - 600]);
  } finally {
    Date.now = realNow;
    globalThis.setTimeout = real;
    client.close();
  }
});
