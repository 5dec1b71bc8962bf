// SPDX-License-Identifier: MIT
/**
 * DTLS role selection from signalling: the SDP `a=setup` attribute (RFC 4145,
 * RFC 5763 §5, RFC 8842) or, without SDP, the ICE role (RFC 8445).
 *
 * Vocabulary: `active` opens the connection, so the `active` side is the DTLS
 * client; `passive` waits, so it is the DTLS server; `actpass` means "either",
 * and only an offer may say it; `holdconn` means "not now" and cannot carry a
 * DTLS association.
 * @packageDocumentation
 */
import { DtlsError } from './errors.js';
import { checkBoolean, checkObject, checkOneOf, checkString } from './validate.js';

/** A value of the SDP `a=setup` attribute (RFC 4145 §4). */
export type DtlsSetup = 'active' | 'passive' | 'actpass' | 'holdconn';

/**
 * DTLS role: the client sends the ClientHello (`a=setup:active`), the server answers it.
 * @example
 * const role: DtlsRole = selectDtlsRole({ localSetup: 'active', remoteSetup: 'actpass', isOfferer: false });
 */
export type DtlsRole = 'client' | 'server';

/** The ICE role of an agent (RFC 8445 §6.1.1). */
export type IceRole = 'controlling' | 'controlled';

/** Arguments of {@link selectDtlsRole}. */
export interface SelectDtlsRoleOptions {
  /** The `a=setup` value in the SDP this endpoint sent (its offer or its answer). */
  localSetup: DtlsSetup;
  /** The `a=setup` value in the SDP the peer sent. */
  remoteSetup: DtlsSetup;
  /** `true` if this endpoint sent the offer, `false` if it sent the answer. */
  isOfferer: boolean;
}

const SETUP_VALUES: readonly string[] = ['active', 'passive', 'actpass', 'holdconn'];

function conflict(message: string): DtlsError {
  return new DtlsError('ERR_DTLS_ROLE_CONFLICT', message);
}

/**
 * Checks that a value is one of the four `a=setup` tokens. SDP tokens are
 * case-sensitive (RFC 4145 §4 spells them in lower case), so `'ACTIVE'` is
 * not accepted.
 */
function checkSetup(value: unknown, name: string): DtlsSetup {
  checkString(value, name);
  if (!SETUP_VALUES.includes(value)) {
    throw conflict(`Expected ${name} to be active, passive, actpass or holdconn but received '${value.slice(0, 32)}'`);
  }
  if (value === 'holdconn') {
    throw conflict(`Expected ${name} to allow a connection but received holdconn`);
  }
  return value as DtlsSetup;
}

/**
 * Picks this endpoint's DTLS role from the `a=setup` values of a completed
 * offer/answer exchange.
 *
 * Rules (RFC 5763 §5, RFC 8842 §5, RFC 4145 §4):
 * - the offerer MUST offer `actpass`; any other local value in an offer is a conflict;
 * - the answer MUST be `active` or `passive`; `actpass` or `holdconn` in an answer is a conflict;
 * - `active` is the DTLS client, `passive` the DTLS server;
 * - an offer of `active` or `passive` from a legacy peer (RFC 4145 allows it)
 *   is accepted when our answer takes the opposite value; answering the same
 *   value (both `active` or both `passive`) is a conflict.
 *
 * @param options - `{ localSetup, remoteSetup, isOfferer }`
 * @returns `'client'` if this endpoint must send the ClientHello, else `'server'`
 * @throws {DtlsError} `ERR_DTLS_ROLE_CONFLICT` when the two values cannot form
 *   a DTLS association (both active, both passive, actpass in an answer, a
 *   non-actpass offer of ours, holdconn, or an unknown value)
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when an argument has the wrong type
 * @example
 * ```ts
 * // We offered actpass, the browser answered active: it is the DTLS client.
 * selectDtlsRole({ localSetup: 'actpass', remoteSetup: 'active', isOfferer: true }); // 'server'
 * // The browser offered actpass, we answer passive.
 * selectDtlsRole({ localSetup: 'passive', remoteSetup: 'actpass', isOfferer: false }); // 'server'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5763#section-5
 * @see https://www.rfc-editor.org/rfc/rfc8842#section-5
 */
export function selectDtlsRole(options: SelectDtlsRoleOptions): DtlsRole {
  checkObject(options, 'options');
  const { isOfferer } = options;
  checkBoolean(isOfferer, 'options.isOfferer');
  const local = checkSetup(options.localSetup, 'options.localSetup');
  const remote = checkSetup(options.remoteSetup, 'options.remoteSetup');
  const offer = isOfferer ? local : remote;
  const answer = isOfferer ? remote : local;

  if (answer === 'actpass') {
    throw conflict(`Expected the answer's setup to be active or passive but received actpass`);
  }
  if (isOfferer && offer !== 'actpass') {
    throw conflict(`Expected our offer's setup to be actpass but received ${offer}`);
  }
  if (offer === answer) {
    throw conflict(`Expected the answer's setup to differ from the offer's but both are ${offer}`);
  }
  // Now answer is active or passive, and offer is actpass or the opposite value.
  const answererRole: DtlsRole = answer === 'active' ? 'client' : 'server';
  if (isOfferer) return answererRole === 'client' ? 'server' : 'client';
  return answererRole;
}

/**
 * Chooses the `a=setup` value of our answer to a remote offer.
 *
 * An `actpass` offer lets us choose: `preferred` if given, else `active`, the
 * default RFC 5763 §5 recommends (it lets the answerer start the handshake
 * without waiting for another round trip). An `active` or `passive` offer
 * (legacy RFC 4145 peers) leaves one compatible answer, which is returned
 * whatever `preferred` says.
 *
 * @param remoteOfferSetup - the `a=setup` value of the remote offer
 * @param preferred - our preference when the offer is `actpass`: `'active'` (default) or `'passive'`
 *   (an ICE-lite server usually prefers `'passive'`)
 * @returns `'active'` or `'passive'`, ready for `a=setup:` in the answer
 * @throws {DtlsError} `ERR_DTLS_ROLE_CONFLICT` when the offer says `holdconn` or an unknown value
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` when `preferred` is not `'active'` or `'passive'`
 * @example
 * ```ts
 * answerSetup('actpass');            // 'active'
 * answerSetup('actpass', 'passive'); // 'passive'
 * answerSetup('active');             // 'passive'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5763#section-5
 */
export function answerSetup(remoteOfferSetup: DtlsSetup, preferred?: 'active' | 'passive'): 'active' | 'passive' {
  if (preferred !== undefined) checkOneOf(preferred, 'preferred', ['active', 'passive']);
  const offer = checkSetup(remoteOfferSetup, 'remoteOfferSetup');
  if (offer === 'active') return 'passive';
  if (offer === 'passive') return 'active';
  return preferred ?? 'active';
}

/**
 * The DTLS role to use without SDP (role `'auto'`), derived from the ICE role.
 *
 * Rule: the ICE **controlling** agent is the DTLS **server** and the
 * **controlled** agent is the DTLS **client**. It is the rule of ORTC
 * (`RTCDtlsRole` `"auto"`), Pion and werift, so a peer that follows it and this
 * endpoint always pick opposite roles. Both sides must apply the same rule;
 * ICE role conflicts are resolved first (RFC 8445 §7.3.1.1), so the two agents
 * always end up with opposite ICE roles and therefore opposite DTLS roles.
 *
 * With SDP, the `a=setup` values decide instead ({@link selectDtlsRole}); an
 * ICE-lite server answering a browser usually answers `passive`
 * ({@link answerSetup}), which is not what this SDP-less rule gives.
 *
 * @param iceRole - this agent's ICE role after role-conflict resolution
 * @returns `'server'` for `'controlling'`, `'client'` for `'controlled'`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `iceRole` is not a string, `ERR_INVALID_ARG_VALUE` when it is
 *   neither `'controlling'` nor `'controlled'`
 * @example
 * ```ts
 * dtlsRoleFromIceRole('controlling'); // 'server'
 * dtlsRoleFromIceRole('controlled');  // 'client' (e.g. an ICE-lite agent)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8445#section-6.1.1
 * @see https://draft.ortc.org/ (`RTCDtlsRole`, `"auto"`)
 */
export function dtlsRoleFromIceRole(iceRole: IceRole): DtlsRole {
  return checkOneOf(iceRole, 'iceRole', ['controlling', 'controlled']) === 'controlling' ? 'server' : 'client';
}
