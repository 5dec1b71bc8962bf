// SPDX-License-Identifier: MIT
// a=extmap helpers, with the RFC 6904 §4 encrypted form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildLiteAnswer,
  encryptedExtensionIds,
  EXTMAP_ENCRYPT_URI,
  formatExtmap,
  parseExtmap,
  parseRemoteDescription,
} from '../../lib/entry/sdp.js';
import { chromiumOffer } from '../fixtures/chromium-offer.js';

const LEVEL = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

test('parseExtmap: plain, encrypted (RFC 6904 §4), direction and attributes', () => {
  assert.deepEqual(parseExtmap(`a=extmap:1 ${LEVEL}`), { id: 1, uri: LEVEL, encrypted: false });
  assert.deepEqual(parseExtmap(`a=extmap:3 ${EXTMAP_ENCRYPT_URI} ${LEVEL}`), { id: 3, uri: LEVEL, encrypted: true });
  assert.deepEqual(parseExtmap(`extmap:200/sendonly ${EXTMAP_ENCRYPT_URI} urn:example:x 25@600/24\r`), {
    id: 200,
    uri: 'urn:example:x',
    encrypted: true,
    direction: 'sendonly',
    attributes: '25@600/24',
  });
  assert.deepEqual(parseExtmap(`a=extmap:2/recvonly ${LEVEL} vad=on`), {
    id: 2,
    uri: LEVEL,
    encrypted: false,
    direction: 'recvonly',
    attributes: 'vad=on',
  });
});

test('parseExtmap: malformed lines are SdpError ERR_SDP_INVALID_ATTRIBUTE', () => {
  for (const line of [
    'a=extmap:',
    `a=extmap:0 ${LEVEL}`,
    `a=extmap:256 ${LEVEL}`,
    `a=extmap:1/sideways ${LEVEL}`,
    `a=extmap:1 ${EXTMAP_ENCRYPT_URI}`,
    `a=extmap:x ${LEVEL}`,
    `a=fingerprint:sha-256 00`,
  ]) {
    assert.throws(() => parseExtmap(line), { name: 'SdpError', code: 'ERR_SDP_INVALID_ATTRIBUTE' }, line);
  }
  assert.throws(() => parseExtmap(3 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('formatExtmap: round trip with parseExtmap; argument errors', () => {
  for (const ext of [
    { id: 1, uri: LEVEL, encrypted: false },
    { id: 3, uri: LEVEL, encrypted: true },
    { id: 255, uri: 'urn:example:y', encrypted: true, direction: 'inactive' as const, attributes: 'a b' },
  ]) {
    assert.deepEqual(parseExtmap(formatExtmap(ext)), ext);
  }
  assert.equal(formatExtmap({ id: 3, uri: LEVEL, encrypted: true }), `a=extmap:3 ${EXTMAP_ENCRYPT_URI} ${LEVEL}`);
  assert.throws(() => formatExtmap({ id: 0, uri: LEVEL, encrypted: true }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => formatExtmap({ id: 1, uri: 'a b', encrypted: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => formatExtmap({ id: 1, uri: EXTMAP_ENCRYPT_URI, encrypted: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => formatExtmap({ id: 1, uri: LEVEL, encrypted: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => formatExtmap({ id: 1, uri: LEVEL, encrypted: true, attributes: 'x\r\na=bad' }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => formatExtmap(null as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('encryptedExtensionIds: from parsed lines and from a remote description', () => {
  const lines = [`a=extmap:1 ${LEVEL}`, `a=extmap:3 ${EXTMAP_ENCRYPT_URI} ${LEVEL}`, `a=extmap:5 ${EXTMAP_ENCRYPT_URI} urn:example:z`];
  assert.deepEqual(encryptedExtensionIds(lines.map(parseExtmap)), [3, 5]);
  const offer = chromiumOffer.replace(/a=extmap:(\d+) urn:ietf:params:rtp-hdrext:ssrc-audio-level/, `a=extmap:$1 ${EXTMAP_ENCRYPT_URI} ${LEVEL}`);
  assert.notEqual(offer, chromiumOffer, 'the fixture has an audio-level extension');
  const audio = parseRemoteDescription(offer).media[0];
  assert.ok(audio !== undefined);
  const level = audio.headerExtensions.find((e) => e.uri === LEVEL);
  assert.equal(level?.encrypted, true);
  assert.deepEqual(encryptedExtensionIds(audio.headerExtensions), [level.id]);
  assert.throws(() => encryptedExtensionIds('1' as never), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('buildLiteAnswer: an encrypted offer is answered encrypted only with encryptHeaderExtensions, never as a plain extension', () => {
  // The audio section offers audio-level twice: plain (its own id) and encrypted (id 14).
  const offer = chromiumOffer.replace(
    /(a=extmap:\d+ urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n)/,
    `$1a=extmap:14 ${EXTMAP_ENCRYPT_URI} ${LEVEL}\r\n`,
  );
  assert.notEqual(offer, chromiumOffer);
  const remote = parseRemoteDescription(offer);
  const plainId = remote.media[0]?.headerExtensions.find((e) => e.uri === LEVEL && e.encrypted !== true)?.id;
  const base = {
    iceUfrag: 'srvU',
    icePwd: 'serverPasswordOf22Chars',
    fingerprints: [{ algorithm: 'sha-256', value: Array<string>(32).fill('AB').join(':') }],
    candidate: { address: '127.0.0.1', port: 40000 },
    headerExtensions: [LEVEL],
  };
  const extmaps = (sdp: string): string[] =>
    (sdp.split(/\r\nm=/).find((section) => section.startsWith('audio')) ?? '').split('\r\n').filter((l) => l.startsWith('a=extmap:'));
  // Default: the encrypted offer is left out; the plain one is answered plain.
  assert.deepEqual(extmaps(buildLiteAnswer(remote, base)), [`a=extmap:${String(plainId)} ${LEVEL}`]);
  // Opted in: the encrypted form replaces the plain one, and its id is what the transport encrypts.
  const answer = buildLiteAnswer(remote, { ...base, encryptHeaderExtensions: true });
  assert.deepEqual(extmaps(answer), [`a=extmap:14 ${EXTMAP_ENCRYPT_URI} ${LEVEL}`]);
  assert.deepEqual(encryptedExtensionIds(parseRemoteDescription(answer).media[0]?.headerExtensions ?? []), [14]);
  assert.throws(() => buildLiteAnswer(remote, { ...base, encryptHeaderExtensions: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
});
