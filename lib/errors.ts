// SPDX-License-Identifier: MIT
/**
 * Typed errors. Every error this package throws or reports carries a stable
 * string `code`; tests and applications branch on `code` and class, never on
 * message text. Argument errors are Node's own `TypeError`/`RangeError` with a
 * `code` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`;
 * `ERR_ILLEGAL_CONSTRUCTOR` for `new` on a class made by a factory), built in
 * one place, `validate.ts`.
 * @packageDocumentation
 */

/** Codes carried by {@link DtlsError}. */
export type DtlsErrorCode =
  | 'ERR_DTLS_HANDSHAKE'
  | 'ERR_DTLS_FINGERPRINT_MISMATCH'
  | 'ERR_DTLS_NO_SRTP_PROFILE'
  | 'ERR_DTLS_ALERT'
  | 'ERR_DTLS_TIMEOUT'
  | 'ERR_DTLS_WRITE'
  | 'ERR_DTLS_RELEASED'
  | 'ERR_DTLS_ROLE_CONFLICT'
  | 'ERR_DTLS_BAD_FINGERPRINT'
  | 'ERR_DTLS_INTERNAL';

/** Codes carried by {@link SrtpError}. */
export type SrtpErrorCode =
  | 'ERR_SRTP_AUTH_FAIL'
  | 'ERR_SRTP_REPLAY_FAIL'
  | 'ERR_SRTP_REPLAY_OLD'
  | 'ERR_SRTP_BAD_PACKET'
  | 'ERR_SRTP_BAD_PARAM'
  | 'ERR_SRTP_BUFFER_SMALL'
  | 'ERR_SRTP_TOO_MANY_STREAMS'
  | 'ERR_SRTP_INTERNAL'
  | 'ERR_SRTP_KEY_LIMIT';

/** Codes carried by {@link CertificateError}. */
export type CertificateErrorCode = 'ERR_CERT_PARSE' | 'ERR_CERT_UNSUPPORTED_ALGORITHM' | 'ERR_CERT_GENERATE';

/** Base class of every non-argument error of this package. */
export class DtlsSrtpError extends Error {
  override name = 'DtlsSrtpError';
  /** Stable machine-readable code, e.g. `ERR_SRTP_AUTH_FAIL`. */
  readonly code: string;
  /** OpenSSL error-queue entries that accompanied a native failure, oldest first. */
  readonly opensslErrors: readonly string[];
  constructor(code: string, message: string, options?: { cause?: unknown; opensslErrors?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.opensslErrors = options?.opensslErrors ?? [];
  }
}

/** Use of an object in a state that does not allow the call (after `close()`, before `connected`, twice). */
export class InvalidStateError extends DtlsSrtpError {
  override name = 'InvalidStateError';
  declare readonly code: 'ERR_INVALID_STATE';
  constructor(message: string) {
    super('ERR_INVALID_STATE', message);
  }
}

/** Which side reported a DTLS alert, mirroring W3C `RTCError`. */
export type DtlsErrorDetail = 'dtls-failure' | 'fingerprint-failure';

/**
 * The likeliest cause of a failed handshake, read from what the peer did and
 * did not send (see {@link DtlsError.hint}):
 * - `'no-datagram'`: we are the client and nothing came back (wrong address
 *   or port, the peer not started, a firewall);
 * - `'both-servers'`: we are the server and nothing arrived (the peer is a
 *   server too, or never started, or cannot reach us);
 * - `'both-clients'`: the peer sent a ClientHello, or answered ours with
 *   `unexpected_message`, while we are the client;
 * - `'send-failed'`: every datagram we tried to send failed to leave;
 * - `'no-server-hello'` / `'no-client-hello'`: datagrams came, but not the
 *   hello the peer's role sends first;
 * - `'stalled'`: the peer answered, then stopped (lost flights, a peer that gave up).
 */
export type DtlsHandshakeHint =
  | 'no-datagram'
  | 'both-servers'
  | 'both-clients'
  | 'send-failed'
  | 'no-server-hello'
  | 'no-client-hello'
  | 'stalled';

/**
 * What a failed handshake received from the peer, counted from the DTLS
 * record headers (a retransmitted flight counts again). Handshake messages
 * are counted in plaintext (epoch 0) records only.
 */
export interface DtlsReceivedSummary {
  /** Datagrams handed to the DTLS transport during the handshake. */
  readonly datagrams: number;
  /** Of those, not DTLS at all (RFC 7983) or shorter than a record header. */
  readonly notDtls: number;
  readonly clientHellos: number;
  readonly serverHellos: number;
  readonly helloVerifyRequests: number;
  /** Certificate, key exchange, ServerHelloDone and the other plaintext handshake messages. */
  readonly otherHandshakeMessages: number;
  readonly changeCipherSpecs: number;
  /** Plaintext alert records. */
  readonly alerts: number;
  /** Records of epoch 1 and above (Finished, encrypted alerts, early application data). */
  readonly encryptedRecords: number;
}

/**
 * A DTLS handshake or record-layer failure, or (`ERR_DTLS_RELEASED`) a call
 * that needs the DTLS session of a transport whose session was released
 * for media only (`DtlsTransport.releaseSession`, `DtlsSrtpTransport`'s
 * `mediaOnly`).
 */
export class DtlsError extends DtlsSrtpError {
  override name = 'DtlsError';
  declare readonly code: DtlsErrorCode;
  /** `'fingerprint-failure'` when the peer certificate did not match the remote fingerprints. */
  readonly errorDetail: DtlsErrorDetail;
  /** TLS alert description number we sent, if any (RFC 5246 §7.2). */
  readonly sentAlert: number | undefined;
  /** TLS alert description number we received, if any. */
  readonly receivedAlert: number | undefined;
  /** For a failed handshake: what it received from the peer (and so what it did not). */
  readonly received: DtlsReceivedSummary | undefined;
  /** For a failed handshake: the likeliest cause, also named (with the fix) in the message. */
  readonly hint: DtlsHandshakeHint | undefined;
  constructor(
    code: DtlsErrorCode,
    message: string,
    options?: {
      cause?: unknown;
      opensslErrors?: readonly string[];
      sentAlert?: number;
      receivedAlert?: number;
      received?: DtlsReceivedSummary;
      hint?: DtlsHandshakeHint;
    },
  ) {
    super(code, message, options);
    this.errorDetail = code === 'ERR_DTLS_FINGERPRINT_MISMATCH' ? 'fingerprint-failure' : 'dtls-failure';
    this.sentAlert = options?.sentAlert;
    this.receivedAlert = options?.receivedAlert;
    this.received = options?.received;
    this.hint = options?.hint;
  }
}

/** An SRTP/SRTCP failure; `status` is libsrtp's `srtp_err_status_t` number (0 when not from libsrtp). */
export class SrtpError extends DtlsSrtpError {
  override name = 'SrtpError';
  declare readonly code: SrtpErrorCode;
  readonly status: number;
  constructor(code: SrtpErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** A certificate or private key that cannot be generated, parsed or used. */
export class CertificateError extends DtlsSrtpError {
  override name = 'CertificateError';
  declare readonly code: CertificateErrorCode;
  // Narrows `code` to this class's codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: CertificateErrorCode, message: string, options?: { cause?: unknown; opensslErrors?: readonly string[] }) {
    super(code, message, options);
  }
}

/** Codes carried by {@link IceError}. */
export type IceErrorCode = 'ERR_ICE_CONSENT_EXPIRED';

/**
 * An ICE failure of a transport with a built-in ICE-lite responder: the peer
 * stopped sending authenticated connectivity checks on the selected path for
 * longer than the consent timeout (RFC 7675), so the path is presumed dead.
 * @example
 * ```ts
 * transport.on('statechange', (state) => {
 *   if (state === 'failed' && transport.error?.code === 'ERR_ICE_CONSENT_EXPIRED') dropPeer();
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7675#section-5.1
 */
export class IceError extends DtlsSrtpError {
  override name = 'IceError';
  declare readonly code: IceErrorCode;
  // Narrows `code` to this class's codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: IceErrorCode, message: string) {
    super(code, message);
  }
}

/** Codes carried by {@link UdpError}. */
export type UdpErrorCode = 'ERR_UDP_BIND';

/**
 * A UDP socket that could not be created or bound (`ERR_UDP_BIND`); `errno`
 * says why in the system's words (`'EADDRINUSE'`, `'EADDRNOTAVAIL'`,
 * `'EACCES'`, ...), the same on the native and the node:dgram path.
 * @example
 * ```ts
 * try { await UdpSocket.bind({ type: 'udp4', port: 3478, onBatch }); }
 * catch (err) { if (err instanceof UdpError && err.errno === 'EADDRINUSE') pickAnotherPort(); }
 * ```
 */
export class UdpError extends DtlsSrtpError {
  override name = 'UdpError';
  declare readonly code: UdpErrorCode;
  /** The system error name, e.g. `'EADDRINUSE'`. */
  readonly errno: string;
  constructor(code: UdpErrorCode, errno: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.errno = errno;
  }
}

/** Codes carried by {@link SdpError}. */
export type SdpErrorCode = 'ERR_SDP_PARSE' | 'ERR_SDP_MISSING_ATTRIBUTE' | 'ERR_SDP_INVALID_ATTRIBUTE';

/**
 * A remote session description that cannot be used: not SDP or too large
 * (`ERR_SDP_PARSE`), without the ICE or DTLS attributes WebRTC requires
 * (`ERR_SDP_MISSING_ATTRIBUTE`), or with one of them malformed
 * (`ERR_SDP_INVALID_ATTRIBUTE`).
 */
export class SdpError extends DtlsSrtpError {
  override name = 'SdpError';
  declare readonly code: SdpErrorCode;
  // Narrows `code` to this class's codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: SdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * @internal The factory native code calls to build typed errors (registered
 * once through `native.init`).
 */
export function makeNativeError(kind: string, code: string, message: string, opensslErrors: string[]): Error {
  switch (kind) {
    case 'SrtpError':
      return new SrtpError(code as SrtpErrorCode, 0, message);
    case 'CertificateError':
      return new CertificateError(code as CertificateErrorCode, message, { opensslErrors });
    case 'InvalidStateError':
      return new InvalidStateError(message);
    default:
      return new DtlsError(code as DtlsErrorCode, message, { opensslErrors });
  }
}
