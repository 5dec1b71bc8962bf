// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sdpTransform from 'sdp-transform';
import { selectDtlsRole, SdpError, DtlsError, parseFingerprint } from '../../lib/index.js';
import { parseFingerprintAttribute } from '../../lib/fingerprint.js';
import {
  parseRemoteDescription,
  buildLiteAnswer,
  MAX_SDP_LENGTH,
  type LiteAnswerOptions,
} from '../../lib/entry/sdp.js';
import { chromiumOffer, chromiumOfferParams } from '../fixtures/chromium-offer.js';

const sdpError = (code: string) => (e: unknown): boolean => e instanceof SdpError && e.code === code;
const SHA256_A = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const SHA1_B = Array.from({ length: 20 }, (_, i) => (255 - i).toString(16).toUpperCase()).join(':');

const ANSWER_OPTIONS: LiteAnswerOptions = {
  iceUfrag: 'srvU',
  icePwd: 'serverPasswordOf22Chars',
  fingerprints: [{ algorithm: 'sha-256', value: SHA256_A }],
  candidate: { address: '127.0.0.1', port: 40000 },
};

/** Minimal session: session-level ICE and DTLS attributes, one audio section. */
function minimal(extra: { session?: string[]; media?: string[]; omit?: RegExp } = {}): string {
  const lines = [
    'v=0',
    'o=- 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuv',
    `a=fingerprint:sha-256 ${SHA256_A}`,
    'a=setup:actpass',
    ...(extra.session ?? []),
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    'a=mid:a',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-mux',
  ];
  const kept = lines.filter((l) => extra.omit === undefined || !extra.omit.test(l));
  return [...kept, ...(extra.media ?? [])].join('\r\n') + '\r\n';
}

test('parses the Chromium offer: transport, bundle, codecs, extensions, ssrcs', () => {
  const d = parseRemoteDescription(chromiumOffer);
  assert.equal(d.iceUfrag, chromiumOfferParams.iceUfrag);
  assert.equal(d.icePwd, chromiumOfferParams.icePwd);
  assert.deepEqual(d.fingerprints, [chromiumOfferParams.fingerprint]);
  assert.equal(d.setup, 'actpass');
  assert.equal(d.iceLite, false);
  assert.deepEqual(d.mids, ['0', '1', '2']);
  assert.deepEqual(d.bundle, ['0', '1', '2']);
  assert.deepEqual(d.candidates, []);
  const [audio, video, data] = d.media;
  assert.ok(audio && video && data);
  assert.equal(audio.kind, 'audio');
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.rtcpRsize, true);
  assert.equal(audio.direction, 'sendrecv');
  assert.deepEqual(audio.codecs[0], {
    payloadType: 111,
    name: 'opus',
    clockRate: 48000,
    channels: 2,
    fmtp: 'minptime=10;useinbandfec=1',
    rtcpFeedback: ['transport-cc'],
  });
  assert.deepEqual(audio.codecs.map((c) => c.payloadType), [111, 63, 9, 0, 8, 13, 110, 126]);
  assert.deepEqual(audio.ssrcs, [1001]);
  assert.deepEqual(audio.headerExtensions.find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:mid'), {
    id: 4,
    uri: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  });
  const vp8 = video.codecs.find((c) => c.name === 'VP8');
  assert.deepEqual(vp8?.rtcpFeedback, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  assert.equal(video.codecs.find((c) => c.payloadType === 97)?.fmtp, 'apt=96');
  assert.deepEqual(video.ssrcs, [2002, 2003]);
  assert.equal(data.kind, 'application');
  assert.equal(data.protocol, 'UDP/DTLS/SCTP');
  assert.equal(data.codecs.length, 0);
  for (const m of d.media) {
    assert.equal(m.iceUfrag, 'Wq3o');
    assert.equal(m.setup, 'actpass');
    assert.equal(m.rejected, false);
  }
});

test('session-level attributes are inherited; media level overrides; ice-lite and candidates are read', () => {
  const d = parseRemoteDescription(
    minimal({
      session: ['a=ice-lite', `a=fingerprint:SHA-1 ${SHA1_B.toLowerCase()}`],
      media: ['a=ice-ufrag:WXYZ', 'a=setup:passive', 'a=candidate:1 1 udp 2130706431 192.0.2.7 5000 typ host', 'a=sendonly'],
    }),
  );
  assert.equal(d.iceLite, true);
  assert.equal(d.iceUfrag, 'WXYZ');
  assert.equal(d.icePwd, 'abcdefghijklmnopqrstuv');
  assert.equal(d.setup, 'passive');
  // Several fingerprints (RFC 8122 §5), normalized: lower-case algorithm, upper-case hex.
  assert.deepEqual(d.fingerprints, [
    { algorithm: 'sha-256', value: SHA256_A },
    { algorithm: 'sha-1', value: SHA1_B },
  ]);
  assert.deepEqual(d.candidates, [
    { foundation: '1', component: 1, transport: 'udp', priority: 2130706431, address: '192.0.2.7', port: 5000, type: 'host' },
  ]);
  assert.equal(d.media[0]?.direction, 'sendonly');
  assert.equal(d.bundle, undefined);
  // Media-level fingerprints replace session-level ones.
  const m = parseRemoteDescription(minimal({ media: [`a=fingerprint:sha-1 ${SHA1_B}`] }));
  assert.deepEqual(m.fingerprints, [{ algorithm: 'sha-1', value: SHA1_B }]);
});

test('a missing a=setup means active (RFC 4145 default)', () => {
  assert.equal(parseRemoteDescription(minimal({ omit: /^a=setup/ })).setup, 'active');
});

test('the transport section is the BUNDLE tag, or the first section that is not rejected', () => {
  const sdp = [
    'v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE v',
    'm=audio 0 UDP/TLS/RTP/SAVPF 0', 'a=mid:a', 'a=ice-ufrag:aaaa', 'a=ice-pwd:aaaaaaaaaaaaaaaaaaaaaa', `a=fingerprint:sha-1 ${SHA1_B}`,
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:v', 'a=ice-ufrag:vvvv', 'a=ice-pwd:vvvvvvvvvvvvvvvvvvvvvv',
    `a=fingerprint:sha-256 ${SHA256_A}`, 'a=setup:active', 'a=rtpmap:96 VP8/90000',
  ].join('\r\n');
  const d = parseRemoteDescription(sdp);
  assert.equal(d.iceUfrag, 'vvvv');
  assert.equal(d.setup, 'active');
  assert.equal(d.media[0]?.rejected, true);
  const noBundle = parseRemoteDescription(sdp.replace('a=group:BUNDLE v\r\n', ''));
  assert.equal(noBundle.iceUfrag, 'vvvv');
});

test('ERR_SDP_PARSE: not SDP, no media, too large', () => {
  assert.throws(() => parseRemoteDescription(''), sdpError('ERR_SDP_PARSE'));
  assert.throws(() => parseRemoteDescription('hello\r\nworld'), sdpError('ERR_SDP_PARSE'));
  assert.throws(() => parseRemoteDescription('v=1\r\n'), sdpError('ERR_SDP_PARSE'));
  assert.throws(() => parseRemoteDescription('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n'), sdpError('ERR_SDP_PARSE'));
  assert.throws(() => parseRemoteDescription(minimal() + 'a=x'.padEnd(MAX_SDP_LENGTH, 'x')), sdpError('ERR_SDP_PARSE'));
  assert.throws(() => parseRemoteDescription(42 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('ERR_SDP_MISSING_ATTRIBUTE: no ufrag, no pwd, no fingerprint, everything rejected', () => {
  assert.throws(() => parseRemoteDescription(minimal({ omit: /ice-ufrag/ })), sdpError('ERR_SDP_MISSING_ATTRIBUTE'));
  assert.throws(() => parseRemoteDescription(minimal({ omit: /ice-pwd/ })), sdpError('ERR_SDP_MISSING_ATTRIBUTE'));
  assert.throws(() => parseRemoteDescription(minimal({ omit: /fingerprint/ })), sdpError('ERR_SDP_MISSING_ATTRIBUTE'));
  assert.throws(
    () => parseRemoteDescription(minimal().replace('m=audio 9', 'm=audio 0')),
    sdpError('ERR_SDP_MISSING_ATTRIBUTE'),
  );
});

test('a=fingerprint uses the grammar of parseFingerprint: one grammar for SDP and the API', () => {
  // Before, sdp.ts had its own grammar: a tab between hash and value, a hash token starting with
  // a symbol, and the 1024-character limit differed from parseFingerprint's.
  const md5 = Array.from({ length: 16 }, () => 'AB').join(':');
  for (const value of [`sha-256\t${SHA256_A}`, `sha-256  ${SHA256_A.toLowerCase()}`, `md5 ${md5}`, `x-future ${SHA1_B}`]) {
    const d = parseRemoteDescription(minimal({ omit: /^a=fingerprint/, media: [`a=fingerprint:${value}`] }));
    assert.deepEqual(d.fingerprints, [parseFingerprintAttribute(value)], value.slice(0, 20));
  }
  // An unknown token is kept in SDP (it never verifies), but parseFingerprint() refuses it.
  assert.throws(() => parseFingerprint(`x-future ${SHA1_B}`), { code: 'ERR_DTLS_BAD_FINGERPRINT' });
  // Errors of the shared grammar keep their cause.
  assert.throws(
    () => parseRemoteDescription(minimal({ omit: /^a=fingerprint/, media: [`a=fingerprint:md5 ${SHA1_B}`] })),
    (e: unknown) => e instanceof SdpError && e.code === 'ERR_SDP_INVALID_ATTRIBUTE' && e.cause instanceof DtlsError,
  );
});

test('ERR_SDP_INVALID_ATTRIBUTE: malformed fingerprints, setup and ICE credentials', () => {
  const bad = [
    'a=fingerprint:sha-256 AB:CD:E', // odd digits
    'a=fingerprint:sha-256 ' + SHA256_A.replace('00', 'G0'), // non-hex
    'a=fingerprint:sha-256 ' + SHA1_B, // wrong length for the hash
    'a=fingerprint:sha-1 ' + SHA256_A,
    'a=fingerprint:sha-256 ' + 'AB:'.repeat(5000) + 'AB', // huge
    'a=fingerprint:sha-256 ABCD' + SHA256_A.slice(5), // no colons
    'a=fingerprint:sha(256) ' + SHA256_A, // not a token
    'a=fingerprint:sha-256', // no value
    'a=setup:both',
    'a=setup:ACTIVE',
    'a=ice-ufrag:ab',
    'a=ice-ufrag:ab:cd',
    'a=ice-pwd:short',
  ];
  for (const line of bad) {
    const key = /^a=([a-z-]+)/.exec(line)?.[1] ?? '';
    const sdp = minimal({ omit: new RegExp(`^a=${key}`), media: [line] });
    assert.throws(() => parseRemoteDescription(sdp), sdpError('ERR_SDP_INVALID_ATTRIBUTE'), line.slice(0, 60));
  }
  // Unknown hash names are kept, unchecked for length (the DTLS layer decides what it accepts).
  const other = parseRemoteDescription(minimal({ omit: /fingerprint/, media: ['a=fingerprint:blake-3 AB:CD'] }));
  assert.deepEqual(other.fingerprints, [{ algorithm: 'blake-3', value: 'AB:CD' }]);
});

test('builds an ICE-lite answer to the Chromium offer: Opus + VP8, bundle, rtcp-mux, data channel rejected', () => {
  const offer = parseRemoteDescription(chromiumOffer);
  const text = buildLiteAnswer(offer, {
    ...ANSWER_OPTIONS,
    fingerprints: [
      { algorithm: 'sha-256', value: SHA256_A.toLowerCase() },
      { algorithm: 'SHA-1', value: SHA1_B },
    ],
  });
  assert.match(text, /\r\n$/);
  assert.match(text, /^a=ice-lite\r$/m);
  const raw = sdpTransform.parse(text);
  assert.equal(raw.media.length, 3);
  // Read our own answer back with the same parser a peer would use.
  const answer = parseRemoteDescription(text);
  assert.equal(answer.iceLite, true);
  assert.equal(answer.iceUfrag, 'srvU');
  assert.equal(answer.icePwd, 'serverPasswordOf22Chars');
  assert.equal(answer.setup, 'passive');
  assert.deepEqual(answer.fingerprints, [
    { algorithm: 'sha-256', value: SHA256_A },
    { algorithm: 'sha-1', value: SHA1_B },
  ]);
  assert.deepEqual(answer.bundle, ['0', '1']);
  assert.deepEqual(answer.mids, ['0', '1', '2']);
  assert.deepEqual(answer.candidates, [
    { foundation: '1', component: 1, transport: 'udp', priority: 2130706431, address: '127.0.0.1', port: 40000, type: 'host' },
  ]);
  const [audio, video, data] = answer.media;
  assert.ok(audio && video && data);
  assert.deepEqual(audio.codecs, [
    { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', rtcpFeedback: [] },
  ]);
  assert.deepEqual(video.codecs, [
    { payloadType: 96, name: 'VP8', clockRate: 90000, rtcpFeedback: ['ccm fir', 'nack', 'nack pli'] },
  ]);
  for (const m of [audio, video]) {
    assert.equal(m.port, 40000);
    assert.equal(m.protocol, 'UDP/TLS/RTP/SAVPF');
    assert.equal(m.rtcpMux, true);
    assert.equal(m.rtcpRsize, true);
    assert.equal(m.direction, 'sendrecv');
    assert.deepEqual(m.headerExtensions, [{ id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }]);
  }
  assert.equal(raw.media[0]?.endOfCandidates, 'end-of-candidates');
  assert.deepEqual(raw.media[0]?.connection, { version: 4, ip: '127.0.0.1' });
  assert.equal(data.rejected, true);
  assert.equal(data.mid, '2');
  // The roles the two sides compute agree: the browser (offerer) is the DTLS client.
  assert.equal(selectDtlsRole({ localSetup: answer.setup, remoteSetup: offer.setup, isOfferer: false }), 'server');
  assert.equal(selectDtlsRole({ localSetup: offer.setup, remoteSetup: answer.setup, isOfferer: true }), 'client');
});

test('answer options: codec preference, RTX, extensions, feedback, send SSRCs, setup, directions, IPv6', () => {
  const offer = parseRemoteDescription(chromiumOffer.replace('a=sendrecv', 'a=sendonly'));
  const text = buildLiteAnswer(offer, {
    ...ANSWER_OPTIONS,
    setup: 'active',
    candidate: { address: '::1', port: 40001 },
    codecs: { audio: ['PCMU', 'opus'], video: ['AV1', 'h264', 'VP8'] },
    rtx: true,
    headerExtensions: ['urn:ietf:params:rtp-hdrext:sdes:mid', 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'],
    rtcpFeedback: ['transport-cc', 'nack'],
    send: { '1': { ssrc: 0xdeadbeef, cname: 'echo', streamId: 's1', trackId: 't1' } },
    sessionId: '12345',
  });
  const answer = parseRemoteDescription(text);
  const raw = sdpTransform.parse(text);
  assert.equal(raw.origin.sessionId, 12345);
  assert.equal(answer.setup, 'active');
  assert.equal(answer.candidates[0]?.address, '::1');
  assert.deepEqual(raw.media[0]?.connection, { version: 6, ip: '::1' });
  const [audio, video] = answer.media;
  assert.equal(audio?.direction, 'recvonly'); // the offer said sendonly
  assert.deepEqual(audio?.codecs.map((c) => c.name), ['PCMU']);
  assert.deepEqual(video?.codecs.map((c) => [c.payloadType, c.name]), [[102, 'H264'], [103, 'rtx']]);
  assert.equal(video?.codecs[0]?.fmtp, 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
  assert.deepEqual(video?.codecs[0]?.rtcpFeedback, ['transport-cc', 'nack']);
  assert.deepEqual(video?.headerExtensions.map((e) => e.id), [3, 4]);
  assert.deepEqual(video?.ssrcs, [0xdeadbeef]);
  assert.deepEqual(raw.media[1]?.msid, [{ id: 's1', appdata: 't1' }]);
  // A media section with no acceptable codec is rejected, and leaves the BUNDLE group.
  const noVideo = parseRemoteDescription(buildLiteAnswer(offer, { ...ANSWER_OPTIONS, codecs: { video: ['AV1'] } }));
  assert.equal(noVideo.media[1]?.rejected, true);
  assert.deepEqual(noVideo.bundle, ['0']);
  // Offer directions map to their mirror.
  for (const [dir, want] of [['recvonly', 'sendonly'], ['inactive', 'inactive']] as const) {
    const o = parseRemoteDescription(minimal({ media: [`a=${dir}`] }));
    assert.equal(parseRemoteDescription(buildLiteAnswer(o, ANSWER_OPTIONS)).media[0]?.direction, want);
  }
});

test('answering an offer whose setup is active or passive takes the opposite; holdconn is a role conflict', () => {
  const active = parseRemoteDescription(minimal({ omit: /^a=setup/, media: ['a=setup:active'] }));
  assert.equal(parseRemoteDescription(buildLiteAnswer(active, ANSWER_OPTIONS)).setup, 'passive');
  const passive = parseRemoteDescription(minimal({ omit: /^a=setup/, media: ['a=setup:passive'] }));
  assert.equal(parseRemoteDescription(buildLiteAnswer(passive, ANSWER_OPTIONS)).setup, 'active');
  const hold = parseRemoteDescription(minimal({ omit: /^a=setup/, media: ['a=setup:holdconn'] }));
  assert.throws(() => buildLiteAnswer(hold, ANSWER_OPTIONS), (e: unknown) => e instanceof DtlsError && e.code === 'ERR_DTLS_ROLE_CONFLICT');
});

test('buildLiteAnswer rejects bad options with stable codes', () => {
  const offer = parseRemoteDescription(chromiumOffer);
  const typeErr = (code: string) => (e: unknown): boolean => e instanceof TypeError && (e as { code?: string }).code === code;
  const rangeErr = (e: unknown): boolean => e instanceof RangeError && (e as { code?: string }).code === 'ERR_OUT_OF_RANGE';
  const cases: [Partial<Record<keyof LiteAnswerOptions, unknown>>, (e: unknown) => boolean][] = [
    [{ iceUfrag: 'abc' }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ icePwd: 'short' }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ icePwd: 'has space in it and 22+ chars' }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ fingerprints: [] }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ fingerprints: [{ algorithm: 'sha-256' }] }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ setup: 'actpass' }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ candidate: null }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ candidate: { address: 'localhost', port: 1 } }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ candidate: { address: '127.0.0.1', port: 0 } }, rangeErr],
    [{ candidate: { address: '127.0.0.1', port: 65536 } }, rangeErr],
    [{ codecs: { audio: 'opus' } }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ headerExtensions: [1] }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ rtcpFeedback: 'nack' }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ sessionId: '12a' }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ send: { '1': { ssrc: -1, cname: 'x' } } }, rangeErr],
    [{ send: { '1': { ssrc: 1, cname: 'has space' } } }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ send: { '1': { ssrc: 1, cname: 'ok', streamId: 'bad id' } } }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ send: { '1': null } }, typeErr('ERR_INVALID_ARG_TYPE')],
  ];
  for (const [patch, check] of cases) {
    assert.throws(() => buildLiteAnswer(offer, { ...ANSWER_OPTIONS, ...patch } as LiteAnswerOptions), check, JSON.stringify(patch));
  }
  assert.throws(() => buildLiteAnswer(null as never, ANSWER_OPTIONS), typeErr('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => buildLiteAnswer(offer, null as never), typeErr('ERR_INVALID_ARG_TYPE'));
});

test('an all-digit ice-ufrag (as Firefox sends once in about 43 offers) stays a string, at session and media level', () => {
  const session = parseRemoteDescription(minimal({ omit: /^a=ice-ufrag:abcd/, session: ['a=ice-ufrag:45071546'] }));
  assert.equal(session.iceUfrag, '45071546');
  assert.equal(session.media[0]?.iceUfrag, '45071546');
  const media = parseRemoteDescription(minimal({ media: ['a=ice-ufrag:0123'] }));
  assert.equal(media.media[0]?.iceUfrag, '0123');
  const numeric = parseRemoteDescription(minimal({ media: ['a=ice-ufrag:9876'] }));
  assert.equal(typeof numeric.iceUfrag, 'string');
  assert.equal(numeric.iceUfrag, '9876');
});
