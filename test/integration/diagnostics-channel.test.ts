// SPDX-License-Identifier: MIT
/**
 * The `diagnostics_channel` channels (README "Diagnostics"): a real
 * handshake (start and complete, with duration, profile and cipher), a
 * failing one (fingerprint mismatch: fail with duration and code), state
 * changes, a `DtlsSrtpTransport` reporting as itself (never its inner DTLS
 * association), and ICE consent expiry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { DtlsSrtpTransport, DtlsTransport, type DtlsError } from '../../lib/index.js';
import { serializeStunMessage } from '../../lib/entry/stun.js';
import { cert, makePair } from './pair.js';

const NAMES = [
  'dtls-srtp:transport:created',
  'dtls-srtp:handshake:start',
  'dtls-srtp:handshake:complete',
  'dtls-srtp:handshake:fail',
  'dtls-srtp:state',
  'dtls-srtp:consent:expired',
] as const;
type Name = (typeof NAMES)[number];
type Message = Record<string, unknown> & { transport: object };

/** Subscribes to every channel until the test ends; returns the messages by channel. */
function record(t: { after: (fn: () => void) => void }): Record<Name, Message[]> {
  const out = Object.fromEntries(NAMES.map((n) => [n, []])) as unknown as Record<Name, Message[]>;
  for (const name of NAMES) {
    const listener = (message: unknown) => {
      out[name].push(message as Message);
    };
    diagnosticsChannel.subscribe(name, listener);
    t.after(() => diagnosticsChannel.unsubscribe(name, listener));
  }
  return out;
}

test('channels: a real handshake publishes start and complete (duration, profile, cipher) and every state change', async (t) => {
  const seen = record(t);
  const pair = await makePair();
  t.after(() => pair.close());
  await Promise.all([pair.client.start(), pair.server.start()]);
  const mine = (m: Message) => m.transport === pair.client || m.transport === pair.server;
  const starts = seen['dtls-srtp:handshake:start'].filter(mine);
  assert.deepEqual(
    starts.map((m) => [m.transport, m['role']]),
    [
      [pair.client, 'client'],
      [pair.server, 'server'],
    ],
  );
  const completes = seen['dtls-srtp:handshake:complete'].filter(mine);
  assert.equal(completes.length, 2);
  for (const m of completes) {
    const transport = m.transport as DtlsTransport;
    assert.equal(m['role'], transport.role);
    assert.equal(typeof m['durationMs'], 'number');
    assert.ok((m['durationMs'] as number) >= 0);
    assert.equal(m['srtpProfile'], transport.srtpProfile);
    assert.equal(m['cipherSuite'], transport.cipherSuite);
  }
  assert.equal(seen['dtls-srtp:handshake:fail'].filter(mine).length, 0);
  pair.client.close();
  const states = seen['dtls-srtp:state'].filter((m) => m.transport === pair.client);
  assert.deepEqual(
    states.map((m) => [m['kind'], m['state']]),
    [
      ['DtlsTransport', 'connecting'],
      ['DtlsTransport', 'connected'],
      ['DtlsTransport', 'closed'],
    ],
  );
});

test('channels: a fingerprint mismatch publishes handshake:fail with the code, the error and a duration', async (t) => {
  const seen = record(t);
  const other = await cert('ecdsa-p256', 2);
  const pair = await makePair({ client: { remoteFingerprints: other.getFingerprints() } });
  t.after(() => pair.close());
  await Promise.allSettled([pair.client.start(), pair.server.start()]);
  const fails = seen['dtls-srtp:handshake:fail'].filter((m) => m.transport === pair.client);
  assert.equal(fails.length, 1);
  const fail = fails[0] as Message;
  assert.equal(fail['code'], 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.equal(fail['error'], pair.client.error);
  assert.equal((fail['error'] as DtlsError).code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
  assert.equal(fail['role'], 'client');
  assert.ok((fail['durationMs'] as number) >= 0);
  assert.equal(seen['dtls-srtp:handshake:complete'].filter((m) => m.transport === pair.client).length, 0);
  assert.deepEqual(
    seen['dtls-srtp:state'].filter((m) => m.transport === pair.client).map((m) => m['state']),
    ['connecting', 'failed'],
  );
});

test('channels: a DtlsSrtpTransport reports as itself (created, handshake, its own states), never its inner DTLS', async (t) => {
  const seen = record(t);
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const A = { address: '127.0.0.1', port: 5000 };
  const B = { address: '127.0.0.1', port: 5001 };
  let a!: DtlsSrtpTransport;
  let b!: DtlsSrtpTransport;
  const wire = (to: () => DtlsSrtpTransport, from: typeof A) => (d: Uint8Array) => {
    const copy = Buffer.from(d);
    setImmediate(() => {
      if (!to().closed) to().receive(copy, from);
    });
  };
  a = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B, path: { send: wire(() => b, A) } });
  b = new DtlsSrtpTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A, path: { send: wire(() => a, B) } });
  t.after(() => {
    a.close();
    b.close();
  });
  await Promise.all([a.start(), b.start()]);
  a.close();
  const created = seen['dtls-srtp:transport:created'].filter((m) => m.transport === a || m.transport === b);
  assert.deepEqual(
    created.map((m) => [m.transport, m['kind'], m['role']]),
    [
      [a, 'DtlsSrtpTransport', 'client'],
      [b, 'DtlsSrtpTransport', 'server'],
    ],
  );
  for (const name of NAMES) {
    for (const m of seen[name]) assert.ok(!(m.transport instanceof DtlsTransport) || m.transport === undefined, `${name} showed an inner DtlsTransport`);
  }
  const completed = seen['dtls-srtp:handshake:complete'].filter((m) => m.transport === a || m.transport === b).map((m) => m.transport);
  assert.equal(completed.length, 2);
  assert.ok(completed.includes(a) && completed.includes(b));
  assert.deepEqual(
    seen['dtls-srtp:state'].filter((m) => m.transport === a).map((m) => [m['kind'], m['state']]),
    [
      ['DtlsSrtpTransport', 'connecting'],
      ['DtlsSrtpTransport', 'connected'],
      ['DtlsSrtpTransport', 'closed'],
    ],
  );
});

test('channels: ICE consent expiry is published with the timeout', async (t) => {
  const seen = record(t);
  const [serverCert, peerCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const ice = { ufrag: 'srvU', pwd: 'serverPasswordOf22Chars', remoteUfrag: 'brws' };
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const server = new DtlsSrtpTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: peerCert.getFingerprints(),
    iceLite: ice,
    consentTimeoutMs: 10_000,
    path: { send: () => undefined },
  });
  t.after(() => server.close());
  const check = serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: randomBytes(12),
      attributes: [
        { type: 'username', value: `${ice.ufrag}:${ice.remoteUfrag}` },
        { type: 'ice-controlling', value: 1n },
        { type: 'priority', value: 1853824767 },
        { type: 'use-candidate' },
      ],
    },
    { integrityKey: ice.pwd },
  );
  server.receive(check, { address: '127.0.0.1', port: 6000 });
  const started = server.start();
  t.mock.timers.tick(10_000);
  await assert.rejects(started);
  const expired = seen['dtls-srtp:consent:expired'].filter((m) => m.transport === server);
  assert.deepEqual(
    expired.map((m) => m['timeoutMs']),
    [10_000],
  );
  assert.deepEqual(
    seen['dtls-srtp:state'].filter((m) => m.transport === server).map((m) => m['state']),
    ['connecting', 'failed'],
  );
  // The handshake it interrupted is reported failed with the transport's own error.
  assert.deepEqual(
    seen['dtls-srtp:handshake:fail'].filter((m) => m.transport === server).map((m) => [m['code'], m['error'] === server.error]),
    [['ERR_ICE_CONSENT_EXPIRED', true]],
  );
});
