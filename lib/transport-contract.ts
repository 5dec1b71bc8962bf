// SPDX-License-Identifier: MIT
/**
 * What {@link DtlsTransport} and {@link DtlsSrtpTransport} have in common,
 * written once: the mediasoup/W3C vocabulary (`DtlsParameters`) and the
 * lifecycle contract both classes implement.
 * @packageDocumentation
 */
import type { DtlsFingerprint } from './fingerprint.js';
import type { DtlsRole } from './role.js';
import type { DtlsState } from './dtls-transport.js';
import type { DtlsError, IceError } from './errors.js';

/**
 * A DTLS role as signalling carries it (mediasoup's `DtlsRole`): `'auto'`
 * means "not decided yet, either is fine".
 * @example
 * const role: DtlsParametersRole = 'auto';
 */
export type DtlsParametersRole = 'auto' | DtlsRole;

/**
 * One side's DTLS parameters, in mediasoup's shape: its role and its
 * certificate's fingerprints (the SDP's `a=setup` and `a=fingerprint`).
 * @example
 * // Ours, for the SDP or the signalling message:
 * const { role, fingerprints } = transport.localParameters;
 * // The peer's, once its answer arrives:
 * transport.connect({ dtlsParameters: { role: 'client', fingerprints: [parseFingerprint(line)] } });
 * @see https://mediasoup.org/documentation/v3/mediasoup/api/#DtlsParameters
 */
export interface DtlsParameters {
  /** `'client'` sends the ClientHello (`a=setup:active`), `'server'` answers it (`passive`), `'auto'` either (`actpass`). */
  role: DtlsParametersRole;
  /** The certificate's fingerprints (`a=fingerprint`), 1 to 16. */
  fingerprints: DtlsFingerprint[];
}

/**
 * The ICE state of a {@link DtlsSrtpTransport}, as W3C `RTCIceTransportState`
 * (without `completed`, which an ICE-lite agent never reaches):
 * - `new`: no authenticated ICE check yet and no path selected;
 * - `checking`: authenticated checks arrive, no path selected yet;
 * - `connected`: a path is selected and consent is fresh;
 * - `disconnected`: no authenticated check on the selected path for
 *   `iceDisconnectedTimeoutMs`; back to `connected` with the next one;
 * - `failed`: consent expired (`consentTimeoutMs`); the transport failed with `ERR_ICE_CONSENT_EXPIRED`;
 * - `closed`: `close()` was called.
 * @example
 * transport.on('icestatechange', (state: IceState) => state === 'disconnected' && pauseForwarding());
 * @see https://www.w3.org/TR/webrtc/#rtcicetransportstate
 */
export type IceState = 'new' | 'checking' | 'connected' | 'disconnected' | 'failed' | 'closed';

/**
 * The contract both transports implement — {@link DtlsTransport} (DTLS over
 * your datagram path) and {@link DtlsSrtpTransport} (DTLS-SRTP on a UDP path).
 * Each point holds for both classes, and one parameterised test
 * (test/integration/transport-contract.test.ts) checks it on both.
 *
 * - **`start()`** starts the handshake and returns a promise that settles once:
 *   resolved on `connected`, rejected with `error` on `failed`, rejected with
 *   `InvalidStateError` when closed first. Calling it again returns **the same
 *   promise** (idempotent, whatever has happened since); only after `close()`
 *   does it return a new promise rejected with `InvalidStateError`
 *   `ERR_INVALID_STATE`.
 * - **`state`** is the association: `new → connecting → connected → closed | failed`.
 *   `closed` means it ended cleanly (our `close()` or the peer's close_notify),
 *   `failed` that it ended in an error (`error` says which).
 * - **`closed`** is the object's lifecycle, as mediasoup's `closed`: `true`
 *   once `close()` was called (or the transport's owner closed it, e.g. its
 *   `UdpServer`). It is not the same as `state === 'closed'`: when the peer
 *   ends the association, `state` becomes `'closed'` while `closed` stays
 *   `false` until you call `close()` — which you still must, to detach from
 *   the path and free what is left. `closed` implies `state` is `'closed'` or
 *   `'failed'`, never the converse. After `close()`, every method but
 *   `close()`, `getStats()` and `[Symbol.dispose]()` throws `InvalidStateError`.
 * - **`close` event**: emitted exactly once in a transport's life: when
 *   `state` becomes `'closed'` (our `close()` or the peer's close_notify), or,
 *   for a transport that failed, when `close()` is called. Listen to it for
 *   clean-up; `statechange` reports `failed` as it happens.
 * - **`getStats()`** works in every state, after `close()` too: it returns the
 *   final figures then (the counters as they stood at close, close_notify included).
 * - **Same names for the same things**: `sendData()` sends one DTLS
 *   application-data record (`DtlsTransport.send()` is its alias);
 *   `getRemoteCertificates()` gives the verified peer certificate(s) as DER;
 *   `localParameters` gives our role and fingerprints for the SDP; events
 *   `statechange`, `data` and `close`.
 * - Network input never throws and there is never an `'error'` event.
 *
 * @example
 * function watch(t: SecureTransportContract): void {
 *   console.log(t.localParameters.fingerprints[0]?.value, t.state);
 * }
 * watch(dtlsTransport);
 * watch(dtlsSrtpTransport);
 */
export interface SecureTransportContract extends Disposable {
  /** The association's state. */
  readonly state: DtlsState;
  /** `true` once `close()` was called (see above: not the same as `state === 'closed'`). */
  readonly closed: boolean;
  /** Why `state` is `'failed'`, else `undefined`. */
  readonly error: DtlsError | IceError | undefined;
  /** Our role and our certificate's fingerprints, ready for the SDP (or a signalling message). */
  readonly localParameters: DtlsParameters;
  /** Starts the handshake; the same promise on every call until `close()`. */
  start(): Promise<void>;
  /** Sends one DTLS application-data record. */
  sendData(data: Uint8Array): void;
  /** The verified peer certificate chain, leaf first, as DER (W3C `RTCDtlsTransport.getRemoteCertificates()`). */
  getRemoteCertificates(): Buffer[];
  /** Counters in every state, the final figures after `close()`. */
  getStats(): object;
  /** Ends the association (close_notify if connected); safe to call twice. */
  close(): void;
}
