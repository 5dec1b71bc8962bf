// SPDX-License-Identifier: MIT
// DtlsSrtpTransport `mediaOnly`: the DTLS state is freed only once the peer
// proved it holds the keys (one of its SRTP or SRTCP packets authenticated),
// never on a forged or unauthenticated packet; afterwards sendData throws
// ERR_DTLS_RELEASED, media flows both ways, getStats and close work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsError, DtlsSrtpTransport, SrtpSession } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

const A = { address: '192.0.2.1', port: 1 };
const B = { address: '192.0.2.2', port: 2 };

interface Wired {
  a: DtlsSrtpTransport;
  b: DtlsSrtpTransport;
  sentByB: Buffer[];
  /** Received RTP payload sizes by side. */
  rtpAt: { a: number; b: number };
}

const certs = Promise.all([Certificate.generate(), Certificate.generate()]);

async function wire(mediaOnly: boolean | undefined): Promise<Wired> {
  const [ca, cb] = await certs;
  const sentByB: Buffer[] = [];
  const queue: [() => DtlsSrtpTransport, Buffer, typeof A][] = [];
  let pumping = false;
  const deliver = (to: () => DtlsSrtpTransport, from: typeof A, log?: Buffer[]) => (d: Buffer): void => {
    log?.push(d);
    queue.push([to, d, from]);
    if (pumping) return;
    pumping = true;
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const target = item[0]();
      if (!target.closed) target.receive(item[1], item[2]);
    }
    pumping = false;
  };
  const extra = mediaOnly === undefined ? {} : { mediaOnly };
  const a: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B,
    path: { send: deliver(() => b, A) }, ...extra,
  });
  const b: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A,
    path: { send: deliver(() => a, B, sentByB) }, ...extra,
  });
  await Promise.all([b.start(), a.start()]);
  const rtpAt = { a: 0, b: 0 };
  a.on('rtp', () => rtpAt.a++);
  b.on('rtp', () => rtpAt.b++);
  return { a, b, sentByB, rtpAt };
}

/** True while the transport still holds its DTLS session (sendData works). */
function holdsDtls(t: DtlsSrtpTransport): boolean {
  try {
    t.sendData(Buffer.from('probe'));
    return true;
  } catch (err) {
    assert.ok(err instanceof DtlsError);
    assert.equal(err.code, 'ERR_DTLS_RELEASED');
    return false;
  }
}

test('mediaOnly keeps DTLS until an SRTP packet of the peer authenticates, then frees it', async () => {
  await certs;
  const baseline = native.NativeDtls.memoryStats().externalMemory;
  const w = await wire(true);
  assert.equal(w.a.mediaOnly, true);
  assert.ok(holdsDtls(w.b));
  const reported = native.NativeDtls.memoryStats().externalMemory;

  // Unauthenticated packets: random bytes behind an RTP header, an RTCP
  // packet with a bad tag, and RTP protected with keys that are not the
  // peer's. None is proof; none releases anything.
  const forged = Buffer.concat([rtp({ ssrc: 7, seq: 1 }).subarray(0, 12), Buffer.alloc(176, 0xa5)]);
  w.b.receive(forged, A);
  const stranger = new SrtpSession({
    profile: w.b.srtpProfile ?? 'AEAD_AES_128_GCM',
    localKey: Buffer.alloc(16, 3), localSalt: Buffer.alloc(w.b.srtpProfile === 'AES_CM_128_HMAC_SHA1_80' ? 14 : 12, 4),
    remoteKey: Buffer.alloc(16, 3), remoteSalt: Buffer.alloc(w.b.srtpProfile === 'AES_CM_128_HMAC_SHA1_80' ? 14 : 12, 4),
  });
  w.b.receive(stranger.protectRtp(rtp({ ssrc: 8, seq: 2 })), A);
  w.b.receive(stranger.protectRtcp(rtcp({ ssrc: 8 })), A);
  stranger.close();
  assert.ok(w.b.getStats().srtpFailures.ERR_SRTP_AUTH_FAIL >= 3);
  assert.equal(w.rtpAt.b, 0);
  assert.ok(holdsDtls(w.b), 'still holds DTLS after forged packets');
  assert.ok(holdsDtls(w.a));

  // The client's first genuine RTP packet proves the client holds the keys.
  w.a.sendRtp(rtp({ ssrc: 1, seq: 1 }));
  assert.equal(w.rtpAt.b, 1);
  assert.equal(holdsDtls(w.b), false);
  assert.ok(native.NativeDtls.memoryStats().externalMemory < reported);
  // The client has no proof of the server yet.
  assert.ok(holdsDtls(w.a));

  // Media both ways after the release; the server's RTCP proves it to the client.
  w.b.sendRtp(rtp({ ssrc: 2, seq: 1 }));
  assert.equal(w.rtpAt.a, 1);
  assert.equal(holdsDtls(w.a), false);
  w.a.sendRtp(rtp({ ssrc: 1, seq: 2 }));
  w.b.sendRtcp(rtcp({ ssrc: 2 }));
  assert.equal(w.rtpAt.b, 2);
  assert.equal(w.a.getStats().rtcpPacketsReceived, 1);
  assert.equal(w.a.state, 'connected');
  assert.equal(w.b.state, 'connected');

  // getStats and close after the release; close sends nothing (no SSL to write close_notify).
  const stats = w.b.getStats();
  assert.equal(stats.rtpPacketsReceived, 2);
  assert.equal(typeof stats.dtls.datagramsReceived, 'number');
  const sent = w.sentByB.length;
  w.b.close();
  assert.equal(w.sentByB.length, sent);
  assert.equal(w.b.state, 'closed');
  w.a.close();
  assert.equal(native.NativeDtls.memoryStats().externalMemory, baseline);
});

test('an authenticated SRTCP packet is proof too', async () => {
  const w = await wire(true);
  w.b.sendRtcp(rtcp({ ssrc: 2 }));
  assert.equal(holdsDtls(w.a), false);
  assert.ok(holdsDtls(w.b));
  w.a.close();
  w.b.close();
});

test('without mediaOnly (the default) DTLS stays after media flows', async () => {
  const w = await wire(undefined);
  assert.equal(w.a.mediaOnly, false);
  w.a.sendRtp(rtp({ ssrc: 1, seq: 1 }));
  w.b.sendRtp(rtp({ ssrc: 2, seq: 1 }));
  assert.equal(w.rtpAt.a + w.rtpAt.b, 2);
  assert.ok(holdsDtls(w.a));
  assert.ok(holdsDtls(w.b));
  w.a.close();
  w.b.close();
});

test('mediaOnly must be a boolean', async () => {
  const [ca, cb] = await certs;
  assert.throws(
    () => new DtlsSrtpTransport({
      certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), path: { send: () => undefined },
      mediaOnly: 'yes' as unknown as boolean,
    }),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
});
