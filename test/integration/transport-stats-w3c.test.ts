// SPDX-License-Identifier: MIT
/**
 * DtlsSrtpTransport.getStats() in W3C RTCTransportStats terms: srtpCipher as
 * the IANA name (as Chromium reports it) beside our srtpProfile, dtlsRole,
 * iceState, selectedCandidatePairChanges; and the two durations, each named
 * for what it measures, with a peer that starts late.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { DtlsSrtpTransport, type DtlsSrtpTransportOptions, type SrtpProfile } from '../../lib/index.js';
import { cert } from './pair.js';

const A = { address: '127.0.0.1', port: 7301 };
const B = { address: '127.0.0.1', port: 7302 };

async function pair(extra: Partial<DtlsSrtpTransportOptions> = {}): Promise<{ client: DtlsSrtpTransport; server: DtlsSrtpTransport }> {
  const [ca, cb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  let client!: DtlsSrtpTransport;
  let server!: DtlsSrtpTransport;
  const to = (target: () => DtlsSrtpTransport, from: typeof A) => ({
    send: (d: Buffer) => {
      setImmediate(() => {
        const t = target();
        if (!t.closed) t.receive(d, from);
      });
    },
  });
  client = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), remoteAddress: B, path: to(() => server, A), ...extra });
  server = new DtlsSrtpTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), remoteAddress: A, path: to(() => client, B), ...extra });
  return { client, server };
}

const IANA: Record<SrtpProfile, string> = {
  AES_CM_128_HMAC_SHA1_80: 'SRTP_AES128_CM_SHA1_80',
  AES_CM_128_HMAC_SHA1_32: 'SRTP_AES128_CM_SHA1_32',
  AEAD_AES_128_GCM: 'SRTP_AEAD_AES_128_GCM',
  AEAD_AES_256_GCM: 'SRTP_AEAD_AES_256_GCM',
};

for (const profile of Object.keys(IANA) as SrtpProfile[]) {
  test(`getStats() W3C names, ${profile}: srtpCipher ${IANA[profile]}, dtlsRole, iceState, selectedCandidatePairChanges`, async () => {
    const { client, server } = await pair({ srtpProfiles: [profile] });
    const before = server.getStats();
    assert.equal(before.srtpCipher, undefined);
    assert.equal(before.srtpProfile, undefined);
    assert.equal(before.dtlsState, 'new');
    await Promise.all([client.start(), server.start()]);
    for (const [t, role] of [
      [client, 'client'],
      [server, 'server'],
    ] as const) {
      const s = t.getStats();
      assert.equal(s.srtpCipher, IANA[profile]);
      assert.equal(s.srtpProfile, profile);
      assert.equal(s.dtlsRole, role);
      assert.equal(s.dtlsState, 'connected');
      assert.equal(s.iceState, 'connected');
      assert.equal(s.selectedCandidatePairChanges, 1);
      assert.match(s.dtlsCipher ?? '', /^TLS_ECDHE_ECDSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
    }
    client.close();
    server.close();
    // The final figures keep the names; the ICE and DTLS states are closed.
    const last = server.getStats();
    assert.equal(last.srtpCipher, IANA[profile]);
    assert.equal(last.iceState, 'closed');
    assert.equal(last.dtlsState, 'closed');
  });
}

test('a server whose peer starts late: handshakeDurationMs counts from the first DTLS datagram, connectDurationMs from start()', async (t) => {
  const { client, server } = await pair();
  t.after(() => {
    client.close();
    server.close();
  });
  const late = 300;
  const serverStarted = server.start();
  // Nothing but waiting for the peer happens here: the server has no DTLS datagram yet.
  await delay(late);
  assert.equal(server.getStats().dtls.datagramsReceived, 0);
  await Promise.all([client.start(), serverStarted]);
  const s = server.getStats();
  const c = client.getStats();
  assert.ok(s.connectDurationMs !== undefined && s.handshakeDurationMs !== undefined);
  assert.ok(c.connectDurationMs !== undefined && c.handshakeDurationMs !== undefined);
  // Timers may fire up to a millisecond early on the performance clock: 2 ms of slack.
  assert.ok(s.connectDurationMs >= late - 2, `connectDurationMs ${s.connectDurationMs}`);
  // The server's handshake began when the ClientHello arrived, after the wait.
  assert.ok(
    s.handshakeDurationMs <= s.connectDurationMs - (late - 2),
    `handshakeDurationMs ${s.handshakeDurationMs} should exclude the ${late} ms wait (connectDurationMs ${s.connectDurationMs})`,
  );
  // The client sent its ClientHello at start(): both figures cover the same span.
  assert.ok(c.handshakeDurationMs <= c.connectDurationMs);
  assert.ok(c.connectDurationMs - c.handshakeDurationMs < late - 2);
});
