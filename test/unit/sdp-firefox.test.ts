// SPDX-License-Identifier: MIT
// What Firefox's strict SDP parser needs from our answer, and what its offers
// say: a c= line in every answer section (rejected ones too), and bundle-only
// sections (port 0 + a=bundle-only in the BUNDLE group) taken as bundled, not
// rejected. The offer is a real capture (test/fixtures/firefox-offer.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLiteAnswer, parseRemoteDescription, type LiteAnswerOptions } from '../../lib/entry/sdp.js';
import { firefoxOffer } from '../fixtures/firefox-offer.js';
import { chromiumOffer } from '../fixtures/chromium-offer.js';

const OPTIONS: LiteAnswerOptions = {
  iceUfrag: 'srvU',
  icePwd: 'serverPasswordOf22Chars',
  fingerprints: [{ algorithm: 'sha-256', value: Array<string>(32).fill('AB').join(':') }],
  candidate: { address: '127.0.0.1', port: 40000 },
  sessionId: '1',
};

/** The lines of each media section of `sdp` (the m= line first). */
function sections(sdp: string): string[][] {
  const out: string[][] = [];
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) out.push([line]);
    else if (line !== '') out.at(-1)?.push(line);
  }
  return out;
}

test('the Firefox offer: bundle-only video and data sections are bundled, not rejected', () => {
  const offer = parseRemoteDescription(firefoxOffer);
  assert.deepEqual(offer.bundle, ['0', '1', '2']);
  assert.deepEqual(
    offer.media.map((m) => [m.kind, m.mid, m.port, m.bundleOnly, m.rejected]),
    [
      ['audio', '0', 43851, false, false],
      ['video', '1', 0, true, false],
      ['application', '2', 0, true, false],
    ],
  );
  // The transport is the BUNDLE tag's (audio); the fingerprint is at session level.
  assert.equal(offer.iceUfrag, '725045dd');
  assert.equal(offer.setup, 'actpass');
  assert.equal(offer.fingerprints[0]?.algorithm, 'sha-256');
  assert.deepEqual(offer.media[0]?.ssrcs, [1809726997]);
  assert.deepEqual(offer.media[1]?.ssrcs, [3662549557, 3870194177]);
  assert.equal(offer.media[1]?.codecs[0]?.name, 'VP8');
});

test('port 0 is a rejection without bundle-only, or with bundle-only outside the BUNDLE group', () => {
  const plain = parseRemoteDescription(firefoxOffer.replace('a=bundle-only\r\na=sendrecv\r\na=extmap:3', 'a=sendrecv\r\na=extmap:3'));
  assert.deepEqual(plain.media.map((m) => m.rejected), [false, true, false]);
  assert.equal(plain.media[1]?.bundleOnly, false);
  const outside = parseRemoteDescription(firefoxOffer.replace('a=group:BUNDLE 0 1 2', 'a=group:BUNDLE 0 2'));
  assert.deepEqual(outside.media.map((m) => m.rejected), [false, true, false]);
  const noGroup = parseRemoteDescription(firefoxOffer.replace('a=group:BUNDLE 0 1 2\r\n', ''));
  assert.deepEqual(noGroup.media.map((m) => m.rejected), [false, true, true]);
});

test('answer to the Firefox offer: video answered on our port in the BUNDLE group, data channel rejected with c=', () => {
  const answer = buildLiteAnswer(parseRemoteDescription(firefoxOffer), OPTIONS);
  assert.match(answer, /^a=group:BUNDLE 0 1\r$/m);
  const [audio, video, data] = sections(answer);
  assert.equal(audio?.[0], 'm=audio 40000 UDP/TLS/RTP/SAVPF 109');
  assert.equal(video?.[0], 'm=video 40000 UDP/TLS/RTP/SAVPF 120');
  assert.ok(video?.includes('c=IN IP4 127.0.0.1'));
  assert.ok(video?.includes('a=mid:1'));
  assert.ok(video?.includes('a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host'));
  // The answerer never writes bundle-only (RFC 8843 §6).
  assert.doesNotMatch(answer, /bundle-only/);
  // The rejected data channel, line by line.
  assert.deepEqual(data, ['m=application 0 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2']);
  // Read back, the video section is accepted.
  const back = parseRemoteDescription(answer);
  assert.deepEqual(back.media.map((m) => m.rejected), [false, false, true]);
});

test('every answer section has a c= line, as the session level has none (RFC 8866 §5.7), for IPv4 and IPv6', () => {
  for (const [address, unspecified] of [['127.0.0.1', 'c=IN IP4 0.0.0.0'], ['::1', 'c=IN IP6 ::']] as const) {
    const options = { ...OPTIONS, candidate: { address, port: 40000 } };
    for (const offer of [firefoxOffer, chromiumOffer]) {
      const answer = buildLiteAnswer(parseRemoteDescription(offer), options);
      const session = answer.slice(0, answer.indexOf('\r\nm=') + 2);
      assert.doesNotMatch(session, /^c=/m);
      for (const lines of sections(answer)) {
        const c = lines.filter((l) => l.startsWith('c='));
        assert.equal(c.length, 1, `no single c= line in ${lines[0] ?? ''}`);
        if (lines[0]?.split(' ')[1] === '0') assert.equal(c[0], unspecified);
      }
    }
    // A section we reject for want of a codec gets one too.
    const noVideo = buildLiteAnswer(parseRemoteDescription(firefoxOffer), { ...options, codecs: { video: ['H264'] } });
    assert.deepEqual(sections(noVideo)[1]?.slice(0, 2), ['m=video 0 UDP/TLS/RTP/SAVPF 120 124 121 125 99 100 123 122 119', unspecified]);
  }
});
