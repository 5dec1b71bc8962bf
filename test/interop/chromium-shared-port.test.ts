// SPDX-License-Identifier: MIT
/**
 * Chromium against a DtlsSrtpTransport on a shared UdpServer port (the native
 * path on Linux): the server routes Chromium's ICE checks to the right
 * transport by its ufrag (a second transport on the same port sees nothing),
 * DTLS connects with the fingerprint verified, and Chromium's Opus arrives
 * natively unprotected as `mediabatch` runs. Skipped when Chromium is absent
 * (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, DtlsSrtpTransport } from '../../lib/index.js';
import { IceLiteResponder } from '../../lib/entry/ice.js';
import { answeringTransport, chromiumOffer, chromiumSkip, liteAnswer, setAnswer } from './chromium.js';

test('Chromium connects ICE-lite, DTLS and Opus SRTP through a shared UdpServer port', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async (t) => {
  const { server: shared, page, offer } = await chromiumOffer(t);
  const certificate = await Certificate.generate();

  // A second peer on the same port: it must never see Chromium's datagrams.
  const decoy = new DtlsSrtpTransport({
    certificate,
    role: 'server',
    server: shared,
    iceLite: new IceLiteResponder({ remoteUfrag: 'nobody' }),
  });
  t.after(() => decoy.close());
  const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
  const transport = answeringTransport(offer, certificate, shared, ice);
  t.after(() => transport.close());
  let rtp = 0;
  const payloadTypes = new Set<number>();
  transport.on('mediabatch', (batch, start, end) => {
    for (let i = start; i < end; i++) {
      if (batch.kind(i) !== 'rtp') continue;
      rtp++;
      payloadTypes.add(batch.payloadType(i));
    }
  });
  const connected = transport.start();
  const answer = liteAnswer(offer, ice.localParameters, certificate.getFingerprints(['sha-256']), shared);
  const accepted = await setAnswer(page, answer);
  assert.equal(accepted, 'ok');
  await connected;
  assert.equal(transport.state, 'connected');
  // Wait (bounded) for Opus: about 50 packets a second.
  for (let i = 0; i < 400 && rtp < 20; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(rtp >= 20, `only ${rtp} RTP packets arrived`);
  const opus = offer.media[0]?.codecs.find((c) => c.name === 'opus')?.payloadType;
  assert.deepEqual([...payloadTypes], [opus]);
  const stats = transport.getStats();
  assert.equal(stats.remoteCertificateFingerprint?.value, offer.fingerprints.find((f) => f.algorithm === 'sha-256')?.value);
  assert.equal(stats.rtpPacketsReceived, rtp);
  assert.equal(decoy.getStats().packetsReceived, 0, 'the other transport on the port saw nothing');
  const server = shared.getStats();
  assert.equal(server.transports, 2);
  assert.equal(server.unknownUfrag, 0);
  assert.equal(server.socket.srtpDropped, 0);
});
