// SPDX-License-Identifier: MIT
/**
 * The contract both transports implement (SecureTransportContract in
 * lib/transport-contract.ts), checked by one parameterised suite on
 * DtlsTransport and on DtlsSrtpTransport: start() twice, getStats() after
 * close, what `closed` means, the `close` event, sendData/send,
 * getRemoteCertificates and localParameters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import {
  Certificate,
  DtlsSrtpTransport,
  DtlsTransport,
  InvalidStateError,
  type DtlsFingerprint,
  type DtlsState,
  type SecureTransportContract,
} from '../../lib/index.js';
import { cert } from './pair.js';

type Transport = SecureTransportContract & EventEmitter & { send(data: Uint8Array): void };

interface Side {
  transport: Transport;
  certificate: Certificate;
  /** Datagrams the transport handed to its path, from its stats. */
  sent(): number;
}

interface Harness {
  name: string;
  /** Two transports wired in memory (delivery on the next turn); `a` is the DTLS client. */
  make(opts?: { wrongFingerprint?: boolean }): Promise<{ a: Side; b: Side }>;
}

const ADDR_A = { address: '127.0.0.1', port: 7001 };
const ADDR_B = { address: '127.0.0.1', port: 7002 };

const harnesses: Harness[] = [
  {
    name: 'DtlsTransport',
    async make(opts = {}) {
      const [ca, cb, other] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1), cert('ecdsa-p256', 2)]);
      let a!: DtlsTransport;
      let b!: DtlsTransport;
      const to = (peer: () => DtlsTransport) => (d: Buffer) => {
        setImmediate(() => {
          const p = peer();
          if (!p.closed && p.state !== 'new') p.receive(d);
        });
      };
      a = new DtlsTransport({
        certificate: ca,
        role: 'client',
        remoteFingerprints: (opts.wrongFingerprint === true ? other : cb).getFingerprints(),
        send: to(() => b),
      });
      b = new DtlsTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), send: to(() => a) });
      return {
        a: { transport: a, certificate: ca, sent: () => a.getStats().datagramsSent },
        b: { transport: b, certificate: cb, sent: () => b.getStats().datagramsSent },
      };
    },
  },
  {
    name: 'DtlsSrtpTransport',
    async make(opts = {}) {
      const [ca, cb, other] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1), cert('ecdsa-p256', 2)]);
      let a!: DtlsSrtpTransport;
      let b!: DtlsSrtpTransport;
      const to = (peer: () => DtlsSrtpTransport, from: typeof ADDR_A) => ({
        send: (d: Buffer) => {
          setImmediate(() => {
            const p = peer();
            if (!p.closed) p.receive(d, from);
          });
        },
      });
      a = new DtlsSrtpTransport({
        certificate: ca,
        role: 'client',
        remoteFingerprints: (opts.wrongFingerprint === true ? other : cb).getFingerprints(),
        remoteAddress: ADDR_B,
        path: to(() => b, ADDR_A),
      });
      b = new DtlsSrtpTransport({
        certificate: cb,
        role: 'server',
        remoteFingerprints: ca.getFingerprints(),
        remoteAddress: ADDR_A,
        path: to(() => a, ADDR_B),
      });
      return {
        a: { transport: a, certificate: ca, sent: () => a.getStats().packetsSent },
        b: { transport: b, certificate: cb, sent: () => b.getStats().packetsSent },
      };
    },
  },
];

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Records the events the contract names, in order. */
function record(t: Transport): string[] {
  const events: string[] = [];
  t.on('statechange', (s: DtlsState) => events.push(`statechange:${s}`));
  t.on('close', () => events.push('close'));
  return events;
}

function sha256(fps: readonly DtlsFingerprint[]): string {
  const fp = fps.find((f) => f.algorithm === 'sha-256');
  assert.ok(fp !== undefined);
  return fp.value;
}

for (const h of harnesses) {
  describe(`${h.name} implements SecureTransportContract`, () => {
    test('start() returns the same promise on every call; after close() a rejected one (ERR_INVALID_STATE)', async () => {
      const { a, b } = await h.make();
      const first = a.transport.start();
      assert.equal(a.transport.start(), first, 'while connecting');
      const server = b.transport.start();
      await Promise.all([first, server]);
      assert.equal(a.transport.start(), first, 'once connected');
      a.transport.close();
      b.transport.close();
      const late = a.transport.start();
      assert.notEqual(late, first);
      await assert.rejects(late, (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE');
    });

    test('start() after a failure returns the same rejected promise, with the error', async () => {
      const { a, b } = await h.make({ wrongFingerprint: true });
      const first = a.transport.start();
      b.transport.start().catch(() => undefined);
      await assert.rejects(first, { code: 'ERR_DTLS_FINGERPRINT_MISMATCH' });
      assert.equal(a.transport.state, 'failed');
      assert.equal(a.transport.start(), first);
      assert.equal(a.transport.error?.code, 'ERR_DTLS_FINGERPRINT_MISMATCH');
      a.transport.close();
      b.transport.close();
    });

    test('getStats() works after close() and returns the final figures (close_notify included)', async () => {
      const { a, b } = await h.make();
      await Promise.all([a.transport.start(), b.transport.start()]);
      const before = a.sent();
      a.transport.close();
      const after = a.sent();
      assert.equal(after, before + 1, 'the close_notify is in the final figures');
      await settle();
      assert.equal(a.sent(), after, 'final: nothing changes any more');
      b.transport.close();
    });

    test('our close(): state closed, closed true, statechange then exactly one close event', async () => {
      const { a, b } = await h.make();
      await Promise.all([a.transport.start(), b.transport.start()]);
      const events = record(a.transport);
      a.transport.close();
      a.transport.close();
      a.transport[Symbol.dispose]();
      assert.equal(a.transport.state, 'closed');
      assert.equal(a.transport.closed, true);
      assert.deepEqual(events, ['statechange:closed', 'close']);
      b.transport.close();
    });

    test("the peer's close_notify: state closed while closed stays false; one close event; close() still needed and adds none", async () => {
      const { a, b } = await h.make();
      await Promise.all([a.transport.start(), b.transport.start()]);
      const events = record(b.transport);
      a.transport.close();
      await settle();
      assert.equal(b.transport.state, 'closed');
      assert.equal(b.transport.closed, false);
      assert.deepEqual(events, ['statechange:closed', 'close']);
      // Not closed yet: getStats and close work, the association is over.
      assert.deepEqual(b.transport.getRemoteCertificates(), []);
      assert.throws(() => b.transport.sendData(Buffer.from('x')), { code: 'ERR_INVALID_STATE' });
      b.transport.close();
      assert.equal(b.transport.closed, true);
      assert.deepEqual(events, ['statechange:closed', 'close']);
    });

    test('a failed transport emits close once, when close() is called', async () => {
      const { a, b } = await h.make({ wrongFingerprint: true });
      const events = record(a.transport);
      await assert.rejects(Promise.all([a.transport.start(), b.transport.start()]));
      await settle();
      assert.equal(a.transport.state, 'failed');
      assert.equal(a.transport.closed, false);
      assert.deepEqual(events, ['statechange:connecting', 'statechange:failed']);
      a.transport.close();
      a.transport.close();
      assert.equal(a.transport.closed, true);
      assert.equal(a.transport.state, 'failed');
      assert.deepEqual(events, ['statechange:connecting', 'statechange:failed', 'close']);
      b.transport.close();
    });

    test('sendData() is the shared name, send() its alias; data arrives as a data event', async () => {
      const { a, b } = await h.make();
      await Promise.all([a.transport.start(), b.transport.start()]);
      const got: string[] = [];
      b.transport.on('data', (d: Buffer) => got.push(d.toString()));
      a.transport.sendData(Buffer.from('one'));
      a.transport.send(Buffer.from('two'));
      await settle();
      assert.deepEqual(got, ['one', 'two']);
      a.transport.close();
      b.transport.close();
    });

    test("getRemoteCertificates(): [] before connected, then the peer's DER (X509Certificate parses it, fingerprint matches); ERR_INVALID_STATE after close()", async () => {
      const { a, b } = await h.make();
      assert.deepEqual(a.transport.getRemoteCertificates(), []);
      await Promise.all([a.transport.start(), b.transport.start()]);
      for (const [me, peer] of [
        [a, b],
        [b, a],
      ] as const) {
        const certs = me.transport.getRemoteCertificates();
        assert.equal(certs.length, 1);
        const x509 = new X509Certificate(certs[0] as Buffer);
        assert.equal(x509.fingerprint256, sha256(peer.certificate.getFingerprints()));
        assert.ok((certs[0] as Buffer).equals(peer.certificate.der));
      }
      a.transport.close();
      b.transport.close();
      assert.throws(() => a.transport.getRemoteCertificates(), (err: unknown) => err instanceof InvalidStateError && err.code === 'ERR_INVALID_STATE');
    });

    test('localParameters: our role and our certificate fingerprint, DtlsParameters-shaped', async () => {
      const { a, b } = await h.make();
      assert.deepEqual(a.transport.localParameters, { role: 'client', fingerprints: a.certificate.getFingerprints(['sha-256']) });
      assert.deepEqual(b.transport.localParameters, { role: 'server', fingerprints: b.certificate.getFingerprints(['sha-256']) });
      a.transport.close();
      b.transport.close();
    });
  });
}
