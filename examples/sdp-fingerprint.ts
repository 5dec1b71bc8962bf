// SPDX-License-Identifier: MIT
// Fingerprints and roles through SDP: an offerer writes its SDP with
// sdp-transform (a=fingerprint, a=setup:actpass), an ICE-lite answerer parses
// it and answers (a=setup:passive); each side picks its DTLS role from the two
// a=setup values and checks the other's certificate against the SDP.
// Run: node dist/examples/sdp-fingerprint.js
import * as sdpTransform from 'sdp-transform';
import { Certificate, DtlsSrtpTransport, formatFingerprint, type TransportAddress } from '../lib/index.js';
import { buildLiteAnswer, parseRemoteDescription } from '../lib/entry/sdp.js';
import { IceLiteResponder } from '../lib/entry/ice.js';

const OFFERER: TransportAddress = { address: '192.0.2.1', port: 5000 };
const ANSWERER: TransportAddress = { address: '192.0.2.2', port: 6000 };

async function main(): Promise<void> {
  const [offerCert, answerCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const fp = offerCert.getFingerprints(['sha-256'])[0];
  if (fp === undefined) throw new Error('no sha-256 fingerprint');
  const offer = sdpTransform.write({
    version: 0, origin: { username: '-', sessionId: 1, sessionVersion: 1, netType: 'IN', ipVer: 4, address: '0.0.0.0' },
    name: '-', timing: { start: 0, stop: 0 }, groups: [{ type: 'BUNDLE', mids: '0' }],
    media: [{
      type: 'audio', port: 9, protocol: 'UDP/TLS/RTP/SAVPF', payloads: '111', mid: '0', direction: 'sendrecv',
      iceUfrag: 'offr', icePwd: 'offererPasswordOf22Chars', setup: 'actpass', rtcpMux: 'rtcp-mux',
      fingerprint: { type: fp.algorithm, hash: fp.value },
      rtp: [{ payload: 111, codec: 'opus', rate: 48000, encoding: 2 }], fmtp: [],
    }],
  });
  console.log(`offer carries  a=fingerprint:${formatFingerprint(fp)}`);

  // Answerer: parse the offer, answer as an ICE-lite DTLS server.
  const remoteOffer = parseRemoteDescription(offer);
  const ice = new IceLiteResponder({ remoteUfrag: remoteOffer.iceUfrag });
  const answer = buildLiteAnswer(remoteOffer, {
    iceUfrag: ice.localParameters.usernameFragment, icePwd: ice.localParameters.password,
    fingerprints: answerCert.getFingerprints(['sha-256']), setup: 'passive', candidate: ANSWERER,
  });
  const remoteAnswer = parseRemoteDescription(answer);
  console.log(`answer says    a=setup:${remoteAnswer.setup}`);

  // Each side: role from a=setup, the other's fingerprints from its SDP.
  const offerer: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: offerCert, setup: { localSetup: 'actpass', remoteSetup: remoteAnswer.setup, isOfferer: true },
    remoteFingerprints: remoteAnswer.fingerprints, remoteAddress: ANSWERER,
    path: { send: (d) => setImmediate(() => { if (!answerer.closed) answerer.receive(d, OFFERER); }) },
  });
  const answerer: DtlsSrtpTransport = new DtlsSrtpTransport({
    certificate: answerCert, setup: { localSetup: remoteAnswer.setup, remoteSetup: remoteOffer.setup, isOfferer: false },
    remoteFingerprints: remoteOffer.fingerprints, remoteAddress: OFFERER,
    path: { send: (d) => setImmediate(() => { if (!offerer.closed) offerer.receive(d, ANSWERER); }) },
  });
  console.log(`roles          offerer ${offerer.role}, answerer ${answerer.role}`);
  await Promise.all([offerer.start(), answerer.start()]);
  const seen = answerer.getStats().remoteCertificateFingerprint;
  console.log(`verified       answerer saw ${seen?.algorithm} ${seen?.value === fp.value ? 'matching' : 'DIFFERENT'} the offer`);
  offerer.close();
  answerer.close();
  if (seen?.value !== fp.value) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
