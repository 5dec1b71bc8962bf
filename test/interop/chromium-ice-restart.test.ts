// SPDX-License-Identifier: MIT
/**
 * ICE restart with Debian's Chromium while Opus flows: the page calls
 * `pc.restartIce()`, its new offer is answered with the credentials of
 * `transport.restartIce()` on the live transport (a shared UdpServer port),
 * and media carries on: every RTP sequence number from the first packet to
 * the last arrives, ICE stays connected, consent never lapses, and the DTLS
 * association is kept (Chromium keeps its certificate, so no new handshake).
 * Skipped when Chromium is absent (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate } from '../../lib/index.js';
import type { IceLiteResponder } from '../../lib/entry/ice.js';
import { parseRemoteDescription } from '../../lib/entry/sdp.js';
import { answeringTransport, chromiumOffer, chromiumSkip, liteAnswer, setAnswer, until } from './chromium.js';

test('Chromium restartIce() while Opus flows: new credentials on the live transport, no RTP packet lost, ICE and DTLS untouched', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async (t) => {
  const { server, page, offer } = await chromiumOffer(t);
  const certificate = await Certificate.generate();
  const transport = answeringTransport(offer, certificate, server);
  t.after(() => transport.close());
  const ice = transport.iceLite as IceLiteResponder;
  const sequence: number[] = [];
  transport.on('mediabatch', (batch, start, end) => {
    for (let i = start; i < end; i++) if (batch.kind(i) === 'rtp') sequence.push(batch.extendedSequenceNumber(i));
  });
  const answerTo = (description: typeof offer, local: { usernameFragment: string; password: string }, sessionVersion: number): string =>
    liteAnswer(description, local, certificate.getFingerprints(['sha-256']), server, { sessionId: '4242', sessionVersion });

  const connected = transport.start();
  assert.equal(await setAnswer(page, answerTo(offer, ice.localParameters, 2)), 'ok');
  await connected;
  await until(() => sequence.length >= 50, '50 RTP packets before the restart');

  // From here on nothing may change but the ICE credentials and (perhaps) the path.
  const events: string[] = [];
  transport.on('icestatechange', (s) => events.push(`ice ${s}`));
  transport.on('statechange', (s) => events.push(`dtls ${s}`));
  const paths: string[] = [];
  transport.on('remoteaddresschange', (r) => paths.push(`${r.address}:${r.port}`));
  const before = transport.getStats();
  const firstPath = `${transport.remoteAddress?.address}:${transport.remoteAddress?.port}`;

  const reofferSdp = await page.evaluate<string>(`(async () => {
    pc.restartIce();
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  })()`);
  const reoffer = parseRemoteDescription(reofferSdp);
  assert.notEqual(reoffer.iceUfrag, offer.iceUfrag, 'Chromium offers new ICE credentials');
  assert.notEqual(reoffer.icePwd, offer.icePwd);
  assert.deepEqual(reoffer.fingerprints, offer.fingerprints, 'and keeps its certificate');
  const local = transport.restartIce({ remoteUfrag: reoffer.iceUfrag });
  assert.equal(ice.restarting, true);
  const restartedAt = sequence.length;
  assert.equal(await setAnswer(page, answerTo(reoffer, local, 3)), 'ok');

  await until(() => !ice.restarting, 'a check with the new credentials');
  await until(() => sequence.length >= restartedAt + 100, '100 RTP packets after the restart');

  // No packet lost: every sequence number from the first to the last, once.
  const first = sequence[0] as number;
  const last = sequence[sequence.length - 1] as number;
  const missing: number[] = [];
  const seen = new Set(sequence);
  for (let s = first; s <= last; s++) if (!seen.has(s)) missing.push(s);
  const dropped = JSON.stringify({ transport: transport.getStats().droppedDatagrams, server: { ...server.getStats(), socket: undefined } });
  assert.deepEqual(missing, [], `lost RTP across the restart (path ${firstPath} → ${paths.join(' → ') || 'unchanged'}; ${dropped})`);
  assert.equal(seen.size, sequence.length, 'no duplicates');

  const after = transport.getStats();
  assert.deepEqual(events, [], 'neither ICE nor DTLS changed state');
  assert.equal(transport.iceState, 'connected');
  assert.equal(transport.state, 'connected');
  assert.equal(transport.error, undefined);
  // DTLS was not restarted: no DTLS record arrived, and the peer's certificate is the same.
  assert.equal(after.dtlsPacketsReceived, before.dtlsPacketsReceived);
  assert.deepEqual(after.remoteCertificateFingerprint, before.remoteCertificateFingerprint);
  const iceStats = ice.getStats();
  assert.equal(iceStats.restarts, 1);
  assert.equal(iceStats.restartsCompleted, 1);
  assert.equal(after.srtpFailures?.ERR_SRTP_AUTH_FAIL ?? 0, before.srtpFailures?.ERR_SRTP_AUTH_FAIL ?? 0);
  const serverStats = server.getStats();
  assert.equal(serverStats.socket.srtpDropped, 0);
  t.diagnostic(
    `path ${firstPath} → ${paths.join(' → ') || 'unchanged'}; ${sequence.length} RTP, ` +
      `${iceStats.previousCredentialChecks} checks answered with the old credentials, ` +
      `${iceStats.dropped['retired-credentials']} retired-credential checks dropped; server unknownSource ${serverStats.unknownSource}, unknownUfrag ${serverStats.unknownUfrag}`,
  );
});
