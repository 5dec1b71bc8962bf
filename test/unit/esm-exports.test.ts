// SPDX-License-Identifier: MIT
// Each ESM entry (lib/index.mjs, lib/entry/<subpath>.mjs) re-exports every runtime
// export of its CommonJS build by name, and they are the same objects (no dual
// package). The root stays small: the STUN, SDP, ICE-lite and RTP helpers are only in
// their subpaths, and no name is exported twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as root from '../../lib/index.js';
import * as stun from '../../lib/entry/stun.js';
import * as sdp from '../../lib/entry/sdp.js';
import * as ice from '../../lib/entry/ice.js';
import * as rtp from '../../lib/entry/rtp.js';

const lib = path.join(__dirname, '..', '..', '..', 'lib');
const entries: [mjs: string, cjs: object][] = [
  ['index.mjs', root],
  ['entry/stun.mjs', stun],
  ['entry/sdp.mjs', sdp],
  ['entry/ice.mjs', ice],
  ['entry/rtp.mjs', rtp],
];

const runtimeNames = (m: object): string[] => Object.keys(m).filter((k) => k !== '__esModule' && k !== 'default').sort();

for (const [mjs, cjs] of entries) {
  test(`lib/${mjs} exports exactly the CommonJS names, as the same objects`, async () => {
    const esm = (await import(pathToFileURL(path.join(lib, mjs)).href)) as Record<string, unknown>;
    const names = runtimeNames(cjs);
    assert.ok(names.length > 0);
    assert.deepEqual(runtimeNames(esm), names);
    for (const name of names) assert.equal(esm[name], (cjs as Record<string, unknown>)[name], name);
  });
}

test('the root keeps transports, sessions, certificate, fingerprints, roles and errors; helpers are subpaths', () => {
  assert.deepEqual(runtimeNames(stun), [
    'STUN_HEADER_LENGTH', 'STUN_MAGIC_COOKIE', 'STUN_MAX_ATTRIBUTES', 'STUN_METHOD_BINDING', 'StunAttributeType',
    'isStunMessage', 'parseStunMessage', 'serializeStunMessage', 'verifyFingerprint', 'verifyMessageIntegrity',
  ]);
  assert.deepEqual(runtimeNames(sdp), [
    'EXTMAP_ENCRYPT_URI', 'MAX_SDP_LENGTH', 'buildLiteAnswer', 'encryptedExtensionIds', 'formatExtmap', 'parseExtmap', 'parseRemoteDescription',
  ]);
  assert.deepEqual(runtimeNames(ice), ['IceLiteResponder']);
  assert.deepEqual(runtimeNames(rtp), [
    'RTP_HEADER_LENGTH', 'RTP_ONE_BYTE_EXTENSION_PROFILE', 'RTP_TWO_BYTE_EXTENSION_PROFILE', 'RtcpCompoundIterator', 'RtcpPacketView',
    'RtpHeaderView', 'readRtpHeader', 'rtcpPackets',
  ]);
  const rootNames = runtimeNames(root);
  for (const name of [...runtimeNames(stun), ...runtimeNames(sdp), ...runtimeNames(ice), ...runtimeNames(rtp)]) {
    assert.equal(rootNames.includes(name), false, `${name} is also exported by the root`);
  }
  for (const name of ['DtlsSrtpTransport', 'DtlsTransport', 'SrtpSession', 'Certificate', 'parseFingerprint', 'SdpError', 'IceError']) {
    assert.ok(rootNames.includes(name), name);
  }
});
