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
import { DtlsTransport, type DtlsState, type DtlsStats } from './dtls-transport.js';
import { DtlsError, IceError, InvalidStateError } from './errors.js';
import { checkFingerprintList, computeFingerprint, type DtlsFingerprint } from './fingerprint.js';
import { IceConsent } from './ice-consent.js';
import { IceLiteResponder, isIceLiteResponder } from './ice-lite.js';
import { selectDtlsRole, type DtlsRole } from './role.js';
import { rethrowLater, safeEmit } from './safe-emit.js';
import { consentExpiredOn, debugDrop, debugEnabled, debugPath, stateChanged, transportMade } from './diagnostics.js';
import {
  SRTP_PACKET_ERROR_CODES,
  srtpResultCode,
  type SrtpSession,
  type SrtpKeyLimits,
  srtpCreationOptions,
  keyLimitsOf,
  type SrtpBatchResult,
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
import type { UdpReceiveBatch } from './udp-socket.js';
import {
  DROP_REASONS,
  type DatagramDropReason,
  type DtlsSrtpTransportEvents,
  type DtlsSrtpTransportOptions,
  type DtlsSrtpTransportStats,
} from './dtls-srtp-types.js';


/** A UDP payload is never larger. */
const MAX_DATAGRAM = 65535;

function zeroRecord<K extends string>(keys: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = 0;
  return out;
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
export class DtlsSrtpTransport extends EventEmitter<DtlsSrtpTransportEvents> implements Disposable {
  readonly #dtls: DtlsTransport;
  readonly #certificate: Certificate;
  readonly #path: PathAdapter;
  readonly #ice: IceLiteResponder | undefined;
  readonly #onStun: ((datagram: Buffer, remote: Required<TransportAddress>) => void) | undefined;
  readonly #replayWindow: number;
  readonly #maxRemoteStreams: number;
  readonly #maxLocalStreams: number;
  /** RFC 6904 IDs and key limits for the SRTP session (validated copies). */
  readonly #srtpExtras: { encryptedHeaderExtensionIds?: readonly number[]; keyLimits?: SrtpKeyLimits };
  readonly #mediaOnly: boolean;
  /** mediaOnly and the DTLS state not yet released: the next authenticated packet releases it. */
  #awaitingProof: boolean;
  readonly #consent: IceConsent;
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
   * instead of at the retransmission timer. Empty once a path exists.
   */
  #unsentFlight: Buffer[] = [];
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
  readonly #srtpFailures = zeroRecord(SRTP_PACKET_ERROR_CODES);
  readonly #dropped = zeroRecord(DROP_REASONS);

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
    let role: DtlsRole;
    if (options.setup !== undefined) {
      checkObject(options.setup, 'options.setup');
      role = selectDtlsRole(options.setup);
    } else {
      role = checkOneOf(options.role, 'options.role', ['client', 'server']);
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
        this.#path.select?.(remote);
        this.#sendUnsentFlight(remote);
        safeEmit(this, 'remoteaddresschange', [{ ...remote }], () => !this.#closed && this.#selection.current === remote);
      },
    );
    this.#replayWindow = checkInteger(options.replayWindow, 'options.replayWindow', 64, 32767, 1024);
    this.#maxRemoteStreams = checkInteger(options.maxRemoteStreams, 'options.maxRemoteStreams', 1, 4096, 64);
    this.#maxLocalStreams = checkInteger(options.maxLocalStreams, 'options.maxLocalStreams', 1, 65536, 1024);
    const extras = srtpCreationOptions(options, 'options');
    this.#srtpExtras = {
      ...(extras.headerIds === undefined ? {} : { encryptedHeaderExtensionIds: Array.from(extras.headerIds) }),
      ...(extras.keyLimits === undefined ? {} : { keyLimits: keyLimitsOf(extras.keyLimits) }),
    };
    this.#mediaOnly = optionalBoolean(options.mediaOnly, 'options.mediaOnly', false);
    this.#awaitingProof = this.#mediaOnly;
    const consentTimeoutMs =
      options.consentTimeoutMs === 0 ? 0 : checkInteger(options.consentTimeoutMs, 'options.consentTimeoutMs', 1000, 3_600_000, 30_000);
    this.#consent = new IceConsent(consentTimeoutMs, () => {
      this.#consentExpired();
    });
    if (options.remoteFingerprints !== undefined) checkFingerprintList(options.remoteFingerprints, 'options.remoteFingerprints');
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

    this.#dtls = new DtlsTransport({
      certificate: options.certificate,
      role,
      remoteFingerprints: options.remoteFingerprints,
      srtpProfiles: options.srtpProfiles,
      mtu: options.mtu,
      initialRetransmitMs: options.initialRetransmitMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      send: (datagram) => {
        this.#sendDtls(datagram);
      },
    });
    this.#dtls.on('statechange', (state) => {
      this.#onDtlsState(state);
    });
    this.#dtls.on('data', (data) => {
      safeEmit(this, 'data', [data], this.#mediaLive);
    });
    (this as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'keylog' && this.#dtls.listenerCount('keylog') === 0) this.#dtls.on('keylog', (line) => safeEmit(this, 'keylog', [line], () => true));
    });

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
    const initial = this.#selection.current;
    try {
      if (initial !== undefined) this.#path.select?.(initial);
    } catch (err) {
      // A server refuses an address of the wrong family: unregister before the constructor throws.
      this.#path.detach();
      this.#dtls.close();
      throw err;
    }
    transportMade(this, 'DtlsSrtpTransport', role, this.#dtls);
    if (debugEnabled && initial !== undefined) debugPath(this, initial.address, initial.port, 'remoteAddress option');
  }

  /** Current state: `new → connecting → connected → closed | failed`; `connected` means SRTP is keyed. */
  get state(): DtlsState {
    return this.#state;
  }

  /** Our DTLS role. */
  get role(): DtlsRole {
    return this.#dtls.role;
  }

  /**
   * Why the transport failed (`state === 'failed'`), else `undefined`: a
   * `DtlsError` (`ERR_DTLS_INTERNAL` with a `cause` when SRTP could not be
   * keyed from the handshake), or an `IceError` (`ERR_ICE_CONSENT_EXPIRED`)
   * when the peer stopped answering for ICE consent.
   */
  get error(): DtlsError | IceError | undefined {
    return this.#failure ?? this.#dtls.error;
  }

  /** `true` once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The `mediaOnly` option: DTLS is freed once the peer's first SRTP/SRTCP packet authenticates. */
  get mediaOnly(): boolean {
    return this.#mediaOnly;
  }

  /** The negotiated SRTP profile once connected. */
  get srtpProfile(): SrtpProfile | undefined {
    return this.#dtls.srtpProfile;
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

  /** Our certificate's fingerprints (sha-256), for the local SDP. */
  get localFingerprints(): DtlsFingerprint[] {
    return this.#certificate.getFingerprints(['sha-256']);
  }

  /**
   * Starts DTLS (a client sends its ClientHello to the selected address now,
   * or with none selected yet, the moment one is; a server waits for one) and resolves once the peer is verified and SRTP is
   * keyed. Calling it again returns the same promise.
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
    if (this.#state === 'failed') return Promise.reject(this.error ?? new InvalidStateError('DtlsSrtpTransport failed'));
    this.#startedAt = performance.now();
    // Our promise follows our state (SRTP keyed, failed, closed), not the DTLS
    // transport's: DTLS can connect and SRTP keying still fail.
    const started = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#started = started;
    const dtls = this.#dtlsCall(() => this.#dtls.start());
    // Its outcome reaches us as a DTLS state change.
    dtls.catch(() => undefined);
    return started;
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
    this.#dtlsCall(() => {
      this.#dtls.setRemoteFingerprints(fingerprints);
    });
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
    this.#dtlsCall(() => {
      this.#dtls.send(data);
    });
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
    return {
      timestamp: performance.timeOrigin + performance.now(),
      ...this.#counters,
      dtlsState: this.#state,
      dtlsRole: this.#dtls.role,
      tlsVersion: connected ? 'FEFD' : undefined,
      dtlsCipher: this.#dtls.cipherSuite,
      srtpCipher: this.#dtls.srtpProfile,
      localCertificateFingerprint: { ...this.#localFingerprint },
      remoteCertificateFingerprint: this.#remoteFingerprint === undefined ? undefined : { ...this.#remoteFingerprint },
      selectedRemoteAddress: this.remoteAddress,
      handshakeDurationMs: this.#handshakeMs,
      srtpFailures: { ...this.#srtpFailures },
      droppedDatagrams: { ...this.#dropped },
      dtls: this.#dtlsFinal ?? this.#dtls.getStats(),
      ice: this.#ice?.getStats(),
      srtp,
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
    this.#consent.stop();
    this.#path.detach();
    this.#dtlsCall(() => {
      this.#dtls.close();
    });
    this.#srtp?.close();
    this.#srtp = undefined;
    // The close_notify above is counted in the final snapshot too.
    this.#final = { ...stats, ...this.#counters, dtlsState: this.#state, timestamp: performance.timeOrigin + performance.now() };
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
    if (state === 'connected') {
      try {
        // Keyed natively from the RFC 5764 export: the keys never reach JavaScript.
        this.#srtp = this.#dtls.createSrtpSession({
          replayWindow: this.#replayWindow,
          maxRemoteStreams: this.#maxRemoteStreams,
          maxLocalStreams: this.#maxLocalStreams,
          ...this.#srtpExtras,
        });
        this.#srtp.on('keylimit', (event) => {
          safeEmit(this, 'keylimit', [event], () => !this.#closed);
        });
        this.#remoteFingerprint = computeFingerprint(this.#dtls.getRemoteCertificate(), 'sha-256');
      } catch (cause) {
        // DTLS without SRTP is of no use here: end it; its 'closed' comes back as our 'failed'.
        this.#end(new DtlsError('ERR_DTLS_INTERNAL', 'Expected SRTP keys from the DTLS handshake but keying failed', { cause }));
        return;
      }
      this.#handshakeMs = performance.now() - this.#startedAt;
      this.#path.keyed?.(this.#srtp);
    } else if (state === 'closed' || state === 'failed') {
      this.#path.keyed?.(undefined);
      this.#srtp?.close();
      this.#consent.stop();
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
    this.#dtlsFinal = this.#dtls.getStats();
    this.#dtlsCall(() => {
      this.#dtls.close();
    });
  }

  /** (Re)starts the consent clock: called on every authenticated check from the selected address. */
  #refreshConsent(): void {
    if (this.#closed || this.#state === 'closed' || this.#state === 'failed') return;
    this.#consent.refresh();
  }

  #consentExpired(): void {
    if (this.#closed || this.#state === 'closed' || this.#state === 'failed') return;
    consentExpiredOn(this, this.#consent.timeoutMs);
    this.#end(
      new IceError(
        'ERR_ICE_CONSENT_EXPIRED',
        `Expected an ICE consent check from the selected address within ${this.#consent.timeoutMs} ms but received none`,
      ),
    );
  }

  #sendDtls(datagram: Buffer): void {
    if (!this.#inDtlsCall) this.#counters.dtlsRetransmissions++;
    const remote = this.#selection.current;
    if (remote === undefined) this.#keepUnsent(datagram);
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
    this.#unsentFlight.push(datagram);
  }

  /** A path was selected: sends the flight that found none, if the handshake still waits for it. */
  #sendUnsentFlight(remote: Required<TransportAddress>): void {
    const flight = this.#unsentFlight;
    if (flight.length === 0) return;
    this.#unsentFlight = [];
    if (this.#closed || this.#dtls.state !== 'connecting') return;
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
    this.#dropped[reason]++;
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
        else if (this.#state === 'new') this.#drop('not-started', address, port);
        else if (this.#closed || this.#dtls.closed) this.#drop('ended', address, port);
        else {
          this.#counters.dtlsPacketsReceived++;
          this.#dtlsCall(() => {
            this.#dtls.receive(msg);
          });
        }
        break;
      case 'rtp':
      case 'rtcp':
        if (!this.#selection.isSelected(address, port)) this.#drop('unselected-address', address, port);
        else if (this.#srtp === undefined || this.#state !== 'connected') this.#drop('srtp-not-ready', address, port);
        else this.#unprotect(this.#srtp, msg, kind);
        break;
      case 'zrtp':
      case 'turn-channel':
      case 'unknown':
        this.#drop(kind, address, port);
        break;
    }
  }

  #unprotect(srtp: SrtpSession, msg: Buffer, kind: 'rtp' | 'rtcp'): void {
    if (kind === 'rtp') {
      const n = srtp.unprotectRtpInPlace(msg, msg.length);
      if (n < 0) {
        this.#srtpFailure(n);
        return;
      }
      if (this.#awaitingProof) this.#releaseDtls();
      this.#counters.rtpPacketsReceived++;
      safeEmit(this, 'rtp', [msg.subarray(0, n)], this.#mediaLive);
    } else {
      const n = srtp.unprotectRtcpInPlace(msg, msg.length);
      if (n < 0) {
        this.#srtpFailure(n);
        return;
      }
      if (this.#awaitingProof) this.#releaseDtls();
      this.#counters.rtcpPacketsReceived++;
      safeEmit(this, 'rtcp', [msg.subarray(0, n)], this.#mediaLive);
    }
  }

  /**
   * mediaOnly: a packet from the peer authenticated under the keys of this
   * association, so the peer holds them and our final flight arrived; the
   * DTLS state is no longer needed (see the option).
   */
  #releaseDtls(): void {
    this.#awaitingProof = false;
    if (this.#dtls.state === 'connected' && !this.#dtls.closed) this.#dtls.releaseSession();
  }

  /** Media of this peer the path already unprotected: datagrams `start` to `end - 1` of `batch`. */
  #receiveMedia(batch: UdpReceiveBatch, start: number, end: number): void {
    const c = this.#counters;
    const live = this.#mediaLive();
    for (let i = start; i < end; i++) {
      c.packetsReceived++;
      c.bytesReceived += batch.length(i);
      if (!live) this.#dropped['srtp-not-ready']++;
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
    this.#srtpFailures[code]++;
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
    if (r.nominated) {
      const selected = this.#ice.selectedAddress;
      if (selected !== undefined) this.#selection.select(selected);
    }
    // An authenticated check on the selected path renews consent (RFC 7675 §5.1).
    if (this.#selection.isSelected(from.address, from.port)) this.#refreshConsent();
  }
}
