// SPDX-License-Identifier: MIT
/**
 * Certificate rotation against Chromium: our answer advertises two
 * fingerprints (a CertificateRotation between stage and retire), in the
 * order CertificateRotation.getFingerprints gives: the certificate the
 * transport presents last. Chromium 156 keeps only the last a=fingerprint
 * line of a section (with our certificate on the first line it ends the
 * handshake with alert 46), so this is the order that works with browsers;
 * RFC 8122 peers accept either line. Both phases are checked: staged (the
 * old certificate current) and switched (the new one current, the old still
 * advertised). Skipped when Chromium is absent (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate, CertificateRotation, UdpServer } from '../../lib/index.js';
import { IceLiteResponder } from '../../lib/entry/ice.js';
import { parseRemoteDescription } from '../../lib/entry/sdp.js';
import { answeringTransport, audioOffer, chromiumSkip, launchChromium, liteAnswer, setAnswer } from './chromium.js';

test('Chromium verifies our certificate against either of two advertised fingerprints', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async (t) => {
  const shared = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1' });
  t.after(() => shared.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const [oldCert, newCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);

  for (const phase of ['staged', 'switched'] as const) {
    const rotation = new CertificateRotation(oldCert);
    rotation.stage(newCert);
    if (phase === 'switched') rotation.switch();
    const presented = rotation.current;
    const label = `${phase} phase`;
    const page = await browser.newPage();
    const offerSdp = await audioOffer(page);
    const offer = parseRemoteDescription(offerSdp);
    const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
    const transport = answeringTransport(offer, presented, shared, ice);
    const connected = transport.start();
    const fingerprints = rotation.getFingerprints(['sha-256'], presented);
    assert.equal(fingerprints[1]?.value, presented.getFingerprints()[0]?.value, 'ours is the last line');
    const answer = liteAnswer(offer, ice.localParameters, fingerprints, shared);
    assert.equal((answer.match(/^a=fingerprint:/gm) ?? []).length, 2, 'both fingerprints are in the answer');
    const accepted = await setAnswer(page, answer);
    assert.equal(accepted, 'ok', label);
    await connected.catch((e: unknown) => { throw new Error(`${label}: ${String(e)}`); });
    // Chromium's own view: the DTLS transport is connected, i.e. it verified us.
    let dtls = '';
    for (let i = 0; i < 200 && dtls !== 'connected' && dtls !== 'failed'; i++) {
      dtls = await page.evaluate<string>(`pc.getSenders()[0].transport?.state ?? 'none'`);
      if (dtls !== 'connected') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(dtls, 'connected', `Chromium's DTLS state, ${label}`);
    transport.close();
    await page.close();
  }
});
