// SPDX-License-Identifier: MIT
/**
 * DTLS restart with Debian's Chromium while Opus flows: the page re-offers
 * (same ICE credentials, same certificate), we answer with a NEW
 * certificate's fingerprint and call `transport.restartDtls()` on the live
 * transport (a shared UdpServer port) before the answer reaches the page.
 * Chromium, seeing a new fingerprint, tears its DTLS association down and
 * runs a new handshake as the client; ours, waiting as the server, takes
 * it. The test asserts that the restart completes, our transport stays
 * `connected`, Chromium's DTLS transport is `connected` again and sees our
 * new certificate, and Chromium's media resumes under the new keys.
 * Skipped when Chromium is absent (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Certificate, type DtlsRestartEvent } from '../../lib/index.js';
import type { IceLiteResponder } from '../../lib/entry/ice.js';
import { parseRemoteDescription } from '../../lib/entry/sdp.js';
import { answeringTransport, chromiumOffer, chromiumSkip, liteAnswer, setAnswer, until } from './chromium.js';

/** Waits (bounded: 20 s) until the page's `expression` is true. */
async function untilPage(page: { evaluate<T>(expression: string): Promise<T> }, expression: string, what: string): Promise<void> {
  let ok = false;
  for (let i = 0; i < 400 && !ok; i++) {
    ok = await page.evaluate<boolean>(expression);
    if (!ok) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(ok, `timed out waiting for ${what}`);
}

/** `AB:CD:…` sha-256 of a DER certificate, as browsers write fingerprints. */
function sha256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

test('Chromium re-offer answered with a new certificate: restartDtls() on the live transport, Chromium re-handshakes, media resumes under the new keys', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async (t) => {
  const { server, page, offer } = await chromiumOffer(t);
  const [certificate, renewed] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const transport = answeringTransport(offer, certificate, server);
  t.after(() => transport.close());
  const ice = transport.iceLite as IceLiteResponder;
  // RTP sequence numbers in arrival order (`rtp` comes on every path; during
  // the restart window it is the only media event: see restartDtls()).
  const sequence: number[] = [];
  transport.on('rtp', (packet) => sequence.push(packet.readUInt16BE(2)));
  const answerTo = (description: typeof offer, sessionVersion: number): string =>
    liteAnswer(description, ice.localParameters, transport.localFingerprints, server, { sessionId: '4242', sessionVersion, tlsId: transport.localTlsId });
  // Chromium's view of its DTLS transport: states, our certificate's
  // fingerprint (the page is no secure context: no crypto.subtle, so the DER is hashed here).
  const chromiumDtls = async (): Promise<{ state: string; states: string[]; remote: string[]; stats: string[] }> => {
    const seen = await page.evaluate<{ state: string; states: string[]; remote: string[]; stats: string[] }>(`(async () => {
      const dtls = pc.getSenders()[0].transport;
      const remote = dtls.getRemoteCertificates().map((b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join(''));
      const report = await pc.getStats();
      const stats = [];
      report.forEach((s) => {
        if (s.type === 'transport' && s.remoteCertificateId) stats.push(report.get(s.remoteCertificateId).fingerprint.toUpperCase());
      });
      return { state: dtls.state, states: window.dtlsStates, remote, stats };
    })()`);
    return { ...seen, remote: seen.remote.map((hex) => sha256(Buffer.from(hex, 'hex'))) };
  };

  const connected = transport.start();
  assert.equal(await setAnswer(page, answerTo(offer, 2)), 'ok');
  await connected;
  await page.evaluate(`(() => {
    const dtls = pc.getSenders()[0].transport;
    window.dtlsStates = [];
    dtls.addEventListener('statechange', () => window.dtlsStates.push(dtls.state));
  })()`);
  await until(() => sequence.length >= 50, '50 RTP packets before the restart');
  await untilPage(page, `pc.getSenders()[0].transport.state === 'connected'`, 'Chromium DTLS connected');
  const oldFingerprint = sha256(certificate.der);
  const newFingerprint = sha256(renewed.der);
  assert.deepEqual((await chromiumDtls()).remote, [oldFingerprint], 'Chromium sees our first certificate');

  // From here on our transport must stay connected; only DTLS restarts.
  const events: string[] = [];
  transport.on('icestatechange', (s) => events.push(`ice ${s}`));
  transport.on('statechange', (s) => events.push(`dtls ${s}`));
  let closed = 0;
  transport.on('close', () => closed++);
  const restartEvents: DtlsRestartEvent['phase'][] = [];
  transport.on('dtlsrestart', (e) => restartEvents.push(e.phase));
  const before = transport.getStats();

  const reoffer = parseRemoteDescription(await page.evaluate<string>(`(async () => {
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  })()`));
  assert.deepEqual(reoffer.fingerprints, offer.fingerprints, 'Chromium keeps its certificate');
  assert.equal(reoffer.iceUfrag, offer.iceUfrag, 'and its ICE credentials');
  assert.equal(reoffer.tlsId, undefined, 'Chromium sends no a=tls-id');
  // Chromium is the DTLS client (we answered passive) and stays so. The
  // restart must be open before the answer reaches the page: applying it,
  // Chromium sends close_notify on its old association, which closes a
  // transport that is not restarting (state 'closed', seen in a trial); a
  // restarting one hands DTLS records to the new association (which counts
  // one epoch-1 record dropped before its handshake: dtls.dropped.earlyEpoch).
  const restarted = transport.restartDtls({ dtlsParameters: { role: 'client', fingerprints: reoffer.fingerprints }, certificate: renewed });
  assert.deepEqual(transport.localFingerprints, renewed.getFingerprints(['sha-256']));
  const restartedAt = sequence.length;
  assert.equal(await setAnswer(page, answerTo(reoffer, 3)), 'ok');
  assert.equal(await restarted, true);

  await until(() => transport.getStats().restart.currentKeyPackets > 0, 'an RTP packet under the new keys');
  await until(() => sequence.length >= restartedAt + 100, '100 RTP packets after the restart');
  await untilPage(page, `pc.getSenders()[0].transport.state === 'connected'`, 'Chromium DTLS connected again');
  const chromium = await chromiumDtls();

  const after = transport.getStats();
  assert.deepEqual(restartEvents, ['started', 'complete']);
  assert.equal(after.restart.started, 1);
  assert.equal(after.restart.completed, 1);
  assert.equal(after.restart.failed, 0);
  assert.deepEqual(events, [], 'neither ICE nor our DTLS changed state');
  assert.equal(closed, 0);
  assert.equal(transport.state, 'connected');
  assert.equal(transport.iceState, 'connected');
  assert.equal(transport.error, undefined);
  // Chromium's certificate did not change; ours did, and Chromium sees the new one.
  assert.deepEqual(after.remoteCertificateFingerprint, before.remoteCertificateFingerprint);
  assert.equal(after.localCertificateFingerprint?.value, renewed.getFingerprints(['sha-256'])[0]?.value);
  assert.equal(chromium.state, 'connected');
  assert.ok(chromium.states.includes('connecting'), `Chromium ran a new handshake: ${chromium.states.join(' → ')}`);
  assert.deepEqual(chromium.remote, [newFingerprint], 'Chromium getRemoteCertificates(): our new certificate');
  assert.ok(chromium.stats.includes(newFingerprint), `Chromium getStats() remote certificate: ${chromium.stats.join(', ')}`);
  assert.ok(after.dtlsPacketsReceived > before.dtlsPacketsReceived, 'a new handshake ran');
  // Media under the new keys after the restart, nothing dropped: every
  // datagram that reached us was delivered media, DTLS or an ICE check.
  // Chromium's last packets under its old keys (sent before it applied the
  // answer) authenticated under our previous keys (previousKeyPackets).
  assert.ok(after.restart.currentKeyPackets > 0);
  assert.equal(after.restart.heldDropped, 0);
  const authFailures = after.srtpFailures.ERR_SRTP_AUTH_FAIL - before.srtpFailures.ERR_SRTP_AUTH_FAIL;
  assert.equal(authFailures, 0);
  assert.deepEqual(after.srtpFailures, before.srtpFailures);
  const serverStats = server.getStats();
  assert.equal(serverStats.socket.srtpDropped, 0);
  assert.ok(Object.values(after.droppedDatagrams).every((n) => n === 0), JSON.stringify(after.droppedDatagrams));
  const checks = after.ice?.validChecks ?? 0;
  assert.equal(after.packetsReceived, after.rtpPacketsReceived + after.rtcpPacketsReceived + after.dtlsPacketsReceived + checks);
  assert.equal(after.rtpPacketsReceived, sequence.length);
  const seen = new Set(sequence);
  assert.equal(seen.size, sequence.length, 'no RTP packet delivered twice');
  // Sequence numbers Chromium used but never sent while its DTLS was down
  // (none reached our socket, by the count above): reported, not asserted.
  const first = sequence[0] as number;
  const last = sequence[sequence.length - 1] as number;
  let gap = 0;
  for (let n = first; n <= last; n++) if (!seen.has(n)) gap++;
  t.diagnostic(
    `Chromium DTLS states ${chromium.states.join(' → ')}; restart: ${JSON.stringify(after.restart)}; ` +
      `${sequence.length - restartedAt} RTP after the restart began, ${gap} sequence numbers never sent; ` +
      `DTLS records dropped as early epoch ${after.dtls.dropped.earlyEpoch}`,
  );
});
