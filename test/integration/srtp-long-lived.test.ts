// SPDX-License-Identifier: MIT
// RFC 6904 header-extension encryption and key limits through the DTLS
// layers: DtlsTransport.createSrtpSession and DtlsSrtpTransport pass the
// options to the natively keyed SRTP session, and the transport re-emits
// `keylimit`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { setImmediate as tick } from 'node:timers/promises';
import { DtlsSrtpTransport, type SrtpKeyLimitEvent } from '../../lib/index.js';
import { cert, makePair } from './pair.js';

/** RTP with a one-byte header extension: ID 1 = 'mid-a', ID 3 = 0x2a (audio level). */
function rtpWithExtensions(seq: number): Buffer {
  const header = Buffer.from([0x90, 111, seq >> 8, seq & 0xff, 0, 0, 0, 1, 0, 0, 0x12, 0x34]);
  // ID 1 (5 bytes, readable), ID 3 (4 bytes, encrypted), one padding byte. Four
  // bytes, so that encryption leaving them unchanged is a 2^-32 chance, not 1 in 256.
  const ext = Buffer.from([0xbe, 0xde, 0, 3, 0x14, 0x6d, 0x69, 0x64, 0x2d, 0x61, 0x33, 0x2a, 0x2b, 0x2c, 0x2d, 0]);
  return Buffer.concat([header, ext, Buffer.alloc(40, 0x55)]);
}

test('DtlsTransport.createSrtpSession: encryptedHeaderExtensionIds and keyLimits reach the native session', async (t) => {
  const pair = await makePair();
  t.after(() => pair.close());
  await Promise.all([pair.server.start(), pair.client.start()]);
  const options = { encryptedHeaderExtensionIds: [3], keyLimits: { srtpSoft: 2, srtpHard: 3 } };
  const cs = pair.client.createSrtpSession(options);
  const ss = pair.server.createSrtpSession(options);
  const seen: SrtpKeyLimitEvent[] = [];
  cs.on('keylimit', (e) => seen.push(e));
  for (let seq = 1; seq <= 3; seq++) {
    const plain = rtpWithExtensions(seq);
    const wire = cs.protectRtp(plain);
    assert.deepEqual(wire.subarray(16, 22), plain.subarray(16, 22), 'ID 1 readable');
    assert.notDeepEqual(wire.subarray(23, 27), plain.subarray(23, 27), 'ID 3 encrypted');
    assert.deepEqual(ss.unprotectRtp(wire), plain);
  }
  assert.throws(() => cs.protectRtp(rtpWithExtensions(4)), { name: 'SrtpError', code: 'ERR_SRTP_KEY_LIMIT' });
  await tick();
  assert.deepEqual(
    seen.map((e) => e.kind),
    ['soft', 'hard'],
  );
  assert.throws(() => pair.client.createSrtpSession({ encryptedHeaderExtensionIds: [3, 3] }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => pair.client.createSrtpSession({ keyLimits: { srtcpHard: 2 ** 32 } }), { code: 'ERR_OUT_OF_RANGE' });
});

async function udp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('DtlsSrtpTransport: header-extension encryption both ways, keylimit events and ERR_SRTP_KEY_LIMIT at the hard limit', async (t) => {
  const [ca, cb, sa, sb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1), udp(), udp()]);
  const common = { encryptedHeaderExtensionIds: [3] };
  const a = new DtlsSrtpTransport({
    certificate: ca,
    role: 'client',
    remoteFingerprints: cb.getFingerprints(),
    socket: sa,
    remoteAddress: { address: '127.0.0.1', port: sb.address().port },
    keyLimits: { srtpSoft: 3, srtpHard: 5 },
    ...common,
  });
  const b = new DtlsSrtpTransport({
    certificate: cb,
    role: 'server',
    remoteFingerprints: ca.getFingerprints(),
    socket: sb,
    remoteAddress: { address: '127.0.0.1', port: sa.address().port },
    ...common,
  });
  t.after(() => {
    a.close();
    b.close();
    sa.close();
    sb.close();
  });
  const events: SrtpKeyLimitEvent[] = [];
  a.on('keylimit', (e) => events.push(e));
  await Promise.all([a.start(), b.start()]);
  const atB: Buffer[] = [];
  const atA: Buffer[] = [];
  b.on('rtp', (p) => atB.push(Buffer.from(p)));
  a.on('rtp', (p) => atA.push(Buffer.from(p)));
  for (let seq = 1; seq <= 5; seq++) a.sendRtp(rtpWithExtensions(seq));
  b.sendRtp(rtpWithExtensions(9));
  await until(() => atB.length === 5 && atA.length === 1);
  assert.deepEqual(atB[4], rtpWithExtensions(5));
  assert.deepEqual(atA[0], rtpWithExtensions(9));
  assert.throws(() => a.sendRtp(rtpWithExtensions(6)), { name: 'SrtpError', code: 'ERR_SRTP_KEY_LIMIT' });
  await until(() => events.length === 2);
  assert.deepEqual(events, [
    { kind: 'soft', direction: 'outbound', protocol: 'srtp', ssrc: 0x1234 },
    { kind: 'hard', direction: 'outbound', protocol: 'srtp', ssrc: 0x1234 },
  ]);
});

test('DtlsSrtpTransport: the new options are validated at construction', async () => {
  const [ca, sa] = await Promise.all([cert('ecdsa-p256', 0), udp()]);
  try {
    const make = (extra: object) => () =>
      new DtlsSrtpTransport({ certificate: ca, role: 'client', socket: sa, remoteAddress: { address: '127.0.0.1', port: 9 }, ...extra }).close();
    assert.throws(make({ encryptedHeaderExtensionIds: [0] }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(make({ encryptedHeaderExtensionIds: 'all' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(make({ keyLimits: { srtpSoft: 9, srtpHard: 8 } }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    make({ encryptedHeaderExtensionIds: [1, 255], keyLimits: { srtpHard: 10 } })();
  } finally {
    sa.close();
  }
});
