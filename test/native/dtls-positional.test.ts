// SPDX-License-Identifier: MIT
// The addon's NativeDtls passes its constructor arguments, handshake steps
// and info() by position, not by name: Node-API names a property by a C
// string that V8 looks up in its string table at every get or set, which
// cost about a thousand instructions per field on every step of every
// handshake. lib/native.ts names the fields again, so the rest of the package
// (and a subclass, as the tests use) sees the NativeDtlsStep and
// NativeDtlsInfo objects it always did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Certificate } from '../../lib/index.js';
import { nativeCertificateOf } from '../../lib/certificate.js';
import { native, NativeDtlsStatus, type NativeCertificate, type NativeVerifier } from '../../lib/native.js';

type Raw = new (...args: unknown[]) => { close(): Buffer[] };
interface RawMethods {
  start: (verify: NativeVerifier) => unknown;
  info: () => unknown;
}

/** The addon's own class: the one lib/native.ts extends. */
function addonClass(): { Raw: Raw; methods: RawMethods } {
  const Raw = Object.getPrototypeOf(native.NativeDtls) as Raw;
  assert.equal(typeof Raw, 'function', 'native.NativeDtls extends the addon class');
  return { Raw, methods: Raw.prototype as RawMethods };
}

const verify: NativeVerifier = () => 2;

async function certificateHandle(): Promise<NativeCertificate> {
  const handle = nativeCertificateOf(await Certificate.generate());
  assert.ok(handle !== undefined);
  return handle;
}

test('the addon takes the endpoint settings by position and returns steps and info() as arrays', async () => {
  const { Raw, methods } = addonClass();
  const handle = await certificateHandle();
  assert.throws(
    () => new Raw({ certificate: handle, isServer: false, srtpProfiles: 'SRTP_AES128_CM_SHA1_80', mtu: 1200, initialRtoMs: 1000, serverCookies: false }),
    { code: 'ERR_INTERNAL_ARG' },
  );
  const client = new Raw(handle, false, 'SRTP_AES128_CM_SHA1_80', 1200, 1000, false);
  try {
    const step = methods.start.call(client, verify);
    assert.ok(Array.isArray(step));
    // [status, timeoutMs, datagrams]: no extras on an ordinary step.
    assert.equal(step.length, 3);
    assert.equal(step[0], NativeDtlsStatus.Handshaking);
    assert.equal(step[1], 1000);
    assert.ok(Array.isArray(step[2]) && step[2].length === 1 && Buffer.isBuffer(step[2][0]));
    const info = methods.info.call(client);
    assert.ok(Array.isArray(info));
    assert.equal(info.length, 4 + native.constants.dtlsDropReasons.length);
  } finally {
    client.close();
  }
});

test('native.NativeDtls takes an options object and gives the named step and info objects', async () => {
  const handle = await certificateHandle();
  const client = new native.NativeDtls({
    certificate: handle,
    isServer: false,
    srtpProfiles: 'SRTP_AES128_CM_SHA1_80',
    mtu: 1200,
    initialRtoMs: 1000,
    serverCookies: false,
  });
  try {
    const step = client.start(verify);
    assert.deepEqual(Object.keys(step), ['status', 'datagrams', 'timeoutMs']);
    assert.equal(step.status, NativeDtlsStatus.Handshaking);
    assert.equal(step.timeoutMs, 1000);
    assert.equal(step.datagrams.length, 1);
    const info = client.info();
    assert.deepEqual(Object.keys(info), ['srtpProfileId', 'cipherSuite', 'maxDataSize', 'verified', 'dropped']);
    assert.deepEqual(Object.keys(info.dropped), native.constants.dtlsDropReasons);
    assert.equal(info.verified, false);
    assert.ok(Object.values(info.dropped).every((n) => n === 0));
  } finally {
    client.close();
  }
});
