// SPDX-License-Identifier: MIT
// The argument checks that used to be hand-written in certificate.ts,
// fingerprint.ts, role.ts, sdp.ts, dtls-transport.ts and srtp-session.ts now
// go through lib/validate.ts: each still throws the same class and code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Certificate,
  DtlsTransport,
  answerSetup,
  formatFingerprint,
  parseFingerprint,
  selectDtlsRole,
} from '../../lib/index.js';
import { parseRemoteDescription } from '../../lib/sdp.js';
import { cert } from '../integration/pair.js';

const type = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const value = { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' };
const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
const bad = (v: unknown): never => v as never;

test('certificate: PEM and commonName must be strings; hash names strings', async () => {
  assert.throws(() => Certificate.fromPem(bad(1), 'key'), type);
  assert.throws(() => Certificate.fromPem('cert', bad(null)), type);
  assert.throws(() => Certificate.generate({ commonName: bad(5) }), type);
  const c = await cert();
  assert.throws(() => c.getFingerprints([bad(256)]), type);
  assert.throws(() => c.getFingerprints(['md5']), value);
});

test('fingerprints: input and fields must be strings', () => {
  assert.throws(() => parseFingerprint(bad(5)), type);
  assert.throws(() => formatFingerprint(bad({ algorithm: 5, value: 'AB' })), type);
  assert.throws(() => formatFingerprint(bad({ algorithm: 'sha-256', value: 5 })), type);
});

test('roles: setup tokens, isOfferer and the preferred answer', () => {
  assert.throws(() => selectDtlsRole({ localSetup: 'passive', remoteSetup: 'actpass', isOfferer: bad('no') }), type);
  assert.throws(() => selectDtlsRole({ localSetup: bad(1), remoteSetup: 'actpass', isOfferer: false }), type);
  assert.throws(() => answerSetup('actpass', bad(1)), type);
  assert.throws(() => answerSetup('actpass', bad('both')), value);
  assert.equal(answerSetup(bad('actpass'), 'passive'), 'passive');
});

test('SDP: the offer must be a string', () => {
  assert.throws(() => parseRemoteDescription(bad(5)), type);
});

test('DtlsTransport: profile names (any type: ERR_INVALID_ARG_VALUE) and the export length', async () => {
  const certificate = await cert();
  const send = (): void => {};
  assert.throws(() => new DtlsTransport({ certificate, role: 'client', send, srtpProfiles: [bad(7)] }), value);
  assert.throws(() => new DtlsTransport({ certificate, role: 'client', send, srtpProfiles: [bad('AES_CM_256')] }), value);
  const t = new DtlsTransport({ certificate, role: 'client', send });
  try {
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-test', bad('32')), type);
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-test', 0), range);
    assert.throws(() => t.exportKeyingMaterial('EXTRACTOR-test', 1.5), range);
  } finally {
    t.close();
  }
});
