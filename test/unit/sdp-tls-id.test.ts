// SPDX-License-Identifier: MIT
/**
 * `a=tls-id` (RFC 8842 §4) in the SDP helpers, and answers to a re-offer
 * after an ICE restart, with real Chromium offers: parseRemoteDescription
 * reads tls-id at media or session level, buildLiteAnswer writes it, and an
 * answer to Chromium's restartIce() offer carries the new credentials, the
 * same setup and a higher session version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLiteAnswer, parseRemoteDescription } from '../../lib/entry/sdp.js';
import { chromiumInitialOffer, chromiumRestartOffer } from '../fixtures/chromium-restart-offer.js';

const TLS_ID = 'c2bb8d3f5a7e41f0b6b2-a9_Z+/e1';
const LOCAL = {
  iceUfrag: 'srvU',
  icePwd: 'serverPasswordOf22Chars',
  fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':') }],
  candidate: { address: '127.0.0.1', port: 40000 },
  setup: 'passive' as const,
  sessionId: '4242',
};

test('a real Chromium offer has no a=tls-id; our answer to it carries one, and parsing the answer returns it', () => {
  const offer = parseRemoteDescription(chromiumInitialOffer);
  assert.equal(offer.tlsId, undefined);
  assert.equal(offer.media[0]?.tlsId, undefined);
  const answer = buildLiteAnswer(offer, { ...LOCAL, tlsId: TLS_ID });
  assert.equal(answer.split('\r\n').filter((l) => l === `a=tls-id:${TLS_ID}`).length, 1, 'once, in the accepted section');
  const parsed = parseRemoteDescription(answer);
  assert.equal(parsed.tlsId, TLS_ID);
  assert.equal(parsed.media[0]?.tlsId, TLS_ID);
  assert.deepEqual(parsed.fingerprints, LOCAL.fingerprints);
  // Without the option, no tls-id.
  assert.equal(parseRemoteDescription(buildLiteAnswer(offer, LOCAL)).tlsId, undefined);
});

test('a=tls-id at session level applies to every section; a media-level one overrides it', () => {
  const withSession = chromiumInitialOffer.replace('a=group:BUNDLE 0\r\n', `a=group:BUNDLE 0\r\na=tls-id:${TLS_ID}\r\n`);
  const parsed = parseRemoteDescription(withSession);
  assert.equal(parsed.tlsId, TLS_ID);
  const media = 'mediaLevelTlsIdValue0123';
  const both = withSession.replace('a=mid:0\r\n', `a=mid:0\r\na=tls-id:${media}\r\n`);
  assert.equal(parseRemoteDescription(both).tlsId, media);
  assert.equal(parseRemoteDescription(both).media[0]?.tlsId, media);
});

test('a malformed or repeated a=tls-id is ERR_SDP_INVALID_ATTRIBUTE; a bad tlsId option is ERR_INVALID_ARG_VALUE', () => {
  for (const bad of ['short', 'x'.repeat(256), 'has spaces in it 0123456789', 'bad;chars;0123456789abcd']) {
    const sdp = chromiumInitialOffer.replace('a=mid:0\r\n', `a=mid:0\r\na=tls-id:${bad}\r\n`);
    assert.throws(() => parseRemoteDescription(sdp), { name: 'SdpError', code: 'ERR_SDP_INVALID_ATTRIBUTE' }, bad);
  }
  const twice = chromiumInitialOffer.replace('a=mid:0\r\n', `a=mid:0\r\na=tls-id:${TLS_ID}\r\na=tls-id:${TLS_ID}\r\n`);
  assert.throws(() => parseRemoteDescription(twice), { code: 'ERR_SDP_INVALID_ATTRIBUTE' });
  const offer = parseRemoteDescription(chromiumInitialOffer);
  assert.throws(() => buildLiteAnswer(offer, { ...LOCAL, tlsId: 'short' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => buildLiteAnswer(offer, { ...LOCAL, tlsId: 42 as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => buildLiteAnswer(offer, { ...LOCAL, sessionVersion: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => buildLiteAnswer(offer, { ...LOCAL, sessionVersion: 1.5 }), { code: 'ERR_OUT_OF_RANGE' });
});

test("Chromium's restartIce() re-offer: new credentials, same fingerprint and mids; our answer keeps setup and session id and raises the version", () => {
  const first = parseRemoteDescription(chromiumInitialOffer);
  const again = parseRemoteDescription(chromiumRestartOffer);
  assert.notEqual(again.iceUfrag, first.iceUfrag);
  assert.notEqual(again.icePwd, first.icePwd);
  assert.deepEqual(again.fingerprints, first.fingerprints);
  assert.deepEqual(again.mids, first.mids);
  assert.equal(again.setup, 'actpass');
  assert.equal(again.tlsId, undefined);

  const answer1 = buildLiteAnswer(first, { ...LOCAL, tlsId: TLS_ID });
  const answer2 = buildLiteAnswer(again, { ...LOCAL, iceUfrag: 'srv2', icePwd: 'secondPasswordOf22Char', tlsId: TLS_ID, sessionVersion: 3 });
  const origin = (sdp: string): string[] => (sdp.split('\r\n').find((l) => l.startsWith('o=')) ?? '').split(' ');
  assert.equal(origin(answer1)[1], '4242');
  assert.equal(origin(answer2)[1], '4242');
  assert.equal(origin(answer1)[2], '2');
  assert.equal(origin(answer2)[2], '3');
  const parsed = parseRemoteDescription(answer2);
  assert.equal(parsed.iceUfrag, 'srv2');
  assert.equal(parsed.icePwd, 'secondPasswordOf22Char');
  assert.equal(parsed.setup, 'passive');
  assert.equal(parsed.tlsId, TLS_ID, 'an unchanged tls-id: the DTLS association is kept (RFC 8842 §5)');
  assert.deepEqual(parsed.mids, ['0']);
});
