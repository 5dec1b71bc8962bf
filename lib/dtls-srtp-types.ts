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
import type { IceLiteResponder, IceLiteResponderOptions, IceLiteStats } from './ice-lite.js';
import type { DtlsRole, DtlsSetup } from './role.js';
import type { SrtpKeyLimitEvent, SrtpKeyLimits, SrtpPacketErrorCode, SrtpProfile, SrtpStats } from './srtp-session.js';
import type { DatagramPath, TransportAddress } from './datagram-path.js';
import type { UdpServer } from './udp-server.js';
import type { UdpReceiveBatch } from './udp-socket.js';

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
  /** The DTLS role (`'client'` sends the ClientHello). */
  role?: DtlsRole;
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
   * transport fails with `ERR_ICE_CONSENT_EXPIRED` when no authenticated
   * check arrived from it for this many ms; 0 disables. 1000 to 3600000;
   * default 30000 (browsers send a consent check every 5 s or so).
   */
  consentTimeoutMs?: number;
  /**
   * This association carries SRTP and SRTCP only, never DTLS application
   * data (no data channel): free the DTLS state (OpenSSL's session, about
   * 40 KiB of a connected transport's 54 KiB) as soon as the peer has proven
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
}

/**
 * Why a received datagram was dropped before DTLS or SRTP saw it:
 * - `unknown`: empty, or a first byte RFC 7983 assigns to nothing;
 * - `zrtp`, `turn-channel`: valid RFC 7983 classes this transport does not carry;
 * - `stun-unhandled`: STUN with neither an ICE-lite responder nor an `onStun` handler;
 * - `stun-rejected`: STUN the ICE-lite responder dropped (details in `ice.dropped`);
 * - `unselected-address`: DTLS, RTP or RTCP from an address other than the selected one (or with none selected);
 * - `not-started`: DTLS before `start()`;
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
   * per-packet `rtp`/`rtcp` events of the same packets. The batch and its
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
   */
  keylog: [line: Buffer];
}

/**
 * Counters and parameters of a {@link DtlsSrtpTransport}, in the spirit of
 * W3C `RTCTransportStats` (https://www.w3.org/TR/webrtc-stats/#transportstats-dict*).
 * Packet and byte counts are UDP datagrams of this peer, all protocols.
 * @example
 * const s = transport.getStats();
 * console.log(s.dtlsCipher, s.srtpCipher, s.srtpFailures.ERR_SRTP_AUTH_FAIL, s.handshakeDurationMs);
 */
export interface DtlsSrtpTransportStats {
  /** `performance.timeOrigin + performance.now()` when taken, in ms. */
  timestamp: number;
  /** Datagrams handed to the path (including STUN responses and DTLS). */
  packetsSent: number;
  /** Bytes of those datagrams. */
  bytesSent: number;
  /** Datagrams received, from any address, before any drop. */
  packetsReceived: number;
  /** Bytes of those datagrams. */
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
  /** DTLS state (the transport's state). */
  dtlsState: DtlsState;
  /** Our DTLS role. */
  dtlsRole: DtlsRole;
  /** The negotiated version as W3C writes it (`'FEFD'`, DTLS 1.2, the only version offered); undefined before connected. */
  tlsVersion: string | undefined;
  /** The DTLS cipher suite's IANA name once connected. */
  dtlsCipher: string | undefined;
  /** The negotiated SRTP profile once connected. */
  srtpCipher: SrtpProfile | undefined;
  /** Our certificate's sha-256 fingerprint. */
  localCertificateFingerprint: DtlsFingerprint;
  /** The verified peer certificate's sha-256 fingerprint (once connected). */
  remoteCertificateFingerprint: DtlsFingerprint | undefined;
  /** Where DTLS and media go and are accepted from. */
  selectedRemoteAddress: Required<TransportAddress> | undefined;
  /** From `start()` to connected (SRTP keyed), in ms. */
  handshakeDurationMs: number | undefined;
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
