// SPDX-License-Identifier: MIT
/**
 * What a failed handshake did and did not receive, and what that most
 * likely means: the `received` and `hint` of a handshake {@link DtlsError}.
 * Record and handshake types are read from the plaintext DTLS record headers
 * (RFC 6347 §4.1, §4.2.2) as they arrive; nothing here asks OpenSSL.
 * @internal
 * @packageDocumentation
 */
import { DtlsError, type DtlsHandshakeHint, type DtlsReceivedSummary } from './errors.js';

const RECORD_HEADER = 13;
const FRAGMENT_HEADER = 12;
const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_ALERT = 21;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_SERVER_HELLO = 2;
const HANDSHAKE_HELLO_VERIFY_REQUEST = 3;
/** TLS alert `unexpected_message` (RFC 5246 §7.2): what a DTLS client answers a ClientHello with. */
const ALERT_UNEXPECTED_MESSAGE = 10;

const HANDSHAKE_NAMES: Readonly<Record<number, string>> = {
  1: 'ClientHello',
  2: 'ServerHello',
  3: 'HelloVerifyRequest',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
};
const CONTENT_NAMES: Readonly<Record<number, string>> = { 20: 'ChangeCipherSpec', 21: 'alert', 22: 'handshake', 23: 'application data' };
const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  90: 'user_canceled',
  100: 'no_renegotiation',
  110: 'unsupported_extension',
};

/** A TLS alert description's name (RFC 5246 §7.2), or its number. */
export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `alert ${description}`;
}

/** The records of a datagram in words, for the debug log: `[ClientHello]`, `[ServerHello, Certificate, ...]`, `[epoch 1]`. */
export function describeDatagram(datagram: Uint8Array): string {
  const names: string[] = [];
  let offset = 0;
  while (offset + RECORD_HEADER <= datagram.length) {
    const type = datagram[offset] as number;
    const epoch = ((datagram[offset + 3] as number) << 8) | (datagram[offset + 4] as number);
    const length = ((datagram[offset + 11] as number) << 8) | (datagram[offset + 12] as number);
    const body = offset + RECORD_HEADER;
    if (epoch !== 0) names.push(`epoch ${epoch} ${CONTENT_NAMES[type] ?? `type ${type}`}`);
    else if (type === CONTENT_CHANGE_CIPHER_SPEC) names.push('ChangeCipherSpec');
    else if (type === CONTENT_ALERT) names.push(`alert ${alertName(datagram[body + 1] ?? -1)}`);
    else if (type === CONTENT_HANDSHAKE) {
      const msgType = datagram[body] ?? -1;
      names.push(HANDSHAKE_NAMES[msgType] ?? `handshake ${msgType}`);
    } else names.push(`type ${type}`);
    offset = body + length;
  }
  if (offset !== datagram.length) names.push(names.length === 0 ? 'not DTLS' : 'trailing bytes');
  return `[${names.join(', ')}] (${datagram.length} bytes)`;
}

/**
 * Counts what arrives during one handshake, by record and handshake type.
 * Fed only while the handshake runs; a few integer reads per record.
 */
export class HandshakeObserver {
  datagrams = 0;
  clientHellos = 0;
  serverHellos = 0;
  helloVerifyRequests = 0;
  otherHandshakeMessages = 0;
  changeCipherSpecs = 0;
  alerts = 0;
  encryptedRecords = 0;
  notDtls = 0;

  /**
   * Counts one received datagram: every whole record in it; a handshake
   * record of epoch 0 by the type of each message fragment that starts a
   * message (offset 0), so a retransmitted flight counts again.
   */
  observe(datagram: Uint8Array): void {
    this.datagrams++;
    const first = datagram[0];
    if (datagram.length < RECORD_HEADER || first === undefined || first < 20 || first > 63) {
      this.notDtls++;
      return;
    }
    let offset = 0;
    while (offset + RECORD_HEADER <= datagram.length) {
      const type = datagram[offset] as number;
      const epoch = ((datagram[offset + 3] as number) << 8) | (datagram[offset + 4] as number);
      const length = ((datagram[offset + 11] as number) << 8) | (datagram[offset + 12] as number);
      const body = offset + RECORD_HEADER;
      const end = Math.min(body + length, datagram.length);
      if (epoch !== 0) this.encryptedRecords++;
      else if (type === CONTENT_HANDSHAKE) this.#handshake(datagram, body, end);
      else if (type === CONTENT_CHANGE_CIPHER_SPEC) this.changeCipherSpecs++;
      else if (type === CONTENT_ALERT) this.alerts++;
      offset = body + length;
    }
  }

  #handshake(datagram: Uint8Array, start: number, end: number): void {
    let offset = start;
    while (offset + FRAGMENT_HEADER <= end) {
      const msgType = datagram[offset] as number;
      const fragmentOffset =
        ((datagram[offset + 6] as number) << 16) | ((datagram[offset + 7] as number) << 8) | (datagram[offset + 8] as number);
      const fragmentLength =
        ((datagram[offset + 9] as number) << 16) | ((datagram[offset + 10] as number) << 8) | (datagram[offset + 11] as number);
      if (fragmentOffset === 0) {
        if (msgType === HANDSHAKE_CLIENT_HELLO) this.clientHellos++;
        else if (msgType === HANDSHAKE_SERVER_HELLO) this.serverHellos++;
        else if (msgType === HANDSHAKE_HELLO_VERIFY_REQUEST) this.helloVerifyRequests++;
        else this.otherHandshakeMessages++;
      }
      offset += FRAGMENT_HEADER + fragmentLength;
    }
  }

  /** A snapshot for `DtlsError.received`. */
  summary(): DtlsReceivedSummary {
    return {
      datagrams: this.datagrams,
      notDtls: this.notDtls,
      clientHellos: this.clientHellos,
      serverHellos: this.serverHellos,
      helloVerifyRequests: this.helloVerifyRequests,
      otherHandshakeMessages: this.otherHandshakeMessages,
      changeCipherSpecs: this.changeCipherSpecs,
      alerts: this.alerts,
      encryptedRecords: this.encryptedRecords,
    };
  }
}

/** What a handshake sent, for the hint. */
export interface HandshakeSent {
  readonly datagramsSent: number;
  readonly sendFailures: number;
}

const HINT_TEXT: Readonly<Record<DtlsHandshakeHint, string>> = {
  'no-datagram':
    'no datagram from the peer: wrong remote address or port, the peer not started, or a firewall on the path',
  'both-servers':
    'nothing received and we are the DTLS server, waiting for a ClientHello: both sides are servers? ' +
    "(one side must be the client: a=setup:active, role 'client'); else the peer is not started or cannot reach us",
  'both-clients':
    "the peer answers like a DTLS client (a ClientHello, or unexpected_message to ours): both sides are clients? " +
    "(one side must be the server: a=setup:passive, role 'server')",
  'send-failed': 'every datagram we tried to send failed (no destination, or the path refused them)',
  'no-server-hello': 'the peer sent datagrams, but no ServerHello answered our ClientHello (not a DTLS server, or not DTLS)',
  'no-client-hello': 'the peer sent datagrams, but no ClientHello (not a DTLS client, or not DTLS)',
  stalled: 'the peer answered, then stopped before the handshake finished (lost datagrams, or the peer gave up)',
};

/**
 * The likeliest cause of a handshake failure from what was sent and
 * received, or `undefined` when the error names its cause already (a
 * fingerprint mismatch, no common SRTP profile).
 */
export function handshakeHint(
  code: string,
  role: 'client' | 'server',
  seen: HandshakeObserver,
  sent: HandshakeSent,
  receivedAlert: number | undefined,
): DtlsHandshakeHint | undefined {
  if (code !== 'ERR_DTLS_TIMEOUT' && code !== 'ERR_DTLS_HANDSHAKE' && code !== 'ERR_DTLS_ALERT') return undefined;
  if (role === 'client') {
    if (seen.clientHellos > 0 && seen.serverHellos === 0) return 'both-clients';
    if (receivedAlert === ALERT_UNEXPECTED_MESSAGE && seen.serverHellos === 0 && seen.helloVerifyRequests === 0) {
      return 'both-clients';
    }
  }
  if (seen.datagrams === 0) {
    if (sent.datagramsSent > 0 && sent.sendFailures === sent.datagramsSent) return 'send-failed';
    return role === 'server' ? 'both-servers' : 'no-datagram';
  }
  if (role === 'client' && seen.serverHellos === 0 && seen.helloVerifyRequests === 0) return 'no-server-hello';
  if (role === 'server' && seen.clientHellos === 0) return 'no-client-hello';
  return code === 'ERR_DTLS_TIMEOUT' ? 'stalled' : undefined;
}

/**
 * The same failure with what was received and, where it helps, the likely
 * cause and fix appended to the message (`hint`).
 */
export function explainHandshakeFailure(
  error: DtlsError,
  role: 'client' | 'server',
  seen: HandshakeObserver,
  sent: HandshakeSent,
): DtlsError {
  const hint = handshakeHint(error.code, role, seen, sent, error.receivedAlert);
  return new DtlsError(error.code, hint === undefined ? error.message : `${error.message}: ${HINT_TEXT[hint]}`, {
    cause: error.cause,
    opensslErrors: error.opensslErrors,
    sentAlert: error.sentAlert,
    receivedAlert: error.receivedAlert,
    received: seen.summary(),
    hint,
  });
}
