// SPDX-License-Identifier: MIT
// One spoofed plaintext datagram injected into a live handshake between two
// DtlsTransports. OpenSSL 3.0 alone lets each of these stall or fail the
// handshake; the native pre-filter drops them, counts them by reason, and the
// handshake completes in both roles. No retransmission can rescue a stalled
// handshake here (the first retransmission is due after the handshake bound),
// so a forged record that got through shows as ERR_DTLS_TIMEOUT or a failure.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsError, DtlsTransport, type DtlsStats } from '../../lib/index.js';
import { nativeCertificateOf } from '../../lib/certificate.js';
import { native, NativeDtlsStatus, type NativeDtlsStep } from '../../lib/native.js';
import { cert, keepAlive, makePair } from './pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';

type Reason = keyof DtlsStats['dropped'];

function record(type: number, epoch: number, seq: bigint, body: Buffer): Buffer {
  const h = Buffer.alloc(13);
  h[0] = type;
  h.writeUInt16BE(0xfefd, 1);
  h.writeUInt16BE(epoch, 3);
  h.writeUInt16BE(Number(seq >> 32n), 5);
  h.writeUInt32BE(Number(seq & 0xffffffffn), 7);
  h.writeUInt16BE(body.length, 11);
  return Buffer.concat([h, body]);
}

/** One handshake fragment: RFC 6347 §4.2.2 header and `fragmentLength` bytes. */
function fragment(type: number, length: number, messageSeq: number, offset: number, fragmentLength: number): Buffer {
  const f = Buffer.alloc(12 + fragmentLength, 0x42);
  f[0] = type;
  f.writeUIntBE(length, 1, 3);
  f.writeUInt16BE(messageSeq, 4);
  f.writeUIntBE(offset, 6, 3);
  f.writeUIntBE(fragmentLength, 9, 3);
  return f;
}

interface Forgery {
  name: string;
  datagram: Buffer;
  reason: Reason;
}

const forgeries: Forgery[] = [];
for (const seq of [1000n, 5000n, 1n << 20n, 1n << 40n]) {
  forgeries.push({ name: `ChangeCipherSpec with record seq ${seq}`, datagram: record(20, 0, seq, Buffer.from([1])), reason: 'implausibleSequence' });
  forgeries.push({
    name: `future Certificate fragment with record seq ${seq}`,
    datagram: record(22, 0, seq, fragment(11, 100, 5, 10, 10)),
    reason: 'implausibleSequence',
  });
}
for (const messageSeq of [1, 2, 5]) {
  forgeries.push({ name: `HelloRequest with message_seq ${messageSeq}`, datagram: record(22, 0, 40n, fragment(0, 0, messageSeq, 0, 0)), reason: 'helloRequest' });
}
forgeries.push({ name: 'fragment declaring 65536 bytes', datagram: record(22, 0, 40n, fragment(1, 65536, 3, 16, 16)), reason: 'oversizedMessage' });
forgeries.push({ name: 'fragment with message_seq 9', datagram: record(22, 0, 40n, fragment(11, 100, 9, 10, 10)), reason: 'futureMessage' });
forgeries.push({ name: 'application data in epoch 0', datagram: record(23, 0, 40n, Buffer.alloc(30, 1)), reason: 'malformed' });
forgeries.push({ name: 'epoch-1 handshake record', datagram: record(22, 1, 1n, Buffer.alloc(40, 1)), reason: 'earlyEpoch' });

describe('forged plaintext records before the handshake completes', () => {
  for (const victim of ['client', 'server'] as const) {
    for (const forgery of forgeries) {
      test(`${victim}: ${forgery.name} is dropped as ${forgery.reason}; the handshake completes`, async () => {
        const slow = { initialRetransmitMs: 60000, handshakeTimeoutMs: 3000 };
        const pair = await makePair({ client: slow, server: slow });
        const target = victim === 'client' ? pair.client : pair.server;
        // Right before the peer's first flight reaches the victim (a client
        // that sent its ClientHello; a server waiting for one): the forger
        // races the genuine peer.
        let injected = false;
        const inject = (d: Buffer): Buffer => {
          if (!injected) {
            injected = true;
            target.receive(forgery.datagram);
          }
          return d;
        };
        if (victim === 'client') pair.tap.toClient = inject;
        else pair.tap.toServer = inject;
        const stop = keepAlive();
        try {
          await Promise.all([pair.server.start(), pair.client.start()]);
        } finally {
          stop();
        }
        assert.ok(injected);
        assert.equal(pair.client.state, 'connected');
        assert.equal(pair.server.state, 'connected');
        const dropped = target.getStats().dropped;
        assert.equal(dropped[forgery.reason], 1, JSON.stringify(dropped));
        const others = Object.entries(dropped).filter(([k, v]) => k !== forgery.reason && v !== 0);
        assert.deepEqual(others, []);
        pair.close();
      });
    }
  }
});

describe('through DtlsSrtpTransport, from the selected address', () => {
  for (const victim of ['client', 'server'] as const) {
    test(`${victim}: a spoofed ChangeCipherSpec with record seq 2^40 is dropped; the handshake completes`, async (t) => {
      const slow = { initialRetransmitMs: 60000, handshakeTimeoutMs: 3000 };
      const { a, b, sa, sb, close } = await pairSecure({ role: victim, a: slow, b: slow });
      t.after(close);
      // The forger uses the peer's own address (here: its socket). Sent
      // right after the victim starts, it arrives before the peer's first
      // flight (loopback keeps the order of one socket's datagrams).
      const forged = record(20, 0, 1n << 40n, Buffer.from([1]));
      const starts = victim === 'client' ? [b.start(), a.start()] : [a.start()];
      sb.send(forged, sa.address().port, '127.0.0.1');
      if (victim === 'server') {
        const end = Date.now() + 2000;
        while (a.getStats().dtls.dropped.implausibleSequence === 0 && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 5));
        }
        starts.push(b.start());
      }
      await Promise.all(starts);
      assert.equal(a.state, 'connected');
      assert.equal(a.getStats().dtls.dropped.implausibleSequence, 1);
    });
  }
});

describe('drop counters', () => {
  test('DtlsStats.dropped has one counter per native drop reason, named as the addon names them', async () => {
    const certificate = await cert();
    const handle = nativeCertificateOf(certificate);
    assert.ok(handle !== undefined);
    const endpoint = new native.NativeDtls({
      certificate: handle,
      isServer: true,
      srtpProfiles: 'SRTP_AES128_CM_SHA1_80',
      mtu: 1200,
      initialRtoMs: 1000,
      serverCookies: false,
    });
    const nativeReasons = Object.keys(endpoint.info().dropped).sort();
    endpoint.close();
    const transport = new DtlsTransport({ certificate, role: 'server', send: () => {} });
    const reasons = Object.keys(transport.getStats().dropped);
    transport.close();
    assert.deepEqual(
      reasons.filter((r) => !['notDtls', 'holdOverflow', 'queueOverflow', 'inactive'].includes(r)).sort(),
      nativeReasons,
    );
    assert.deepEqual(nativeReasons, [
      'earlyEpoch',
      'futureMessage',
      'helloRequest',
      'implausibleSequence',
      'malformed',
      'oversizedMessage',
      'replayed',
      'unauthenticated',
    ]);
  });

  test('the counters survive the end of the association', async () => {
    const pair = await makePair();
    const stop = keepAlive();
    try {
      await Promise.all([pair.server.start(), pair.client.start()]);
    } finally {
      stop();
    }
    // After the handshake, epoch-0 records are ignored by OpenSSL itself; a
    // protected record too short for its AEAD tag is still malformed.
    pair.server.receive(record(23, 1, 9n, Buffer.alloc(5)));
    pair.client.close();
    await new Promise((r) => setImmediate(r));
    assert.equal(pair.server.state, 'closed');
    assert.equal(pair.server.getStats().dropped.malformed, 1);
    pair.close();
  });
});

describe('send() when OpenSSL cannot write', () => {
  // The native core test makes SSL_write fail for real (a write BIO that
  // reports an I/O error) and checks the endpoint fails with kWrite and the
  // OpenSSL errors; here the addon's answer is replayed to check what the
  // transport makes of it.
  test('fails the association with DtlsError ERR_DTLS_WRITE and its OpenSSL errors, and throws it', async () => {
    const Real = native.NativeDtls;
    const failing: NativeDtlsStep = {
      status: NativeDtlsStatus.Failed,
      datagrams: [],
      timeoutMs: -1,
      failure: 'ERR_DTLS_WRITE',
      opensslErrors: ['error:80000005:system library::Input/output error'],
    };
    class FailingWrites extends Real {
      override send(): NativeDtlsStep {
        return failing;
      }
    }
    let pair;
    native.NativeDtls = FailingWrites;
    try {
      pair = await makePair();
    } finally {
      native.NativeDtls = Real;
    }
    const stop = keepAlive();
    try {
      await Promise.all([pair.server.start(), pair.client.start()]);
    } finally {
      stop();
    }
    const states: string[] = [];
    pair.client.on('statechange', (s) => states.push(s));
    assert.throws(
      () => {
        pair.client.send(Buffer.from('x'));
      },
      (err: unknown) => {
        assert.ok(err instanceof DtlsError);
        assert.equal(err.code, 'ERR_DTLS_WRITE');
        assert.deepEqual(err.opensslErrors, failing.opensslErrors);
        return true;
      },
    );
    assert.equal(pair.client.state, 'failed');
    assert.deepEqual(states, ['failed']);
    assert.equal(pair.client.error?.code, 'ERR_DTLS_WRITE');
    assert.equal(pair.client.getStats().messagesSent, 0);
    pair.close();
  });
});
