// SPDX-License-Identifier: MIT
// The one test that holds C++ and TypeScript together: every table both
// languages need comes from the addon's `constants` export (native/addon.cc,
// native/binding/constants.h), and the TypeScript types that name the same
// things are checked against it here. Each Record below is exhaustive over a
// TypeScript union, so a member added to the union alone fails to compile;
// an entry added on the C++ side alone fails an assertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, NativeDtlsStatus, type NativeDropReason } from '../../lib/native.js';
import {
  SRTP_MAX_PACKET_LENGTH,
  SRTP_PACKET_ERROR_CODES,
  SrtpSession,
  srtpOverhead,
  srtpResultCode,
  type SrtpPacketErrorCode,
  type SrtpProfile,
  type SrtpStats,
} from '../../lib/srtp-session.js';
import { Certificate, DtlsTransport } from '../../lib/index.js';
import type { DtlsStats } from '../../lib/dtls-transport.js';
import { makeNativeError } from '../../lib/errors.js';

const { constants } = native;

const PROFILES: Record<SrtpProfile, true> = {
  AES_CM_128_HMAC_SHA1_80: true,
  AES_CM_128_HMAC_SHA1_32: true,
  AEAD_AES_128_GCM: true,
  AEAD_AES_256_GCM: true,
};
const PACKET_CODES: Record<SrtpPacketErrorCode, true> = {
  ERR_SRTP_AUTH_FAIL: true,
  ERR_SRTP_REPLAY_FAIL: true,
  ERR_SRTP_REPLAY_OLD: true,
  ERR_SRTP_BAD_PACKET: true,
  ERR_SRTP_BUFFER_SMALL: true,
  ERR_SRTP_TOO_MANY_STREAMS: true,
  ERR_SRTP_INTERNAL: true,
  ERR_SRTP_KEY_LIMIT: true,
};
const SRTP_COUNTERS: Record<Exclude<keyof SrtpStats, 'failures'>, true> = {
  rtpPacketsProtected: true,
  rtpBytesProtected: true,
  rtpPacketsUnprotected: true,
  rtpBytesUnprotected: true,
  rtcpPacketsProtected: true,
  rtcpBytesProtected: true,
  rtcpPacketsUnprotected: true,
  rtcpBytesUnprotected: true,
  remoteStreams: true,
  localStreams: true,
};
const DROP_REASONS: Record<NativeDropReason, true> = {
  malformed: true,
  implausibleSequence: true,
  helloRequest: true,
  oversizedMessage: true,
  futureMessage: true,
  earlyEpoch: true,
  replayed: true,
  unauthenticated: true,
};
// DtlsStats.dropped: the native reasons plus those counted in TypeScript.
const TS_DROPS: Record<Exclude<keyof DtlsStats['dropped'], NativeDropReason>, true> = {
  notDtls: true,
  holdOverflow: true,
  queueOverflow: true,
  inactive: true,
};

const sorted = (values: Iterable<string>): string[] => [...values].sort();

function assertDeepFrozen(value: unknown, where: string): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${where} is frozen`);
  for (const [key, item] of Object.entries(value)) assertDeepFrozen(item, `${where}.${key}`);
}

test('constants: the export is deeply frozen', () => {
  assertDeepFrozen(constants, 'constants');
  assert.throws(() => {
    (constants.srtpFailures as string[]).push('ERR_X');
  }, TypeError);
});

test('constants: SRTP profiles are those of the SrtpProfile type, each with what TypeScript reads', () => {
  assert.deepEqual(sorted(constants.srtpProfiles.map((p) => p.name)), sorted(Object.keys(PROFILES)));
  const ids = new Set<number>();
  for (const p of constants.srtpProfiles) {
    assert.ok(Number.isInteger(p.id) && p.id > 0 && p.id <= 0xffff, `${p.name}: id`);
    ids.add(p.id);
    assert.match(p.opensslName, /^SRTP_[A-Z0-9_]+$/, `${p.name}: OpenSSL name`);
    assert.ok(p.keyLength === 16 || p.keyLength === 32, `${p.name}: key length`);
    assert.ok(p.saltLength === 12 || p.saltLength === 14, `${p.name}: salt length`);
    // What the TypeScript API reports is what the addon says.
    assert.deepEqual(srtpOverhead(p.name as SrtpProfile), { rtp: p.rtpOverhead, rtcp: p.rtcpOverhead });
    // And the addon accepts exactly these lengths for the profile.
    const session = new SrtpSession({
      profile: p.name as SrtpProfile,
      localKey: Buffer.alloc(p.keyLength),
      localSalt: Buffer.alloc(p.saltLength),
      remoteKey: Buffer.alloc(p.keyLength),
      remoteSalt: Buffer.alloc(p.saltLength),
    });
    session.close();
  }
  assert.equal(ids.size, constants.srtpProfiles.length, 'distinct ids');
});

test('constants: SRTP failure codes, their order and the stats layout', () => {
  assert.deepEqual(sorted(constants.srtpFailures), sorted(Object.keys(PACKET_CODES)));
  assert.deepEqual(SRTP_PACKET_ERROR_CODES, constants.srtpFailures);
  // Every index of NativeSrtp.getStats is named once: the counters of SrtpStats and one per failure code.
  assert.equal(constants.srtpStats.length, native.NativeSrtp.statsLength);
  assert.deepEqual(sorted(constants.srtpStats), sorted([...Object.keys(SRTP_COUNTERS), ...Object.keys(PACKET_CODES)]));
  // Failure counters sit in failure order (a session's getStats reads them by name).
  const at = constants.srtpStats.indexOf('ERR_SRTP_AUTH_FAIL');
  assert.deepEqual(constants.srtpStats.slice(at, at + constants.srtpFailures.length), constants.srtpFailures);
});

test('constants: SRTP results map to codes the way the native counters do', () => {
  for (const [result, failure] of constants.srtpResultFailures) {
    assert.ok(result < 0, `${result}`);
    assert.equal(srtpResultCode(result), constants.srtpFailures[failure], `result ${result}`);
  }
  for (const own of Object.values(constants.srtpOwnResults)) {
    assert.ok(own < -1000, 'own results are below every libsrtp status');
    assert.ok(
      constants.srtpResultFailures.some(([r]) => r === own),
      `${own} is classified`,
    );
  }
  assert.equal(srtpResultCode(-1), 'ERR_SRTP_INTERNAL', 'srtp_err_status_fail is internal');
  assert.equal(srtpResultCode(0), undefined);
});

test('constants: SRTP limits are what SrtpSession enforces', () => {
  const l = constants.srtpLimits;
  assert.equal(SRTP_MAX_PACKET_LENGTH, l.maxPacketLength);
  const base = {
    profile: 'AEAD_AES_128_GCM' as const,
    localKey: Buffer.alloc(16),
    localSalt: Buffer.alloc(12),
    remoteKey: Buffer.alloc(16),
    remoteSalt: Buffer.alloc(12),
  };
  for (const [option, max] of [
    ['replayWindow', l.maxReplayWindow],
    ['maxRemoteStreams', l.maxRemoteStreams],
    ['maxLocalStreams', l.maxLocalStreams],
  ] as const) {
    new SrtpSession({ ...base, [option]: max }).close();
    assert.throws(() => new SrtpSession({ ...base, [option]: max + 1 }), { code: 'ERR_OUT_OF_RANGE' }, option);
  }
  new SrtpSession({ ...base, replayWindow: l.minReplayWindow }).close();
  assert.throws(() => new SrtpSession({ ...base, replayWindow: l.minReplayWindow - 1 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('constants: DTLS statuses, drop reasons and error classes', async () => {
  assert.deepEqual(sorted(Object.keys(constants.dtlsStatuses)), sorted(['new', 'handshaking', 'waitingVerify', 'connected', 'closed', 'failed']));
  assert.equal(new Set(Object.values(constants.dtlsStatuses)).size, 6, 'distinct numbers');
  assert.deepEqual(
    sorted(Object.values(NativeDtlsStatus).map(String)),
    sorted(Object.values(constants.dtlsStatuses).map(String)),
  );
  assert.deepEqual(sorted(constants.dtlsDropReasons), sorted(Object.keys(DROP_REASONS)));
  // The native endpoint reports exactly these reasons, and DtlsTransport's stats carry each of them.
  const certificate = await Certificate.generate();
  const transport = new DtlsTransport({ certificate, role: 'server', send: () => {} });
  try {
    assert.deepEqual(sorted(Object.keys(transport.getStats().dropped)), sorted([...constants.dtlsDropReasons, ...Object.keys(TS_DROPS)]));
  } finally {
    transport.close();
  }
  for (const name of constants.errorClasses) {
    assert.equal(makeNativeError(name, 'ERR_X', 'm', []).name, name, `the factory builds ${name}`);
  }
});
