// SPDX-License-Identifier: MIT
// What a failed in-place unprotect leaves in the caller's buffer (never
// unauthenticated plaintext), and the cap on local (outbound) SRTP streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, SrtpError, srtpResultCode } from '../../lib/index.js';
import { pair, rtp, rtcp } from '../fixtures/srtp-helpers.js';
import { cert, makePair, keepAlive } from '../integration/pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';

const TAMPER_PROFILES = ['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_80'] as const;

/** No run of 8 bytes of `plain` beyond `from` appears in `buf` beyond `from`. */
function holdsNoPlaintext(buf: Uint8Array, plain: Uint8Array, from: number): boolean {
  const hay = Buffer.from(buf.subarray(from));
  for (let i = from; i + 8 <= plain.length; i += 4) {
    if (hay.includes(Buffer.from(plain.subarray(i, i + 8)))) return false;
  }
  return true;
}

/** The bytes after the header are the received ones, or all zero. */
function receivedOrZeroed(buf: Uint8Array, received: Uint8Array, header: number): boolean {
  const rest = Buffer.from(buf.subarray(header, received.length));
  return rest.equals(Buffer.from(received.subarray(header))) || rest.every((b) => b === 0);
}

for (const profile of TAMPER_PROFILES) {
  test(`${profile}: a tampered packet unprotected in place leaves no plaintext (single and batch, RTP and RTCP)`, () => {
    const { a, b } = pair(profile);
    // A payload no keystream could produce by chance, easy to search for.
    const plain = rtp({ seq: 10, ssrc: 0x1234, payload: Buffer.from('plaintext!'.repeat(20)) });
    const srtp = a.protectRtp(plain);
    const tampered = Buffer.from(srtp);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1); // tag: authentication fails

    const single = Buffer.from(tampered);
    const n = b.unprotectRtpInPlace(single, single.length);
    assert.equal(srtpResultCode(n), 'ERR_SRTP_AUTH_FAIL');
    assert.ok(holdsNoPlaintext(single, plain, 12), 'plaintext left after a failed unprotectRtpInPlace');
    assert.ok(receivedOrZeroed(single, tampered, 12));
    assert.deepEqual(single.subarray(0, 12), tampered.subarray(0, 12));

    const slab = Buffer.alloc(2 * 512);
    tampered.copy(slab, 0);
    tampered.copy(slab, 512);
    const results = new Int32Array(2);
    const ok = b.unprotectRtpBatchInPlace(slab, new Int32Array([0, tampered.length, 512, 512, tampered.length, 512]), results);
    assert.equal(ok, 0);
    assert.deepEqual([...results].map(srtpResultCode), ['ERR_SRTP_AUTH_FAIL', 'ERR_SRTP_AUTH_FAIL']);
    for (const at of [0, 512]) {
      const packet = slab.subarray(at, at + tampered.length);
      assert.ok(holdsNoPlaintext(packet, plain, 12), 'plaintext left after a failed unprotectRtpBatchInPlace');
      assert.ok(receivedOrZeroed(packet, tampered, 12));
    }

    // The genuine packet still decrypts (nothing above consumed its index).
    const genuine = Buffer.from(srtp);
    assert.equal(b.unprotectRtpInPlace(genuine, genuine.length), plain.length);
    assert.deepEqual(genuine.subarray(0, plain.length), plain);

    const report = Buffer.concat([rtcp({ ssrc: 0x1234 }).subarray(0, 8), Buffer.from('rtcp-plain'.repeat(12))]);
    const srtcp = a.protectRtcp(report);
    const badRtcp = Buffer.from(srtcp);
    badRtcp.writeUInt8(badRtcp.readUInt8(badRtcp.length - 1) ^ 1, badRtcp.length - 1);
    const rtcpSingle = Buffer.from(badRtcp);
    assert.equal(srtpResultCode(b.unprotectRtcpInPlace(rtcpSingle, rtcpSingle.length)), 'ERR_SRTP_AUTH_FAIL');
    assert.ok(holdsNoPlaintext(rtcpSingle, report, 8), 'plaintext left after a failed unprotectRtcpInPlace');
    assert.ok(receivedOrZeroed(rtcpSingle, badRtcp, 8));
    const rtcpSlab = Buffer.alloc(256);
    badRtcp.copy(rtcpSlab);
    assert.equal(b.unprotectRtcpBatchInPlace(rtcpSlab, new Int32Array([0, badRtcp.length, 256]), results), 0);
    assert.ok(holdsNoPlaintext(rtcpSlab, report, 8), 'plaintext left after a failed unprotectRtcpBatchInPlace');
  });
}

test('a tampered AES-GCM packet in shared memory keeps exactly the received bytes (processed in a private copy)', () => {
  const { a, b } = pair('AEAD_AES_128_GCM');
  const plain = rtp({ seq: 3, ssrc: 9, payload: Buffer.from('shared-plain'.repeat(10)) });
  const tampered = Buffer.from(a.protectRtp(plain));
  tampered.writeUInt8(tampered.readUInt8(20) ^ 0x40, 20); // ciphertext
  const shared = new Uint8Array(new SharedArrayBuffer(256));
  shared.set(tampered);
  assert.equal(srtpResultCode(b.unprotectRtpInPlace(shared, tampered.length)), 'ERR_SRTP_AUTH_FAIL');
  assert.deepEqual(Buffer.from(shared.subarray(0, tampered.length)), tampered);
  // And a genuine one decrypts in shared memory like anywhere else.
  const genuine = a.protectRtp(rtp({ seq: 4, ssrc: 9 }));
  shared.set(genuine);
  const n = b.unprotectRtpInPlace(shared, genuine.length);
  assert.deepEqual(Buffer.from(shared.subarray(0, n)), rtp({ seq: 4, ssrc: 9 }));
});

test('local stream cap: protecting for a new SSRC beyond maxLocalStreams fails with ERR_SRTP_TOO_MANY_STREAMS', () => {
  const { a, b } = pair('AES_CM_128_HMAC_SHA1_80', { maxLocalStreams: 2 });
  assert.equal(a.getStats().localStreams, 0);
  a.protectRtp(rtp({ ssrc: 1, seq: 1 }));
  a.protectRtcp(rtcp({ ssrc: 2 }));
  assert.equal(a.getStats().localStreams, 2);
  // Known SSRCs keep working, in both RTP and RTCP.
  assert.ok(b.unprotectRtp(a.protectRtp(rtp({ ssrc: 2, seq: 1 }))).length > 0);
  a.protectRtcp(rtcp({ ssrc: 1 }));

  assert.throws(() => a.protectRtp(rtp({ ssrc: 3, seq: 1 })), (e: unknown) => {
    assert.ok(e instanceof SrtpError);
    assert.equal(e.code, 'ERR_SRTP_TOO_MANY_STREAMS');
    return true;
  });
  assert.throws(() => a.protectRtcp(rtcp({ ssrc: 3 })), { name: 'SrtpError', code: 'ERR_SRTP_TOO_MANY_STREAMS' });
  const packet = rtp({ ssrc: 4, seq: 1 });
  const buf = Buffer.alloc(packet.length + a.rtpOverhead);
  packet.copy(buf);
  assert.equal(srtpResultCode(a.protectRtpInPlace(buf, packet.length)), 'ERR_SRTP_TOO_MANY_STREAMS');
  assert.deepEqual(buf.subarray(0, packet.length), packet); // untouched
  const batch = a.protectRtpBatch([rtp({ ssrc: 1, seq: 2 }), rtp({ ssrc: 5, seq: 1 }), rtp({ ssrc: 2, seq: 2 })]);
  assert.deepEqual(
    batch.map((r) => (r.ok ? 'ok' : r.code)),
    ['ok', 'ERR_SRTP_TOO_MANY_STREAMS', 'ok'],
  );
  const stats = a.getStats();
  assert.equal(stats.localStreams, 2);
  assert.equal(stats.failures.ERR_SRTP_TOO_MANY_STREAMS, 4);
  assert.equal(stats.remoteStreams, 0);
});

test('local stream cap: default 1024, option bounds 1 to 65536', () => {
  const { a } = pair('AEAD_AES_128_GCM');
  for (let ssrc = 1; ssrc <= 1024; ssrc++) a.protectRtp(rtp({ ssrc, seq: 1, payloadLength: 4 }));
  assert.equal(a.getStats().localStreams, 1024);
  assert.throws(() => a.protectRtp(rtp({ ssrc: 1025, seq: 1 })), { code: 'ERR_SRTP_TOO_MANY_STREAMS' });
  assert.throws(() => pair('AEAD_AES_128_GCM', { maxLocalStreams: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => pair('AEAD_AES_128_GCM', { maxLocalStreams: 65537 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => pair('AEAD_AES_128_GCM', { maxLocalStreams: '8' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(pair('AEAD_AES_128_GCM', { maxLocalStreams: 65536 }).a.getStats().localStreams, 0);
});

test('DtlsTransport.createSrtpSession passes maxLocalStreams to the natively keyed session', async () => {
  const stop = keepAlive();
  const p = await makePair();
  try {
    await Promise.all([p.server.start(), p.client.start()]);
    assert.throws(() => p.client.createSrtpSession({ maxLocalStreams: 0 }), { code: 'ERR_OUT_OF_RANGE' });
    const sender = p.client.createSrtpSession({ maxLocalStreams: 1 });
    const receiver = p.server.createSrtpSession();
    assert.ok(receiver.unprotectRtp(sender.protectRtp(rtp({ ssrc: 11, seq: 1 }))).length > 0);
    assert.throws(() => sender.protectRtp(rtp({ ssrc: 12, seq: 1 })), { code: 'ERR_SRTP_TOO_MANY_STREAMS' });
    assert.equal(sender.getStats().localStreams, 1);
  } finally {
    p.close();
    stop();
  }
});

test('DtlsSrtpTransport passes maxLocalStreams to its SRTP session (sendRtp past the cap throws)', async (t) => {
  const ca = await cert('ecdsa-p256', 0);
  assert.throws(() => new DtlsSrtpTransport({ certificate: ca, role: 'client', path: { send: () => {} }, maxLocalStreams: 0 }), {
    code: 'ERR_OUT_OF_RANGE',
  });
  const { a, close } = await pairSecure({ a: { maxLocalStreams: 1 }, connect: true });
  t.after(close);
  a.sendRtp(rtp({ ssrc: 21, seq: 1 }));
  assert.throws(() => a.sendRtp(rtp({ ssrc: 22, seq: 1 })), { name: 'SrtpError', code: 'ERR_SRTP_TOO_MANY_STREAMS' });
  assert.equal(a.getStats().srtp?.localStreams, 1);
});
