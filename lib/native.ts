// SPDX-License-Identifier: MIT
/**
 * Loads the native addon once per thread and declares the internal contract
 * between TypeScript and C++. Nothing here is public (index.ts never
 * re-exports it).
 * @internal
 * @packageDocumentation
 */
import * as path from 'node:path';
import { makeNativeError } from './errors.js';

/** What the addon really runs (see README "Which OpenSSL"). */
export interface NativeVersions {
  /** `OpenSSL_version(OPENSSL_VERSION)` of the OpenSSL the addon's code calls. */
  openssl: string;
  opensslNumber: number;
  /** `OPENSSL_VERSION_TEXT` of the headers the addon was compiled with. */
  opensslHeaders: string;
  libsrtp: string;
  napi: number;
  /** File of the loaded object that provides OpenSSL's code (the addon itself when linked privately). */
  opensslObject?: string;
  addonObject?: string;
}

// ---- Constants (native/addon.cc, native/binding/constants.h) ----
/** One SRTP protection profile as the addon knows it. */
export interface NativeSrtpProfileConstants {
  /** Our (SDP/W3C) name, e.g. `'AEAD_AES_128_GCM'`. */
  readonly name: string;
  /** RFC 5764 / RFC 7714 protection-profile id. */
  readonly id: number;
  /** OpenSSL's use_srtp name, e.g. `'SRTP_AEAD_AES_128_GCM'`. */
  readonly opensslName: string;
  readonly keyLength: number;
  readonly saltLength: number;
  /** Bytes protecting appends to RTP (the tag) and to RTCP (E flag + index + tag). */
  readonly rtpOverhead: number;
  readonly rtcpOverhead: number;
}
/**
 * The addon's `constants` export (deeply frozen): every table C++ and
 * TypeScript share. TypeScript derives its own tables from it, and
 * test/native/constants.test.ts holds the TypeScript types to it.
 */
export interface NativeConstants {
  readonly srtpProfiles: readonly NativeSrtpProfileConstants[];
  /** The error code of each SRTP failure kind, in the native order (core::SrtpFailure). */
  readonly srtpFailures: readonly string[];
  /** `[result, index into srtpFailures]` for every result a packet operation can return that is not ERR_SRTP_INTERNAL. */
  readonly srtpResultFailures: readonly (readonly [number, number])[];
  /** Our own negative results (below any libsrtp status). */
  readonly srtpOwnResults: Readonly<Record<'bufferTooSmall' | 'badPacket' | 'tooManyStreams' | 'keyLimit', number>>;
  /** NativeSrtp.getStats layout: the name of each index (failure counters by code). */
  readonly srtpStats: readonly string[];
  readonly srtpLimits: Readonly<
    Record<
      | 'maxPacketLength'
      | 'minReplayWindow'
      | 'maxReplayWindow'
      | 'defaultReplayWindow'
      | 'maxRemoteStreams'
      | 'defaultRemoteStreams'
      | 'maxLocalStreams'
      | 'defaultLocalStreams',
      number
    >
  >;
  /** core::DtlsStatus by name. */
  readonly dtlsStatuses: Readonly<Record<'new' | 'handshaking' | 'waitingVerify' | 'connected' | 'closed' | 'failed', number>>;
  /** The keys of NativeDtlsInfo.dropped, in core::DropReason order. */
  readonly dtlsDropReasons: readonly NativeDropReason[];
  /** The error classes native code asks the factory for (lib/errors.ts makeNativeError). */
  readonly errorClasses: readonly string[];
}

// ---- SRTP (native/binding/srtp_binding.cc) ----
/**
 * One SRTP context (native/core/srtp_context.h). Packet methods work in place
 * and return the new length, or a negative result code (see
 * lib/srtp-session.ts `resultCode`); they never throw for packet failures.
 */
export interface NativeSrtp {
  protectRtp(buf: Uint8Array, length: number): number;
  unprotectRtp(buf: Uint8Array, length: number): number;
  protectRtcp(buf: Uint8Array, length: number): number;
  unprotectRtcp(buf: Uint8Array, length: number): number;
  /** layout: (offset, length, capacity) per packet; results[i]: new length or negative code; returns successes. */
  protectRtpBatch(buf: Uint8Array, layout: Int32Array, count: number, results: Int32Array): number;
  unprotectRtpBatch(buf: Uint8Array, layout: Int32Array, count: number, results: Int32Array): number;
  protectRtcpBatch(buf: Uint8Array, layout: Int32Array, count: number, results: Int32Array): number;
  unprotectRtcpBatch(buf: Uint8Array, layout: Int32Array, count: number, results: Int32Array): number;
  /** Copies the counters (core::SrtpStats order) into `out` (length >= NativeSrtpConstructor.statsLength). */
  getStats(out: Float64Array): void;
  /** RFC 5764 profile id of the context. */
  profileId(): number;
  /** The rollover counter of the RTP packet (ssrc, sequence) just unprotected, or -1 (no stream for the SSRC). */
  remoteRtpRoc(ssrc: number, sequence: number): number;
  /** Frees the libsrtp state; idempotent. */
  close(): void;
  /**
   * This context's handle (an opaque External) for the env's in-place
   * functions {@link NativeSrtpConstructor.inPlace}, which take it as their
   * first argument (no object unwrap per call, no functions per session).
   * Each call returns a new handle to the same context. After `close()` the
   * functions throw ERR_INVALID_STATE for it.
   */
  inPlaceHandle(): NativeSrtpHandle;
  /** Called (held weakly) with each key-limit event: core::KeyLimitEvent kind, direction, protocol, ssrc. */
  setKeyLimitListener(fn: (kind: number, direction: number, protocol: number, ssrc: number) => void): void;
  /** libsrtp's rollover counter for `ssrc`, or undefined without a stream. */
  rolloverCounter(ssrc: number, inbound: boolean): number | undefined;
}

/** See {@link NativeSrtp.inPlaceHandle}: an External, opaque to TypeScript. */
export type NativeSrtpHandle = { readonly __nativeSrtpHandle: never };

/**
 * See {@link NativeSrtpConstructor.inPlace}: `fn(handle, buf, length)`, the
 * new length, a negative result code, or `inPlaceDeclined`.
 */
export type NativeSrtpInPlace = Readonly<
  Record<
    'protectRtp' | 'unprotectRtp' | 'protectRtcp' | 'unprotectRtcp',
    (handle: NativeSrtpHandle, buf: Uint8Array, length: number) => number
  >
>;

/** `new NativeSrtp(profileId, localKeySalt, remoteKeySalt, replayWindow, maxRemoteStreams, maxLocalStreams)`. */
export interface NativeSrtpConstructor {
  new (
    profileId: number,
    localKeySalt: Uint8Array,
    remoteKeySalt: Uint8Array,
    replayWindow: number,
    maxRemoteStreams: number,
    maxLocalStreams: number,
    encryptedHeaderIds?: Int32Array,
    keyLimits?: Float64Array,
  ): NativeSrtp;
  readonly statsLength: number;
  /** What the functions of {@link NativeSrtpConstructor.inPlace} return for arguments they decline. */
  readonly inPlaceDeclined: number;
  /**
   * The four in-place operations as plain functions, made once per env (not
   * per session; frozen): `fn(handle, buf, length)` with a handle from
   * {@link NativeSrtp.inPlaceHandle}, returning the new length, a negative
   * result code, or `inPlaceDeclined` for a buffer or length they decline
   * without reading, writing or counting anything (not a Uint8Array, a length
   * that is not an integer within it, an empty buffer). A first argument that
   * is not such a handle throws ERR_INTERNAL_ARG; a closed session's handle
   * throws ERR_INVALID_STATE.
   */
  readonly inPlace: NativeSrtpInPlace;
}

// ---- UDP (native/binding/udp_binding.cc; Linux only) ----
/**
 * A UDP socket polled on the thread's own loop. Addresses cross as 20-byte
 * records (native/core/udp_socket.h): family, 0, port (big-endian), 16
 * address bytes. Received datagrams are described in `meta()` (Uint32 words,
 * `metaStride` per datagram) and sit in `data()`.
 */
export interface NativeUdp {
  /** 0, or a negative errno (the socket is then unusable). */
  open(
    bindRecord: Uint8Array,
    ipv6: boolean,
    reusePort: boolean,
    ipv6Only: boolean,
    slotSize: number,
    batchSize: number,
    batchesPerTurn: number,
    receiveBufferSize: number,
    sendBufferSize: number,
  ): number;
  data(): ArrayBuffer;
  meta(): ArrayBuffer;
  localAddress(out: Uint8Array): boolean;
  /** Returns how many datagrams the kernel accepted. */
  sendBatch(packets: readonly Uint8Array[], count: number, records: Uint8Array, destinations: number, which: Uint32Array | undefined): number;
  sendSrtpBatch(
    srtp: NativeSrtp,
    rtcp: boolean,
    buffer: Uint8Array,
    layout: Int32Array,
    count: number,
    results: Int32Array,
    records: Uint8Array,
    destinations: number,
    which: Uint32Array | undefined,
  ): number;
  /** Route id, or -1 when the source is routed already. */
  addRoute(record: Uint8Array, srtp: NativeSrtp | null): number;
  removeRoute(id: number): boolean;
  getStats(out: Float64Array): void;
  setRef(ref: boolean): void;
  close(): void;
}
export interface NativeUdpConstructor {
  new (onBatch: (count: number) => void): NativeUdp;
  /** The counter names, in core::UdpStats order. */
  readonly statsNames: readonly string[];
  readonly metaStride: number;
}

// ---- DTLS (native/binding/dtls_binding.cc) ----
/** native/binding/certificate_binding.cc */
export interface NativeCertificate {
  toPem(): { cert: string; key: string };
  der(): Buffer;
  /** notAfter, seconds since the epoch. */
  notAfter(): number;
}
export interface NativeCertificateConstructor {
  new (certPem: string, keyPem: string): NativeCertificate;
  /** keyType 0 = ECDSA P-256, 1 = RSA-2048. */
  generate(keyType: 0 | 1, validityDays: number, commonName: string): Promise<NativeCertificate>;
}
/** Verdict on the peer certificate: 0 reject, 1 accept, 2 not known yet. */
export type NativeVerifier = (der: Buffer) => 0 | 1 | 2;
/** A core::DtlsStatus number; the values are {@link NativeDtlsStatus} (from the addon's constants). */
export type NativeDtlsStatus = number;
export interface NativeDtlsStep {
  status: NativeDtlsStatus;
  /** One Buffer per datagram to send, each at most the MTU. */
  datagrams: Buffer[];
  /** Application data received (only ever once verified). */
  data?: Buffer[];
  /** Key-log lines (NSS Key Log Format, newline-terminated) derived in this step; only after setKeylog(true). */
  keylog?: Buffer[];
  /** Milliseconds until handleTimeout is due; -1 for none. */
  timeoutMs: number;
  sentAlert?: number;
  receivedAlert?: number;
  /** Set when status is Failed: a DtlsErrorCode. */
  failure?: string;
  opensslErrors?: string[];
}
export interface NativeDtlsOptions {
  certificate: NativeCertificate;
  isServer: boolean;
  /** OpenSSL use_srtp names joined by ':'. */
  srtpProfiles: string;
  mtu: number;
  initialRtoMs: number;
  serverCookies: boolean;
}
export interface NativeDtlsInfo {
  srtpProfileId: number;
  cipherSuite: string;
  maxDataSize: number;
  verified: boolean;
  /** Datagrams the native record pre-filter dropped, by reason (core::DropReason; names from the addon). */
  dropped: Record<NativeDropReason, number>;
}
/** The reasons of NativeDtlsInfo.dropped, as the addon names them (a test holds the two lists together). */
export type NativeDropReason =
  | 'malformed'
  | 'implausibleSequence'
  | 'helloRequest'
  | 'oversizedMessage'
  | 'futureMessage'
  | 'earlyEpoch'
  | 'replayed'
  | 'unauthenticated';
export interface NativeDtls {
  start(verify: NativeVerifier): NativeDtlsStep;
  receive(datagram: Uint8Array, verify: NativeVerifier): NativeDtlsStep;
  handleTimeout(verify: NativeVerifier): NativeDtlsStep;
  continueHandshake(verify: NativeVerifier): NativeDtlsStep;
  /** Throws ERR_INVALID_STATE on misuse; an SSL_write failure is a Failed step. */
  send(data: Uint8Array): NativeDtlsStep;
  close(): Buffer[];
  /** Frees the endpoint without a word to the peer (media-only release); SRTP contexts made from it stay. */
  release(): void;
  awaitingClientFlight(): boolean;
  info(): NativeDtlsInfo;
  remoteCertificate(): Buffer;
  exportKeyingMaterial(label: string, length: number): Buffer;
  /** An SRTP context keyed natively from the RFC 5764 export for our role. */
  createSrtp(
    replayWindow: number,
    maxRemoteStreams: number,
    maxLocalStreams: number,
    encryptedHeaderIds?: Int32Array,
    keyLimits?: Float64Array,
  ): NativeSrtp;
  /** Whether this endpoint keeps its key-log lines (the callback on the shared SSL_CTX routes by SSL). */
  setKeylog(enabled: boolean): void;
}

/** The addon's exports. */
export interface NativeBinding {
  init(makeError: typeof makeNativeError): void;
  versions(): NativeVersions;
  readonly constants: NativeConstants;
  NativeCertificate: NativeCertificateConstructor;
  NativeDtls: (new (options: NativeDtlsOptions) => NativeDtls) & {
    /** This thread's shared SSL_CTXs: alive now, made in all, and alive with the key-log callback registered (a test seam). */
    contextStats(): { live: number; created: number; keylog: number };
    /** Bytes this thread's native objects reported to V8, and the process's C heap in use (-1 if unknown): a test and bench seam. */
    memoryStats(): { externalMemory: number; mallocInUse: number };
  };
  NativeSrtp: NativeSrtpConstructor;
  /** Absent where the addon has no native UDP path (anything but Linux). */
  NativeUdp?: NativeUdpConstructor;
}

const packageRoot = path.join(__dirname, '..', '..');

function load(): NativeBinding {
  let binding: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = (require('node-gyp-build') as (dir: string) => NativeBinding)(packageRoot);
  } catch (err) {
    const help = [
      'Could not load the dtls-srtp native addon.',
      `  Platform: ${process.platform}-${process.arch}, Node ${process.version} (N-API ${process.versions.napi})`,
      '  Possible fixes:',
      '  - Build it from source: install a compiler, python3 and the OpenSSL headers',
      '    (Debian/Ubuntu: apt-get install build-essential python3 libssl-dev),',
      '    then run `npm rebuild dtls-srtp`.',
      '  - If you copied node_modules between machines, reinstall on this one (`npm ci`).',
    ].join('\n');
    const error = new Error(help, { cause: err });
    Object.defineProperty(error, 'code', { value: 'ERR_DTLS_SRTP_LOAD', enumerable: true });
    throw error;
  }
  binding.init(makeNativeError);
  binding.NativeDtls = namedFields(binding.NativeDtls as unknown as RawDtlsConstructor, binding.constants.dtlsDropReasons);
  return binding;
}

/**
 * A step and info() as the addon returns them, and its constructor's
 * arguments: positional, because Node-API names a property by a C string
 * that V8 looks up in its string table at every get or set, while an index
 * costs next to nothing (a handshake makes about twenty steps).
 * {@link namedFields} names the fields again.
 */
type RawDtlsStep = [status: NativeDtlsStatus, timeoutMs: number, datagrams: Buffer[], extras?: Partial<NativeDtlsStep>];
type RawDtlsInfo = [srtpProfileId: number, cipherSuite: string, maxDataSize: number, verified: boolean, ...dropped: number[]];
type RawStepMethod<A extends unknown[]> = (...args: A) => RawDtlsStep;
interface RawDtls {
  start: RawStepMethod<[verify: NativeVerifier]>;
  receive: RawStepMethod<[datagram: Uint8Array, verify: NativeVerifier]>;
  handleTimeout: RawStepMethod<[verify: NativeVerifier]>;
  continueHandshake: RawStepMethod<[verify: NativeVerifier]>;
  send: RawStepMethod<[data: Uint8Array]>;
  info: () => RawDtlsInfo;
}
type RawDtlsConstructor = new (
  certificate: NativeCertificate,
  isServer: boolean,
  srtpProfiles: string,
  mtu: number,
  initialRtoMs: number,
  serverCookies: boolean,
) => Omit<NativeDtls, keyof RawDtls>;

function stepOf(raw: RawDtlsStep): NativeDtlsStep {
  const extras = raw[3];
  const step: NativeDtlsStep = { status: raw[0], datagrams: raw[2], timeoutMs: raw[1] };
  return extras === undefined ? step : Object.assign(step, extras);
}

/** The addon's NativeDtls taking a NativeDtlsOptions object, with its steps and info() as the objects the rest of the package reads. */
function namedFields(Raw: RawDtlsConstructor, reasons: readonly NativeDropReason[]): NativeBinding['NativeDtls'] {
  const { start, receive, handleTimeout, continueHandshake, send, info } = (Raw as unknown as { prototype: RawDtls }).prototype;
  class NativeDtls extends Raw {
    constructor(o: NativeDtlsOptions) {
      super(o.certificate, o.isServer, o.srtpProfiles, o.mtu, o.initialRtoMs, o.serverCookies);
    }
    start(verify: NativeVerifier): NativeDtlsStep {
      return stepOf(start.call(this, verify));
    }
    receive(datagram: Uint8Array, verify: NativeVerifier): NativeDtlsStep {
      return stepOf(receive.call(this, datagram, verify));
    }
    handleTimeout(verify: NativeVerifier): NativeDtlsStep {
      return stepOf(handleTimeout.call(this, verify));
    }
    continueHandshake(verify: NativeVerifier): NativeDtlsStep {
      return stepOf(continueHandshake.call(this, verify));
    }
    send(data: Uint8Array): NativeDtlsStep {
      return stepOf(send.call(this, data));
    }
    info(): NativeDtlsInfo {
      const raw = info.call(this);
      const dropped = {} as Record<NativeDropReason, number>;
      for (let i = 0; i < reasons.length; i++) dropped[reasons[i] as NativeDropReason] = raw[4 + i] as number;
      return { srtpProfileId: raw[0], cipherSuite: raw[1], maxDataSize: raw[2], verified: raw[3], dropped };
    }
  }
  return NativeDtls as unknown as NativeBinding['NativeDtls'];
}

/** The addon, loaded on first import in each thread. */
export const native: NativeBinding = load();

const statuses = native.constants.dtlsStatuses;
/** core::DtlsStatus by name (the numbers come from the addon). */
export const NativeDtlsStatus = Object.freeze({
  New: statuses.new,
  Handshaking: statuses.handshaking,
  WaitingVerify: statuses.waitingVerify,
  Connected: statuses.connected,
  Closed: statuses.closed,
  Failed: statuses.failed,
});
