// SPDX-License-Identifier: MIT
/**
 * The types of {@link DtlsSrtpTransport}'s surface: its options, events and
 * statistics, and the reasons it drops a received datagram.
 * @packageDocumentation
 */
import type { Socket as DgramSocket } from 'node:dgram';
import type { Certificate } from './certificate.js';
import type { DtlsState, DtlsStats } from './dtls-transport.js';
import type { DtlsFingerprint } from './fingerprint.js';
import type { DtlsParameters } from './transport-contract.js';
import type { IceLiteResponder, IceLiteResponderOptions, IceLiteStats } from './ice-lite.js';
import type { DtlsRole, DtlsSetup } from './role.js';
import type { SrtpKeyLimitEvent, SrtpKeyLimits, SrtpPacketErrorCode, SrtpProfile, SrtpStats } from './srtp-session.js';
import type { DatagramPath, TransportAddress } from './datagram-path.js';
import type { UdpServer } from './udp-server.js';
import type { UdpReceiveBatch } from './udp-socket.js';
import type { DtlsParametersRole, IceState } from './transport-contract.js';

/**
 * The `a=setup` values of a finished offer/answer, from which the DTLS role follows (RFC 5763 §5).
 * @example
 * // The browser offered actpass, we answered passive: we are the DTLS server.
 * const setup: DtlsSetupParameters = { localSetup: 'passive', remoteSetup: 'actpass', isOfferer: false };
 */
export interface DtlsSetupParameters {
  /** The `a=setup` of the SDP we sent. */
  localSetup: DtlsSetup;
  /** The `a=setup` of the SDP the peer sent. */
  remoteSetup: DtlsSetup;
  /** `true` if we sent the offer. */
  isOfferer: boolean;
}

/**
 * Options of {@link DtlsSrtpTransport}. Give exactly one of `socket`, `path` and `server`, and exactly one of `role` and `setup`.
 * @example
 * const options: DtlsSrtpTransportOptions = {
 *   certificate, role: 'server', remoteFingerprints: offer.fingerprints,
 *   socket, iceLite: { remoteUfrag: offer.iceUfrag },
 *   srtpProfiles: ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'],
 * };
 */
export interface DtlsSrtpTransportOptions {
  /** Our identity; put `certificate.getFingerprints()` into our SDP. */
  certificate: Certificate;
  /**
   * The DTLS role (`'client'` sends the ClientHello). `'auto'`: not known
   * yet — `connect({ dtlsParameters })` decides it from the peer's role
   * later (the mediasoup flow: the transport exists before the answer).
   */
  role?: DtlsParametersRole;
  /** Derive the DTLS role from the `a=setup` values instead (see `selectDtlsRole`). */
  setup?: DtlsSetupParameters;
  /** The peer's `a=fingerprint` values, if known; else call `setRemoteFingerprints` later. */
  remoteFingerprints?: readonly DtlsFingerprint[];
  /** use_srtp preference list, most preferred first; default GCM-128, GCM-256, CM-80, CM-32. */
  srtpProfiles?: readonly SrtpProfile[];
  /** A bound `node:dgram` socket used for this peer only: the transport listens to its `'message'` events and sends on it. It is never closed by the transport. */
  socket?: DgramSocket;
  /** Or any datagram path the application owns; feed received datagrams to `receive()`. */
  path?: DatagramPath;
  /**
   * Or a {@link UdpServer}: a native UDP port shared with other transports
   * (or this one's alone). The server routes this transport's STUN by its
   * ICE-lite ufrag before a path is selected and everything from the
   * selected path after; SRTP and SRTCP are unprotected natively (see the
   * `mediabatch` event). The transport unregisters when it closes.
   */
  server?: UdpServer;
  /**
   * The peer's address, when known without ICE; DTLS, RTP and RTCP are accepted from this address only.
   * An IP address: a host name such as `'localhost'` is refused (`ERR_INVALID_ARG_VALUE`); resolve it first.
   */
  remoteAddress?: TransportAddress;
  /**
   * Answer ICE checks as an ICE-lite agent: a responder of yours (whose
   * credentials went into the SDP) or options to create one. The address it
   * selects becomes the path. Without it, STUN goes to `onStun` or is dropped.
   */
  iceLite?: IceLiteResponder | IceLiteResponderOptions;
  /**
   * Your STUN handler when you run ICE yourself; call `setRemoteAddress()` when it selects a pair.
   * Like an event listener, an exception it throws is re-thrown on the next tick.
   */
  onStun?: (datagram: Buffer, remote: Required<TransportAddress>) => void;
  /** Largest DTLS datagram we send, 256 to 65507; default 1200. */
  mtu?: number;
  /** First DTLS retransmission timeout in ms, 1 to 60000; default 1000. */
  initialRetransmitMs?: number;
  /** The handshake must finish within this many ms of `start()`, 1 to 600000; default 30000. */
  handshakeTimeoutMs?: number;
  /** SRTP replay window in packets, 64 to 32767; default 1024. */
  replayWindow?: number;
  /** Remote SSRCs with their own SRTP state, 1 to 4096; default 64. */
  maxRemoteStreams?: number;
  /** Local SSRCs we send with their own SRTP state, 1 to 65536; default 1024 (see `SrtpSessionOptions`). */
  maxLocalStreams?: number;
  /** RFC 6904: IDs of the RTP header extensions to encrypt, both directions (see `SrtpSessionOptions`). */
  encryptedHeaderExtensionIds?: readonly number[];
  /** SRTP key-usage limits (see `SrtpKeyLimits`); reaching one emits `keylimit`. */
  keyLimits?: SrtpKeyLimits;
  /**
   * With `iceLite`: consent freshness (RFC 7675). Once a path is selected, the
   * transport fails with `ERR_ICE_CONSENT_EXPIRED` (`iceState` `'failed'`)
   * when no authenticated check arrived from it for this many ms; 0 disables.
   * 10000 to 3600000; default 30000 (RFC 7675 §5.1). Real peers check every
   * 2.66 s (Chromium 156) to every 4.2–5.8 s (libdatachannel); a timeout
   * under 10 s fails healthy sessions after a few lost checks, so it is
   * refused (`ERR_OUT_OF_RANGE`).
   */
  consentTimeoutMs?: number;
  /**
   * With `iceLite`: `iceState` becomes `'disconnected'` when no authenticated
   * check arrived on the selected path for this many ms, and `'connected'`
   * again with the next one (the transport keeps working meanwhile). 0
   * disables. 6000 to 3600000, and below `consentTimeoutMs` unless that is 0;
   * default 8000 (longer than the 5.8 s a healthy libdatachannel peer may
   * leave between checks, about three missed Chromium checks).
   */
  iceDisconnectedTimeoutMs?: number;
  /**
   * This association carries SRTP and SRTCP only, never DTLS application
   * data (no data channel): free the DTLS state (the record layer that
   * replaced OpenSSL's session at completion: keys, replay window, the peer's
   * certificate; about 4 KiB) as soon as the peer has proven
   * it holds the keys, i.e. when the first SRTP or SRTCP packet from it authenticates
   * (so our final handshake flight arrived and will never be retransmitted).
   * A packet that fails authentication proves nothing and changes nothing.
   *
   * After the release, SRTP goes on both ways and `getStats()` and
   * `close()` work as before, but: `sendData()` throws `DtlsError`
   * `ERR_DTLS_RELEASED`; the peer's encrypted close_notify can no longer
   * be read, so its departure is seen through ICE consent (`iceLite`'s
   * `consentTimeoutMs`) or by your application, not as an immediate
   * `'closed'`; and our `close()` sends no close_notify.
   *
   * Default `false`: the transport cannot know at construction that nothing
   * will need DTLS later (a data channel negotiated in the SDP, a peer that
   * should be seen leaving at once). Set it for peers whose SDP has no
   * `m=application` section, e.g. WHIP/WHEP ingest and playback.
   * @see https://www.rfc-editor.org/rfc/rfc5764#section-4.2
   */
  mediaOnly?: boolean;
  /**
   * How long after a DTLS restart's new association connected (or failed)
   * packets under the previous association's keys are still accepted, in ms
   * (default 5000, 100 to 60 000). They stop earlier, at the first packet that
   * authenticates under the new keys. See `restartDtls()`.
   */
  restartGraceMs?: number;
}

/**
 * Why a received datagram was dropped before DTLS or SRTP saw it:
 * - `unknown`: empty, or a first byte RFC 7983 assigns to nothing;
 * - `zrtp`, `turn-channel`: valid RFC 7983 classes this transport does not carry;
 * - `stun-unhandled`: STUN with neither an ICE-lite responder nor an `onStun` handler;
 * - `stun-rejected`: STUN the ICE-lite responder dropped (details in `ice.dropped`);
 * - `unselected-address`: DTLS, RTP or RTCP from an address other than the selected one (or with none selected);
 * - `not-started`: DTLS before `start()`, or, with role `'auto'`, before `connect()` gave the role (the peer retransmits);
 * - `ended`: DTLS after this transport ended its association itself (ICE consent expired, SRTP keying failed);
 * - `srtp-not-ready`: RTP or RTCP before the handshake finished (or after it failed).
 * @example
 * const { droppedDatagrams } = transport.getStats();
 * if (droppedDatagrams['unselected-address'] > 0) log('datagrams from strangers ignored');
 */
export type DatagramDropReason =
  | 'unknown'
  | 'zrtp'
  | 'turn-channel'
  | 'stun-unhandled'
  | 'stun-rejected'
  | 'unselected-address'
  | 'not-started'
  | 'ended'
  | 'srtp-not-ready';

/**
 * Events of {@link DtlsSrtpTransport}; there is never an `'error'` event.
 * @example
 * transport.on('rtp', (packet) => router.forward(packet));
 * transport.on('statechange', (state) => state === 'failed' && console.warn(transport.error?.code));
 */
export interface DtlsSrtpTransportEvents {
  /** A decrypted RTP packet from the selected address. The Buffer is yours. */
  rtp: [packet: Buffer];
  /** A decrypted (compound) RTCP packet from the selected address. The Buffer is yours. */
  rtcp: [packet: Buffer];
  /**
   * With the `server` option only: datagrams `start` to `end - 1` of `batch`
   * are this transport's RTP and RTCP, already unprotected natively, with
   * what an SFU routes on (`batch.kind(i)`, `ssrc(i)`, `sequenceNumber(i)`,
   * `payloadType(i)`, `marker(i)`, `timestamp(i)`, `payloadOffset(i)`, ...).
   * One event per run of this peer's media in a received batch, before the
   * per-packet `rtp`/`rtcp` events of the same packets. During a DTLS
   * restart window the media is decrypted in TypeScript instead and comes as
   * one-packet runs with the same fields (`route(i)` is -1). The batch and its
   * buffer are reused: they are valid only during the call; copy what you keep.
   */
  mediabatch: [batch: UdpReceiveBatch, start: number, end: number];
  /** One DTLS application-data record (e.g. SCTP for data channels). */
  data: [data: Buffer];
  /** Every state change, with the new state. */
  statechange: [state: DtlsState];
  /** The selected remote address was set or moved (ICE nomination, first validated DTLS, `setRemoteAddress`). */
  remoteaddresschange: [remote: Required<TransportAddress>];
  /** The SRTP master key reached a usage limit (see `SrtpKeyLimits`); a DTLS restart re-keys. */
  keylimit: [event: SrtpKeyLimitEvent];
  /**
   * A key-log line of the DTLS handshake (NSS Key Log Format, as `node:tls`
   * emits it) for Wireshark; see `DtlsTransport`'s `keylog`. Debugging only:
   * anyone with these lines can decrypt the DTLS session (and derive the SRTP keys).
   * Produced only while a listener exists.
   */
  keylog: [line: Buffer];
  /** Every change of `iceState`, with the new state. */
  icestatechange: [state: IceState];
  /**
   * A DTLS restart (`restartDtls()`, RFC 8842) began, completed (the new
   * association is connected and outbound SRTP uses its keys) or failed
   * (`event.error` says why; the previous keys then expire after the grace period).
   */
  dtlsrestart: [event: DtlsRestartEvent];
  /**
   * Once in the transport's life: the association ended cleanly (`close()` or
   * the peer's close_notify), or `close()` was called on a failed transport
   * (see `SecureTransportContract`).
   */
  close: [];
}

/**
 * The remote side given to {@link DtlsSrtpTransport.connect}, in mediasoup's shape.
 * @example
 * transport.connect({ dtlsParameters: { role: 'client', fingerprints: offer.fingerprints } });
 */
export interface DtlsSrtpConnectParameters {
  /** The peer's DTLS role and fingerprints. */
  dtlsParameters: DtlsParameters;
  /**
   * The peer's `a=tls-id` (RFC 8842), if its description had one:
   * `restartDtls()` compares the next one with it.
   */
  tlsId?: string;
}

/**
 * What {@link DtlsSrtpTransport.restartDtls} takes: the peer's DTLS
 * parameters and `a=tls-id` from a new offer/answer, and optionally a new
 * certificate of ours (a restart is how a live transport rotates it).
 * @example
 * await transport.restartDtls({ dtlsParameters: { role: 'client', fingerprints: offer.fingerprints }, tlsId: offer.tlsId });
 */
export interface DtlsRestartParameters {
  /** The peer's DTLS role and fingerprints in the new description. */
  dtlsParameters: DtlsParameters;
  /** The peer's `a=tls-id` in the new description (RFC 8842 §5), if it has one. */
  tlsId?: string;
  /** A new certificate of ours; its fingerprint goes into our new description (`localFingerprints`). */
  certificate?: Certificate;
}

/**
 * A `dtlsrestart` event of {@link DtlsSrtpTransport}.
 * @example
 * transport.on('dtlsrestart', (e) => e.phase === 'failed' && log(e.error?.code));
 */
export interface DtlsRestartEvent {
  /** `'started'`: a new association began; `'complete'`: it connected and outbound SRTP switched; `'failed'`: it did not connect. */
  phase: 'started' | 'complete' | 'failed';
  /** Our DTLS role in the new association. */
  role: DtlsRole;
  /** Why the restart failed (phase `'failed'`). */
  error?: Error;
}

/**
 * DTLS restart counters of a {@link DtlsSrtpTransport} (`getStats().restart`).
 * @example
 * const { completed, previousKeyPackets, held, replayed } = transport.getStats().restart;
 */
export interface DtlsRestartStats {
  /** Restarts that began a new association. */
  started: number;
  /** Restarts whose new association connected. */
  completed: number;
  /** Restarts whose new association failed (bad fingerprint, alert, timeout, keying). */
  failed: number;
  /** `restartDtls()` calls that kept the association (fingerprints and tls-id unchanged, RFC 8842 §5). */
  unchanged: number;
  /** SRTP/SRTCP packets that authenticated under the previous association's keys after a restart began. */
  previousKeyPackets: number;
  /** SRTP/SRTCP packets that authenticated under the new association's keys while the previous keys were still accepted (replayed ones included). */
  currentKeyPackets: number;
  /** Packets under keys not yet derived (the peer switched first), held until the new association is keyed. */
  held: number;
  /** Held packets that authenticated under the new keys once they existed, and were delivered. */
  replayed: number;
  /** Held packets dropped: over the bounds, too old, not authentic under the new keys, or the restart failed. */
  heldDropped: number;
  /** ClientHellos that reached a connected transport that was not restarting: dropped, the association kept. */
  unexpectedClientHellos: number;
  /** The previous keys' sessions closed (wiped and freed). */
  previousKeysRetired: number;
}

/**
 * Counters and parameters of a {@link DtlsSrtpTransport}. Where W3C
 * `RTCTransportStats` (https://www.w3.org/TR/webrtc-stats/#transportstats-dict*)
 * has a member for the same thing, the field has its name and its values
 * (marked **W3C** below); the other fields are this package's own.
 * Packet and byte counts are UDP datagrams of this peer, all protocols.
 * @example
 * const s = transport.getStats();
 * console.log(s.dtlsCipher, s.srtpCipher, s.srtpFailures.ERR_SRTP_AUTH_FAIL, s.handshakeDurationMs);
 */
export interface DtlsSrtpTransportStats {
  /** **W3C.** `performance.timeOrigin + performance.now()` when taken, in ms. */
  timestamp: number;
  /** **W3C.** Datagrams handed to the path (including STUN responses and DTLS). */
  packetsSent: number;
  /** **W3C.** Bytes of those datagrams. */
  bytesSent: number;
  /** **W3C.** Datagrams received, from any address, before any drop. */
  packetsReceived: number;
  /** **W3C.** Bytes of those datagrams. */
  bytesReceived: number;
  /** SRTP packets sent. */
  rtpPacketsSent: number;
  /** SRTP packets received that decrypted (delivered as `rtp` events). */
  rtpPacketsReceived: number;
  /** SRTCP packets sent. */
  rtcpPacketsSent: number;
  /** SRTCP packets received that decrypted (delivered as `rtcp` events). */
  rtcpPacketsReceived: number;
  /** DTLS datagrams from the selected address handed to the DTLS transport (which silently discards records it cannot use). */
  dtlsPacketsReceived: number;
  /** **W3C.** DTLS state (the transport's state). */
  dtlsState: DtlsState;
  /** **W3C.** Our DTLS role; `'unknown'` while a transport created with role `'auto'` waits for `connect()`. */
  dtlsRole: DtlsRole | 'unknown';
  /** **W3C.** The ICE state (see `DtlsSrtpTransport.iceState`). */
  iceState: IceState;
  /** **W3C.** How many times the selected remote address was set or moved (ICE nomination, first validated DTLS, `setRemoteAddress`). */
  selectedCandidatePairChanges: number;
  /** **W3C.** The negotiated version as W3C writes it (`'FEFD'`, DTLS 1.2, the only version offered); undefined before connected. */
  tlsVersion: string | undefined;
  /** **W3C.** The DTLS cipher suite's IANA name once connected (e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`). */
  dtlsCipher: string | undefined;
  /**
   * **W3C.** The SRTP protection profile's IANA name once connected, as
   * browsers report it: `SRTP_AEAD_AES_128_GCM`, `SRTP_AEAD_AES_256_GCM`,
   * `SRTP_AES128_CM_SHA1_80`, `SRTP_AES128_CM_SHA1_32` (this package's profile
   * name is `srtpProfile`).
   */
  srtpCipher: string | undefined;
  /** The negotiated SRTP profile once connected, as this package names it (`'AEAD_AES_128_GCM'`, …). */
  srtpProfile: SrtpProfile | undefined;
  /** Our certificate's sha-256 fingerprint. */
  localCertificateFingerprint: DtlsFingerprint;
  /** The verified peer certificate's sha-256 fingerprint (once connected). */
  remoteCertificateFingerprint: DtlsFingerprint | undefined;
  /** Where DTLS and media go and are accepted from. */
  selectedRemoteAddress: Required<TransportAddress> | undefined;
  /**
   * The DTLS handshake itself, in ms: from the first DTLS datagram sent or
   * received (a server's starts when the peer's ClientHello arrives) to
   * connected (SRTP keyed). Undefined before connected.
   */
  handshakeDurationMs: number | undefined;
  /**
   * From `start()` to connected, in ms: `handshakeDurationMs` plus the time
   * spent waiting for the peer (or for `connect()`) before DTLS began.
   */
  connectDurationMs: number | undefined;
  /** DTLS datagrams our retransmission timer sent (lost or slow flights). */
  dtlsRetransmissions: number;
  /** Datagrams the path refused (threw, or dgram reported an error) or that had no address to go to. */
  sendFailures: number;
  /** SRTP/SRTCP packets received that failed, by code (never thrown, never an event). */
  srtpFailures: Record<SrtpPacketErrorCode, number>;
  /** Received datagrams dropped before DTLS/SRTP, by reason. */
  droppedDatagrams: Record<DatagramDropReason, number>;
  /** The DTLS transport's own counters (records, application data, DTLS datagrams it discarded by reason). */
  dtls: DtlsStats;
  /** The ICE-lite responder's counters, when there is one. */
  ice: IceLiteStats | undefined;
  /** The SRTP session's own counters (both directions) while it is open: from connected until `close()`, or until the peer closed or the association failed. */
  srtp: SrtpStats | undefined;
  /** DTLS restart counters (see `restartDtls()`). */
  restart: DtlsRestartStats;
}

/** Every {@link DatagramDropReason}, in the order `getStats().droppedDatagrams` lists them. */
export const DROP_REASONS: readonly DatagramDropReason[] = [
  'unknown',
  'zrtp',
  'turn-channel',
  'stun-unhandled',
  'stun-rejected',
  'unselected-address',
  'not-started',
  'ended',
  'srtp-not-ready',
];
