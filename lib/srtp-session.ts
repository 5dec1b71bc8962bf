// SPDX-License-Identifier: MIT
/**
 * SRTP/SRTCP protection (RFC 3711, RFC 7714, RFC 6188) over the native libsrtp
 * context. One session serves every SSRC of a transport.
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import { InvalidStateError, SrtpError, type SrtpErrorCode } from './errors.js';
import { safeEmit } from './safe-emit.js';
import {
  argValueError,
  checkArray,
  checkBytes,
  checkInt32Array,
  checkInteger,
  checkIntegerValue,
  checkObject,
  checkOneOf,
  optionalObject,
  outOfRangeError,
} from './validate.js';
import { native, type NativeSrtp, type NativeSrtpHandle } from './native.js';

/**
 * An SRTP protection profile (RFC 5764 §4.1.2, RFC 7714 §14.2).
 * @see https://www.rfc-editor.org/rfc/rfc5764#section-4.1.2
 */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AEAD_AES_128_GCM' | 'AEAD_AES_256_GCM';

/**
 * Options of {@link SrtpSession}. Keys and salts are copied; the session never keeps your buffers.
 * @example
 * ```ts
 * const options: SrtpSessionOptions = {
 *   profile: 'AEAD_AES_256_GCM',
 *   localKey, localSalt,   // 32 + 12 bytes
 *   remoteKey, remoteSalt, // 32 + 12 bytes
 *   replayWindow: 1024,
 *   maxRemoteStreams: 16,
 *   maxLocalStreams: 256,
 * };
 * ```
 */
export interface SrtpSessionOptions {
  /** The protection profile (negotiated by DTLS `use_srtp`, or from SDES signalling). */
  readonly profile: SrtpProfile;
  /** Master key for what we send: 16 bytes (32 for `AEAD_AES_256_GCM`). */
  readonly localKey: Uint8Array;
  /** Master salt for what we send: 14 bytes for the AES_CM profiles, 12 for AEAD. */
  readonly localSalt: Uint8Array;
  /** Master key of the peer, for what we receive. */
  readonly remoteKey: Uint8Array;
  /** Master salt of the peer. */
  readonly remoteSalt: Uint8Array;
  /**
   * SRTP replay window in packets, 64 to 32767 (libsrtp's bounds); default 1024.
   * SRTCP always uses libsrtp's fixed 128-packet window.
   */
  readonly replayWindow?: number;
  /**
   * How many remote SSRCs may have their own replay/rollover state, 1 to 4096;
   * default 64. A packet from a further SSRC is dropped with
   * `ERR_SRTP_TOO_MANY_STREAMS` before libsrtp sees it, so no memory is
   * allocated for it. Only SSRCs whose packets authenticated count.
   */
  readonly maxRemoteStreams?: number;
  /**
   * How many local SSRCs we may protect packets for, 1 to 65536; default
   * 1024. libsrtp keeps state (about 0.5 KiB) for every SSRC it protects,
   * so a sender that keeps inventing SSRCs would grow the session without
   * bound. A packet for a further SSRC fails with
   * `ERR_SRTP_TOO_MANY_STREAMS` (a per-packet result in the in-place and
   * batch forms). The default fits an SFU forwarding hundreds of tracks
   * (media, RTX and FEC SSRCs) over one transport in under 1 MiB.
   */
  readonly maxLocalStreams?: number;
  /**
   * RFC 6904 header-extension encryption: the IDs of the RTP header
   * extensions (RFC 8285) whose values are encrypted, in both directions —
   * those the SDP marks `urn:ietf:params:rtp-hdrext:encrypt` (see
   * `parseExtmap` in `dtls-srtp/sdp`). 1 to 14 for the one-byte form, 1 to
   * 255 for the two-byte form; distinct; at most 255. Extensions not listed
   * stay readable (and, as all of the header, authenticated). Works with
   * every profile: for the AEAD profiles libsrtp 2.7 encrypts them with
   * AES-CM under the header-encryption key derived from the master key.
   * Default: none.
   */
  readonly encryptedHeaderExtensionIds?: readonly number[];
  /**
   * Key-usage limits (RFC 3711 §9.2), per direction: see {@link SrtpKeyLimits}.
   * Defaults to the RFC's maximum (2^48 SRTP, 2^31 SRTCP packets); lower
   * values retire a key earlier, higher ones are refused.
   */
  readonly keyLimits?: SrtpKeyLimits;
}

/**
 * How many packets one master key may process in one direction (RFC 3711
 * §9.2). After `soft` packets the session emits a `keylimit` event of kind
 * `'soft'` (once); after `hard` packets every further packet of that kind in
 * that direction fails with `ERR_SRTP_KEY_LIMIT` and a `'hard'` event is
 * emitted (once) — never a silent wrap. The remedy is new keys: a DTLS
 * restart (or new SDES keys and a new session).
 * @example
 * ```ts
 * const keyLimits: SrtpKeyLimits = { srtpHard: 2 ** 40, srtpSoft: 2 ** 40 - 2 ** 20 };
 * ```
 */
export interface SrtpKeyLimits {
  /** SRTP packets before the soft event; default `srtpHard - min(2^16, srtpHard / 2)` (libsrtp's margin). */
  readonly srtpSoft?: number;
  /** SRTP packets the key may protect (or accept), 1 to 2^48; default 2^48. */
  readonly srtpHard?: number;
  /** SRTCP packets before the soft event; default `srtcpHard - min(2^16, srtcpHard / 2)`. */
  readonly srtcpSoft?: number;
  /** SRTCP packets the key may protect (or accept), 1 to 2^31; default 2^31. */
  readonly srtcpHard?: number;
}

/**
 * A key-usage limit was reached (see {@link SrtpKeyLimits}); emitted
 * asynchronously (on the next tick), once per kind, direction and protocol.
 * @example
 * ```ts
 * session.on('keylimit', ({ kind, direction, protocol, ssrc }) => {
 *   if (kind === 'soft') scheduleDtlsRestart();
 * });
 * ```
 */
export interface SrtpKeyLimitEvent {
  /** `'soft'`: time to re-key; `'hard'`: the key is spent, packets are refused. */
  readonly kind: 'soft' | 'hard';
  /** `'outbound'`: what we protect (local key); `'inbound'`: what we accept (remote key). */
  readonly direction: 'outbound' | 'inbound';
  readonly protocol: 'srtp' | 'srtcp';
  /** The SSRC of the packet that reached the limit. */
  readonly ssrc: number;
}

/**
 * Events of {@link SrtpSession}.
 * @example
 * ```ts
 * session.on('keylimit', (event) => console.warn('SRTP key limit', event));
 * ```
 */
export interface SrtpSessionEvents {
  keylimit: [event: SrtpKeyLimitEvent];
}

/**
 * Error codes a packet operation can report (per packet, in stats and batch results).
 * @example
 * ```ts
 * const code: SrtpPacketErrorCode | undefined = srtpResultCode(session.unprotectRtpInPlace(buf, n));
 * ```
 */
export type SrtpPacketErrorCode = Extract<
  SrtpErrorCode,
  | 'ERR_SRTP_AUTH_FAIL'
  | 'ERR_SRTP_REPLAY_FAIL'
  | 'ERR_SRTP_REPLAY_OLD'
  | 'ERR_SRTP_BAD_PACKET'
  | 'ERR_SRTP_BUFFER_SMALL'
  | 'ERR_SRTP_TOO_MANY_STREAMS'
  | 'ERR_SRTP_INTERNAL'
  | 'ERR_SRTP_KEY_LIMIT'
>;

/**
 * Counters of one {@link SrtpSession}, kept natively. Bytes count the plain
 * RTP/RTCP side of each packet; a failed packet counts only in `failures`.
 * @example
 * ```ts
 * const stats: SrtpStats = session.getStats();
 * if (stats.failures.ERR_SRTP_AUTH_FAIL > 0) console.warn('forged or corrupted SRTP received');
 * ```
 */
export interface SrtpStats {
  /** RTP packets protected (sent). */
  readonly rtpPacketsProtected: number;
  /** Plain RTP bytes protected. */
  readonly rtpBytesProtected: number;
  /** SRTP packets that authenticated and decrypted. */
  readonly rtpPacketsUnprotected: number;
  /** Plain RTP bytes those packets yielded. */
  readonly rtpBytesUnprotected: number;
  /** RTCP packets protected. */
  readonly rtcpPacketsProtected: number;
  /** Plain RTCP bytes protected. */
  readonly rtcpBytesProtected: number;
  /** SRTCP packets that authenticated and decrypted. */
  readonly rtcpPacketsUnprotected: number;
  /** Plain RTCP bytes those packets yielded. */
  readonly rtcpBytesUnprotected: number;
  /** Remote SSRCs with their own stream state (at most `maxRemoteStreams`). */
  readonly remoteStreams: number;
  /** Local SSRCs with their own stream state (at most `maxLocalStreams`). */
  readonly localStreams: number;
  /** Failed packet operations by code, both directions. */
  readonly failures: Readonly<Record<SrtpPacketErrorCode, number>>;
}

/**
 * One packet's outcome in the copying batch forms: the new packet, or the
 * failure's code and libsrtp status (0 when detected before libsrtp).
 * @example
 * ```ts
 * for (const r of session.unprotectRtpBatch(datagrams)) {
 *   if (r.ok) onRtp(r.packet); else dropped[r.code]++;
 * }
 * ```
 */
export type SrtpBatchResult =
  | { readonly ok: true; readonly packet: Buffer }
  | { readonly ok: false; readonly code: SrtpPacketErrorCode; readonly status: number };

interface ProfileInfo {
  readonly id: number;
  readonly keyLength: number;
  readonly saltLength: number;
  readonly rtpOverhead: number;
  readonly rtcpOverhead: number;
}

// From the addon's constants (test/native/constants.test.ts holds SrtpProfile to them).
const { srtpProfiles, srtpLimits, srtpStats, srtpFailures, srtpResultFailures, srtpOwnResults } = native.constants;
const PROFILES: Readonly<Record<SrtpProfile, ProfileInfo>> = Object.freeze(
  Object.fromEntries(srtpProfiles.map((p): [string, ProfileInfo] => [p.name, p])) as Record<SrtpProfile, ProfileInfo>,
);

/**
 * The largest packet (protected form, tag included) any operation accepts: a
 * UDP datagram is never larger. Longer input fails with `ERR_SRTP_BAD_PACKET`.
 * @example
 * ```ts
 * const maxRtp = SRTP_MAX_PACKET_LENGTH - srtpOverhead('AEAD_AES_128_GCM').rtp; // 65519
 * ```
 */
export const SRTP_MAX_PACKET_LENGTH: number = srtpLimits.maxPacketLength;

/** @internal Every per-packet SRTP error code, in the native order (core::SrtpFailure). */
export const SRTP_PACKET_ERROR_CODES = srtpFailures as readonly SrtpPacketErrorCode[];
// The native stats layout (core::SrtpStats): index of each counter by name.
const STAT = Object.fromEntries(srtpStats.map((name, i) => [name, i])) as Record<
  Exclude<keyof SrtpStats, 'failures'> | SrtpPacketErrorCode,
  number
>;
// Shared by every session of this thread (not one each: memory per transport): getStats() fills and reads it at once;
// and the batch scratch arrays every session starts with (grown per session on first use).
const STATS_SCRATCH = new Float64Array(srtpStats.length);
const NO_INTS = new Int32Array(0);
// result -> code for every result that is not ERR_SRTP_INTERNAL (core::ClassifySrtpResult).
const RESULT_CODES: ReadonlyMap<number, SrtpPacketErrorCode> = new Map(
  srtpResultFailures.map(([result, failure]) => [result, SRTP_PACKET_ERROR_CODES[failure] ?? 'ERR_SRTP_INTERNAL']),
);
const OWN_RESULTS: ReadonlySet<number> = new Set(Object.values(srtpOwnResults));

/**
 * The protection overhead of a profile: how many bytes protecting adds to an
 * RTP packet (the authentication tag) and to an RTCP packet (E flag + SRTCP
 * index + tag). In-place protection needs this much spare room after the packet.
 * @param profile - an SRTP profile
 * @returns `{ rtp, rtcp }` in bytes, e.g. `{ rtp: 10, rtcp: 14 }` for `AES_CM_128_HMAC_SHA1_80`
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` for an unknown profile
 * @example
 * ```ts
 * const { rtp } = srtpOverhead('AEAD_AES_128_GCM'); // 16
 * const buf = Buffer.alloc(1200 + rtp);
 * ```
 */
export function srtpOverhead(profile: SrtpProfile): { readonly rtp: number; readonly rtcp: number } {
  const info = profileInfo(profile, 'profile');
  return { rtp: info.rtpOverhead, rtcp: info.rtcpOverhead };
}

/**
 * Translates the number an in-place or batch operation returned into an
 * error code.
 * @param result - a value returned by e.g. {@link SrtpSession.unprotectRtpInPlace}
 * @returns `undefined` for a success (`result >= 0`), else the failure's code
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `result` is not a number
 * @throws {RangeError} `ERR_OUT_OF_RANGE` when it is not a 32-bit integer
 * @example
 * ```ts
 * const n = session.unprotectRtpInPlace(datagram, datagram.length);
 * if (n < 0) console.log(srtpResultCode(n)); // 'ERR_SRTP_AUTH_FAIL'
 * ```
 */
export function srtpResultCode(result: number): SrtpPacketErrorCode | undefined {
  checkIntegerValue(result, 'result', -0x80000000, 0x7fffffff);
  if (result >= 0) return undefined;
  return RESULT_CODES.get(result) ?? 'ERR_SRTP_INTERNAL';
}

/** libsrtp's status number for a result (0 for failures detected before libsrtp). */
function statusOf(result: number): number {
  return result < 0 && !OWN_RESULTS.has(result) ? -result : 0;
}

const MESSAGES: Readonly<Record<SrtpPacketErrorCode, string>> = {
  ERR_SRTP_AUTH_FAIL: 'the packet failed authentication',
  ERR_SRTP_REPLAY_FAIL: 'the packet index was already used (replay)',
  ERR_SRTP_REPLAY_OLD: 'the packet index is older than the replay window',
  ERR_SRTP_BAD_PACKET: 'the packet is malformed, truncated or too long',
  ERR_SRTP_BUFFER_SMALL: 'the buffer has no room for the protection overhead',
  ERR_SRTP_TOO_MANY_STREAMS: 'the packet has a new SSRC beyond maxRemoteStreams (received) or maxLocalStreams (sent)',
  ERR_SRTP_INTERNAL: 'libsrtp reported an unexpected failure',
  ERR_SRTP_KEY_LIMIT: 'the master key reached its hard usage limit; new keys are needed (DTLS restart)',
};

function resultError(result: number, what: string): SrtpError {
  const code = srtpResultCode(result) ?? 'ERR_SRTP_INTERNAL';
  const status = statusOf(result);
  return new SrtpError(code, status, `Could not ${what}: ${MESSAGES[code]} (result ${result})`);
}

/**
 * @internal Asserts an SRTP profile name (`ERR_INVALID_ARG_VALUE` otherwise,
 * for a value of any type).
 */
export function checkSrtpProfile(profile: unknown, name: string): SrtpProfile {
  if (typeof profile !== 'string' || !Object.hasOwn(PROFILES, profile)) {
    throw argValueError(name, `one of ${Object.keys(PROFILES).join(', ')}`, profile);
  }
  return profile as SrtpProfile;
}

function profileInfo(profile: unknown, name: string): ProfileInfo {
  return PROFILES[checkSrtpProfile(profile, name)];
}

function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  checkBytes(value, name);
}

function assertLength(value: Uint8Array, name: string, length: number): void {
  if (value.length !== length) throw outOfRangeError(`${name}.length`, `${length}`, value.length);
}

const MAX_SRTP_KEY_USES = 2 ** 48;
const MAX_SRTCP_KEY_USES = 2 ** 31;

function checkHeaderIds(value: unknown, name: string): Int32Array | undefined {
  if (value === undefined) return undefined;
  checkArray(value, name, 'an array of header-extension IDs');
  if (value.length > 255) throw outOfRangeError(`${name}.length`, 'at most 255', value.length);
  const ids = new Int32Array(value.length);
  const seen = new Set<number>();
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    checkIntegerValue(id, `${name}[${i}]`, 1, 255);
    if (seen.has(id)) throw argValueError(`${name}[${i}]`, 'distinct IDs', id);
    seen.add(id);
    ids[i] = id;
  }
  return ids.length === 0 ? undefined : ids;
}

function checkLimitPair(o: Record<string, unknown>, name: string, prefix: 'srtp' | 'srtcp', max: number): [number, number] {
  const hard = checkInteger(o[`${prefix}Hard`], `${name}.${prefix}Hard`, 1, max, max);
  const soft = checkInteger(o[`${prefix}Soft`], `${name}.${prefix}Soft`, 1, hard, hard - Math.min(2 ** 16, Math.floor(hard / 2)));
  return [soft, hard];
}

function checkKeyLimits(value: unknown, name: string): Float64Array | undefined {
  if (value === undefined) return undefined;
  const o = optionalObject(value, name);
  return Float64Array.from([...checkLimitPair(o, name, 'srtp', MAX_SRTP_KEY_USES), ...checkLimitPair(o, name, 'srtcp', MAX_SRTCP_KEY_USES)]);
}

/**
 * @internal Validates the RFC 6904 and key-limit options shared by
 * `new SrtpSession` and `DtlsTransport.createSrtpSession`, in the form the
 * native constructors take (`undefined` for "not set").
 * @param options - an object with optional `encryptedHeaderExtensionIds` and `keyLimits`
 * @param name - the options' name in error messages
 * @returns the native arguments
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a wrong type; `ERR_INVALID_ARG_VALUE` for a repeated ID
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for an ID outside 1..255, more than 255 IDs, or a limit out of range
 * @example
 * ```ts
 * const { headerIds, keyLimits } = srtpCreationOptions({ encryptedHeaderExtensionIds: [1, 3] }, 'options');
 * ```
 */
export function srtpCreationOptions(
  options: Record<string, unknown>,
  name: string,
): { headerIds: Int32Array | undefined; keyLimits: Float64Array | undefined } {
  return {
    headerIds: checkHeaderIds(options['encryptedHeaderExtensionIds'], `${name}.encryptedHeaderExtensionIds`),
    keyLimits: checkKeyLimits(options['keyLimits'], `${name}.keyLimits`),
  };
}

/**
 * @internal The {@link SrtpKeyLimits} a validated native limits array stands for.
 * @param limits - `[srtpSoft, srtpHard, srtcpSoft, srtcpHard]` from {@link srtpCreationOptions}
 * @returns the same limits as an options object
 * @example
 * ```ts
 * keyLimitsOf(Float64Array.of(50, 100, 50, 100)); // { srtpSoft: 50, srtpHard: 100, ... }
 * ```
 */
export function keyLimitsOf(limits: Float64Array): SrtpKeyLimits {
  return { srtpSoft: limits[0] ?? 1, srtpHard: limits[1] ?? 1, srtcpSoft: limits[2] ?? 1, srtcpHard: limits[3] ?? 1 };
}

const KINDS = ['soft', 'hard'] as const;
const DIRECTIONS = ['outbound', 'inbound'] as const;
const PROTOCOLS = ['srtp', 'srtcp'] as const;

function assertInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  checkIntegerValue(value, name, min, max);
}

type Op = 'protectRtp' | 'unprotectRtp' | 'protectRtcp' | 'unprotectRtcp';
type BatchOp = 'protectRtpBatch' | 'unprotectRtpBatch' | 'protectRtcpBatch' | 'unprotectRtcpBatch';

// What a native in-place function returns when it declines its arguments
// (one source: the addon); see SrtpSession.#checkedInPlace.
const DECLINED = native.NativeSrtp.inPlaceDeclined;
// The env's in-place functions (one set per thread, shared by every session);
// each takes the session's handle (SrtpSession.#handle) first.
const IN_PLACE = native.NativeSrtp.inPlace;

const DESCRIPTIONS: Readonly<Record<Op, string>> = {
  protectRtp: 'protect RTP packet',
  unprotectRtp: 'unprotect SRTP packet',
  protectRtcp: 'protect RTCP packet',
  unprotectRtcp: 'unprotect SRTCP packet',
};

// Reads a session's native context for lib/udp-socket.ts (set in a static block).
let liveNative: (session: unknown) => NativeSrtp | undefined;

/**
 * @internal The live native context of a session, for the native UDP path
 * (which protects and unprotects with it inside its own call). A brand
 * check: runs no Proxy trap and no getter, whatever `session` is.
 * @param session - anything
 * @returns its native context, or `undefined` when `session` is not an SrtpSession
 * @throws {InvalidStateError} `ERR_INVALID_STATE` for a closed session
 * @example
 * ```ts
 * socket.sendSrtpBatch(nativeSrtpOf(session), false, buffer, layout, count, results, records, 1, undefined);
 * ```
 */
export function nativeSrtpOf(session: unknown): NativeSrtp | undefined {
  return liveNative(session);
}

// Set only for the synchronous duration of wrapNativeSrtp's `new SrtpSession`.
let adopting: { native: NativeSrtp; profile: SrtpProfile } | undefined;

/**
 * An SRTP/SRTCP session: protects what we send with the local master key and
 * salt, and authenticates, replay-checks and decrypts what we receive with the
 * remote ones. One session serves every SSRC in both directions (libsrtp
 * wildcard-SSRC policies).
 *
 * Three forms of each operation:
 * - copying (`protectRtp` ...): returns a new Buffer, throws {@link SrtpError} on failure;
 * - in place (`protectRtpInPlace` ...): works in your buffer and returns the new
 *   length, or a negative result code (see {@link srtpResultCode}) — it never
 *   throws for a packet failure and allocates nothing;
 * - batch (`protectRtpBatch` ... and `...BatchInPlace`): many packets in one
 *   native call, a result per packet, never throws for packet failures.
 *
 * A repeated `(SSRC, sequence number)` on the send side fails with
 * `ERR_SRTP_REPLAY_FAIL` (libsrtp `allow_repeat_tx` off): re-protecting an index
 * reuses keystream, and under AES-GCM it is a nonce reuse. Retransmit with RTX.
 *
 * Events: `keylimit` ({@link SrtpKeyLimitEvent}) when a master key reaches
 * a usage limit ({@link SrtpKeyLimits}), emitted on the next tick.
 *
 * One session belongs to the thread (main or worker) that created it.
 * @example
 * ```ts
 * import { SrtpSession } from 'dtls-srtp';
 * const alice = new SrtpSession({ profile: 'AEAD_AES_128_GCM', localKey: k1, localSalt: s1, remoteKey: k2, remoteSalt: s2 });
 * const bob = new SrtpSession({ profile: 'AEAD_AES_128_GCM', localKey: k2, localSalt: s2, remoteKey: k1, remoteSalt: s1 });
 * const srtp = alice.protectRtp(rtpPacket);
 * const rtp = bob.unprotectRtp(srtp); // equal to rtpPacket
 * alice.close(); bob.close();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc3711
 */
export class SrtpSession extends EventEmitter<SrtpSessionEvents> implements Disposable {
  #native: NativeSrtp | undefined;
  // Key-limit events from native code, emitted on the next tick (never from
  // inside a packet call). Native code holds the listener weakly.
  #keyLimitEvents: SrtpKeyLimitEvent[] = [];
  readonly #onKeyLimit = (kind: number, direction: number, protocol: number, ssrc: number): void => {
    this.#keyLimitEvents.push({
      kind: KINDS[kind] ?? 'hard',
      direction: DIRECTIONS[direction] ?? 'inbound',
      protocol: PROTOCOLS[protocol] ?? 'srtp',
      ssrc,
    });
    if (this.#keyLimitEvents.length === 1) process.nextTick(this.#emitKeyLimits);
  };
  readonly #emitKeyLimits = (): void => {
    const events = this.#keyLimitEvents;
    this.#keyLimitEvents = [];
    for (const event of events) {
      if (this.closed) return;
      safeEmit(this, 'keylimit', [event], () => !this.closed);
    }
  };
  // #native's handle for the in-place functions (IN_PLACE), made on first
  // use; undefined again once closed (they would throw ERR_INVALID_STATE by
  // themselves).
  #handle: NativeSrtpHandle | undefined;
  readonly #profile: SrtpProfile;
  readonly #rtpOverhead: number;
  readonly #rtcpOverhead: number;
  #layout = NO_INTS;
  #results = NO_INTS;

  /**
   * Creates a session from master keys and salts.
   * @param options - profile, keys, salts and limits; see {@link SrtpSessionOptions}
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when an option has the wrong type;
   *   `ERR_INVALID_ARG_VALUE` for an unknown profile or a repeated header-extension ID
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a key or salt of the wrong length
   *   for the profile, `replayWindow`/`maxRemoteStreams`/`maxLocalStreams` outside their bounds,
   *   a header-extension ID outside 1..255 (or more than 255 of them), or a key limit outside
   *   1..2^48 (SRTP), 1..2^31 (SRTCP) or a soft limit above its hard limit
   * @throws {SrtpError} `ERR_SRTP_BAD_PARAM` if libsrtp rejects the policy
   * @example
   * ```ts
   * const session = new SrtpSession({
   *   profile: 'AES_CM_128_HMAC_SHA1_80',
   *   localKey: randomBytes(16), localSalt: randomBytes(14),
   *   remoteKey, remoteSalt, replayWindow: 2048,
   * });
   * ```
   */
  constructor(options: SrtpSessionOptions) {
    super();
    const adopted = adopting;
    adopting = undefined;
    if (adopted !== undefined) {
      this.#native = adopted.native;
      this.#profile = adopted.profile;
    } else {
      checkObject(options, 'options');
      const info = profileInfo(options.profile, 'options.profile');
      assertBytes(options.localKey, 'options.localKey');
      assertBytes(options.localSalt, 'options.localSalt');
      assertBytes(options.remoteKey, 'options.remoteKey');
      assertBytes(options.remoteSalt, 'options.remoteSalt');
      assertLength(options.localKey, 'options.localKey', info.keyLength);
      assertLength(options.localSalt, 'options.localSalt', info.saltLength);
      assertLength(options.remoteKey, 'options.remoteKey', info.keyLength);
      assertLength(options.remoteSalt, 'options.remoteSalt', info.saltLength);
      const replayWindow = checkInteger(
        options.replayWindow,
        'options.replayWindow',
        srtpLimits.minReplayWindow,
        srtpLimits.maxReplayWindow,
        srtpLimits.defaultReplayWindow,
      );
      const maxRemoteStreams = checkInteger(
        options.maxRemoteStreams,
        'options.maxRemoteStreams',
        1,
        srtpLimits.maxRemoteStreams,
        srtpLimits.defaultRemoteStreams,
      );
      const maxLocalStreams = checkInteger(
        options.maxLocalStreams,
        'options.maxLocalStreams',
        1,
        srtpLimits.maxLocalStreams,
        srtpLimits.defaultLocalStreams,
      );
      const { headerIds, keyLimits } = srtpCreationOptions(options, 'options');
      const local = concat(options.localKey, options.localSalt);
      const remote = concat(options.remoteKey, options.remoteSalt);
      try {
        this.#native = new native.NativeSrtp(
          info.id,
          local,
          remote,
          replayWindow,
          maxRemoteStreams,
          maxLocalStreams,
          headerIds,
          keyLimits,
        );
      } finally {
        local.fill(0);
        remote.fill(0);
      }
      this.#profile = options.profile;
    }
    const info = PROFILES[this.#profile];
    this.#rtpOverhead = info.rtpOverhead;
    this.#rtcpOverhead = info.rtcpOverhead;
    this.#native.setKeyLimitListener(this.#onKeyLimit);
  }

  /** The session's protection profile. */
  get profile(): SrtpProfile {
    return this.#profile;
  }

  /** Bytes protecting adds to an RTP packet (the authentication tag); in-place protection needs this much room. */
  get rtpOverhead(): number {
    return this.#rtpOverhead;
  }

  /** Bytes protecting adds to an RTCP packet (E flag + SRTCP index + tag). */
  get rtcpOverhead(): number {
    return this.#rtcpOverhead;
  }

  /** `true` once {@link SrtpSession.close} ran. */
  get closed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Protects an RTP packet into a new Buffer (the input is not modified).
   * @param packet - a complete RTP packet (header, CSRCs, extension, payload, padding)
   * @returns the SRTP packet, `packet.length + rtpOverhead` bytes
   * @throws {SrtpError} `ERR_SRTP_BAD_PACKET` (malformed or too long), `ERR_SRTP_REPLAY_FAIL`
   *   (this SSRC and sequence number were already protected), `ERR_SRTP_TOO_MANY_STREAMS`
   *   (a new SSRC beyond `maxLocalStreams`)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packet` is not a Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.send(session.protectRtp(rtp));
   * ```
   */
  protectRtp(packet: Uint8Array): Buffer {
    return this.#copy('protectRtp', packet, this.#rtpOverhead);
  }

  /**
   * Authenticates, replay-checks and decrypts an SRTP packet into a new Buffer.
   * @param packet - an SRTP packet as received
   * @returns the RTP packet
   * @throws {SrtpError} `ERR_SRTP_AUTH_FAIL`, `ERR_SRTP_REPLAY_FAIL`, `ERR_SRTP_REPLAY_OLD`,
   *   `ERR_SRTP_BAD_PACKET`, `ERR_SRTP_TOO_MANY_STREAMS`
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packet` is not a Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * try { handleRtp(session.unprotectRtp(datagram)); } catch (err) { if (!(err instanceof SrtpError)) throw err; }
   * ```
   */
  unprotectRtp(packet: Uint8Array): Buffer {
    return this.#copy('unprotectRtp', packet, 0);
  }

  /**
   * Protects an RTCP (compound) packet into a new Buffer.
   * @param packet - an RTCP packet
   * @returns the SRTCP packet, `packet.length + rtcpOverhead` bytes
   * @throws {SrtpError} `ERR_SRTP_BAD_PACKET`, `ERR_SRTP_TOO_MANY_STREAMS` (a new SSRC beyond `maxLocalStreams`)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packet` is not a Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.send(session.protectRtcp(receiverReport));
   * ```
   */
  protectRtcp(packet: Uint8Array): Buffer {
    return this.#copy('protectRtcp', packet, this.#rtcpOverhead);
  }

  /**
   * Authenticates, replay-checks and decrypts an SRTCP packet into a new Buffer.
   * @param packet - an SRTCP packet as received
   * @returns the RTCP packet
   * @throws {SrtpError} `ERR_SRTP_AUTH_FAIL`, `ERR_SRTP_REPLAY_FAIL`, `ERR_SRTP_REPLAY_OLD`,
   *   `ERR_SRTP_BAD_PACKET`, `ERR_SRTP_TOO_MANY_STREAMS`
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packet` is not a Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const rtcp = session.unprotectRtcp(datagram);
   * ```
   */
  unprotectRtcp(packet: Uint8Array): Buffer {
    return this.#copy('unprotectRtcp', packet, 0);
  }

  /**
   * Protects the RTP packet in `buf[0, length)` in place. Needs
   * `buf.length >= length + rtpOverhead`; nothing outside `buf` is touched.
   * @param buf - the buffer holding the packet, with room for the tag
   * @param length - the RTP packet's length
   * @returns the SRTP length (`length + rtpOverhead`), or a negative result code
   *   for a failed packet (`ERR_SRTP_BUFFER_SMALL`, `ERR_SRTP_BAD_PACKET`,
   *   `ERR_SRTP_REPLAY_FAIL`, `ERR_SRTP_TOO_MANY_STREAMS`; see {@link srtpResultCode}).
   *   Always check `< 0`.
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a wrong argument type
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if `length` is not an integer within `buf`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const buf = Buffer.allocUnsafe(1500);
   * const n = session.protectRtpInPlace(buf, writeRtp(buf));
   * if (n >= 0) socket.send(buf.subarray(0, n));
   * ```
   */
  protectRtpInPlace(buf: Uint8Array, length: number): number {
    // Checked natively; the full checks run only when native code declines.
    const result = IN_PLACE.protectRtp(this.#handle ?? this.#inPlaceHandle(), buf, length);
    return result === DECLINED ? this.#checkedInPlace('protectRtp', buf, length) : result;
  }

  /**
   * Unprotects the SRTP packet in `buf[0, length)` in place. A failed packet
   * never leaves unauthenticated plaintext behind (AES-GCM decrypts before it
   * can check the tag): the RTP header is untouched and the bytes after it
   * are either the received ones or zeros. A `buf` on a SharedArrayBuffer is
   * processed in a private copy (read once) and keeps the received bytes on
   * failure.
   * @param buf - the buffer holding the received packet
   * @param length - the SRTP packet's length
   * @returns the RTP length, or a negative result code (`ERR_SRTP_AUTH_FAIL`,
   *   `ERR_SRTP_REPLAY_FAIL`, `ERR_SRTP_REPLAY_OLD`, `ERR_SRTP_BAD_PACKET`,
   *   `ERR_SRTP_TOO_MANY_STREAMS`; see {@link srtpResultCode})
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a wrong argument type
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if `length` is not an integer within `buf`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.on('message', (msg) => {
   *   const n = session.unprotectRtpInPlace(msg, msg.length);
   *   if (n >= 0) onRtp(msg.subarray(0, n));
   * });
   * ```
   */
  unprotectRtpInPlace(buf: Uint8Array, length: number): number {
    // Checked natively; the full checks run only when native code declines.
    const result = IN_PLACE.unprotectRtp(this.#handle ?? this.#inPlaceHandle(), buf, length);
    return result === DECLINED ? this.#checkedInPlace('unprotectRtp', buf, length) : result;
  }

  /**
   * Protects the RTCP packet in `buf[0, length)` in place. Needs
   * `buf.length >= length + rtcpOverhead`.
   * @param buf - the buffer holding the packet, with room for the trailer
   * @param length - the RTCP packet's length
   * @returns the SRTCP length, or a negative result code (see {@link srtpResultCode})
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a wrong argument type
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if `length` is not an integer within `buf`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const n = session.protectRtcpInPlace(buf, rtcpLength);
   * ```
   */
  protectRtcpInPlace(buf: Uint8Array, length: number): number {
    // Checked natively; the full checks run only when native code declines.
    const result = IN_PLACE.protectRtcp(this.#handle ?? this.#inPlaceHandle(), buf, length);
    return result === DECLINED ? this.#checkedInPlace('protectRtcp', buf, length) : result;
  }

  /**
   * Unprotects the SRTCP packet in `buf[0, length)` in place. On failure the
   * 8-byte RTCP header is untouched and the bytes after it are either the
   * received ones or zeros, never unauthenticated plaintext.
   * @param buf - the buffer holding the received packet
   * @param length - the SRTCP packet's length
   * @returns the RTCP length, or a negative result code (see {@link srtpResultCode})
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for a wrong argument type
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if `length` is not an integer within `buf`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const n = session.unprotectRtcpInPlace(msg, msg.length);
   * ```
   */
  unprotectRtcpInPlace(buf: Uint8Array, length: number): number {
    // Checked natively; the full checks run only when native code declines.
    const result = IN_PLACE.unprotectRtcp(this.#handle ?? this.#inPlaceHandle(), buf, length);
    return result === DECLINED ? this.#checkedInPlace('unprotectRtcp', buf, length) : result;
  }

  /**
   * Protects many RTP packets in one native call, each into a new Buffer.
   * @param packets - RTP packets
   * @returns one {@link SrtpBatchResult} per packet, in order
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packets` is not an array of Uint8Array
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if the packets total more than 2 GiB
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * for (const r of session.protectRtpBatch(frames)) if (r.ok) socket.send(r.packet);
   * ```
   */
  protectRtpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    return this.#copyBatch('protectRtpBatch', packets, this.#rtpOverhead);
  }

  /**
   * Unprotects many SRTP packets in one native call, each into a new Buffer.
   * Failures are results, never exceptions.
   * @param packets - SRTP packets as received
   * @returns one {@link SrtpBatchResult} per packet, in order
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packets` is not an array of Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const results = session.unprotectRtpBatch(datagrams);
   * ```
   */
  unprotectRtpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    return this.#copyBatch('unprotectRtpBatch', packets, 0);
  }

  /**
   * Protects many RTCP packets in one native call, each into a new Buffer.
   * @param packets - RTCP packets
   * @returns one {@link SrtpBatchResult} per packet, in order
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packets` is not an array of Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const results = session.protectRtcpBatch(reports);
   * ```
   */
  protectRtcpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    return this.#copyBatch('protectRtcpBatch', packets, this.#rtcpOverhead);
  }

  /**
   * Unprotects many SRTCP packets in one native call, each into a new Buffer.
   * @param packets - SRTCP packets as received
   * @returns one {@link SrtpBatchResult} per packet, in order
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `packets` is not an array of Uint8Array
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const results = session.unprotectRtcpBatch(datagrams);
   * ```
   */
  unprotectRtcpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    return this.#copyBatch('unprotectRtcpBatch', packets, 0);
  }

  /**
   * Protects many RTP packets in place in one native call, with no allocation.
   * Packet `i` occupies `buffer[layout[3i], layout[3i] + layout[3i+2])`:
   * `layout[3i+1]` is its length, `layout[3i+2]` its capacity (at least
   * length + `rtpOverhead` for protection). Packets must not overlap.
   * `layout` and `buffer` may live on a SharedArrayBuffer: native code
   * copies the layout once and checks and uses only its copy (a layout
   * another thread changes during the call can make it throw, never read
   * or write outside `buffer`), and each shared packet is copied into
   * native memory, processed there and copied back (a concurrent writer can
   * garble that packet's result, nothing else).
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param results - receives per packet the new length or a negative result code
   *   (see {@link srtpResultCode}); at least `layout.length / 3` entries
   * @returns how many packets succeeded
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for wrong argument types
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if `layout` is not whole triples, an entry
   *   lies outside `buffer`, or `results` is too short
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const ok = session.protectRtpBatchInPlace(slab, layout, results);
   * for (let i = 0; i < results.length; i++) if (results[i] >= 0) send(slab, layout[3 * i], results[i]);
   * ```
   */
  protectRtpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    return this.#batchInPlace('protectRtpBatch', buffer, layout, results);
  }

  /**
   * Unprotects many SRTP packets in place in one native call; see
   * {@link SrtpSession.protectRtpBatchInPlace} for the layout. A failed packet
   * keeps its header and holds either the received bytes or zeros after it,
   * never unauthenticated plaintext.
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param results - receives per packet the new length or a negative result code
   * @returns how many packets succeeded
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for wrong argument types
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad layout or short `results`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const ok = session.unprotectRtpBatchInPlace(slab, layout, results);
   * ```
   */
  unprotectRtpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    return this.#batchInPlace('unprotectRtpBatch', buffer, layout, results);
  }

  /**
   * Protects many RTCP packets in place in one native call; capacities need
   * `rtcpOverhead` spare bytes. See {@link SrtpSession.protectRtpBatchInPlace}.
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param results - receives per packet the new length or a negative result code
   * @returns how many packets succeeded
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for wrong argument types
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad layout or short `results`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const ok = session.protectRtcpBatchInPlace(slab, layout, results);
   * ```
   */
  protectRtcpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    return this.#batchInPlace('protectRtcpBatch', buffer, layout, results);
  }

  /**
   * Unprotects many SRTCP packets in place in one native call. See
   * {@link SrtpSession.protectRtpBatchInPlace}. A failed packet keeps its
   * 8-byte header and holds either the received bytes or zeros after it.
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param results - receives per packet the new length or a negative result code
   * @returns how many packets succeeded
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` for wrong argument types
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad layout or short `results`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const ok = session.unprotectRtcpBatchInPlace(slab, layout, results);
   * ```
   */
  unprotectRtcpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    return this.#batchInPlace('unprotectRtcpBatch', buffer, layout, results);
  }

  /**
   * Reads the session's counters (kept natively, so reading is cheap).
   * @returns a snapshot of {@link SrtpStats}
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const { rtpPacketsUnprotected, failures } = session.getStats();
   * console.log(rtpPacketsUnprotected, failures.ERR_SRTP_AUTH_FAIL);
   * ```
   */
  getStats(): SrtpStats {
    const s = STATS_SCRATCH;
    this.#live().getStats(s);
    const failures = {} as Record<SrtpPacketErrorCode, number>;
    for (const code of SRTP_PACKET_ERROR_CODES) failures[code] = s[STAT[code]] ?? 0;
    return {
      rtpPacketsProtected: s[STAT.rtpPacketsProtected] ?? 0,
      rtpBytesProtected: s[STAT.rtpBytesProtected] ?? 0,
      rtpPacketsUnprotected: s[STAT.rtpPacketsUnprotected] ?? 0,
      rtpBytesUnprotected: s[STAT.rtpBytesUnprotected] ?? 0,
      rtcpPacketsProtected: s[STAT.rtcpPacketsProtected] ?? 0,
      rtcpBytesProtected: s[STAT.rtcpBytesProtected] ?? 0,
      rtcpPacketsUnprotected: s[STAT.rtcpPacketsUnprotected] ?? 0,
      rtcpBytesUnprotected: s[STAT.rtcpBytesUnprotected] ?? 0,
      remoteStreams: s[STAT.remoteStreams] ?? 0,
      localStreams: s[STAT.localStreams] ?? 0,
      failures,
    };
  }

  /**
   * The rollover counter (RFC 3711 §3.3.1) of one stream: how many times its
   * 16-bit sequence number wrapped, as libsrtp tracks it. Useful to carry a
   * long-lived stream's index across a re-key.
   * @param ssrc - the stream's SSRC
   * @param direction - `'outbound'` for an SSRC we protect, `'inbound'` for one we receive
   * @returns the ROC, or `undefined` when the session has no state for that SSRC yet
   *   (nothing protected for it, or nothing from it authenticated)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for wrong arguments
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for an SSRC outside 0..2^32-1
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const roc = session.getRolloverCounter(0x1234abcd, 'inbound'); // e.g. 3 after three wraps
   * ```
   */
  getRolloverCounter(ssrc: number, direction: 'outbound' | 'inbound'): number | undefined {
    const handle = this.#live();
    checkIntegerValue(ssrc, 'ssrc', 0, 0xffffffff);
    const inbound = checkOneOf(direction, 'direction', DIRECTIONS) === 'inbound';
    return handle.rolloverCounter(ssrc, inbound);
  }

  /**
   * Frees the native SRTP state now (keys are wiped by libsrtp). Safe to call
   * twice; every other method then throws `InvalidStateError`.
   * @example
   * ```ts
   * session.close();
   * session.closed; // true
   * ```
   */
  close(): void {
    const handle = this.#native;
    this.#native = undefined;
    this.#handle = undefined;
    handle?.close();
  }

  /**
   * Same as {@link SrtpSession.close}, for `using`.
   * @example
   * ```ts
   * { using session = new SrtpSession(options); session.protectRtp(rtp); } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  #live(): NativeSrtp {
    if (this.#native === undefined) throw new InvalidStateError('SRTP session is closed');
    return this.#native;
  }

  static {
    liveNative = (session) => (typeof session === 'object' && session !== null && #native in session ? session.#live() : undefined);
  }

  #copy(op: Op, packet: Uint8Array, overhead: number): Buffer {
    const handle = this.#handle ?? this.#inPlaceHandle();
    assertBytes(packet, 'packet');
    let out: Buffer;
    let target: Uint8Array;
    if (packet.length > SRTP_MAX_PACKET_LENGTH) {
      // Too long for any packet: the native side rejects (and counts) it
      // before reading or writing a byte, so the caller's buffer is safe.
      out = Buffer.alloc(0);
      target = packet;
    } else {
      out = Buffer.allocUnsafe(packet.length + overhead);
      out.set(packet);
      target = out;
    }
    let result = IN_PLACE[op](handle, target, packet.length);
    // Declined: an empty packet (an empty buffer), which the method form takes.
    if (result === DECLINED) result = this.#live()[op](target, packet.length);
    if (result < 0) throw resultError(result, DESCRIPTIONS[op]);
    return result === out.length ? out : out.subarray(0, result);
  }

  /** The handle for the in-place functions (one crossing, no unwrap); throws InvalidStateError once closed. */
  #inPlaceHandle(): NativeSrtpHandle {
    return (this.#handle = this.#live().inPlaceHandle());
  }

  /**
   * The in-place forms' path for arguments the native function declined
   * (not a Uint8Array, a length that is not an integer within it, or an
   * empty buffer): the full checks with their typed errors, then, for what
   * passes (an empty buffer, which may not be detached), the method form,
   * which also rejects what the checks cannot see (ERR_INTERNAL_ARG for a
   * `length` getter that lies about the memory).
   */
  #checkedInPlace(op: Op, buf: Uint8Array, length: number): number {
    const handle = this.#live();
    assertBytes(buf, 'buf');
    assertInteger(length, 'length', 0, buf.length);
    return handle[op](buf, length);
  }

  #batchInPlace(op: BatchOp, buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    const handle = this.#live();
    assertBytes(buffer, 'buffer');
    checkInt32Array(layout, 'layout');
    checkInt32Array(results, 'results');
    if (layout.length % 3 !== 0) throw outOfRangeError('layout.length', 'a multiple of 3', layout.length);
    const count = layout.length / 3;
    if (results.length < count) throw outOfRangeError('results.length', `at least ${count}`, results.length);
    const size = buffer.length;
    for (let i = 0; i < count; i++) {
      const offset = layout[3 * i] as number;
      const length = layout[3 * i + 1] as number;
      const capacity = layout[3 * i + 2] as number;
      if (offset < 0 || length < 0 || capacity < length || offset + capacity > size) {
        throw outOfRangeError(
          `layout[${3 * i}..${3 * i + 2}]`,
          `(offset, length, capacity) with length <= capacity inside ${size} bytes`,
          `(${offset}, ${length}, ${capacity})`,
        );
      }
    }
    return handle[op](buffer, layout, count, results);
  }

  #copyBatch(op: BatchOp, packets: readonly Uint8Array[], overhead: number): SrtpBatchResult[] {
    const handle = this.#live();
    checkArray(packets, 'packets', 'an array of Uint8Array');
    const count = packets.length;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const packet: unknown = packets[i];
      assertBytes(packet, `packets[${i}]`);
      // Over-long packets get an empty slot: the native side reports them as malformed.
      if (packet.length <= SRTP_MAX_PACKET_LENGTH) total += align4(packet.length + overhead);
    }
    // Offsets are 32-bit in the native layout.
    if (total > 0x7fffffff) throw outOfRangeError('packets', 'at most 2 GiB in total', `${total} bytes`);
    if (this.#layout.length < 3 * count) this.#layout = new Int32Array(3 * count);
    if (this.#results.length < count) this.#results = new Int32Array(count);
    const layout = this.#layout.length === 3 * count ? this.#layout : this.#layout.subarray(0, 3 * count);
    const results = this.#results.length === count ? this.#results : this.#results.subarray(0, count);
    const slab = Buffer.allocUnsafe(total);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const packet = packets[i] as Uint8Array;
      if (packet.length > SRTP_MAX_PACKET_LENGTH) {
        layout[3 * i] = 0;
        layout[3 * i + 1] = 0;
        layout[3 * i + 2] = 0;
        continue;
      }
      slab.set(packet, offset);
      layout[3 * i] = offset;
      layout[3 * i + 1] = packet.length;
      layout[3 * i + 2] = packet.length + overhead;
      offset += align4(packet.length + overhead);
    }
    handle[op](slab, layout, count, results);
    const out: SrtpBatchResult[] = new Array<SrtpBatchResult>(count);
    for (let i = 0; i < count; i++) {
      const result = results[i] as number;
      if (result >= 0) {
        const start = layout[3 * i] as number;
        out[i] = { ok: true, packet: slab.subarray(start, start + result) };
      } else {
        out[i] = { ok: false, code: srtpResultCode(result) ?? 'ERR_SRTP_INTERNAL', status: statusOf(result) };
      }
    }
    return out;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * @internal Wraps a NativeSrtp created natively (the DTLS endpoint keys it
 * from the RFC 5764 export, so keys never reach JavaScript) into an
 * {@link SrtpSession}. Not exported from the package root.
 * @param handle - the native context
 * @param profile - the negotiated profile (must match the context's)
 * @returns a live session owning `handle`
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` if the profile does not match the context
 * @example
 * ```ts
 * // inside DtlsTransport.createSrtpSession():
 * return wrapNativeSrtp(this.#endpoint.createSrtp(), this.srtpProfile);
 * ```
 */
export function wrapNativeSrtp(handle: NativeSrtp, profile: SrtpProfile): SrtpSession {
  const info = profileInfo(profile, 'profile');
  if (handle.profileId() !== info.id) throw argValueError('profile', `the context's profile`, profile);
  adopting = { native: handle, profile };
  try {
    return new SrtpSession(undefined as unknown as SrtpSessionOptions);
  } finally {
    adopting = undefined;
  }
}
