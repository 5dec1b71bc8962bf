// SPDX-License-Identifier: MIT
/**
 * The drop-in secure transport of a media server: one object per peer
 * connection that sits on the UDP path, demultiplexes what arrives (RFC 7983),
 * answers ICE-lite checks, runs DTLS, keys SRTP from it and hands back
 * decrypted RTP and RTCP.
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Certificate, nativeCertificateOf } from './certificate.js';
import { classify } from './demux.js';
import { DtlsTransport, type DtlsState, type DtlsStats, type DtlsTransportOptions } from './dtls-transport.js';
import { DtlsError, IceError, InvalidStateError } from './errors.js';
import { checkFingerprintList, computeFingerprint, type DtlsFingerprint } from './fingerprint.js';
import {
  checkTlsId,
  DEFAULT_RESTART_GRACE_MS,
  emptyRestartStats,
  HELD,
  isClientHello,
  newTlsId,
  RestartKeys,
} from './dtls-restart.js';
import {
  DEFAULT_CONSENT_TIMEOUT_MS,
  DEFAULT_DISCONNECTED_TIMEOUT_MS,
  IceConsent,
  MIN_CONSENT_TIMEOUT_MS,
  MIN_DISCONNECTED_TIMEOUT_MS,
} from './ice-consent.js';
import {
  IceLiteResponder,
  bindIceUfragRouting,
  isIceLiteResponder,
  type IceLiteLocalParameters,
  type IceRestartOptions,
} from './ice-lite.js';
import { ufragRoutingOf } from './udp-server.js';
import { dtlsRoleFromIceRole, selectDtlsRole, type DtlsRole } from './role.js';
import { rethrowLater, safeEmit } from './safe-emit.js';
import { consentExpiredOn, debugDrop, debugEnabled, debugPath, innerTransport, stateChanged, transportMade } from './diagnostics.js';
import {
  SRTP_PACKET_ERROR_CODES,
  srtpResultCode,
  type SrtpSession,
  type SrtpKeyLimits,
  srtpCreationOptions,
  keyLimitsOf,
  type SrtpBatchResult,
  type SrtpPacketErrorCode,
  type SrtpProfile,
} from './srtp-session.js';
import {
  argTypeError,
  argValueError,
  checkBytes,
  checkFunction,
  checkInteger,
  checkObject,
  checkOneOf,
  optionalBoolean,
  outOfRangeError,
} from './validate.js';
import {
  addressFamily,
  checkPathSource,
  checkTransportAddress,
  openPath,
  RemoteSelection,
  type PathAdapter,
  type TransportAddress,
} from './datagram-path.js';
import { SinglePacketBatch, type UdpReceiveBatch } from './udp-socket.js';
import type { DtlsParameters, DtlsParametersRole, IceState, SecureTransportContract } from './transport-contract.js';
import {
  DROP_REASONS,
  type DatagramDropReason,
  type DtlsRestartParameters,
  type DtlsRestartStats,
  type DtlsSrtpConnectParameters,
  type DtlsSrtpTransportEvents,
  type DtlsSrtpTransportOptions,
  type DtlsSrtpTransportStats,
} from './dtls-srtp-types.js';


/** A UDP payload is never larger. */
const MAX_DATAGRAM = 65535;
const MAX_TIMEOUT_MS = 3_600_000;

/** IANA names of the SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2), as W3C stats report them. */
const SRTP_IANA_NAME: Readonly<Record<SrtpProfile, string>> = {
  AES_CM_128_HMAC_SHA1_80: 'SRTP_AES128_CM_SHA1_80',
  AES_CM_128_HMAC_SHA1_32: 'SRTP_AES128_CM_SHA1_32',
  AEAD_AES_128_GCM: 'SRTP_AEAD_AES_128_GCM',
  AEAD_AES_256_GCM: 'SRTP_AEAD_AES_256_GCM',
};

/** `consentTimeoutMs`: 0 (disabled) or long enough for real peers' check intervals. */
function checkConsentTimeout(value: unknown): number {
  if (value === 0) return 0;
  const ms = checkInteger(value, 'options.consentTimeoutMs', 1, MAX_TIMEOUT_MS, DEFAULT_CONSENT_TIMEOUT_MS);
  if (ms < MIN_CONSENT_TIMEOUT_MS) {
    throw outOfRangeError(
      'options.consentTimeoutMs',
      `0 (disabled) or ${MIN_CONSENT_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}: browsers send consent checks only every 2.66 s ` +
        '(Chromium) to 5.8 s (libdatachannel), so a shorter timeout fails healthy sessions',
      ms,
    );
  }
  return ms;
}

/** `iceDisconnectedTimeoutMs`: 0 (disabled) or longer than a healthy peer's gap between checks, and before consent expires. */
function checkDisconnectedTimeout(value: unknown, consentMs: number): number {
  if (value === 0) return 0;
  const fallback = consentMs === 0 || DEFAULT_DISCONNECTED_TIMEOUT_MS < consentMs ? DEFAULT_DISCONNECTED_TIMEOUT_MS : 0;
  if (value === undefined) return fallback;
  const ms = checkInteger(value, 'options.iceDisconnectedTimeoutMs', 1, MAX_TIMEOUT_MS, fallback);
  const max = consentMs === 0 ? MAX_TIMEOUT_MS : consentMs - 1;
  if (ms < MIN_DISCONNECTED_TIMEOUT_MS || ms > max) {
    throw outOfRangeError(
      'options.iceDisconnectedTimeoutMs',
      `0 (disabled) or ${MIN_DISCONNECTED_TIMEOUT_MS} to ${max} (a healthy peer may leave 5.8 s between checks; ` +
        'disconnected must come before consentTimeoutMs)',
      ms,
    );
  }
  return ms;
}

/** The DTLS counters of a transport whose DTLS never existed (role 'auto', never connected). */
const emptyDtlsStats = (): DtlsStats => ({
  datagramsSent: 0,
  bytesSent: 0,
  sendFailures: 0,
  datagramsReceived: 0,
  bytesReceived: 0,
  messagesSent: 0,
  messagesReceived: 0,
  dropped: {
    notDtls: 0,
    malformed: 0,
    implausibleSequence: 0,
    helloRequest: 0,
    oversizedMessage: 0,
    futureMessage: 0,
    earlyEpoch: 0,
    replayed: 0,
    unauthenticated: 0,
    holdOverflow: 0,
    queueOverflow: 0,
    inactive: 0,
  },
});

/** Whether two fingerprint lists name the same certificates (order and letter case aside). */
function sameFingerprints(a: readonly DtlsFingerprint[], b: readonly DtlsFingerprint[] | undefined): boolean {
  if (b === undefined) return false;
  const key = (fp: DtlsFingerprint): string => `${fp.algorithm.toLowerCase()} ${fp.value.toUpperCase()}`;
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((k) => right.has(k));
}

/** A restart whose new association is in its handshake. */
interface PendingRestart {
  readonly dtls: DtlsTransport;
  readonly role: DtlsRole;
  readonly resolve: (changed: boolean) => void;
  readonly reject: (err: Error) => void;
}

/** The time during which the previous association's inbound keys are still accepted. */
interface RestartWindow {
  readonly keys: RestartKeys;
  /** The association that was live when the restart began. */
  readonly oldDtls: DtlsTransport;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The restart failed: the transport fails when the window closes. */
  failure: DtlsError | undefined;
}

/** RFC 6904 IDs and key limits for a transport's SRTP sessions (validated copies). */
interface SrtpExtras {
  readonly encryptedHeaderExtensionIds?: readonly number[];
  readonly keyLimits?: SrtpKeyLimits;
}
/** The extras of a transport that sets neither (most): one object shared by all. */
const NO_SRTP_EXTRAS: SrtpExtras = Object.freeze({});

function zeroRecord<K extends string>(keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = 0;
  return out;
}


/** Checks what connect() and restartDtls() take from the signalling: the peer's DTLS parameters and tls-id. */
function checkRemoteParameters(parameters: { dtlsParameters: DtlsParameters; tlsId?: string }): {
  remoteRole: DtlsParametersRole;
  fingerprints: readonly DtlsFingerprint[];
  tlsId: string | undefined;
} {
  checkObject(parameters, 'parameters');
  const remote = parameters.dtlsParameters;
  checkObject(remote, 'parameters.dtlsParameters');
  const remoteRole = checkOneOf(remote.role, 'parameters.dtlsParameters.role', ['auto', 'client', 'server']);
  const fingerprints = checkFingerprintList(remote.fingerprints, 'parameters.dtlsParameters.fingerprints');
  const tlsId = parameters.tlsId === undefined ? undefined : checkTlsId(parameters.tlsId, 'parameters.tlsId');
  return { remoteRole, fingerprints, tlsId };
}
/**
 * One peer connection's security layer on a UDP path: RFC 7983
 * demultiplexing, an optional ICE-lite responder, DTLS 1.2 with the
 * fingerprint check, SRTP keyed from the handshake, and pinning to the
 * selected remote address.
 *
 * What arrives is sorted by its first byte: STUN goes to the ICE-lite
 * responder (or your `onStun`), DTLS to the DTLS transport, RTP and RTCP
 * (RFC 5761 payload-type rule) to SRTP; the rest is counted and dropped. Only
 * the selected remote address reaches DTLS or SRTP: the one given as
 * `remoteAddress` or by `setRemoteAddress()`, the one ICE nominated, or —
 * before any nomination — an address that passed an ICE check (browsers send
 * their ClientHello before the nominating check). A stranger's ClientHello or
 * RTP is counted (`unselected-address`) and never touches the handshake.
 *
 * On a `UdpServer` (the `server` option: the native UDP path, one port for
 * many peers) the server does the first sorting: media from the selected
 * path is unprotected natively and arrives as `mediabatch` runs (then as
 * `rtp`/`rtcp` copies, if anyone listens), and `sendRtpBatchInPlace` sends a
 * batch in one system call.
 *
 * Network input never throws and never emits `'error'`: SRTP failures are
 * counted by code in {@link DtlsSrtpTransport.getStats}. A handshake failure
 * shows as `state === 'failed'`, `error` and the rejection of `start()`.
 *
 * `start()` settles before the `statechange` that reports the same change.
 * A listener that throws stops neither the transport nor the other
 * listeners: its exception is re-thrown on the next tick (an
 * `'uncaughtException'`). After a listener called `close()`, the remaining
 * listeners of that event are skipped and nothing but the closing
 * `statechange` follows.
 *
 * A transport belongs to the thread that created it; its timers are unref'd.
 *
 * It implements {@link SecureTransportContract} (as {@link DtlsTransport}
 * does): `start()` twice gives the same promise, `getStats()` works after
 * `close()`, `closed` is the object's lifecycle, `close` comes once. Created
 * with `role: 'auto'`, it takes its role from the peer's in
 * {@link DtlsSrtpTransport.connect} (mediasoup's flow).
 * @example
 * const socket = dgram.createSocket('udp4');
 * socket.bind(0, '127.0.0.1');
 * const transport = new DtlsSrtpTransport({
 *   certificate, setup: { localSetup: 'passive', remoteSetup: 'actpass', isOfferer: false },
 *   remoteFingerprints: offer.fingerprints, socket, iceLite: ice,
 * });
 * transport.on('rtp', (packet) => forward(packet));
 * await transport.start();
 * transport.sendRtp(rtpPacket);
 * @see https://www.rfc-editor.org/rfc/rfc7983
 * @see https://www.rfc-editor.org/rfc/rfc5764
 */
export class DtlsSrtpTransport extends EventEmitter<DtlsSrtpTransportEvents> implements SecureTransportContract {
  /** Created in the constructor, or by connect() when the role was `'auto'`. */
  #dtls: DtlsTransport | undefined;
  /**
   * The DtlsTransport's options but its role and the remote fingerprints
   * (which connect() and restartDtls() give), for those two (restartDtls()
   * may change the certificate).
   */
  #dtlsOptions: Omit<DtlsTransportOptions, 'role' | 'remoteFingerprints'>;
  /** connect() was called. */
  #connected = false;
  #iceState: IceState = 'new';
  #selectedChanges = 0;
  /** The selected path, the one it moved from (open to media until media arrives on the new one), and the one closed to media. */
  #lastSelected: Required<TransportAddress> | undefined;
  #movedFrom: Required<TransportAddress> | undefined;
  #retiredPath: Required<TransportAddress> | undefined;
  #closeEmitted = false;
  /** When the first DTLS datagram was sent or received (performance.now()). */
  #dtlsBegan: number | undefined;
  #connectMs: number | undefined;
  #certificate: Certificate;
  readonly #path: PathAdapter;
  readonly #ice: IceLiteResponder | undefined;
  readonly #onStun: ((datagram: Buffer, remote: Required<TransportAddress>) => void) | undefined;
  readonly #replayWindow: number;
  readonly #maxRemoteStreams: number;
  readonly #maxLocalStreams: number;
  /** RFC 6904 IDs and key limits for the SRTP session (validated copies). */
  readonly #srtpExtras: SrtpExtras;
  readonly #mediaOnly: boolean;
  /** mediaOnly and the DTLS state not yet released: the next authenticated packet releases it. */
  #awaitingProof: boolean;
  /** The ICE consent clock (RFC 7675), made by the first authenticated check on the selected path. */
  #consent: IceConsent | undefined;
  /** Its thresholds (validated options): consent expiry and `disconnected`, in ms; 0 disables. */
  readonly #consentTimeoutMs: number;
  readonly #disconnectedMs: number;
  /** A failure this transport decided itself (ICE consent expired, SRTP keying failed). */
  #failure: DtlsError | IceError | undefined;
  /** DTLS counters as they were when this transport ended the association itself. */
  #dtlsFinal: DtlsStats | undefined;
  readonly #selection: RemoteSelection;
  #srtp: SrtpSession | undefined;
  #state: DtlsState = 'new';
  #closed = false;
  #started: Promise<void> | undefined;
  #settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #startedAt = 0;
  #handshakeMs: number | undefined;
  #remoteFingerprint: DtlsFingerprint | undefined;
  #localFingerprint: DtlsFingerprint;
  /** True while we are inside a call into the DTLS transport: sends outside one come from its timer. */
  #inDtlsCall = false;
  /**
   * The last DTLS flight that had no selected address to go to (a client
   * started before ICE selected a path): sent the moment one is selected,
   * instead of at the retransmission timer. `undefined` when there is none
   * (and once a path exists).
   */
  #unsentFlight: Buffer[] | undefined;
  /** A burst of unsent DTLS datagrams is being collected (until the next microtask). */
  #collectingUnsent = false;
  #final: DtlsSrtpTransportStats | undefined;
  /** Whether a media or data event is still worth delivering (one closure for every packet). */
  readonly #mediaLive = (): boolean => !this.#closed && this.#state === 'connected';
  readonly #counters = {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    rtpPacketsSent: 0,
    rtpPacketsReceived: 0,
    rtcpPacketsSent: 0,
    rtcpPacketsReceived: 0,
    dtlsPacketsReceived: 0,
    dtlsRetransmissions: 0,
    sendFailures: 0,
  };
  /** The peer's fingerprints as last given (options, connect(), setRemoteFingerprints(), restartDtls()). */
  #remoteFingerprints: readonly DtlsFingerprint[] | undefined;
  /** Our a=tls-id: random, made when first read (most transports never need one), new with each restart. */
  #localTlsId: string | undefined;
  /** renewLocalTlsId() made the current one for an offer: the next restart keeps it. */
  #tlsIdRenewed = false;
  #remoteTlsId: string | undefined;
  readonly #graceMs: number;
  /** A restart whose new association is still in its handshake. */
  #restart: PendingRestart | undefined;
  /** Open from a restart's beginning until the previous keys are retired. */
  #window: RestartWindow | undefined;
  /** Counters of restartDtls() and its windows; made by the first restart (or unexpected ClientHello). */
  #restartCounters: DtlsRestartStats | undefined;
  /** The `mediabatch` run of media this transport unprotected in TypeScript on a UdpServer (a restart window); made on first use. */
  #tsBatch: SinglePacketBatch | undefined;
  /** SRTP failures and dropped datagrams by code and reason: made by the first one (stats read zeros until then). */
  #srtpFailures: Record<SrtpPacketErrorCode, number> | undefined;
  #dropped: Record<DatagramDropReason, number> | undefined;

  /**
   * Creates the transport in state `'new'` and attaches it to its path (a
   * socket's `'message'` listener is added now; a `UdpServer` registers it
   * now). Nothing is sent before `start()` except answers to ICE checks.
   * @param options - See {@link DtlsSrtpTransportOptions}.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for invalid options (not exactly one of
   *   `socket`, `path` and `server`, neither or both of `role` and `setup`, a bad address or ICE option, a
   *   closed server, an ICE ufrag another transport on the server uses, an address of the wrong family for it).
   * @throws {RangeError} ERR_OUT_OF_RANGE for numbers outside their ranges.
   * @throws {DtlsError} ERR_DTLS_ROLE_CONFLICT when `setup` cannot form an association;
   *   ERR_DTLS_BAD_FINGERPRINT for malformed remote fingerprints.
   * @example
   * const transport = new DtlsSrtpTransport({
   *   certificate, role: 'client', remoteFingerprints: [peerFp],
   *   socket, remoteAddress: { address: '127.0.0.1', port: 40000 },
   * });
   */
  constructor(options: DtlsSrtpTransportOptions) {
    super();
    checkObject(options, 'options');
    if (nativeCertificateOf(options.certificate) === undefined) {
      throw argTypeError('options.certificate', 'a Certificate', options.certificate);
    }
    if ((options.role === undefined) === (options.setup === undefined)) {
      throw argValueError('options', 'exactly one of role and setup', options.role === undefined ? 'neither' : 'both');
    }
    let role: DtlsRole | undefined;
    if (options.setup !== undefined) {
      checkObject(options.setup, 'options.setup');
      role = selectDtlsRole(options.setup);
    } else {
      const given = checkOneOf(options.role, 'options.role', ['auto', 'client', 'server']);
      role = given === 'auto' ? undefined : given;
    }
    const pathSource = checkPathSource(options);
    if (options.onStun !== undefined) checkFunction(options.onStun, 'options.onStun');
    if (options.iceLite !== undefined && options.onStun !== undefined) {
      throw argValueError('options', 'at most one of iceLite and onStun', 'both');
    }
    this.#selection = new RemoteSelection(
      options.remoteAddress === undefined ? undefined : checkTransportAddress(options.remoteAddress, 'options.remoteAddress'),
      (remote) => {
        if (debugEnabled) debugPath(this, remote.address, remote.port, this.#ice === undefined ? 'setRemoteAddress' : 'ICE');
        this.#selectedChanges++;
        this.#noteMove(remote);
        this.#path.select?.(remote);
        this.#sendUnsentFlight(remote);
        safeEmit(this, 'remoteaddresschange', [{ ...remote }], () => !this.#closed && this.#selection.current === remote);
        this.#onSelected();
      },
    );
    if (this.#selection.current !== undefined) this.#selectedChanges = 1;
    this.#lastSelected = this.#selection.current;
    this.#replayWindow = checkInteger(options.replayWindow, 'options.replayWindow', 64, 32767, 1024);
    this.#maxRemoteStreams = checkInteger(options.maxRemoteStreams, 'options.maxRemoteStreams', 1, 4096, 64);
    this.#maxLocalStreams = checkInteger(options.maxLocalStreams, 'options.maxLocalStreams', 1, 65536, 1024);
    const extras = srtpCreationOptions(options, 'options');
    this.#srtpExtras =
      extras.headerIds === undefined && extras.keyLimits === undefined
        ? NO_SRTP_EXTRAS
        : {
            ...(extras.headerIds === undefined ? {} : { encryptedHeaderExtensionIds: Array.from(extras.headerIds) }),
            ...(extras.keyLimits === undefined ? {} : { keyLimits: keyLimitsOf(extras.keyLimits) }),
          };
    this.#mediaOnly = optionalBoolean(options.mediaOnly, 'options.mediaOnly', false);
    this.#awaitingProof = this.#mediaOnly;
    this.#consentTimeoutMs = checkConsentTimeout(options.consentTimeoutMs);
    this.#disconnectedMs = checkDisconnectedTimeout(options.iceDisconnectedTimeoutMs, this.#consentTimeoutMs);
    if (options.remoteFingerprints !== undefined) {
      this.#remoteFingerprints = checkFingerprintList(options.remoteFingerprints, 'options.remoteFingerprints');
    }
    this.#graceMs = checkInteger(options.restartGraceMs, 'options.restartGraceMs', 100, 60_000, DEFAULT_RESTART_GRACE_MS);
    this.#ice =
      options.iceLite === undefined
        ? undefined
        : isIceLiteResponder(options.iceLite)
          ? options.iceLite
          : new IceLiteResponder(options.iceLite);
    this.#onStun = options.onStun;
    this.#certificate = options.certificate;
    const [local] = options.certificate.getFingerprints(['sha-256']);
    this.#localFingerprint = local as DtlsFingerprint;

    this.#dtlsOptions = {
      certificate: options.certificate,
      srtpProfiles: options.srtpProfiles,
      mtu: options.mtu,
      initialRetransmitMs: options.initialRetransmitMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      send: (datagram) => {
        this.#sendDtls(datagram);
      },
    };
    // With role 'auto' the DTLS transport waits for connect(); the options are checked now all the same.
    const dtls = new DtlsTransport({ ...this.#dtlsOptions, remoteFingerprints: options.remoteFingerprints, role: role ?? 'client' });
    if (role === undefined) dtls.close();
    else this.#adoptDtls(dtls);
    // A remote address given up front is a selected path (with ICE-lite, consent starts with its first check).
    if (this.#selection.current !== undefined) this.#iceState = 'connected';
    (this as EventEmitter).on('newListener', DtlsSrtpTransport.#onNewListener);
    (this as EventEmitter).on('removeListener', DtlsSrtpTransport.#onRemoveListener);

    const ice = this.#ice;
    this.#path = openPath(
      pathSource,
      {
        receive: (msg, address, port, family) => {
          this.#handle(msg, address, port, family);
        },
        receiveMedia: (batch, start, end) => {
          this.#receiveMedia(batch, start, end);
        },
        isValidated: (address, port, family) => ice?.isValidatedAddress({ address, port, family: addressFamily(family) }) ?? false,
        localUfrag: ice?.localParameters.usernameFragment,
        pathClosed: () => {
          this.close();
        },
      },
      () => {
        this.#counters.sendFailures++;
      },
    );
    // A UdpServer routes checks by ufrag: an ICE restart registers its new one there.
    const routing = ufragRoutingOf(this.#path);
    if (ice !== undefined && routing !== undefined) bindIceUfragRouting(ice, routing);
    const initial = this.#selection.current;
    try {
      if (initial !== undefined) this.#path.select?.(initial);
    } catch (err) {
      // A server refuses an address of the wrong family: unregister before the constructor throws.
      this.#path.detach();
      this.#dtls?.close();
      throw err;
    }
    transportMade(this, 'DtlsSrtpTransport', role ?? 'auto', this.#dtls);
    if (debugEnabled && initial !== undefined) debugPath(this, initial.address, initial.port, 'remoteAddress option');
  }

  /** Takes `dtls` as this transport's DTLS transport: its events become ours. */
  #adoptDtls(dtls: DtlsTransport): void {
    this.#dtls = dtls;
    innerTransport(this, dtls);
    this.#watchDtls(dtls);
    if (this.listenerCount('keylog') > 0) this.#forwardKeylog(dtls);
  }

  /**
   * Listens to a DTLS transport of ours: the live one's events are ours, a
   * restart's new one reports to the restart, a replaced one is ignored.
   */
  #watchDtls(dtls: DtlsTransport): void {
    dtls.on('statechange', (state) => {
      if (this.#restart?.dtls === dtls) this.#onRestartState(dtls, state);
      else if (this.#dtls === dtls) this.#onDtlsState(state);
    });
    dtls.on('data', (data) => {
      if (this.#dtls === dtls) safeEmit(this, 'data', [data], this.#mediaLive);
    });
  }

  /**
   * Our `newListener` listener, one function for every transport (EventEmitter
   * calls it with `this` the transport): `keylog` and `keylimit` are forwarded
   * from the inner DTLS transport and SRTP sessions only once someone listens.
   */
  static #onNewListener(this: DtlsSrtpTransport, event: string | symbol): void {
    if (event === 'keylog') {
      this.#forwardKeylog(this.#dtls);
      this.#forwardKeylog(this.#restart?.dtls);
    }
    else if (event === 'keylimit') {
      if (this.#srtp !== undefined) this.#forwardKeyLimits(this.#srtp);
      const previous = this.#window?.keys.previous;
      if (previous !== undefined) this.#forwardKeyLimits(previous);
    }
  }

  /**
   * Forwards an SRTP session's `keylimit` events (once per session). Called
   * for a new session only while someone listens to ours, and by
   * `#onNewListener` for the sessions that exist when the first one comes.
   */
  #forwardKeyLimits(srtp: SrtpSession): void {
    if (srtp.closed || srtp.listenerCount('keylimit') > 0) return;
    srtp.on('keylimit', (event) => {
      safeEmit(this, 'keylimit', [event], () => !this.#closed);
    });
  }

  /**
   * Our `removeListener` listener, shared like `#onNewListener`: when our last
   * `keylog` listener goes, the forwarding one leaves the DTLS transports
   * too (the live one and a restart's), which turns their key logs off.
   */
  static #onRemoveListener(this: DtlsSrtpTransport, event: string | symbol): void {
    if (event === 'keylog' && this.listenerCount('keylog') === 0 && this.#keylogForwarder !== undefined) {
      this.#dtls?.off('keylog', this.#keylogForwarder);
      this.#restart?.dtls.off('keylog', this.#keylogForwarder);
    }
  }

  /** Re-emits a DTLS transport's key-log line as ours; made when first forwarding. */
  #keylogForwarder: ((line: Buffer) => void) | undefined;

  /**
   * Forwards a DTLS transport's key-log lines (the live one's, or a restart's
   * from its first flight on) once someone listens (key logging costs only then).
   */
  #forwardKeylog(dtls: DtlsTransport | undefined): void {
    if (dtls === undefined || dtls.listenerCount('keylog') > 0) return;
    this.#keylogForwarder ??= (line: Buffer): void => {
      safeEmit(this, 'keylog', [line], () => true);
    };
    dtls.on('keylog', this.#keylogForwarder);
  }

  /** Current state: `new → connecting → connected → closed | failed`; `connected` means SRTP is keyed. */
  get state(): DtlsState {
    return this.#state;
  }

  /** Our DTLS role; `'auto'` while a transport created with role `'auto'` waits for `connect()`. */
  get role(): DtlsParametersRole {
    return this.#dtls?.role ?? 'auto';
  }

  /**
   * The ICE state (W3C `RTCIceTransportState`, see {@link IceState}). With an
   * ICE-lite responder: `new`, `checking` once an authenticated check
   * arrived, `connected` once a path is selected, `disconnected` after
   * `iceDisconnectedTimeoutMs` without a check on it (`connected` again with
   * the next), `failed` when consent expired, `closed` after `close()`. The
   * clocks stop when the association ends otherwise (the state then stays as
   * it was). Without a responder the transport sees no ICE: `connected` once a
   * remote address is known (given, or by `setRemoteAddress()`), else `new`;
   * `closed` after `close()`. A `remoteAddress` given to the constructor is a
   * selected path from the start (`connected`), with or without a responder.
   */
  get iceState(): IceState {
    return this.#iceState;
  }

  /**
   * Our DTLS parameters in mediasoup's shape, ready for the SDP: our role as
   * far as it is known (`'auto'` until `connect()` decides it for a transport
   * created with role `'auto'`) and our certificate's sha-256 fingerprint.
   * @example
   * signalling.send({ dtlsParameters: transport.localParameters });
   */
  get localParameters(): DtlsParameters {
    return { role: this.role, fingerprints: this.localFingerprints };
  }

  /**
   * Why the transport failed (`state === 'failed'`), else `undefined`: a
   * `DtlsError` (`ERR_DTLS_INTERNAL` with a `cause` when SRTP could not be
   * keyed from the handshake), or an `IceError` (`ERR_ICE_CONSENT_EXPIRED`)
   * when the peer stopped answering for ICE consent.
   */
  get error(): DtlsError | IceError | undefined {
    return this.#failure ?? this.#dtls?.error;
  }

  /**
   * `true` once `close()` was called (by you, or by the `UdpServer` this
   * transport runs on when it closes): the object's lifecycle, not the
   * association's (see {@link SecureTransportContract}). After the peer's
   * close_notify `state` is `'closed'` while this stays `false` until you
   * call `close()`, which you still must (to detach from the path).
   */
  get closed(): boolean {
    return this.#closed;
  }

  /** The `mediaOnly` option: DTLS is freed once the peer's first SRTP/SRTCP packet authenticates. */
  get mediaOnly(): boolean {
    return this.#mediaOnly;
  }

  /** The negotiated SRTP profile once connected. */
  get srtpProfile(): SrtpProfile | undefined {
    return this.#dtls?.srtpProfile;
  }

  /** The ICE-lite responder (its `localParameters` go into the SDP), if the transport has one. */
  get iceLite(): IceLiteResponder | undefined {
    return this.#ice;
  }

  /** The selected remote address: where DTLS and media go, and the only source they are accepted from. */
  get remoteAddress(): Required<TransportAddress> | undefined {
    const remote = this.#selection.current;
    return remote === undefined ? undefined : { ...remote };
  }

  /**
   * Our `a=tls-id` (RFC 8842) for the local description: random, and a new
   * one from each `restartDtls()` that starts a new association.
   */
  get localTlsId(): string {
    return (this.#localTlsId ??= newTlsId());
  }

  /**
   * Makes a new {@link DtlsSrtpTransport.localTlsId} for an offer that
   * restarts DTLS (RFC 8842 §5: the offerer changes its tls-id); the next
   * `restartDtls()` (with the answer) keeps it rather than making another.
   * @returns The new tls-id, for the offer.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`.
   * @example
   * const offer = buildOffer({ tlsId: transport.renewLocalTlsId(), fingerprints: transport.localFingerprints });
   */
  renewLocalTlsId(): string {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    const tlsId = newTlsId();
    this.#localTlsId = tlsId;
    this.#tlsIdRenewed = true;
    return tlsId;
  }

  /** Our certificate's fingerprints (sha-256), for the local SDP (the new certificate's once `restartDtls()` took one). */
  get localFingerprints(): DtlsFingerprint[] {
    return this.#certificate.getFingerprints(['sha-256']);
  }

  /**
   * Starts DTLS (a client sends its ClientHello to the selected address now,
   * or with none selected yet, the moment one is; a server waits for one) and resolves once the peer is verified and SRTP is
   * keyed. Calling it again returns the same promise (see {@link SecureTransportContract}).
   * With role `'auto'`, DTLS begins when `connect()` has decided the role (the
   * handshake timeout runs from then); the state is `'connecting'` meanwhile.
   * @returns A promise that resolves on `connected`.
   * @throws {DtlsError} (rejection) ERR_DTLS_HANDSHAKE, ERR_DTLS_FINGERPRINT_MISMATCH, ERR_DTLS_NO_SRTP_PROFILE,
   *   ERR_DTLS_ALERT, ERR_DTLS_TIMEOUT; ERR_DTLS_INTERNAL (with `cause`) when SRTP could not be keyed from the
   *   finished handshake — the same error as `transport.error`.
   * @throws {IceError} (rejection) ERR_ICE_CONSENT_EXPIRED when ICE consent expired before it connected.
   * @throws {InvalidStateError} (rejection) ERR_INVALID_STATE after close, or when closed before connecting.
   * @example
   * await transport.start();
   * console.log(transport.srtpProfile);
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError('DtlsSrtpTransport is closed'));
    if (this.#started !== undefined) return this.#started;
    // Ended before it was started (ICE consent expired): nothing left to start.
    if (this.#state === 'failed') {
      this.#started = Promise.reject(this.error ?? new InvalidStateError('DtlsSrtpTransport failed'));
      return this.#started;
    }
    this.#startedAt = performance.now();
    // Our promise follows our state (SRTP keyed, failed, closed), not the DTLS
    // transport's: DTLS can connect and SRTP keying still fail.
    const started = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#started = started;
    if (this.#dtls === undefined) {
      // Role 'auto': DTLS starts in connect().
      this.#state = 'connecting';
      safeEmit(this, 'statechange', ['connecting'], () => this.#state === 'connecting');
    } else {
      this.#startDtls(this.#dtls);
    }
    return started;
  }

  #startDtls(dtls: DtlsTransport): void {
    const started = this.#dtlsCall(() => dtls.start());
    // Its outcome reaches us as a DTLS state change.
    started.catch(() => undefined);
  }

  /**
   * Supplies the remote side after construction (mediasoup's
   * `transport.connect({ dtlsParameters })`): the peer's fingerprints and
   * role, so that the transport can exist — and its `localParameters` go into
   * the offer or answer — before the peer's description arrives.
   *
   * Role: a transport created with `role: 'auto'` takes the opposite of the
   * peer's `'client'` or `'server'`; if the peer says `'auto'` too, an
   * ICE-lite transport (ICE controlled) becomes the DTLS client, as ORTC and
   * Pion decide (`dtlsRoleFromIceRole`); without ICE-lite that is refused
   * (give a role). A transport created with a role checks that the peer's is
   * compatible (`'auto'` or the opposite one).
   *
   * Until `connect()` has given a role, DTLS from the peer is dropped and
   * counted as `not-started` (the peer retransmits its flight, and it is
   * answered once connected and started); a transport created with a role
   * holds a DTLS server's client flight until the fingerprints come, as with
   * `setRemoteFingerprints()`. `start()` may come before or after `connect()`.
   * @param parameters - `{ dtlsParameters: { role, fingerprints } }`, the peer's.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for malformed parameters.
   * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT for a malformed fingerprint; ERR_DTLS_ROLE_CONFLICT when the
   *   peer's role is ours too, or both are `'auto'` without ICE-lite.
   * @throws {InvalidStateError} ERR_INVALID_STATE when called a second time, after `close()`, or once the
   *   association ended or the peer was verified.
   * @example
   * const transport = new DtlsSrtpTransport({ certificate, role: 'auto', socket, iceLite: {} });
   * const answer = await signalling.offer({ dtlsParameters: transport.localParameters });
   * transport.connect({ dtlsParameters: answer.dtlsParameters });
   * await transport.start();
   * @see https://mediasoup.org/documentation/v3/mediasoup/api/#webRtcTransport-connect
   */
  connect(parameters: DtlsSrtpConnectParameters): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    const { remoteRole, fingerprints, tlsId } = checkRemoteParameters(parameters);
    if (this.#connected) throw new InvalidStateError('connect() was already called');
    if (this.#state === 'closed' || this.#state === 'failed' || this.#state === 'connected') {
      throw new InvalidStateError(`connect() is not possible in state ${this.#state}`);
    }
    let dtls = this.#dtls;
    if (dtls !== undefined && remoteRole === dtls.role) {
      throw new DtlsError('ERR_DTLS_ROLE_CONFLICT', `Expected the peer's DTLS role to be auto or the opposite of ours but both are ${remoteRole}`);
    }
    if (dtls === undefined) {
      let role: DtlsRole;
      if (remoteRole === 'client') role = 'server';
      else if (remoteRole === 'server') role = 'client';
      else if (this.#ice !== undefined) role = dtlsRoleFromIceRole('controlled');
      else {
        throw new DtlsError(
          'ERR_DTLS_ROLE_CONFLICT',
          "Expected one side to have a DTLS role but both are auto and this transport has no ICE role: give role 'client' or 'server'",
        );
      }
      dtls = new DtlsTransport({ ...this.#dtlsOptions, role, remoteFingerprints: fingerprints });
      this.#connected = true;
      this.#remoteFingerprints = fingerprints;
      this.#remoteTlsId = tlsId;
      this.#adoptDtls(dtls);
      if (this.#started !== undefined) this.#startDtls(dtls);
      return;
    }
    this.#dtlsCall(() => {
      dtls.setRemoteFingerprints(fingerprints);
    });
    this.#connected = true;
    this.#remoteFingerprints = fingerprints;
    this.#remoteTlsId = tlsId;
  }

  /**
   * Restarts DTLS on the live transport after a new offer/answer (RFC 8842):
   * call it with the peer's DTLS parameters and `a=tls-id` from the new
   * description, and put {@link DtlsSrtpTransport.localTlsId} (and
   * `localFingerprints`, with a new `certificate`) into yours.
   *
   * If the peer's fingerprints and tls-id are unchanged and no new
   * certificate is given, the association is kept (RFC 8842 §5) and the
   * promise resolves `false` at once. Otherwise a new DTLS association runs
   * over the selected path — a new native endpoint, in the role the peer's
   * implies (the opposite of its `'client'`/`'server'`; its `'auto'` keeps
   * ours) — and the new peer certificate is verified before anything is
   * keyed. Meanwhile media keeps flowing on the previous keys:
   *
   * - Outbound SRTP switches to the new keys when the new association is
   *   connected (then the promise resolves `true`).
   * - Inbound accepts the previous and the new keys until a packet
   *   authenticates under the new ones, or `restartGraceMs` after the new
   *   association connected; then the previous SRTP session is closed (its
   *   keys wiped). Packets under keys that do not exist yet (the peer
   *   switched first: a DTLS 1.2 server completes first) are held — at most
   *   128 packets, 192 KB, 3 s — and delivered once the new keys
   *   authenticate them. On a `UdpServer` the transport's media is decrypted
   *   in TypeScript during that window and still delivered as `mediabatch`
   *   runs (one packet each, the same fields, the ROC of the session that
   *   decrypted it) before its `rtp`/`rtcp` events; natively again once the
   *   previous keys are retired.
   * - DTLS records go to the new association; the previous one is freed
   *   without close_notify when the new one connects.
   *
   * If the new association fails (fingerprint mismatch, alert, handshake
   * timeout), the promise rejects with its error and the `dtlsrestart`
   * event says `'failed'`; the previous keys still carry media until
   * `restartGraceMs` later, and then the transport fails with that error
   * (`state === 'failed'`, `error`): the peer has moved to a new association,
   * so there is no falling back to the previous one. With `mediaOnly`, a
   * restart works the same (the previous DTLS state was freed already; the
   * new one is freed once a packet under its keys authenticates). Do not
   * restart within a retransmission interval of the previous handshake: a
   * late retransmitted flight of it would reach the new association, which
   * cannot tell it from its own.
   * @param parameters - See {@link DtlsRestartParameters}.
   * @returns A promise of `true` once the new association is connected and keyed, or `false` if the
   *   association was kept.
   * @throws {TypeError} (rejection) ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for malformed parameters
   *   (including a tls-id that is not 20 to 255 of `A-Z a-z 0-9 + / - _`).
   * @throws {DtlsError} (rejection) ERR_DTLS_BAD_FINGERPRINT for a malformed fingerprint; the new
   *   association's failure: ERR_DTLS_FINGERPRINT_MISMATCH, ERR_DTLS_ALERT, ERR_DTLS_TIMEOUT,
   *   ERR_DTLS_HANDSHAKE, ERR_DTLS_INTERNAL (SRTP keying).
   * @throws {InvalidStateError} (rejection) ERR_INVALID_STATE after `close()`, unless connected, while another
   *   restart's handshake runs or after a failed one, and when the transport closes before the restart ends.
   * @example
   * const offer = parseRemoteDescription(newOfferSdp);
   * const restarted = transport.restartDtls({ dtlsParameters: { role: 'client', fingerprints: offer.fingerprints }, tlsId: offer.tlsId });
   * sendAnswer({ fingerprints: transport.localFingerprints, tlsId: transport.localTlsId });
   * await restarted;
   * @see https://www.rfc-editor.org/rfc/rfc8842#section-5
   */
  restartDtls(parameters: DtlsRestartParameters): Promise<boolean> {
    try {
      return this.#beginRestart(parameters);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #beginRestart(parameters: DtlsRestartParameters): Promise<boolean> {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    const { remoteRole, fingerprints, tlsId } = checkRemoteParameters(parameters);
    const certificate = parameters.certificate;
    if (certificate !== undefined && nativeCertificateOf(certificate) === undefined) {
      throw argTypeError('parameters.certificate', 'a Certificate', certificate);
    }
    const live = this.#dtls;
    const previous = this.#srtp;
    if (this.#state !== 'connected' || live === undefined || previous === undefined) {
      throw new InvalidStateError(`restartDtls() is not available in state ${this.#state}: wait for connected`);
    }
    if (this.#restart !== undefined) throw new InvalidStateError('A DTLS restart is in progress: wait until it completes or fails');
    if (this.#window?.failure !== undefined) {
      throw new InvalidStateError('The last DTLS restart failed: the transport fails when the previous keys expire');
    }
    const sameCertificate = certificate === undefined || certificate.der.equals(this.#certificate.der);
    if (sameCertificate && tlsId === this.#remoteTlsId && sameFingerprints(fingerprints, this.#remoteFingerprints)) {
      this.#restartStats().unchanged++;
      return Promise.resolve(false);
    }
    const role: DtlsRole = remoteRole === 'client' ? 'server' : remoteRole === 'server' ? 'client' : live.role;
    // A window still open from the last restart: its previous keys go now.
    if (this.#window !== undefined) this.#retireWindow();
    if (certificate !== undefined) {
      this.#certificate = certificate;
      this.#localFingerprint = certificate.getFingerprints(['sha-256'])[0] as DtlsFingerprint;
      this.#dtlsOptions = { ...this.#dtlsOptions, certificate };
    }
    if (this.#tlsIdRenewed) this.#tlsIdRenewed = false;
    else this.#localTlsId = newTlsId();
    this.#remoteTlsId = tlsId;
    this.#remoteFingerprints = fingerprints;
    const next = new DtlsTransport({ ...this.#dtlsOptions, role, remoteFingerprints: fingerprints });
    const keys = new RestartKeys(previous, this.#restartStats(), () => {
      this.#retireWindow();
    });
    this.#window = { keys, oldDtls: live, timer: undefined, failure: undefined };
    // The path hands this peer's media over as it arrived (after the
    // current batch): one place tries both key sets on the original bytes.
    this.#rekeyPathLater();
    const restarted = new Promise<boolean>((resolve, reject) => {
      this.#restart = { dtls: next, role, resolve, reject };
    });
    this.#watchDtls(next);
    // The new association's secrets are logged as its handshake derives
    // them: the forwarding listener goes on before its first flight.
    if (this.listenerCount('keylog') > 0) this.#forwardKeylog(next);
    this.#restartStats().started++;
    safeEmit(this, 'dtlsrestart', [{ phase: 'started', role }], () => this.#pendingDtls() === next);
    if (this.#pendingDtls() === next) this.#startDtls(next);
    return restarted;
  }

  /** The restart counters, made on first use (most transports never restart). */
  #restartStats(): DtlsRestartStats {
    return (this.#restartCounters ??= emptyRestartStats());
  }

  /** The new association of a restart in its handshake (a listener may have ended the restart). */
  #pendingDtls(): DtlsTransport | undefined {
    return this.#restart?.dtls;
  }

  /** The new association of a restart changed state. */
  #onRestartState(next: DtlsTransport, state: DtlsState): void {
    const restart = this.#restart;
    const window = this.#window;
    if (restart === undefined || window === undefined || state === 'connecting' || state === 'new') return;
    if (state !== 'connected') {
      this.#restartFailed(next.error ?? new DtlsError('ERR_DTLS_HANDSHAKE', 'Expected the restarted DTLS association to connect but it closed'));
      return;
    }
    let srtp: SrtpSession;
    try {
      srtp = next.createSrtpSession({
        replayWindow: this.#replayWindow,
        maxRemoteStreams: this.#maxRemoteStreams,
        maxLocalStreams: this.#maxLocalStreams,
        ...this.#srtpExtras,
      });
      this.#remoteFingerprint = computeFingerprint(next.getRemoteCertificate(), 'sha-256');
    } catch (cause) {
      this.#restartFailed(new DtlsError('ERR_DTLS_INTERNAL', 'Expected SRTP keys from the restarted DTLS handshake but keying failed', { cause }));
      return;
    }
    this.#restart = undefined;
    if (this.listenerCount('keylimit') > 0) this.#forwardKeyLimits(srtp);
    // The previous association is freed without close_notify: the peer's
    // transport lives on in the new one. Its SRTP session stays for the window.
    const old = window.oldDtls;
    if (old.state === 'connected' && !old.sessionReleased) old.releaseSession();
    this.#dtls = next;
    innerTransport(this, next);
    // Outbound switches now.
    this.#srtp = srtp;
    this.#awaitingProof = this.#mediaOnly;
    this.#restartStats().completed++;
    this.#armGrace(window);
    restart.resolve(true);
    safeEmit(this, 'dtlsrestart', [{ phase: 'complete', role: restart.role }], () => !this.#closed && this.#dtls === next);
    if (this.#closed || this.#window !== window) return;
    window.keys.replay(srtp, (packet, rtcp, address, port, family) => {
      this.#deliver(packet, rtcp, true, srtp, address, port, family);
    });
  }

  /** The new association failed: the previous keys carry media until the grace period ends, then the transport fails. */
  #restartFailed(error: DtlsError): void {
    const restart = this.#restart as PendingRestart;
    const window = this.#window as RestartWindow;
    this.#restart = undefined;
    this.#restartStats().failed++;
    window.keys.dropHeld();
    window.failure = error;
    restart.dtls.close();
    this.#armGrace(window);
    restart.reject(error);
    safeEmit(this, 'dtlsrestart', [{ phase: 'failed', role: restart.role, error }], () => !this.#closed && this.#window === window);
  }

  #armGrace(window: RestartWindow): void {
    if (window.timer !== undefined) clearTimeout(window.timer);
    window.timer = setTimeout(() => {
      window.timer = undefined;
      if (this.#window === window) this.#retireWindow();
    }, this.#graceMs);
    window.timer.unref();
  }

  /**
   * Closes the restart window: the previous keys are retired (their session
   * closed, the replaced DTLS transport freed). After a failed restart the
   * transport then fails with the restart's error.
   */
  #retireWindow(): void {
    const window = this.#window;
    if (window === undefined) return;
    this.#window = undefined;
    if (window.timer !== undefined) clearTimeout(window.timer);
    window.keys.dropHeld();
    this.#restartStats().previousKeysRetired++;
    if (window.oldDtls !== this.#dtls) {
      // Closing the released transport closes the previous SRTP session; no close_notify (its endpoint is gone).
      if (window.oldDtls.state === 'connected' && !window.oldDtls.sessionReleased) window.oldDtls.releaseSession();
      window.oldDtls.close();
      window.keys.previous?.close();
      this.#rekeyPathLater();
      return;
    }
    const failure = window.failure;
    if (failure !== undefined && !this.#closed && this.#state === 'connected') {
      // No switch happened: the live association is the previous one; end it quietly.
      if (!window.oldDtls.sessionReleased) window.oldDtls.releaseSession();
      this.#end(failure);
    } else {
      this.#rekeyPathLater();
    }
  }

  /**
   * Tells the path which session unprotects this peer's media natively:
   * none while a restart window is open, else the current one. Deferred to
   * a microtask: a batch being delivered keeps the route it was sorted by.
   */
  #rekeyPathLater(): void {
    queueMicrotask(() => {
      if (this.#closed || this.#state !== 'connected') return;
      const srtp = this.#srtp;
      this.#path.keyed?.(this.#window === undefined && srtp !== undefined && !srtp.closed ? srtp : undefined);
    });
  }

  /** The transport is closing or its association ended: a pending restart rejects, the window closes. */
  #abortRestart(): void {
    const restart = this.#restart;
    this.#restart = undefined;
    if (restart !== undefined) {
      restart.dtls.close();
      restart.reject(new InvalidStateError('The transport closed or failed before the DTLS restart completed'));
    }
    const window = this.#window;
    this.#window = undefined;
    if (window === undefined) return;
    if (window.timer !== undefined) clearTimeout(window.timer);
    window.keys.dropHeld();
    if (window.oldDtls !== this.#dtls) {
      if (window.oldDtls.state === 'connected' && !window.oldDtls.sessionReleased) window.oldDtls.releaseSession();
      window.oldDtls.close();
    }
    window.keys.previous?.close();
  }

  /**
   * ICE restart (RFC 8445 §9; a browser's `pc.restartIce()`) on the live
   * transport: the ICE-lite responder takes new local credentials (given or
   * generated) and the peer's new ufrag, and returns the local ones for the
   * answer. DTLS and SRTP carry on untouched. See
   * {@link IceLiteResponder.restart}: checks with the old credentials are
   * answered (and renew consent) until one with the new ones succeeds; the
   * selected path moves when the peer nominates another address. On a
   * `UdpServer` the transport is reachable by both ufrags meanwhile.
   * @param options - `{ ufrag?, pwd?, remoteUfrag? }`, see {@link IceRestartOptions}.
   * @returns The new local ICE parameters `{ usernameFragment, password, iceLite: true }`.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for malformed or unchanged
   *   credentials, or a ufrag another transport on the same `UdpServer` uses.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`, or without an ICE-lite responder.
   * @example
   * const reoffer = parseRemoteDescription(sdp); // after pc.restartIce() in the browser
   * const local = transport.restartIce({ remoteUfrag: reoffer.iceUfrag });
   * const answer = buildLiteAnswer(reoffer, { iceUfrag: local.usernameFragment, icePwd: local.password, ... });
   * @see https://www.rfc-editor.org/rfc/rfc8445#section-9
   */
  restartIce(options?: IceRestartOptions): IceLiteLocalParameters {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    if (this.#ice === undefined) throw new InvalidStateError('restartIce() needs the iceLite option');
    return this.#ice.restart(options);
  }

  /**
   * Hands one datagram received on a {@link DatagramPath} to the transport
   * (with `socket`, the transport receives by itself). Never throws for
   * network input: whatever cannot be used is counted and dropped.
   * @param datagram - The UDP payload; it is copied before decryption, so it stays yours.
   * @param remote - Its source address (`dgram`'s `rinfo` fits).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `datagram` is not a Uint8Array or `remote` is malformed.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`.
   * @example
   * shared.on('message', (msg, rinfo) => peers.get(`${rinfo.address}:${rinfo.port}`)?.receive(msg, rinfo));
   */
  receive(datagram: Uint8Array, remote: TransportAddress): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    checkBytes(datagram, 'datagram');
    const from = checkTransportAddress(remote, 'remote');
    this.#handle(Buffer.from(datagram), from.address, from.port, from.family);
  }

  /**
   * Sets the peer's fingerprints once the remote SDP arrives; a handshake that
   * waited for them resumes.
   * @param fingerprints - One to 16 `{ algorithm, value }`.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for a bad list.
   * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT for a malformed fingerprint.
   * @throws {InvalidStateError} ERR_INVALID_STATE after close or failure, or once the peer was verified.
   * @example
   * transport.setRemoteFingerprints(parseRemoteDescription(answer).fingerprints);
   */
  setRemoteFingerprints(fingerprints: readonly DtlsFingerprint[]): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    const dtls = this.#dtls;
    if (dtls === undefined) {
      checkFingerprintList(fingerprints, 'fingerprints');
      throw new InvalidStateError("The DTLS role is not known yet (role 'auto'): use connect({ dtlsParameters })");
    }
    this.#dtlsCall(() => {
      dtls.setRemoteFingerprints(fingerprints);
    });
    this.#remoteFingerprints = checkFingerprintList(fingerprints, 'fingerprints');
  }

  /**
   * Selects the remote address explicitly (when you run ICE yourself, or move
   * the path). DTLS and media go there and are accepted from there only.
   * @param remote - The peer's address (an IP address, not a host name).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for a malformed address or a host name.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a port outside 1..65535.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`.
   * @example
   * transport.setRemoteAddress({ address: '192.0.2.7', port: 50000 });
   */
  setRemoteAddress(remote: TransportAddress): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    this.#selection.select(checkTransportAddress(remote, 'remote'));
  }

  /**
   * Protects an RTP packet and sends it to the selected address.
   * @param packet - A complete RTP packet (not modified).
   * @throws {SrtpError} ERR_SRTP_BAD_PACKET (malformed or too long), ERR_SRTP_REPLAY_FAIL (this SSRC and
   *   sequence number were already sent), ERR_SRTP_TOO_MANY_STREAMS (a new SSRC beyond `maxLocalStreams`).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `packet` is not a Uint8Array.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * transport.sendRtp(rtpPacket);
   */
  sendRtp(packet: Uint8Array): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    checkBytes(packet, 'sendRtp(packet)');
    const srtp = this.#keyed('sendRtp()');
    this.#sendMedia(srtp.protectRtp(packet));
    this.#counters.rtpPacketsSent++;
  }

  /**
   * Protects an RTCP (compound) packet and sends it to the selected address.
   * @param packet - An RTCP packet (not modified).
   * @throws {SrtpError} ERR_SRTP_BAD_PACKET for a malformed packet.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `packet` is not a Uint8Array.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * transport.sendRtcp(pli);
   */
  sendRtcp(packet: Uint8Array): void {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    checkBytes(packet, 'sendRtcp(packet)');
    const srtp = this.#keyed('sendRtcp()');
    this.#sendMedia(srtp.protectRtcp(packet));
    this.#counters.rtcpPacketsSent++;
  }

  /**
   * Protects many RTP packets in one native call and sends each that
   * succeeded. A packet that fails is not sent; its result says why.
   * @param packets - RTP packets (not modified).
   * @returns One result per packet, in order (`ok` results carry the SRTP packet that was sent).
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `packets` is not an array of Uint8Array.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * const failed = transport.sendRtpBatch(frame).filter((r) => !r.ok).length;
   */
  sendRtpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    const results = this.#keyed().protectRtpBatch(packets);
    this.#counters.rtpPacketsSent += this.#sendBatchResults(results);
    return results;
  }

  /**
   * Protects many RTCP packets in one native call and sends each that succeeded.
   * @param packets - RTCP packets (not modified).
   * @returns One result per packet, in order.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `packets` is not an array of Uint8Array.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * transport.sendRtcpBatch([senderReport, sdes]);
   */
  sendRtcpBatch(packets: readonly Uint8Array[]): SrtpBatchResult[] {
    const results = this.#keyed().protectRtcpBatch(packets);
    this.#counters.rtcpPacketsSent += this.#sendBatchResults(results);
    return results;
  }

  /**
   * Protects RTP packets in place and sends each that succeeded, with no
   * copy on a {@link UdpServer} path: one native call protects the batch and
   * sends it in one `sendmmsg`. The layout is that of
   * `SrtpSession.protectRtpBatchInPlace`: `(offset, length, capacity)` per
   * packet, capacity at least length + `rtpOverhead` of the profile (16 is
   * enough for every profile). On other paths each protected packet is copied
   * out and sent on its own.
   * @param buffer - Holds every packet; protected in place (a failed packet's bytes are unspecified).
   * @param layout - `(offset, length, capacity)` per packet, at most 1024 packets.
   * @param results - Receives per packet the SRTP length or a negative result code (`srtpResultCode` names it).
   * @returns How many packets were protected and handed to the path.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for a wrong argument type.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a layout outside `buffer`, not whole triples, or `results` too short.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * const layout = Int32Array.of(0, 1000, 1016, 1016, 1000, 1016);
   * const sent = transport.sendRtpBatchInPlace(slab, layout, new Int32Array(2));
   */
  sendRtpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    const sent = this.#sendInPlace(false, buffer, layout, results);
    this.#counters.rtpPacketsSent += sent;
    return sent;
  }

  /**
   * Protects RTCP packets in place and sends each that succeeded; capacities
   * need `rtcpOverhead` spare bytes (20 is enough for every profile). See
   * {@link DtlsSrtpTransport.sendRtpBatchInPlace}.
   * @param buffer - Holds every packet; protected in place.
   * @param layout - `(offset, length, capacity)` per packet, at most 1024 packets.
   * @param results - Receives per packet the SRTCP length or a negative result code.
   * @returns How many packets were protected and handed to the path.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for a wrong argument type.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a bad layout or `results` too short.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @example
   * transport.sendRtcpBatchInPlace(slab, Int32Array.of(0, 52, 72), new Int32Array(1));
   */
  sendRtcpBatchInPlace(buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    const sent = this.#sendInPlace(true, buffer, layout, results);
    this.#counters.rtcpPacketsSent += sent;
    return sent;
  }

  /**
   * Sends DTLS application data (e.g. SCTP) as one record.
   * @param data - 1 byte up to the record size that fits the MTU.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `data` is not a Uint8Array.
   * @throws {RangeError} ERR_OUT_OF_RANGE when empty or too large for one record.
   * @throws {InvalidStateError} ERR_INVALID_STATE unless connected.
   * @throws {DtlsError} ERR_DTLS_WRITE when OpenSSL could not write the record (`opensslErrors`
   *   says why); the transport has failed with the same error. ERR_DTLS_RELEASED with `mediaOnly`,
   *   once the DTLS state was released (stable code: a media-only transport has no DTLS to send on).
   * @example
   * transport.sendData(sctpPacket);
   */
  sendData(data: Uint8Array): void {
    this.#keyed();
    const dtls = this.#dtls as DtlsTransport;
    this.#dtlsCall(() => {
      dtls.sendData(data);
    });
  }

  /**
   * Alias of {@link DtlsSrtpTransport.sendData}, the name `DtlsTransport` has had from the start.
   * @param data - See `sendData`.
   * @throws See {@link DtlsSrtpTransport.sendData}.
   * @example
   * transport.send(sctpPacket);
   */
  send(data: Uint8Array): void {
    this.sendData(data);
  }

  /**
   * The verified peer certificate chain, leaf first, as DER (W3C
   * `RTCDtlsTransport.getRemoteCertificates()`): the peer's one self-signed
   * certificate for a WebRTC peer. Empty until connected and after the association ended.
   * @returns New Buffers.
   * @throws {InvalidStateError} ERR_INVALID_STATE after `close()`.
   * @example
   * const [der] = transport.getRemoteCertificates();
   * @see https://www.w3.org/TR/webrtc/#dom-rtcdtlstransport-getremotecertificates
   */
  getRemoteCertificates(): Buffer[] {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    if (this.#state !== 'connected' || this.#dtls === undefined) return [];
    return this.#dtls.getRemoteCertificates();
  }

  /**
   * Counters and parameters now. After `close()` it returns the snapshot
   * taken at close (unlike other methods it does not throw: a final summary
   * is its main use).
   * @returns A new {@link DtlsSrtpTransportStats}.
   * @example
   * const { srtpFailures, droppedDatagrams, handshakeDurationMs } = transport.getStats();
   */
  getStats(): DtlsSrtpTransportStats {
    if (this.#final !== undefined) return structuredClone(this.#final);
    const connected = this.#state === 'connected' || this.#handshakeMs !== undefined;
    const srtp = this.#srtp !== undefined && !this.#srtp.closed ? this.#srtp.getStats() : undefined;
    const dtls = this.#dtls;
    const profile = dtls?.srtpProfile;
    return {
      timestamp: performance.timeOrigin + performance.now(),
      ...this.#counters,
      dtlsState: this.#state,
      dtlsRole: dtls?.role ?? 'unknown',
      iceState: this.#iceState,
      selectedCandidatePairChanges: this.#selectedChanges,
      tlsVersion: connected ? 'FEFD' : undefined,
      dtlsCipher: dtls?.cipherSuite,
      srtpCipher: profile === undefined ? undefined : SRTP_IANA_NAME[profile],
      srtpProfile: profile,
      localCertificateFingerprint: { ...this.#localFingerprint },
      remoteCertificateFingerprint: this.#remoteFingerprint === undefined ? undefined : { ...this.#remoteFingerprint },
      selectedRemoteAddress: this.remoteAddress,
      handshakeDurationMs: this.#handshakeMs,
      connectDurationMs: this.#connectMs,
      srtpFailures: this.#srtpFailures === undefined ? zeroRecord(SRTP_PACKET_ERROR_CODES) : { ...this.#srtpFailures },
      droppedDatagrams: this.#dropped === undefined ? zeroRecord(DROP_REASONS) : { ...this.#dropped },
      dtls: this.#dtlsFinal ?? dtls?.getStats() ?? emptyDtlsStats(),
      ice: this.#ice?.getStats(),
      srtp,
      restart: this.#restartCounters === undefined ? emptyRestartStats() : { ...this.#restartCounters },
    };
  }

  /**
   * Closes the transport: sends DTLS close_notify once (if connected), closes
   * the SRTP session and the DTLS transport, and detaches from the socket
   * (which stays open: it is yours) or unregisters from its `UdpServer`. Safe to call twice; a pending `start()`
   * rejects with `InvalidStateError`.
   * @example
   * transport.close();
   */
  close(): void {
    if (this.#closed) return;
    const stats = this.getStats();
    this.#closed = true;
    this.#consent?.stop();
    this.#path.detach();
    this.#abortRestart();
    const dtls = this.#dtls;
    if (dtls !== undefined) {
      this.#dtlsCall(() => {
        dtls.close();
      });
    } else if (this.#state !== 'closed' && this.#state !== 'failed') {
      // Role 'auto' and never connected: no DTLS transport to report our end.
      this.#onDtlsState('closed');
    }
    this.#srtp?.close();
    this.#srtp = undefined;
    this.#setIceState('closed');
    // The close_notify above is counted in the final snapshot too.
    this.#final = {
      ...stats,
      ...this.#counters,
      dtlsState: this.#state,
      iceState: this.#iceState,
      dtls: this.#dtlsFinal ?? dtls?.getStats() ?? stats.dtls,
      restart: this.#restartCounters === undefined ? emptyRestartStats() : { ...this.#restartCounters },
      timestamp: performance.timeOrigin + performance.now(),
    };
    this.#emitCloseOnce();
  }

  /** The `close` event, once in the transport's life (see {@link SecureTransportContract}). */
  #emitCloseOnce(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    safeEmit(this, 'close', [], () => true);
  }

  #setIceState(state: IceState): void {
    if (this.#iceState === state) return;
    this.#iceState = state;
    safeEmit(this, 'icestatechange', [state], () => this.#iceState === state);
  }

  /** A path was selected (or moved): ICE is connected, and with ICE-lite the consent clock (re)starts. */
  #onSelected(): void {
    if (this.#closed || this.#iceState === 'failed') return;
    if (this.#ice !== undefined) this.#refreshConsent();
    this.#setIceState('connected');
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #keyed(method?: string): SrtpSession {
    if (this.#closed) throw new InvalidStateError('DtlsSrtpTransport is closed');
    const srtp = this.#srtp;
    if (this.#state !== 'connected' || srtp === undefined) {
      throw new InvalidStateError(`${method ?? 'This method'} is not available in state ${this.#state}: wait for connected`);
    }
    return srtp;
  }

  #dtlsCall<T>(fn: () => T): T {
    const outer = this.#inDtlsCall;
    this.#inDtlsCall = true;
    try {
      return fn();
    } finally {
      this.#inDtlsCall = outer;
    }
  }

  #onDtlsState(state: DtlsState): void {
    // Role 'auto': start() already reported 'connecting' before connect() started DTLS.
    if (state === 'connecting' && this.#state === 'connecting') return;
    if (state === 'connected') {
      const dtls = this.#dtls as DtlsTransport;
      try {
        // Keyed natively from the RFC 5764 export: the keys never reach JavaScript.
        this.#srtp = dtls.createSrtpSession({
          replayWindow: this.#replayWindow,
          maxRemoteStreams: this.#maxRemoteStreams,
          maxLocalStreams: this.#maxLocalStreams,
          ...this.#srtpExtras,
        });
        if (this.listenerCount('keylimit') > 0) this.#forwardKeyLimits(this.#srtp);
        this.#remoteFingerprint = computeFingerprint(dtls.getRemoteCertificate(), 'sha-256');
      } catch (cause) {
        // DTLS without SRTP is of no use here: end it; its 'closed' comes back as our 'failed'.
        this.#end(new DtlsError('ERR_DTLS_INTERNAL', 'Expected SRTP keys from the DTLS handshake but keying failed', { cause }));
        return;
      }
      const now = performance.now();
      this.#connectMs = now - this.#startedAt;
      this.#handshakeMs = now - (this.#dtlsBegan ?? this.#startedAt);
      this.#path.keyed?.(this.#srtp);
    } else if (state === 'closed' || state === 'failed') {
      this.#abortRestart();
      this.#path.keyed?.(undefined);
      this.#srtp?.close();
      this.#consent?.stop();
      // Ended by us (consent expired, keying failed): that is a failure.
      if (this.#failure !== undefined) state = 'failed';
    }
    this.#state = state;
    // Settle start() first, then tell the listeners.
    const settle = state === 'connecting' ? undefined : this.#settle;
    if (settle !== undefined) {
      this.#settle = undefined;
      if (state === 'connected') settle.resolve();
      else if (state === 'failed') settle.reject(this.error ?? new DtlsError('ERR_DTLS_INTERNAL', 'The DTLS transport failed'));
      else settle.reject(new InvalidStateError(this.#closed ? 'DtlsSrtpTransport was closed before it connected' : 'The peer closed the association before it connected'));
    }
    stateChanged(this, 'DtlsSrtpTransport', state);
    safeEmit(this, 'statechange', [state], () => this.#state === state);
    // The peer ended it: 'close' now (after our own close(), close() emits it last).
    if (state === 'closed' && !this.#closed && this.#state === 'closed') this.#emitCloseOnce();
  }

  /**
   * Ends the association because of a failure decided here (ICE consent
   * expired, SRTP keying failed): close_notify in case the peer still
   * listens; the DTLS state change then reports this transport as failed.
   */
  #end(failure: DtlsError | IceError): void {
    this.#failure = failure;
    this.#path.keyed?.(undefined);
    this.#srtp?.close();
    this.#srtp = undefined;
    const dtls = this.#dtls;
    if (dtls === undefined) {
      // Role 'auto' and not connected yet: nothing to close but our state.
      this.#onDtlsState('closed');
      return;
    }
    this.#dtlsFinal = dtls.getStats();
    this.#dtlsCall(() => {
      dtls.close();
    });
  }

  /** (Re)starts the consent clock: called on every authenticated check from the selected address. */
  #refreshConsent(): void {
    if (this.#closed || this.#state === 'closed' || this.#state === 'failed') return;
    this.#consent ??= new IceConsent(
      this.#consentTimeoutMs,
      () => {
        this.#consentExpired();
      },
      {
        timeoutMs: this.#disconnectedMs,
        onQuiet: () => {
          if (this.#iceState === 'connected') this.#setIceState('disconnected');
        },
      },
    );
    this.#consent.refresh();
    if (this.#iceState !== 'connected') this.#setIceState('connected');
  }

  #consentExpired(): void {
    if (this.#closed || this.#state === 'closed' || this.#state === 'failed') return;
    consentExpiredOn(this, this.#consentTimeoutMs);
    this.#setIceState('failed');
    // An icestatechange listener may have closed us.
    if (this.#closed) return;
    this.#end(
      new IceError(
        'ERR_ICE_CONSENT_EXPIRED',
        `Expected an ICE consent check from the selected address within ${this.#consentTimeoutMs} ms but received none`,
      ),
    );
  }

  #sendDtls(datagram: Buffer): void {
    if (!this.#inDtlsCall) this.#counters.dtlsRetransmissions++;
    const remote = this.#selection.current;
    if (remote === undefined) this.#keepUnsent(datagram);
    else this.#dtlsBegan ??= performance.now();
    this.#sendTo(datagram, remote);
  }

  /**
   * Keeps a DTLS datagram that had nowhere to go. DTLS writes a flight (or
   * its retransmission) in one synchronous burst: a later burst replaces the
   * kept one, so only the current flight is kept.
   */
  #keepUnsent(datagram: Buffer): void {
    if (!this.#collectingUnsent) {
      this.#collectingUnsent = true;
      this.#unsentFlight = [];
      queueMicrotask(() => {
        this.#collectingUnsent = false;
      });
    }
    (this.#unsentFlight ??= []).push(datagram);
  }

  /** A path was selected: sends the flight that found none, if the handshake still waits for it. */
  #sendUnsentFlight(remote: Required<TransportAddress>): void {
    const flight = this.#unsentFlight;
    if (flight === undefined) return;
    this.#unsentFlight = undefined;
    if (this.#closed || this.#dtls?.state !== 'connecting') return;
    this.#dtlsBegan ??= performance.now();
    for (const datagram of flight) this.#sendTo(datagram, remote);
  }

  #sendMedia(datagram: Buffer): void {
    this.#sendTo(datagram, this.#selection.current);
  }

  /** Sends the packets of batch results that succeeded (one system call where the path can); returns how many. */
  #sendBatchResults(results: readonly SrtpBatchResult[]): number {
    const packets: Buffer[] = [];
    for (const r of results) if (r.ok) packets.push(r.packet);
    const remote = this.#selection.current;
    if (this.#path.sendMany === undefined || remote === undefined) {
      for (const packet of packets) this.#sendMedia(packet);
      return packets.length;
    }
    this.#counters.packetsSent += packets.length;
    for (const packet of packets) this.#counters.bytesSent += packet.length;
    try {
      this.#path.sendMany(packets, remote);
    } catch {
      this.#counters.sendFailures += packets.length;
    }
    return packets.length;
  }

  #sendInPlace(rtcp: boolean, buffer: Uint8Array, layout: Int32Array, results: Int32Array): number {
    const srtp = this.#keyed();
    const remote = this.#selection.current;
    let protectedCount: number;
    if (this.#path.sendSrtpInPlace !== undefined && remote !== undefined) {
      try {
        this.#path.sendSrtpInPlace(rtcp, srtp, buffer, layout, remote, results);
      } catch (err) {
        // The server closed under us: counted as a send failure like any refused send.
        if (!(err instanceof InvalidStateError)) throw err;
        this.#counters.sendFailures++;
        return 0;
      }
      protectedCount = 0;
      const count = layout.length / 3;
      for (let i = 0; i < count; i++) {
        const n = results[i] as number;
        if (n < 0) continue;
        protectedCount++;
        this.#counters.bytesSent += n;
      }
      this.#counters.packetsSent += protectedCount;
      return protectedCount;
    }
    if (rtcp) srtp.protectRtcpBatchInPlace(buffer, layout, results);
    else srtp.protectRtpBatchInPlace(buffer, layout, results);
    protectedCount = 0;
    const count = layout.length / 3;
    for (let i = 0; i < count; i++) {
      const n = results[i] as number;
      if (n < 0) continue;
      const offset = layout[3 * i] as number;
      // The path may send later (node:dgram does): the caller reuses its buffer.
      this.#sendMedia(Buffer.from(buffer.subarray(offset, offset + n)));
      protectedCount++;
    }
    return protectedCount;
  }

  #sendTo(datagram: Buffer, remote: Required<TransportAddress> | undefined): void {
    if (remote === undefined) {
      this.#counters.sendFailures++;
      return;
    }
    this.#counters.packetsSent++;
    this.#counters.bytesSent += datagram.length;
    try {
      this.#path.send(datagram, remote);
    } catch {
      this.#counters.sendFailures++;
    }
  }

  #drop(reason: DatagramDropReason, address?: string, port?: number): void {
    (this.#dropped ??= zeroRecord(DROP_REASONS))[reason]++;
    if (debugEnabled && address !== undefined) debugDrop(reason, address, port ?? 0);
  }

  /** The demultiplexer. `msg` is owned by us (decrypted in place). */
  #handle(msg: Buffer, address: string, port: number, family: string): void {
    this.#counters.packetsReceived++;
    this.#counters.bytesReceived += msg.length;
    const kind = msg.length > MAX_DATAGRAM ? 'unknown' : classify(msg);
    switch (kind) {
      case 'stun':
        this.#handleStun(msg, { address, port, family: addressFamily(family) });
        break;
      case 'dtls':
        // Admitting a validated source selects it: a remoteaddresschange listener may close us.
        if (!this.#selection.admit(address, port, family, this.#ice)) this.#drop('unselected-address', address, port);
        else if (this.#state === 'new' || this.#dtls === undefined) this.#drop('not-started', address, port);
        else {
          // During a restart every DTLS record belongs to the new association.
          const dtls = this.#restart?.dtls ?? this.#dtls;
          if (this.#closed || dtls.closed) this.#drop('ended', address, port);
          else if (dtls === this.#dtls && this.#state === 'connected' && isClientHello(msg)) {
            // The peer restarted before we were told to: dropped (it retransmits), the live association kept.
            this.#restartStats().unexpectedClientHellos++;
          } else {
            this.#counters.dtlsPacketsReceived++;
            this.#dtlsBegan ??= performance.now();
            this.#dtlsCall(() => {
              dtls.receive(msg);
            });
          }
        }
        break;
      case 'rtp':
      case 'rtcp': {
        // Media may come from a validated pair the peer has not nominated yet (a browser sends on
        // its new pair during an ICE restart before it nominates it): accepted, the path unchanged.
        const onSelected = this.#selection.isSelected(address, port);
        if (!onSelected && !this.#isValidatedSource(address, port, family)) {
          this.#drop('unselected-address', address, port);
          break;
        }
        if (this.#srtp === undefined || this.#state !== 'connected') this.#drop('srtp-not-ready', address, port);
        // Only authenticated media on the selected path closes the path we moved away from.
        else if (this.#unprotect(this.#srtp, msg, kind, address, port, family) && onSelected) this.#mediaOnSelected();
        break;
      }
      case 'zrtp':
      case 'turn-channel':
      case 'unknown':
        this.#drop(kind, address, port);
        break;
    }
  }

  /**
   * Media from a source other than the selected one is taken when that source
   * passed an authenticated ICE check (ICE-lite only) and is not the path we
   * moved away from once media arrived on the new one — what a UdpServer's
   * routes do natively.
   */
  #isValidatedSource(address: string, port: number, family: string): boolean {
    if (this.#ice === undefined) return false;
    const left = this.#retiredPath;
    if (left !== undefined && left.address === address && left.port === port) return false;
    return this.#ice.isValidatedAddress({ address, port, family: addressFamily(family) });
  }

  /** The path moved to `remote`: the old one stays open for media until media arrives on the new one. */
  #noteMove(remote: Required<TransportAddress>): void {
    this.#movedFrom = this.#lastSelected;
    this.#lastSelected = remote;
    const left = this.#retiredPath;
    if (left !== undefined && left.address === remote.address && left.port === remote.port) this.#retiredPath = undefined;
  }

  /** Media arrived on the selected path: the path we moved away from is closed to media. */
  #mediaOnSelected(): void {
    if (this.#movedFrom === undefined) return;
    this.#retiredPath = this.#movedFrom;
    this.#movedFrom = undefined;
  }

  /** Unprotects and delivers one packet; `true` if it authenticated (held or refused: `false`). */
  #unprotect(srtp: SrtpSession, msg: Buffer, kind: 'rtp' | 'rtcp', address: string, port: number, family: string): boolean {
    const rtcp = kind === 'rtcp';
    const keys = this.#window?.keys;
    let n: number;
    let session = srtp;
    if (keys === undefined) {
      n = rtcp ? srtp.unprotectRtcpInPlace(msg, msg.length) : srtp.unprotectRtpInPlace(msg, msg.length);
    } else {
      n = keys.unprotect(msg, rtcp, address, port, family);
      if (n === HELD) return false;
      session = (keys.lastWasCurrent ? keys.current : keys.previous) ?? srtp;
    }
    if (n < 0) {
      this.#srtpFailure(n);
      return false;
    }
    // mediaOnly proof: a packet under the keys of the association that is ours now.
    const proof = keys === undefined || keys.current === undefined || keys.lastWasCurrent;
    this.#deliver(msg.subarray(0, n), rtcp, proof, session, address, port, family);
    return true;
  }

  /**
   * Delivers one decrypted packet; `proof`: it authenticated under the live
   * association's keys; `session` unprotected it. On a path that otherwise
   * unprotects natively (a UdpServer's route, unkeyed during a restart
   * window) it is first a one-packet `mediabatch` run with the same fields.
   */
  #deliver(plain: Buffer, rtcp: boolean, proof: boolean, session: SrtpSession, address: string, port: number, family: string): void {
    if (proof && this.#awaitingProof) this.#releaseDtls();
    if (rtcp) this.#counters.rtcpPacketsReceived++;
    else this.#counters.rtpPacketsReceived++;
    if (this.#path.keyed !== undefined && this.listenerCount('mediabatch') > 0) {
      // The batch holds a copy: `plain` reaches rtp/rtcp listeners as before, whatever mediabatch listeners do.
      this.#tsBatch ??= new SinglePacketBatch();
      const batch = this.#tsBatch.fill(plain, rtcp, session, address, port, family);
      if (batch !== undefined) {
        safeEmit(this, 'mediabatch', [batch, 0, 1], this.#mediaLive);
        // A mediabatch listener may have closed us.
        if (!this.#mediaLive()) return;
      }
    }
    safeEmit(this, rtcp ? 'rtcp' : 'rtp', [plain], this.#mediaLive);
  }

  /**
   * mediaOnly: a packet from the peer authenticated under the keys of this
   * association, so the peer holds them and our final flight arrived; the
   * DTLS state is no longer needed (see the option).
   */
  #releaseDtls(): void {
    this.#awaitingProof = false;
    const dtls = this.#dtls;
    if (dtls !== undefined && dtls.state === 'connected' && !dtls.closed) dtls.releaseSession();
  }

  /** Media of this peer the path already unprotected: datagrams `start` to `end - 1` of `batch`. */
  #receiveMedia(batch: UdpReceiveBatch, start: number, end: number): void {
    const c = this.#counters;
    const live = this.#mediaLive();
    // After a path move (rare): media on the new path closes the old one to media, as in #handle.
    if (this.#movedFrom !== undefined && end > start && this.#selection.isSelected(batch.address(start), batch.port(start))) {
      this.#mediaOnSelected();
    }
    for (let i = start; i < end; i++) {
      c.packetsReceived++;
      c.bytesReceived += batch.length(i);
      if (!live) this.#drop('srtp-not-ready');
      else if (batch.kind(i) === 'rtp') c.rtpPacketsReceived++;
      else c.rtcpPacketsReceived++;
    }
    if (!live) return;
    // Delivered here means authenticated natively: proof for mediaOnly, as in #unprotect.
    if (this.#awaitingProof && end > start) this.#releaseDtls();
    if (this.listenerCount('mediabatch') > 0) safeEmit(this, 'mediabatch', [batch, start, end], this.#mediaLive);
    const rtp = this.listenerCount('rtp') > 0;
    const rtcp = this.listenerCount('rtcp') > 0;
    if (!rtp && !rtcp) return;
    for (let i = start; i < end && this.#mediaLive(); i++) {
      const isRtp = batch.kind(i) === 'rtp';
      if (isRtp ? !rtp : !rtcp) continue;
      // The batch's buffer is reused: the event's Buffer is a copy, as on the other paths.
      const offset = batch.offset(i);
      const packet = Buffer.from(batch.buffer.subarray(offset, offset + batch.length(i)));
      safeEmit(this, isRtp ? 'rtp' : 'rtcp', [packet], this.#mediaLive);
    }
  }

  #srtpFailure(result: number): void {
    const code = srtpResultCode(result) ?? 'ERR_SRTP_INTERNAL';
    (this.#srtpFailures ??= zeroRecord(SRTP_PACKET_ERROR_CODES))[code]++;
  }

  #handleStun(msg: Buffer, from: Required<TransportAddress>): void {
    if (this.#ice === undefined) {
      if (this.#onStun === undefined) {
        this.#drop('stun-unhandled', from.address, from.port);
      } else {
        // Like a listener: an exception of the application's handler surfaces
        // on the next tick and never escapes receive() or the socket.
        try {
          this.#onStun(msg, from);
        } catch (err) {
          rethrowLater(err);
        }
      }
      return;
    }
    const r = this.#ice.handle(msg, from);
    if (r.action === 'drop') {
      this.#drop('stun-rejected', from.address, from.port);
      return;
    }
    this.#sendTo(r.response, r.remote);
    if (r.action !== 'success') return;
    if (this.#iceState === 'new' && !this.#closed) this.#setIceState('checking');
    if (r.nominated) {
      const selected = this.#ice.selectedAddress;
      if (selected !== undefined) this.#selection.select(selected);
    }
    // An authenticated check on the selected path renews consent (RFC 7675 §5.1).
    if (this.#selection.isSelected(from.address, from.port)) this.#refreshConsent();
  }
}
