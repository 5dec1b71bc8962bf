// SPDX-License-Identifier: MIT
/**
 * Listener re-entrancy: a listener that throws, or that closes the transport
 * from inside an event, can neither wedge a transport (a start() that never
 * settles, an exception out of receive() or a timer) nor make it emit
 * something that is no longer true. A listener's exception is re-thrown on the
 * next tick (an 'uncaughtException'); these tests capture it there.
 *
 * The links here are manual queues pumped synchronously, so every exception
 * that escapes receive() is seen by the pump.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  DtlsError,
  DtlsSrtpTransport,
  DtlsTransport,
  InvalidStateError,
  SrtpError,
  type DtlsFingerprint,
} from '../../lib/index.js';
import { cert } from './pair.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Captures what reaches 'uncaughtException' during the test; at the end
 * closes `closables` (whose throwing listeners may still run) before it lets go.
 */
function captureUncaught(t: TestContext, ...closables: { close(): void }[]): unknown[] {
  const caught: unknown[] = [];
  process.setUncaughtExceptionCaptureCallback((err) => caught.push(err));
  t.after(async () => {
    try {
      for (const c of closables) {
        try {
          c.close();
        } catch {
          // Only a transport that lets listener exceptions escape gets here.
        }
      }
      await tick();
    } finally {
      process.setUncaughtExceptionCaptureCallback(null);
    }
  });
  return caught;
}

/** Tracks whether a promise settled, without awaiting it forever. */
interface Tracked {
  settled: () => boolean;
  error: () => unknown;
}

function track(p: Promise<unknown>): Tracked {
  let done = false;
  let error: unknown;
  p.then(
    () => {
      done = true;
    },
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  return { settled: () => done, error: () => error };
}

interface DtlsLink {
  client: DtlsTransport;
  server: DtlsTransport;
  /** Exceptions that escaped receive() (none may). */
  escaped: unknown[];
  pump(): void;
}

async function dtlsLink(options: { serverFingerprints?: DtlsFingerprint[] } = {}): Promise<DtlsLink> {
  const [cc, sc] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const toClient: Buffer[] = [];
  const toServer: Buffer[] = [];
  const escaped: unknown[] = [];
  const client = new DtlsTransport({
    certificate: cc,
    role: 'client',
    remoteFingerprints: sc.getFingerprints(),
    send: (d) => toServer.push(d),
  });
  const server = new DtlsTransport({
    certificate: sc,
    role: 'server',
    remoteFingerprints: options.serverFingerprints ?? cc.getFingerprints(),
    send: (d) => toClient.push(d),
  });
  const deliver = (queue: Buffer[], to: DtlsTransport): boolean => {
    const d = queue.shift();
    if (d === undefined) return false;
    if (to.closed || to.state === 'new') return true;
    try {
      to.receive(d);
    } catch (err) {
      escaped.push(err);
    }
    return true;
  };
  return {
    client,
    server,
    escaped,
    pump() {
      for (let i = 0; i < 1000; i++) {
        const a = deliver(toServer, server);
        const b = deliver(toClient, client);
        if (!a && !b) return;
      }
      throw new Error('link did not go quiet');
    },
  };
}

const boom = (): never => {
  throw new Error('listener failure');
};

test('DtlsTransport: a throwing statechange listener neither stops start() nor the other listeners', async (t) => {
  const l = await dtlsLink();
  const caught = captureUncaught(t, l.client, l.server);
  const states: string[] = [];
  l.client.on('statechange', boom);
  l.client.on('statechange', (s) => states.push(s));
  let started: Tracked | undefined;
  assert.doesNotThrow(() => {
    started = track(l.client.start());
  });
  void l.server.start();
  l.pump();
  await tick();
  assert.equal(started?.settled(), true);
  assert.equal(started?.error(), undefined);
  assert.equal(l.client.state, 'connected');
  assert.deepEqual(states, ['connecting', 'connected']);
  assert.deepEqual(l.escaped, []);
  assert.equal(caught.length, 2);
  // Later datagrams are still processed.
  const got: Buffer[] = [];
  l.client.on('data', (d) => got.push(d));
  l.server.send(Buffer.from('after'));
  l.pump();
  assert.deepEqual(got.map(String), ['after']);
});

test('DtlsTransport: a throwing connected listener neither escapes receive() nor hides the event from others', async (t) => {
  const l = await dtlsLink();
  const caught = captureUncaught(t, l.client, l.server);
  let connected = 0;
  for (const side of [l.client, l.server]) {
    side.on('connected', boom);
    side.on('connected', () => connected++);
  }
  const both = track(Promise.all([l.client.start(), l.server.start()]));
  l.pump();
  await tick();
  assert.equal(both.settled(), true);
  assert.equal(both.error(), undefined);
  assert.equal(connected, 2);
  assert.deepEqual(l.escaped, []);
  assert.equal(caught.length, 2);
});

test('DtlsTransport: a throwing data listener loses no record for the other listeners', async (t) => {
  const l = await dtlsLink();
  const caught = captureUncaught(t, l.client, l.server);
  const both = Promise.all([l.client.start(), l.server.start()]);
  l.pump();
  await both;
  const got: string[] = [];
  l.client.on('data', boom);
  l.client.on('data', (d) => got.push(String(d)));
  l.server.send(Buffer.from('one'));
  l.server.send(Buffer.from('two'));
  l.pump();
  await tick();
  assert.deepEqual(got, ['one', 'two']);
  assert.deepEqual(l.escaped, []);
  assert.equal(caught.length, 2);
  assert.equal(l.client.getStats().messagesReceived, 2);
});

test('DtlsTransport: throwing closing listeners neither make close() throw nor skip the close event', async (t) => {
  const l = await dtlsLink();
  const caught = captureUncaught(t, l.client, l.server);
  const both = Promise.all([l.client.start(), l.server.start()]);
  l.pump();
  await both;
  const log: string[] = [];
  l.client.on('statechange', boom);
  l.client.on('statechange', (s) => log.push(s));
  l.client.on('close', boom);
  l.client.on('close', () => log.push('close'));
  assert.doesNotThrow(() => {
    l.client.close();
  });
  assert.equal(l.client.state, 'closed');
  assert.deepEqual(log, ['closed', 'close']);
  // The peer sees our close_notify and closes too, even with a throwing listener there.
  l.server.on('close', boom);
  l.pump();
  assert.equal(l.server.state, 'closed');
  assert.deepEqual(l.escaped, []);
  await tick();
  assert.equal(caught.length, 3);
});

test('DtlsTransport: a throwing listener on failure (fingerprint mismatch in receive) still rejects start()', async (t) => {
  const wrong = (await cert('ecdsa-p256', 2)).getFingerprints();
  const l = await dtlsLink({ serverFingerprints: wrong });
  const caught = captureUncaught(t, l.client, l.server);
  l.server.on('statechange', (s) => {
    if (s === 'failed') boom();
  });
  const started = track(l.server.start());
  void l.client.start().catch(() => undefined);
  l.pump();
  await tick();
  assert.equal(started.settled(), true);
  assert.ok(started.error() instanceof DtlsError);
  assert.equal((started.error() as DtlsError).code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.equal(l.server.state, 'failed');
  assert.equal(l.server.error, started.error());
  assert.deepEqual(l.escaped, []);
  assert.equal(caught.length, 1);
});

test('DtlsTransport: a throwing listener on failure in a timer (handshake timeout) still rejects start()', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const transport = new DtlsTransport({
    certificate: await cert('ecdsa-p256', 0),
    role: 'client',
    remoteFingerprints: (await cert('ecdsa-p256', 1)).getFingerprints(),
    handshakeTimeoutMs: 5000,
    send: () => {},
  });
  const caught = captureUncaught(t, transport);
  transport.on('statechange', (s) => {
    if (s === 'failed') boom();
  });
  const started = track(transport.start());
  assert.doesNotThrow(() => {
    t.mock.timers.tick(5000);
  });
  await tick();
  assert.equal(started.settled(), true);
  assert.equal((started.error() as DtlsError).code, 'ERR_DTLS_TIMEOUT');
  assert.equal(transport.state, 'failed');
  assert.equal(caught.length, 1);
});

test('DtlsTransport: close() inside statechange(connected): start() resolves and connected is never emitted', async (t) => {
  const l = await dtlsLink();
  t.after(() => {
    l.server.close();
  });
  const log: string[] = [];
  l.client.on('statechange', (s) => {
    log.push(`state:${s}`);
    if (s === 'connected') l.client.close();
  });
  l.client.on('connected', () => log.push('connected'));
  l.client.on('close', () => log.push('close'));
  const started = track(l.client.start());
  void l.server.start();
  l.pump();
  await tick();
  // It did connect: start() resolved before the listener ran.
  assert.equal(started.settled(), true);
  assert.equal(started.error(), undefined);
  assert.deepEqual(log, ['state:connecting', 'state:connected', 'state:closed', 'close']);
  assert.equal(l.client.state, 'closed');
  assert.deepEqual(l.escaped, []);
});

test('DtlsTransport: close() inside a connected listener: the remaining listeners are not told connected after close', async (t) => {
  const l = await dtlsLink();
  t.after(() => {
    l.server.close();
  });
  const log: string[] = [];
  l.client.on('connected', () => {
    log.push('connected-1');
    l.client.close();
  });
  l.client.on('connected', () => log.push('connected-2'));
  l.client.on('close', () => log.push('close'));
  const started = track(l.client.start());
  void l.server.start();
  l.pump();
  await tick();
  assert.equal(started.error(), undefined);
  assert.equal(started.settled(), true);
  assert.deepEqual(log, ['connected-1', 'close']);
});

// ---- DtlsSrtpTransport ----

const A = { address: '192.0.2.1', port: 1000, family: 'IPv4' as const };
const B = { address: '192.0.2.2', port: 2000, family: 'IPv4' as const };

interface SecureLink {
  a: DtlsSrtpTransport;
  b: DtlsSrtpTransport;
  escaped: unknown[];
  pump(): void;
}

async function secureLink(options: { bRemote?: boolean } = {}): Promise<SecureLink> {
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const toA: Buffer[] = [];
  const toB: Buffer[] = [];
  const escaped: unknown[] = [];
  const a = new DtlsSrtpTransport({
    certificate: ca,
    role: 'client',
    remoteFingerprints: cb.getFingerprints(),
    path: { send: (d) => toB.push(d) },
    remoteAddress: B,
  });
  const b = new DtlsSrtpTransport({
    certificate: cb,
    role: 'server',
    remoteFingerprints: ca.getFingerprints(),
    path: { send: (d) => toA.push(d) },
    remoteAddress: options.bRemote === false ? undefined : A,
  });
  const deliver = (queue: Buffer[], to: DtlsSrtpTransport, from: typeof A): boolean => {
    const d = queue.shift();
    if (d === undefined) return false;
    if (to.closed) return true;
    try {
      to.receive(d, from);
    } catch (err) {
      escaped.push(err);
    }
    return true;
  };
  return {
    a,
    b,
    escaped,
    pump() {
      for (let i = 0; i < 1000; i++) {
        const x = deliver(toB, b, A);
        const y = deliver(toA, a, B);
        if (!x && !y) return;
      }
      throw new Error('link did not go quiet');
    },
  };
}

test('DtlsSrtpTransport: createSrtpSession throwing after the handshake fails the transport with a typed error', async (t) => {
  const forced = new SrtpError('ERR_SRTP_BAD_PARAM', 2, 'forced keying failure');
  t.mock.method(DtlsTransport.prototype, 'createSrtpSession', () => {
    throw forced;
  });
  const l = await secureLink();
  t.after(() => {
    l.a.close();
    l.b.close();
  });
  const states: string[] = [];
  l.a.on('statechange', (s) => states.push(s));
  const startedA = track(l.a.start());
  const startedB = track(l.b.start());
  l.pump();
  await tick();
  for (const [side, started] of [[l.a, startedA], [l.b, startedB]] as const) {
    assert.equal(started.settled(), true);
    const err = started.error();
    assert.ok(err instanceof DtlsError);
    assert.equal(err.code, 'ERR_DTLS_INTERNAL');
    assert.equal(err.cause, forced);
    assert.equal(side.state, 'failed');
    assert.equal(side.error, err);
    assert.throws(() => side.sendRtp(rtp()), InvalidStateError);
  }
  assert.deepEqual(states, ['connecting', 'failed']);
  assert.deepEqual(l.escaped, []);
  // The association was ended with close_notify; DTLS arriving later is dropped as 'ended'.
  const ended = l.a.getStats().droppedDatagrams.ended;
  l.a.receive(Buffer.alloc(20, 23), B);
  assert.equal(l.a.getStats().droppedDatagrams.ended, ended + 1);
});

test('DtlsSrtpTransport: throwing listeners on every event neither wedge it nor lose media for other listeners', async (t) => {
  const l = await secureLink({ bRemote: false });
  const caught = captureUncaught(t, l.a, l.b);
  const seen = { statechange: 0, remoteaddresschange: 0, rtp: 0, rtcp: 0, data: 0 };
  for (const event of Object.keys(seen) as (keyof typeof seen)[]) {
    l.b.on(event, boom);
    l.b.on(event, () => seen[event]++);
  }
  assert.doesNotThrow(() => {
    l.b.setRemoteAddress(A);
  });
  let started: Tracked | undefined;
  assert.doesNotThrow(() => {
    started = track(Promise.all([l.a.start(), l.b.start()]));
  });
  l.pump();
  await tick();
  assert.equal(started?.settled(), true);
  assert.equal(started?.error(), undefined);
  assert.equal(l.b.state, 'connected');
  for (let i = 0; i < 2; i++) {
    l.a.sendRtp(rtp({ seq: i }));
    l.a.sendRtcp(rtcp());
    l.a.sendData(Buffer.from(`d${i}`));
  }
  l.pump();
  await tick();
  assert.deepEqual(seen, { statechange: 2, remoteaddresschange: 1, rtp: 2, rtcp: 2, data: 2 });
  assert.deepEqual(l.escaped, []);
  assert.equal(caught.length, 9);
  assert.equal(l.b.getStats().rtpPacketsReceived, 2);
});

test('DtlsSrtpTransport: close() inside statechange(connected): start() resolves and nothing is emitted after', async (t) => {
  const l = await secureLink();
  t.after(() => {
    l.b.close();
  });
  const log: string[] = [];
  l.a.on('statechange', (s) => {
    log.push(s);
    if (s === 'connected') l.a.close();
  });
  l.a.on('statechange', (s) => log.push(`second:${s}`));
  l.a.on('rtp', () => log.push('rtp'));
  const started = track(l.a.start());
  void l.b.start();
  l.pump();
  await tick();
  assert.equal(started.settled(), true);
  assert.equal(started.error(), undefined);
  assert.deepEqual(log, ['connecting', 'second:connecting', 'connected', 'closed', 'second:closed']);
  assert.equal(l.a.state, 'closed');
  assert.deepEqual(l.escaped, []);
});

test('DtlsSrtpTransport: a throwing onStun handler does not escape receive()', async (t) => {
  const c = await cert('ecdsa-p256', 0);
  let calls = 0;
  const transport = new DtlsSrtpTransport({
    certificate: c,
    role: 'server',
    path: { send: () => {} },
    onStun: () => {
      calls++;
      boom();
    },
  });
  const caught = captureUncaught(t, transport);
  const stun = Buffer.alloc(20);
  stun.writeUInt32BE(0x2112a442, 4);
  assert.doesNotThrow(() => {
    transport.receive(stun, A);
    transport.receive(stun, A);
  });
  await tick();
  assert.equal(calls, 2);
  assert.equal(caught.length, 2);
  assert.equal(transport.getStats().packetsReceived, 2);
});
