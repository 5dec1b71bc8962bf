// SPDX-License-Identifier: MIT
/**
 * DTLS 1.2 over a datagram path the caller owns (RFC 6347, RFC 5764,
 * RFC 8827): the handshake state machine, its timers, the fingerprint gate
 * and application data. OpenSSL runs in the native endpoint; this class
 * decides.
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import { Certificate, nativeCertificateOf } from './certificate.js';
import type { DtlsRole } from './role.js';
import { DtlsError, InvalidStateError, type DtlsErrorCode } from './errors.js';
import {
  checkFingerprintList,
  compileFingerprints,
  matchFingerprints,
  type DtlsFingerprint,
  type FingerprintMatcher,
} from './fingerprint.js';
import {
  native,
  NativeDtlsStatus,
  type NativeDtls,
  type NativeDropReason,
  type NativeDtlsStep,
  type NativeVerifier,
} from './native.js';
import { handshakeScheduler, HandshakeQueue } from './handshake-scheduler.js';
import { safeEmit } from './safe-emit.js';
import { debugEnabled, debugReceived, debugStep, dtlsStateChanged } from './diagnostics.js';
import { explainHandshakeFailure, HandshakeObserver } from './handshake-hint.js';
import { checkSrtpProfile, srtpCreationOptions, wrapNativeSrtp, type SrtpKeyLimits, type SrtpProfile, type SrtpSession } from './srtp-session.js';
import type { DtlsParameters, SecureTransportContract } from './transport-contract.js';
import {
  argTypeError,
  argValueError,
  checkArray,
  checkBytes,
  checkFunction,
  checkInteger,
  checkIntegerValue,
  checkObject,
  checkOneOf,
  checkString,
  optionalBoolean,
  optionalObject,
  outOfRangeError,
} from './validate.js';


/**
 * Transport state, as W3C `RTCDtlsTransportState`.
 * @example
 * transport.on('statechange', (state: DtlsState) => console.log('DTLS', state));
 */
export type DtlsState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

/**
 * Options of {@link DtlsTransport.createSrtpSession}.
 * @example
 * const srtp = transport.createSrtpSession({ replayWindow: 2048, maxRemoteStreams: 16, maxLocalStreams: 256 });
 */
export interface DtlsSrtpSessionOptions {
  /** SRTP replay window in packets, 64 to 32767; default 1024. */
  replayWindow?: number;
  /** Remote SSRCs with their own replay state, 1 to 4096; default 64 (see `SrtpSessionOptions`). */
  maxRemoteStreams?: number;
  /** Local SSRCs we protect for, 1 to 65536; default 1024 (see `SrtpSessionOptions`). */
  maxLocalStreams?: number;
  /** RFC 6904 header-extension IDs to encrypt (see `SrtpSessionOptions`). */
  encryptedHeaderExtensionIds?: readonly number[];
  /** Key-usage limits (see `SrtpSessionOptions` and `SrtpKeyLimits`). */
  keyLimits?: SrtpKeyLimits;
}

/**
 * Options of {@link DtlsTransport}.
 * @example
 * const options: DtlsTransportOptions = {
 *   certificate, role: 'client', remoteFingerprints: [parseFingerprint(line)],
 *   srtpProfiles: ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'], mtu: 1200,
 *   send: (datagram) => socket.send(datagram, port, host),
 * };
 */
export interface DtlsTransportOptions {
  /** Our identity; its fingerprint goes into our SDP. */
  certificate: Certificate;
  /** `'client'` or `'server'` (see `selectDtlsRole` for deriving it from `a=setup`). */
  role: DtlsRole;
  /** The peer's `a=fingerprint` values, if already known; otherwise call `setRemoteFingerprints` later. */
  remoteFingerprints?: readonly DtlsFingerprint[];
  /** use_srtp preference list, most preferred first; default GCM-128, GCM-256, CM-80, CM-32. */
  srtpProfiles?: readonly SrtpProfile[];
  /** Largest datagram we send, 256 to 65507 bytes; default 1200. */
  mtu?: number;
  /** First retransmission timeout in ms (doubling up to 60 s, RFC 6347 §4.2.4.1): 1 to 60000, default 1000. */
  initialRetransmitMs?: number;
  /** The handshake must finish within this many ms of `start()`: 1 to 600000, default 30000. */
  handshakeTimeoutMs?: number;
  /** Server only: answer the first ClientHello with a HelloVerifyRequest cookie (off by default; browsers send none unasked). */
  serverCookies?: boolean;
  /**
   * Sends one datagram to the peer. Called synchronously; an exception
   * thrown here counts as a lost datagram (DTLS retransmits).
   */
  send: (datagram: Buffer) => void;
}

/**
 * Counters of one {@link DtlsTransport}. Dropped datagrams never raise
 * anything; they are counted here by reason, one count per datagram.
 *
 * Before the handshake completes, DTLS 1.2 cannot authenticate what arrives,
 * and the OpenSSL 3.0 this package links mishandles several shapes of forged
 * plaintext records (one spoofed datagram could stall or fail the handshake,
 * or make a session hold hundreds of KiB). The native pre-filter drops those
 * shapes before OpenSSL sees them: `implausibleSequence`, `helloRequest`,
 * `oversizedMessage`, `futureMessage`, `earlyEpoch` and part of `malformed`.
 * A count there means someone on the path is forging datagrams (or a peer is
 * badly broken); the handshake goes on. After the handshake, our own record
 * layer (OpenSSL's session is freed at completion) counts the protected
 * records it refuses: `replayed` and `unauthenticated`, one count per record.
 * @example
 * const { datagramsReceived, dropped } = transport.getStats();
 * if (dropped.malformed + dropped.implausibleSequence > 0) console.warn('forged DTLS datagrams arrived');
 */
export interface DtlsStats {
  /** Datagrams handed to `send`. */
  readonly datagramsSent: number;
  /** Bytes handed to `send`. */
  readonly bytesSent: number;
  /**
   * Datagrams whose `send` threw (counted in `datagramsSent` too). The
   * datagram is lost, as on a lossy path: DTLS retransmits handshake flights.
   */
  readonly sendFailures: number;
  /** Datagrams given to `receive()`. */
  readonly datagramsReceived: number;
  /** Bytes given to `receive()`. */
  readonly bytesReceived: number;
  /** Application-data records sent. */
  readonly messagesSent: number;
  /** Application-data records delivered (`data` events). */
  readonly messagesReceived: number;
  /** Datagrams dropped before OpenSSL saw them, by reason. */
  readonly dropped: {
    /** Not a DTLS record by RFC 7983 (first byte outside 20..63), shorter than a record header, or larger than UDP allows. */
    readonly notDtls: number;
    /**
     * Failed the native record pre-filter's structure checks: bytes that are
     * not whole records, a protected record too short for its AEAD nonce and
     * tag, and, before the handshake completes, a plaintext record OpenSSL 3.0
     * would fail the handshake on (a content type other than handshake,
     * ChangeCipherSpec or alert; a ChangeCipherSpec other than `{1}`; an
     * alert not of two bytes; a handshake fragment header cut short, or a
     * fragment beyond its message or its record; one message_seq declared
     * with two lengths).
     */
    readonly malformed: number;
    /**
     * Before the handshake completes: a plaintext (epoch 0) record whose
     * sequence number is more than 256 above the highest seen from the peer,
     * which starts at 0 and counts up by one per record. (OpenSSL 3.0 would
     * take such a record into its replay window and then discard the
     * genuine records as replays.)
     */
    readonly implausibleSequence: number;
    /** A HelloRequest, in either role: we never renegotiate (RFC 8827), and OpenSSL 3.0 fails on one before the ServerHello. */
    readonly helloRequest: number;
    /**
     * Before the handshake completes: a handshake message declaring more
     * than 8 KiB, or a new message whose declared length would take the
     * peer's messages of this handshake together past 16 KiB (a WebRTC
     * peer's add up to a few KiB). This bounds what a peer can make a
     * session buffer.
     */
    readonly oversizedMessage: number;
    /** Before the handshake completes: a handshake message_seq above 7 (a DTLS 1.2 WebRTC handshake uses 0 to 6). */
    readonly futureMessage: number;
    /**
     * Before the handshake completes: a protected (epoch 1) record that
     * arrived before the peer's ChangeCipherSpec was processed, which
     * OpenSSL 3.0 would buffer with a 17 KiB read buffer each (a genuine one
     * comes again with the peer's retransmission). Counted once per datagram.
     * After the handshake: a record of an epoch past 1 (we never
     * renegotiate), counted per record.
     */
    readonly earlyEpoch: number;
    /**
     * After the handshake: a protected record whose sequence number was
     * already received or is older than the 64-record replay window
     * (RFC 6347 §4.1.2.6), counted per record. A duplicating path makes
     * these too.
     */
    readonly replayed: number;
    /**
     * After the handshake: a protected record whose AEAD tag does not verify
     * under the peer's keys (forged, corrupted, or from another association),
     * counted per record.
     */
    readonly unauthenticated: number;
    /** Server waiting for fingerprints: the bounded hold buffer was full. */
    readonly holdOverflow: number;
    /**
     * A handshake storm: the datagram had to wait for this thread's
     * handshake budget and this transport's wait queue (32 datagrams,
     * 64 KiB; 32 MiB for the thread) was full. The peer retransmits.
     */
    readonly queueOverflow: number;
    /** Arrived after the association failed, the peer closed it, or {@link DtlsTransport.releaseSession} freed its DTLS state. */
    readonly inactive: number;
  };
}

/**
 * Events of {@link DtlsTransport}; there is never an `'error'` event.
 * @example
 * transport.on('data', (data) => sctp.receive(data));
 * transport.on('close', () => console.log('peer closed'));
 */
export interface DtlsTransportEvents {
  /** Every state change, with the new state. */
  statechange: [state: DtlsState];
  /** The handshake finished and the peer certificate matched. */
  connected: [];
  /** One application-data record from the peer. */
  data: [data: Buffer];
  /**
   * Once in the transport's life: the association ended cleanly (`close()` or
   * the peer's close_notify), or `close()` was called on a failed transport.
   */
  close: [];
  /**
   * A key-log line in NSS Key Log Format (`CLIENT_RANDOM <hex> <hex>\n`), as
   * `node:tls` emits it, for Wireshark. Debugging only: anyone with these
   * lines can decrypt the session. Lines are produced only while a listener
   * exists (removing the last one turns the key log off again).
   */
  keylog: [line: Buffer];
}

// Our profile names, OpenSSL's and the ids: the addon's constants.
const PROFILE_OPENSSL = Object.fromEntries(native.constants.srtpProfiles.map((p) => [p.name, p.opensslName])) as Readonly<
  Record<SrtpProfile, string>
>;
const PROFILE_BY_ID: ReadonlyMap<number, SrtpProfile> = new Map(
  native.constants.srtpProfiles.map((p) => [p.id, p.name as SrtpProfile]),
);
const DEFAULT_PROFILES: readonly SrtpProfile[] = [
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
];

/** The use_srtp list in OpenSSL's names, most preferred first (`options.srtpProfiles`, validated). */
function opensslProfiles(profiles: readonly SrtpProfile[]): string {
  checkArray(profiles, 'options.srtpProfiles');
  if (profiles.length === 0 || new Set(profiles).size !== profiles.length) {
    throw argValueError('options.srtpProfiles', 'a non-empty list of distinct profiles', profiles);
  }
  return profiles.map((p: unknown, i) => PROFILE_OPENSSL[checkSrtpProfile(p, `options.srtpProfiles[${i}]`)]).join(':');
}
/** The default list, worked out once rather than per transport. */
const DEFAULT_OPENSSL_PROFILES = opensslProfiles(DEFAULT_PROFILES);

function releasedError(what: string): DtlsError {
  return new DtlsError('ERR_DTLS_RELEASED', `${what} needs the DTLS session, which releaseSession() freed (media-only transport)`);
}

const ROLES = ['client', 'server'] as const;

/** The native pre-filter's counters of an endpoint that has reported none yet (shared by every transport). */
const NO_NATIVE_DROPS: Readonly<Record<NativeDropReason, number>> = Object.freeze(
  Object.fromEntries(native.constants.dtlsDropReasons.map((r) => [r, 0])) as Record<NativeDropReason, number>,
);

/** Held client datagrams (server waiting for fingerprints): bounded. */
const MAX_HELD_DATAGRAMS = 32;
const MAX_HELD_BYTES = 64 * 1024;
/** A retransmission time is reported in whole ms from a finer clock: steps disagree by up to this much. */
const TIMER_ROUNDING_MS = 2;
const MAX_DATAGRAM = 65535;
const MAX_EXPORT = 1024;

/**
 * One DTLS 1.2 association for DTLS-SRTP. Feed it every DTLS datagram from
 * the path (`receive`); it sends through your `send`. The peer certificate
 * must match the remote fingerprints before anything becomes usable: no
 * keying material, no SRTP session and no application data before that.
 *
 * A transport belongs to the thread that created it. Timers are unref'd:
 * a forgotten transport never keeps the process alive. One forgotten in
 * the middle of a handshake stays reachable from its timer until the
 * handshake timeout fails it (then the native state is freed); `close()`
 * frees everything at once.
 *
 * Failures are reported three ways — `state === 'failed'`, the `error`
 * property and the rejection of `start()` — never as an `'error'` event.
 *
 * `start()` settles before the event that reports the same change. A
 * listener that throws stops neither the transport nor the other listeners:
 * its exception is re-thrown on the next tick (an `'uncaughtException'`).
 * After a listener called `close()`, the remaining listeners of that event
 * are skipped and only the closing `statechange` and `close` follow.
 *
 * It implements {@link SecureTransportContract} (as `DtlsSrtpTransport`
 * does): `start()` twice gives the same promise, `getStats()` works after
 * `close()`, `closed` is the object's lifecycle, `close` comes once,
 * `sendData()` is the shared name of `send()`.
 * @example
 * const transport = new DtlsTransport({
 *   certificate, role: 'server', remoteFingerprints: [remoteFp],
 *   send: (datagram) => socket.send(datagram, port, host),
 * });
 * socket.on('message', (msg) => transport.receive(msg));
 * await transport.start();
 * const keys = transport.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
 * @see https://www.rfc-editor.org/rfc/rfc5764
 */
export class DtlsTransport extends EventEmitter<DtlsTransportEvents> implements SecureTransportContract {
  #native: NativeDtls | undefined;
  readonly #certificate: Certificate;
  readonly #role: DtlsRole;
  readonly #send: (datagram: Buffer) => void;
  readonly #handshakeTimeoutMs: number;
  #state: DtlsState = 'new';
  #nativeStatus: NativeDtlsStatus = NativeDtlsStatus.New;
  /** The remote fingerprints, prepared once for the handshake's check. */
  #fingerprints: FingerprintMatcher | undefined;
  #error: DtlsError | undefined;
  #userClosed = false;
  #timer: NodeJS.Timeout | undefined;
  /** When #timer fires (Date.now() scale). */
  #timerDue = 0;
  #retransmitAt: number | undefined;
  #deadline: number | undefined;
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Handshake datagrams waiting for this thread's handshake budget (handshake-scheduler.ts). */
  readonly #queue = new HandshakeQueue(handshakeScheduler, (datagram) => {
    this.#process(datagram);
  });
  /** What the handshake received, for the hint of a failure (handshake-hint.ts). */
  readonly #seen = new HandshakeObserver();
  #srtpProfile: SrtpProfile | undefined;
  #cipherSuite: string | undefined;
  #maxDataSize = 0;
  /** Set by releaseSession(): the peer certificate, kept since the endpoint that held it is gone. */
  #released: { remoteCertificate: Buffer } | undefined;
  readonly #sessions = new Set<SrtpSession>();
  /** The native pre-filter's counters, last read from the endpoint (kept after it is freed). */
  #nativeDrops: Readonly<Record<NativeDropReason, number>> = NO_NATIVE_DROPS;
  /** A datagram went to the endpoint since #nativeDrops was read (only receive() changes its counters). */
  #dropsStale = false;
  readonly #stats = {
    datagramsSent: 0,
    bytesSent: 0,
    sendFailures: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    notDtls: 0,
    holdOverflow: 0,
    inactive: 0,
  };
  #settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  /** The promise of the first start(), returned again by every later call until close(). */
  #started: Promise<void> | undefined;
  readonly #verify: NativeVerifier = (der) => {
    const fps = this.#fingerprints;
    if (fps === undefined) return 2;
    return matchFingerprints(der, fps) ? 1 : 0;
  };

  /**
   * Creates the transport in state `'new'`; nothing is sent before `start()`.
   * @param options - See {@link DtlsTransportOptions}.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for invalid options.
   * @throws {RangeError} ERR_OUT_OF_RANGE for numbers outside their ranges.
   * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT for malformed remote fingerprints;
   *   ERR_DTLS_INTERNAL if OpenSSL cannot set the endpoint up.
   * @example
   * const t = new DtlsTransport({ certificate, role: 'client', send: (d) => socket.send(d) });
   */
  constructor(options: DtlsTransportOptions) {
    super();
    checkObject(options, 'options');
    const handle = nativeCertificateOf(options.certificate);
    if (handle === undefined) throw argTypeError('options.certificate', 'a Certificate', options.certificate);
    const role = checkOneOf(options.role, 'options.role', ROLES);
    checkFunction(options.send, 'options.send');
    const profiles = options.srtpProfiles === undefined ? DEFAULT_OPENSSL_PROFILES : opensslProfiles(options.srtpProfiles);
    const mtu = checkInteger(options.mtu, 'options.mtu', 256, 65507, 1200);
    const rto = checkInteger(options.initialRetransmitMs, 'options.initialRetransmitMs', 1, 60000, 1000);
    this.#handshakeTimeoutMs = checkInteger(options.handshakeTimeoutMs, 'options.handshakeTimeoutMs', 1, 600000, 30000);
    const cookies = optionalBoolean(options.serverCookies, 'options.serverCookies', false);
    if (options.remoteFingerprints !== undefined) {
      this.#fingerprints = compileFingerprints(checkFingerprintList(options.remoteFingerprints, 'options.remoteFingerprints'));
    }
    this.#role = role;
    this.#certificate = options.certificate;
    this.#send = options.send;
    this.#native = new native.NativeDtls({
      certificate: handle,
      isServer: role === 'server',
      srtpProfiles: profiles,
      mtu,
      initialRtoMs: rto,
      serverCookies: cookies,
    });
    // The key log costs nothing until someone listens, and stops when the last
    // listener goes (per endpoint; the SSL_CTX is shared).
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'keylog') this.#native?.setKeylog(true);
    });
    (this as EventEmitter).on('removeListener', (event: string | symbol) => {
      if (event === 'keylog' && this.listenerCount('keylog') === 0) this.#native?.setKeylog(false);
    });
  }

  /** Current state: `new → connecting → connected → closed | failed`. */
  get state(): DtlsState {
    return this.#state;
  }

  /** Our role. */
  get role(): DtlsRole {
    return this.#role;
  }

  /** Why the transport failed (`state === 'failed'`), else `undefined`. */
  get error(): DtlsError | undefined {
    return this.#error;
  }

  /**
   * `true` once `close()` was called: the object's lifecycle, not the
   * association's (see {@link SecureTransportContract}). After the peer's
   * close_notify `state` is `'closed'` while this stays `false` until you call `close()`.
   */
  get closed(): boolean {
    return this.#userClosed;
  }

  /**
   * Our role and our certificate's sha-256 fingerprint, ready for the SDP
   * (`a=setup`, `a=fingerprint`) in mediasoup's `DtlsParameters` shape.
   * @example
   * const line = `a=fingerprint:${formatFingerprint(transport.localParameters.fingerprints[0]!)}`;
   */
  get localParameters(): DtlsParameters {
    return { role: this.#role, fingerprints: this.#certificate.getFingerprints(['sha-256']) };
  }

  /** The negotiated SRTP profile once connected, else `undefined`. */
  get srtpProfile(): SrtpProfile | undefined {
    return this.#srtpProfile;
  }

  /** The negotiated cipher suite's IANA name once connected (e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`). */
  get cipherSuite(): string | undefined {
    return this.#cipherSuite;
  }

  /** Largest `send()` payload whose record fits the MTU; 0 unless connected, and after `releaseSession()`. */
  get maxDataSize(): number {
    return this.#state === 'connected' && this.#released === undefined ? this.#maxDataSize : 0;
  }

  /** `true` once {@link DtlsTransport.releaseSession} freed the DTLS state (the transport stays `'connected'`). */
  get sessionReleased(): boolean {
    return this.#released !== undefined;
  }

  /**
   * Starts the handshake (a client sends its ClientHello now; a server waits
   * for one) and resolves once connected and the peer certificate matched.
   * Calling it again returns the same promise (see {@link SecureTransportContract}).
   * @returns A promise that resolves on `connected`.
   * @throws {DtlsError} (rejection) ERR_DTLS_HANDSHAKE, ERR_DTLS_FINGERPRINT_MISMATCH, ERR_DTLS_NO_SRTP_PROFILE,
   *   ERR_DTLS_ALERT, ERR_DTLS_TIMEOUT — the same error as `transport.error`.
   * @throws {InvalidStateError} (rejection) ERR_INVALID_STATE after close, or when closed before connecting.
   * @example
   * await transport.start();
   */
  start(): Promise<void> {
    if (this.#userClosed) return Promise.reject(new InvalidStateError('DtlsTransport is closed'));
    if (this.#started !== undefined) return this.#started;
    const promise = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#started = promise;
    this.#deadline = Date.now() + this.#handshakeTimeoutMs;
    this.#state = 'connecting';
    this.#emitState('connecting');
    // A statechange listener may have closed the transport.
    if (this.#native !== undefined && this.#state === 'connecting') this.#apply(this.#native.start(this.#verify));
    return promise;
  }

  /**
   * Hands one received DTLS datagram to the transport. Garbage, replays,
   * truncated and oversized datagrams are dropped silently; network input
   * never throws. After a failure or the peer's close, input is ignored.
   *
   * A handshake datagram is normally processed before this returns. In a
   * handshake storm — more than 8 transports of this thread doing handshake
   * work in one event-loop turn, and 5 ms of it spent — it is copied and
   * processed in arrival order from `setImmediate` instead, so that the loop
   * (and the media of connected transports) never waits long; at most 32
   * datagrams (64 KiB) wait per transport, the rest count as
   * `dropped.queueOverflow` (the peer retransmits).
   * @param datagram - The UDP payload (read only during this call).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `datagram` is not a Uint8Array;
   *   ERR_INVALID_ARG_VALUE when its buffer was transferred (detached).
   * @throws {InvalidStateError} ERR_INVALID_STATE before `start()` or after `close()`.
   * @example
   * socket.on('message', (msg) => transport.receive(msg));
   */
  receive(datagram: Uint8Array): void {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    checkBytes(datagram, 'datagram');
    if (this.#state === 'new') throw new InvalidStateError('Call start() before receive()');
    this.#stats.datagramsReceived++;
    this.#stats.bytesReceived += datagram.length;
    if (this.#state === 'connecting') {
      this.#seen.observe(datagram);
      if (debugEnabled) debugReceived(this, datagram);
    }
    const handle = this.#native;
    if (handle === undefined || (this.#state !== 'connecting' && this.#state !== 'connected')) {
      this.#stats.inactive++;
      return;
    }
    // RFC 7983: DTLS records start with a content type in 20..63; a record header is 13 bytes.
    const first = datagram[0];
    if (datagram.length < 13 || datagram.length > MAX_DATAGRAM || first === undefined || first < 20 || first > 63) {
      this.#stats.notDtls++;
      return;
    }
    // Handshake work runs within this thread's per-turn budget; beyond it, or
    // behind datagrams already waiting, the datagram waits its turn.
    if (this.#state === 'connecting' || this.#queue.length > 0) {
      if (this.#queue.admit(datagram)) handshakeScheduler.measure(() => { this.#process(datagram); });
      return;
    }
    this.#process(datagram);
  }

  /** One DTLS datagram that passed receive()'s checks, now or from the queue. */
  #process(datagram: Uint8Array): void {
    const handle = this.#native;
    if (handle === undefined || (this.#state !== 'connecting' && this.#state !== 'connected')) {
      this.#stats.inactive++;
      return;
    }
    if (
      this.#role === 'server' &&
      this.#fingerprints === undefined &&
      this.#state === 'connecting' &&
      handle.awaitingClientFlight()
    ) {
      // OpenSSL cannot pause a server at the client's certificate, so the
      // client's flight waits here, unread, until the fingerprints arrive.
      if (this.#held.length < MAX_HELD_DATAGRAMS && this.#heldBytes + datagram.length <= MAX_HELD_BYTES) {
        this.#held.push(Buffer.from(datagram));
        this.#heldBytes += datagram.length;
      } else {
        this.#stats.holdOverflow++;
      }
      return;
    }
    this.#dropsStale = true;
    this.#apply(handle.receive(datagram, this.#verify));
  }

  /**
   * Sets the peer's fingerprints (from the remote SDP) once they are known.
   * A client waiting at the peer certificate resumes; a server reads the
   * client flight it held back. See the matching policy in `fingerprint.ts`.
   * @param fingerprints - One or more `{ algorithm, value }` (1 to 16).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for a bad list.
   * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT for a malformed fingerprint.
   * @throws {InvalidStateError} ERR_INVALID_STATE after close, failure, or once the peer was verified.
   * @example
   * transport.setRemoteFingerprints([parseFingerprint(sdpLine)]);
   */
  setRemoteFingerprints(fingerprints: readonly DtlsFingerprint[]): void {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    const list = checkFingerprintList(fingerprints, 'fingerprints');
    if (this.#state === 'connected' || this.#state === 'closed' || this.#state === 'failed') {
      throw new InvalidStateError(`Remote fingerprints cannot change in state ${this.#state}`);
    }
    this.#fingerprints = compileFingerprints(list);
    const handle = this.#native;
    if (handle === undefined || this.#state !== 'connecting') return;
    handshakeScheduler.measure(() => {
      if (this.#nativeStatus === NativeDtlsStatus.WaitingVerify) {
        this.#apply(handle.continueHandshake(this.#verify));
      }
      const held = this.#held;
      this.#held = [];
      this.#heldBytes = 0;
      for (const datagram of held) {
        if (this.#native === undefined || (this.#state !== 'connecting' && this.#state !== 'connected')) break;
        this.#dropsStale = true;
        this.#apply(this.#native.receive(datagram, this.#verify));
      }
    });
  }

  /**
   * Sends application data (e.g. SCTP for data channels) as one DTLS record:
   * the name both transports share (see {@link SecureTransportContract});
   * {@link DtlsTransport.send} is its alias.
   * If OpenSSL fails to write the record, the association fails (state
   * `'failed'`, `error` set) and that error is thrown.
   * @param data - At most `maxDataSize` bytes (one record must fit the MTU).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `data` is not a Uint8Array;
   *   ERR_INVALID_ARG_VALUE when its buffer was transferred (detached).
   * @throws {RangeError} ERR_OUT_OF_RANGE when empty or larger than `maxDataSize`.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @throws {DtlsError} ERR_DTLS_WRITE when OpenSSL could not write the record (`opensslErrors` says why);
   *   the transport has failed with the same error. ERR_DTLS_RELEASED after `releaseSession()`.
   * @example
   * transport.sendData(Buffer.from('hello'));
   */
  sendData(data: Uint8Array): void {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    checkBytes(data, 'data');
    if (this.#released !== undefined && this.#state === 'connected') throw releasedError('Application data');
    const handle = this.#native;
    if (this.#state !== 'connected' || handle === undefined) {
      throw new InvalidStateError(`Cannot send application data in state ${this.#state}`);
    }
    if (data.length < 1 || data.length > this.#maxDataSize) {
      throw outOfRangeError('data.length', `from 1 to ${this.#maxDataSize}`, data.length);
    }
    const step = handle.send(data);
    if (step.status === NativeDtlsStatus.Failed) {
      this.#apply(step);
      throw this.#error ?? this.#errorFrom(step);
    }
    this.#stats.messagesSent++;
    this.#apply(step);
  }

  /**
   * Alias of {@link DtlsTransport.sendData} (this class's original name; kept).
   * @param data - At most `maxDataSize` bytes.
   * @throws See {@link DtlsTransport.sendData}.
   * @example
   * transport.send(Buffer.from('hello'));
   */
  send(data: Uint8Array): void {
    this.sendData(data);
  }

  /**
   * Traffic and drop counters (see {@link DtlsStats}) in every state; after
   * `close()`, the final figures (the close_notify included).
   * @returns A new snapshot object.
   * @example
   * console.log(transport.getStats().dropped);
   */
  getStats(): DtlsStats {
    this.#syncNativeDrops();
    const s = this.#stats;
    const n = this.#nativeDrops;
    return {
      datagramsSent: s.datagramsSent,
      bytesSent: s.bytesSent,
      sendFailures: s.sendFailures,
      datagramsReceived: s.datagramsReceived,
      bytesReceived: s.bytesReceived,
      messagesSent: s.messagesSent,
      messagesReceived: s.messagesReceived,
      dropped: {
        notDtls: s.notDtls,
        malformed: n.malformed,
        implausibleSequence: n.implausibleSequence,
        helloRequest: n.helloRequest,
        oversizedMessage: n.oversizedMessage,
        futureMessage: n.futureMessage,
        earlyEpoch: n.earlyEpoch,
        replayed: n.replayed,
        unauthenticated: n.unauthenticated,
        holdOverflow: s.holdOverflow,
        queueOverflow: this.#queue.overflow,
        inactive: s.inactive,
      },
    };
  }

  #syncNativeDrops(): void {
    if (this.#native !== undefined && this.#dropsStale) {
      this.#nativeDrops = this.#native.info().dropped; // a new object per call: ours to keep
      this.#dropsStale = false;
    }
  }

  /**
   * The peer's certificate (DER) — only once it was verified.
   * @returns A new Buffer.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * const der = transport.getRemoteCertificate();
   */
  getRemoteCertificate(): Buffer {
    if (this.#released !== undefined && !this.#userClosed && this.#state === 'connected') {
      return Buffer.from(this.#released.remoteCertificate);
    }
    return this.#connected().remoteCertificate();
  }

  /**
   * The verified peer certificate chain, leaf first, as DER (W3C
   * `RTCDtlsTransport.getRemoteCertificates()`, which returns ArrayBuffers).
   * A WebRTC peer sends one self-signed certificate, and the list holds that
   * verified leaf: the native endpoint exposes no intermediate certificates.
   * Empty until connected and after the association ended, as in W3C.
   * @returns New Buffers, one per certificate.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`.
   * @example
   * const [der] = transport.getRemoteCertificates();
   * if (der) console.log(new X509Certificate(der).fingerprint256);
   * @see https://www.w3.org/TR/webrtc/#dom-rtcdtlstransport-getremotecertificates
   */
  getRemoteCertificates(): Buffer[] {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    if (this.#state !== 'connected') return [];
    return [this.getRemoteCertificate()];
  }

  /**
   * Creates an SRTP session keyed from this association: native code runs
   * the RFC 5764 §4.2 export for the negotiated profile and assigns
   * client/server keys by our role, so the keys never reach JavaScript.
   * Closing the transport (or its failure, or the peer's close) closes every
   * session it created.
   * @param options - Replay window and stream limits.
   * @returns A new {@link SrtpSession} for `srtpProfile`.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `options` or a field has the wrong type.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a field outside its range.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected (never before the peer is verified).
   * @throws {DtlsError} ERR_DTLS_RELEASED after `releaseSession()` (the keys went with the DTLS state).
   * @example
   * await transport.start();
   * const srtp = transport.createSrtpSession();
   * socket.send(srtp.protectRtp(rtpPacket), port, host);
   * @see https://www.rfc-editor.org/rfc/rfc5764#section-4.2
   */
  createSrtpSession(options?: DtlsSrtpSessionOptions): SrtpSession {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    const o = optionalObject(options, 'options');
    const replayWindow = checkInteger(o['replayWindow'], 'options.replayWindow', 64, 32767, 1024);
    const maxRemoteStreams = checkInteger(o['maxRemoteStreams'], 'options.maxRemoteStreams', 1, 4096, 64);
    const maxLocalStreams = checkInteger(o['maxLocalStreams'], 'options.maxLocalStreams', 1, 65536, 1024);
    const { headerIds, keyLimits } = srtpCreationOptions(o, 'options');
    const handle = this.#connected();
    const profile = this.#srtpProfile as SrtpProfile;
    const session = wrapNativeSrtp(handle.createSrtp(replayWindow, maxRemoteStreams, maxLocalStreams, headerIds, keyLimits), profile);
    this.#sessions.add(session);
    return session;
  }

  /**
   * Exports keying material (RFC 5705) from the verified association, for
   * users who key SRTP or anything else outside this package. For SRTP, the
   * RFC 5764 §4.2 layout is client_key | server_key | client_salt | server_salt
   * under the label `EXTRACTOR-dtls_srtp`.
   * @param label - The exporter label (1 to 256 ASCII characters).
   * @param length - Bytes to export, 1 to 1024.
   * @returns A new Buffer — secret material; the caller owns it.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for a bad label.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a bad length.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected (never before the peer is verified).
   * @throws {DtlsError} ERR_DTLS_RELEASED after `releaseSession()`.
   * @example
   * const km = transport.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
   * @see https://www.rfc-editor.org/rfc/rfc5764#section-4.2
   */
  exportKeyingMaterial(label: string, length: number): Buffer {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    checkString(label, 'label');
    if (label.length < 1 || label.length > 256 || !/^[\x20-\x7e]+$/.test(label)) {
      throw argValueError('label', '1 to 256 printable ASCII characters', label);
    }
    checkIntegerValue(length, 'length', 1, MAX_EXPORT);
    return this.#connected().exportKeyingMaterial(label, length);
  }

  /**
   * Frees the DTLS state of a connected association (the record layer that
   * replaced OpenSSL's session at completion: its keys, replay window and
   * the native endpoint, about 4 KB) and keeps what an SRTP-only path needs:
   * the SRTP sessions already created (they go on working), the verified
   * peer certificate (`getRemoteCertificate()`), `srtpProfile`,
   * `cipherSuite` and the counters. The transport stays `'connected'`.
   *
   * Call it only once the peer proved it holds the keys — its first SRTP or
   * SRTCP packet authenticated — since our final flight has then arrived and
   * nothing will ever need to be retransmitted. What is lost: DTLS
   * application data (`send()`, `exportKeyingMaterial()` and
   * `createSrtpSession()` throw `DtlsError` `ERR_DTLS_RELEASED`); the peer's
   * encrypted close_notify can no longer be read (DTLS datagrams are dropped
   * and counted as `inactive`), so the peer's departure is seen through ICE
   * consent or by the application; and `close()` sends no close_notify.
   * Idempotent once released.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected (and not closed).
   * @example
   * // After the first authenticated SRTP packet of a media-only peer:
   * if (srtp.unprotectRtpInPlace(packet, packet.length) >= 0) transport.releaseSession();
   */
  releaseSession(): void {
    if (this.#released !== undefined && !this.#userClosed && this.#state === 'connected') return;
    const handle = this.#connected();
    const remoteCertificate = handle.remoteCertificate();
    this.#syncNativeDrops();
    this.#clearTimer();
    this.#retransmitAt = undefined;
    this.#released = { remoteCertificate };
    this.#native = undefined;
    handle.release();
  }

  /**
   * Closes the association: sends close_notify once (if connected), stops
   * timers and frees the native endpoint. Safe to call twice. A pending
   * `start()` rejects with `InvalidStateError`. Closes every SRTP session
   * created by `createSrtpSession()`.
   * @example
   * transport.close();
   */
  close(): void {
    if (this.#userClosed) return;
    this.#userClosed = true;
    this.#release();
    if (this.#state !== 'closed' && this.#state !== 'failed') {
      this.#state = 'closed';
      this.#rejectState('DtlsTransport was closed before it connected');
      this.#emitState('closed');
      this.#emitClose();
    } else if (this.#state === 'failed') {
      // 'close' comes once in a transport's life: for a failed one, now.
      this.#emitClose();
    }
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #connected(): NativeDtls {
    if (this.#userClosed) throw new InvalidStateError('DtlsTransport is closed');
    if (this.#released !== undefined && this.#state === 'connected') throw releasedError('This call');
    if (this.#state !== 'connected' || this.#native === undefined) {
      throw new InvalidStateError(`Not available in state ${this.#state}`);
    }
    return this.#native;
  }

  // Events: settle start() first, then emit; every listener is isolated and
  // an event that stopped being true is not delivered (see safe-emit.ts).
  #emitState(state: DtlsState): void {
    dtlsStateChanged(this, state);
    safeEmit(this, 'statechange', [state], () => this.#state === state);
  }

  /** The association ended: the last event, delivered to every listener. */
  #emitClose(): void {
    safeEmit(this, 'close', [], () => true);
  }

  #reject(error: Error): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.reject(error);
  }

  /** Rejects a pending start() with InvalidStateError; the error (and its stack) is built only if one is pending. */
  #rejectState(message: string): void {
    if (this.#settle !== undefined) this.#reject(new InvalidStateError(message));
  }

  #output(datagram: Buffer): void {
    this.#stats.datagramsSent++;
    this.#stats.bytesSent += datagram.length;
    try {
      this.#send(datagram);
    } catch {
      // A failing send is a lost datagram; DTLS retransmits handshake flights.
      this.#stats.sendFailures++;
    }
  }

  #apply(step: NativeDtlsStep): void {
    // OpenSSL's retransmission time counts from this step, not from after
    // our send function and listeners below have run.
    const steppedAt = Date.now();
    this.#nativeStatus = step.status;
    if (debugEnabled) debugStep(this, 'step', step);
    for (const datagram of step.datagrams) this.#output(datagram);
    if (step.keylog !== undefined) for (const line of step.keylog) safeEmit(this, 'keylog', [line], () => true);
    switch (step.status) {
      case NativeDtlsStatus.Connected:
        if (this.#state === 'connecting') this.#onConnected();
        break;
      case NativeDtlsStatus.Closed:
        this.#onRemoteClose();
        return;
      case NativeDtlsStatus.Failed:
        this.#fail(this.#errorFrom(step));
        return;
      default:
        break;
    }
    if (step.data !== undefined) {
      for (const data of step.data) {
        if (this.#state !== 'connected') break;
        this.#stats.messagesReceived++;
        safeEmit(this, 'data', [data], () => this.#state === 'connected');
      }
    }
    if (this.#native !== undefined && (this.#state === 'connecting' || this.#state === 'connected')) {
      this.#retransmitAt = step.timeoutMs >= 0 ? steppedAt + step.timeoutMs : undefined;
      this.#arm();
    }
  }

  #errorFrom(step: NativeDtlsStep): DtlsError {
    const code = (step.failure ?? 'ERR_DTLS_HANDSHAKE') as DtlsErrorCode;
    const messages: Partial<Record<DtlsErrorCode, string>> = {
      ERR_DTLS_FINGERPRINT_MISMATCH: 'The peer certificate does not match the remote fingerprints',
      ERR_DTLS_NO_SRTP_PROFILE: 'The peer agreed on no SRTP protection profile',
      ERR_DTLS_ALERT: `The peer sent a fatal alert (${step.receivedAlert ?? 'close_notify during the handshake'})`,
      ERR_DTLS_TIMEOUT: 'The peer stopped answering handshake retransmissions',
      ERR_DTLS_WRITE: 'OpenSSL could not write an application-data record',
    };
    return new DtlsError(code, messages[code] ?? 'The DTLS handshake failed', {
      sentAlert: step.sentAlert,
      receivedAlert: step.receivedAlert,
      opensslErrors: step.opensslErrors ?? [],
    });
  }

  #onConnected(): void {
    const handle = this.#native;
    if (handle === undefined) return;
    const info = handle.info();
    this.#nativeDrops = info.dropped;
    this.#dropsStale = false;
    const profile = PROFILE_BY_ID.get(info.srtpProfileId);
    if (!info.verified || profile === undefined) {
      // Native refuses both already; a second look costs nothing.
      this.#fail(new DtlsError('ERR_DTLS_NO_SRTP_PROFILE', 'The peer agreed on no SRTP protection profile'));
      return;
    }
    this.#srtpProfile = profile;
    this.#cipherSuite = info.cipherSuite;
    this.#maxDataSize = info.maxDataSize;
    this.#deadline = undefined;
    // Verified: the matcher is never asked again (and fingerprints cannot change now).
    this.#fingerprints = undefined;
    this.#state = 'connected';
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.resolve();
    this.#emitState('connected');
    // A statechange listener may have closed the transport: then start()
    // has resolved (it did connect) and 'connected' is not delivered.
    if (this.#state === 'connected') safeEmit(this, 'connected', [], () => this.#state === 'connected');
  }

  #onRemoteClose(): void {
    this.#release();
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'closed';
    this.#rejectState('The peer closed the association before it connected');
    this.#emitState('closed');
    this.#emitClose();
  }

  #fail(failure: DtlsError): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    const error = this.#state === 'connecting' ? explainHandshakeFailure(failure, this.#role, this.#seen, this.#stats) : failure;
    this.#error = error;
    this.#release();
    this.#state = 'failed';
    this.#reject(error);
    this.#emitState('failed');
  }

  /** Frees the native endpoint (anything it still had to say is sent) and closes our SRTP sessions. */
  #release(): void {
    this.#syncNativeDrops();
    this.#clearTimer();
    for (const session of this.#sessions) session.close();
    this.#sessions.clear();
    this.#held = [];
    this.#heldBytes = 0;
    this.#queue.clear();
    const handle = this.#native;
    this.#native = undefined;
    if (handle !== undefined) {
      for (const datagram of handle.close()) this.#output(datagram);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One timer for whichever comes first: the retransmission or the handshake
   * deadline. Every handshake step reports OpenSSL's retransmission time
   * again (the same instant, give or take the millisecond rounding, or later
   * for a new flight): a timer already due no later (within that rounding)
   * is kept — one that fires early re-arms in #onTimer — so a step costs no
   * timer churn.
   */
  #arm(): void {
    const deadline = this.#state === 'connecting' ? this.#deadline : undefined;
    let due = this.#retransmitAt;
    if (deadline !== undefined && (due === undefined || deadline < due)) due = deadline;
    if (due === undefined) {
      this.#clearTimer();
      return;
    }
    if (this.#timer !== undefined && this.#timerDue <= due + TIMER_ROUNDING_MS) return;
    this.#clearTimer();
    const timer = setTimeout(() => { this.#onTimer(); }, Math.max(0, due - Date.now()));
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
    this.#timerDue = due;
  }

  #onTimer(): void {
    this.#timer = undefined;
    const handle = this.#native;
    if (handle === undefined) return;
    if (this.#state === 'connecting' && this.#deadline !== undefined && Date.now() >= this.#deadline) {
      this.#fail(new DtlsError('ERR_DTLS_TIMEOUT', `The handshake did not finish within ${this.#handshakeTimeoutMs} ms`));
      return;
    }
    if (this.#queue.length > 0) {
      // The peer's answer may be among the waiting datagrams: no
      // retransmission now; processing them re-arms the timer.
      return;
    }
    if (this.#retransmitAt !== undefined && Date.now() >= this.#retransmitAt) {
      this.#apply(handle.handleTimeout(this.#verify));
    } else {
      this.#arm();
    }
  }
}
