// SPDX-License-Identifier: MIT
/**
 * An ICE-lite responder (RFC 8445 §2.5, §7.3): answers the peer's
 * connectivity and consent checks and tracks the nominated remote address.
 * Pure logic: it never touches a socket; the caller sends the returned
 * datagram to the address it came from.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { addressKey, checkTransportAddress } from './datagram-path.js';
import { argValueError, checkBytes, checkString, optionalObject } from './validate.js';
import {
  STUN_METHOD_BINDING,
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
  type StunAddress,
  type StunAttributeInit,
  type StunMessage,
} from './stun.js';

/** Where a datagram came from; the shape of `dgram`'s `RemoteInfo` (extra fields are ignored). */
export interface IceRemoteAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/**
 * Why a datagram was dropped without an answer:
 * - `malformed`: not a well-formed STUN message ({@link parseStunMessage} returned null);
 * - `bad-fingerprint`: FINGERPRINT missing or wrong (ICE requires it, RFC 8445 §7.1);
 * - `not-request`: an indication or a response (a lite agent sends no requests);
 * - `unknown-method`: a request for a method other than Binding;
 * - `wrong-username`: USERNAME is not `<our ufrag>:<their ufrag>`;
 * - `bad-integrity`: MESSAGE-INTEGRITY does not verify with our password;
 * - `retired-credentials`: USERNAME names the credentials an ICE restart
 *   replaced, after a check with the new ones succeeded (see {@link IceLiteResponder.restart}).
 *
 * Wrong credentials get no 401 on purpose: the sender is unauthenticated,
 * its source address may be spoofed, and a browser treats silence like a
 * failed check and retries.
 */
export type IceLiteDropReason =
  | 'malformed'
  | 'bad-fingerprint'
  | 'not-request'
  | 'unknown-method'
  | 'wrong-username'
  | 'bad-integrity'
  | 'retired-credentials';

/** STUN error codes this responder sends: 400 Bad Request, 420 Unknown Attribute, 487 Role Conflict. */
export type IceLiteErrorCode = 400 | 420 | 487;

/** The outcome of {@link IceLiteResponder.handle}. */
export type IceLiteResult =
  | {
      /** Send `response` to `remote`: a Binding success response. */
      action: 'success';
      response: Buffer;
      remote: IceRemoteAddress;
      /** The check carried USE-CANDIDATE. */
      nominated: boolean;
      /** This check made `remote` the selected address (first nomination, or a move). */
      selectedChanged: boolean;
      /**
       * `true` when the check used the credentials an ICE restart is replacing
       * (answered until a check with the new ones succeeds).
       */
      previousCredentials: boolean;
    }
  | {
      /** Send `response` to `remote`: a Binding error response. */
      action: 'error';
      response: Buffer;
      remote: IceRemoteAddress;
      errorCode: IceLiteErrorCode;
    }
  | {
      /** Send nothing. */
      action: 'drop';
      reason: IceLiteDropReason;
    };

/** Counters of an {@link IceLiteResponder}. */
export interface IceLiteStats {
  /** Binding requests that passed authentication. */
  validChecks: number;
  successResponses: number;
  errorResponses: Record<IceLiteErrorCode, number>;
  /** Checks with USE-CANDIDATE. */
  nominations: number;
  /** Times the selected remote address was set or moved. */
  selectedChanges: number;
  /** Calls of {@link IceLiteResponder.restart}. */
  restarts: number;
  /** Restarts completed: a check with the new credentials succeeded and the old ones were retired. */
  restartsCompleted: number;
  /** Checks answered with the old credentials while a restart was pending (counted in `validChecks` too). */
  previousCredentialChecks: number;
  dropped: Record<IceLiteDropReason, number>;
}

/** Options of {@link IceLiteResponder}. */
export interface IceLiteResponderOptions {
  /** Our `ice-ufrag`: 4–256 ice-chars. Generated (8 chars, 48 random bits) if omitted. */
  ufrag?: string;
  /** Our `ice-pwd`: 22–256 ice-chars. Generated (24 chars, 144 random bits) if omitted. */
  pwd?: string;
  /** The peer's `ice-ufrag`; when set, USERNAME must be exactly `<ufrag>:<remoteUfrag>`. */
  remoteUfrag?: string;
  /** SOFTWARE attribute to add to responses (none by default). */
  software?: string;
}

/**
 * Options of {@link IceLiteResponder.restart}: the new credentials of an ICE
 * restart (RFC 8445 §9). A lite agent never sends checks, so the peer's new
 * password is not needed.
 */
export interface IceRestartOptions {
  /** Our new `ice-ufrag`: 4–256 ice-chars, not the current one. Generated if omitted. */
  ufrag?: string;
  /** Our new `ice-pwd`: 22–256 ice-chars, not the current one. Generated if omitted. */
  pwd?: string;
  /** The peer's new `ice-ufrag` (from its restart offer); when set, USERNAME must be exactly `<ufrag>:<remoteUfrag>`. */
  remoteUfrag?: string;
}

/** Our ICE credentials, for `a=ice-ufrag`, `a=ice-pwd` and `a=ice-lite`. */
export interface IceLiteLocalParameters {
  usernameFragment: string;
  password: string;
  iceLite: true;
}

/** One generation of credentials: ours and the peer's ufrag (a restart replaces all three). */
interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
  remoteUfrag: string | undefined;
}

/**
 * @internal What a server that routes STUN by local ufrag needs from a
 * responder: `reserve` is called before a restart takes a new ufrag (it
 * throws to refuse one another transport uses), `update` after the set of
 * ufrags the responder answers changed.
 */
export interface IceUfragRouting {
  reserve(ufrag: string): void;
  update(ufrags: readonly string[]): void;
}

/** How many recently validated remote addresses a responder remembers. */
const MAX_VALIDATED = 8;

/** ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4). */
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

function checkIceString(value: unknown, name: string, min: number): string {
  checkString(value, name);
  if (value.length < min || value.length > 256 || !ICE_CHARS.test(value)) {
    throw argValueError(name, `${min} to 256 ice-chars (A-Z a-z 0-9 + /)`, value);
  }
  return value;
}

/** Random ice-chars: base64 of random bytes uses exactly the ice-char alphabet. */
function randomIceString(bytes: number): string {
  return randomBytes(bytes).toString('base64').replace(/=+$/, '');
}

/** Any UDP source (port 0 included), with its family as the socket reported it. */
/** The ufrag a USERNAME opens with (`<ufrag>:...`), or the whole of one without a colon. */
function ufragOf(username: string): string {
  const colon = username.indexOf(':');
  return colon < 0 ? username : username.slice(0, colon);
}

function checkRemote(remote: unknown): IceRemoteAddress {
  return checkTransportAddress(remote, 'remote', { minPort: 0, familyRequired: true });
}

let isResponder: (value: unknown) => boolean;
let bindRouting: (ice: IceLiteResponder, routing: IceUfragRouting) => void;

/**
 * @internal Whether `value` is a real {@link IceLiteResponder} (not a Proxy
 * of one, not a look-alike), decided without running user code.
 */
export function isIceLiteResponder(value: unknown): value is IceLiteResponder {
  return isResponder(value);
}

/**
 * @internal Tells `ice` about the server that routes its checks by ufrag, so
 * that a restart reserves its new ufrag there and releases the retired one.
 */
export function bindIceUfragRouting(ice: IceLiteResponder, routing: IceUfragRouting): void {
  bindRouting(ice, routing);
}

/**
 * Answers ICE connectivity checks as an ICE-lite agent (RFC 8445 §2.5): always
 * controlled, never sends checks of its own, selects the remote address the
 * controlling agent nominates.
 *
 * For each datagram the caller hands to {@link IceLiteResponder.handle}:
 * 1. malformed STUN, or a missing or wrong FINGERPRINT → dropped;
 * 2. anything but a Binding request → dropped;
 * 3. no USERNAME or no MESSAGE-INTEGRITY → 400 (RFC 5389 §10.1.2);
 * 4. USERNAME not ours, or MESSAGE-INTEGRITY wrong → dropped (no 401, see {@link IceLiteDropReason});
 * 5. unknown comprehension-required attributes → 420 with UNKNOWN-ATTRIBUTES (RFC 5389 §7.3.1);
 * 6. ICE-CONTROLLED (the peer also thinks it is controlled) → 487 Role Conflict: a lite agent
 *    cannot take the controlling role, so the peer must (RFC 8445 §7.3.1.1);
 *    no PRIORITY, or both ICE-CONTROLLING and ICE-CONTROLLED, or neither → 400;
 * 7. otherwise a success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and
 *    FINGERPRINT; with USE-CANDIDATE the source becomes the selected address.
 *    The latest nomination wins, so a browser that renominates after a network change moves the path.
 *    Checks without USE-CANDIDATE (consent freshness, RFC 7675) are answered and change nothing.
 *
 * Error responses after successful authentication (420, 487) carry
 * MESSAGE-INTEGRITY; every response carries FINGERPRINT.
 *
 * An ICE restart ({@link IceLiteResponder.restart}) replaces the credentials
 * on the live responder; checks with the old ones are answered until one with
 * the new ones succeeds, so the path in use never goes unanswered.
 *
 * @example
 * ```ts
 * const ice = new IceLiteResponder();
 * socket.on('message', (msg, rinfo) => {
 *   if (classifyDatagram(msg) !== 'stun') return;
 *   const r = ice.handle(msg, rinfo);
 *   if (r.action !== 'drop') socket.send(r.response, r.remote.port, r.remote.address);
 *   if (r.action === 'success' && r.selectedChanged) transport.setRemote(r.remote);
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8445#section-7.3
 */
export class IceLiteResponder {
  static {
    // A brand check: no Proxy trap and no getter runs, whatever `value` is.
    isResponder = (value) => typeof value === 'object' && value !== null && #current in value;
    bindRouting = (ice, routing) => {
      ice.#routing = routing;
    };
  }
  /** The credentials of the peer's checks from now on. */
  #current: IceCredentials;
  /** During a restart: the credentials it replaces, still answered until a check with `#current` succeeds. */
  #previous: IceCredentials | undefined;
  /** The ufrag the last completed restart retired: its checks are dropped as `retired-credentials`. */
  #retiredUfrag: string | undefined;
  #routing: IceUfragRouting | undefined;
  readonly #software: string | undefined;
  #selected: IceRemoteAddress | undefined;
  /** Addresses that sent an authenticated check, most recent last, at most {@link MAX_VALIDATED}. */
  readonly #validated: string[] = [];
  readonly #stats: IceLiteStats = {
    validChecks: 0,
    successResponses: 0,
    errorResponses: { 400: 0, 420: 0, 487: 0 },
    nominations: 0,
    selectedChanges: 0,
    restarts: 0,
    restartsCompleted: 0,
    previousCredentialChecks: 0,
    dropped: {
      malformed: 0,
      'bad-fingerprint': 0,
      'not-request': 0,
      'unknown-method': 0,
      'wrong-username': 0,
      'bad-integrity': 0,
      'retired-credentials': 0,
    },
  };

  /**
   * Creates a responder with given or freshly generated credentials.
   * @param options - credentials and the optional remote ufrag
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a ufrag or password
   *   that is not 4 (ufrag) or 22 (pwd) to 256 ice-chars (RFC 8445 §5.3), or a non-string software
   * @example
   * ```ts
   * const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
   * const { usernameFragment, password } = ice.localParameters; // put them in the SDP answer
   * ```
   */
  constructor(options?: IceLiteResponderOptions) {
    const { ufrag, pwd, remoteUfrag, software } = optionalObject(options, 'options');
    this.#current = {
      ufrag: ufrag === undefined ? randomIceString(6) : checkIceString(ufrag, 'options.ufrag', 4),
      pwd: pwd === undefined ? randomIceString(18) : checkIceString(pwd, 'options.pwd', 22),
      remoteUfrag: remoteUfrag === undefined ? undefined : checkIceString(remoteUfrag, 'options.remoteUfrag', 4),
    };
    if (software !== undefined) checkString(software, 'options.software');
    this.#software = software;
  }

  /**
   * Our ICE credentials for `a=ice-ufrag`, `a=ice-pwd`, and `a=ice-lite`.
   * @returns `{ usernameFragment, password, iceLite: true }`
   * @example
   * ```ts
   * const { usernameFragment, password } = ice.localParameters;
   * ```
   */
  get localParameters(): IceLiteLocalParameters {
    return { usernameFragment: this.#current.ufrag, password: this.#current.pwd, iceLite: true };
  }

  /**
   * `true` from {@link IceLiteResponder.restart} until a check with the new
   * credentials succeeded (while the old ones are still answered).
   * @returns whether an ICE restart is pending
   * @example
   * ```ts
   * ice.restart({ remoteUfrag: reoffer.iceUfrag });
   * ice.restarting; // true until the peer's first check with the new credentials
   * ```
   */
  get restarting(): boolean {
    return this.#previous !== undefined;
  }

  /**
   * Starts an ICE restart (RFC 8445 §9, a browser's `pc.restartIce()`): takes
   * new local credentials (given or generated) and the peer's new ufrag on the
   * live responder, and returns the local ones for the answer (or offer).
   *
   * Checks with the old credentials keep being answered, and keep renewing
   * consent on the selected path, until the first check with the new ones
   * succeeds; from then on the old ones are retired and their checks dropped
   * (`retired-credentials`). The validated addresses and the selected address
   * carry over: the path moves only when the peer nominates another one. A
   * second restart before the first completed replaces the pending
   * credentials; the ones in use before stay answered.
   * @param options - the new credentials; see {@link IceRestartOptions}
   * @returns the new {@link IceLiteResponder.localParameters}
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a ufrag or password that
   *   is not 4 (ufrag) or 22 (pwd) to 256 ice-chars, or equal to the one it replaces (a restart
   *   changes both, RFC 8445 §9), or a local ufrag another transport on the same `UdpServer` uses
   * @example
   * ```ts
   * const reoffer = parseRemoteDescription(sdp);
   * const { usernameFragment, password } = ice.restart({ remoteUfrag: reoffer.iceUfrag });
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc8445#section-9
   */
  restart(options?: IceRestartOptions): IceLiteLocalParameters {
    const { ufrag, pwd, remoteUfrag } = optionalObject(options, 'options');
    const inUse = this.#previous ?? this.#current;
    const next: IceCredentials = {
      ufrag: ufrag === undefined ? randomIceString(6) : checkIceString(ufrag, 'options.ufrag', 4),
      pwd: pwd === undefined ? randomIceString(18) : checkIceString(pwd, 'options.pwd', 22),
      remoteUfrag: remoteUfrag === undefined ? undefined : checkIceString(remoteUfrag, 'options.remoteUfrag', 4),
    };
    // Old and new checks are told apart by our ufrag.
    if (next.ufrag === inUse.ufrag || next.ufrag === this.#current.ufrag) {
      throw argValueError('options.ufrag', 'a ufrag other than the one in use', next.ufrag);
    }
    if (next.pwd === inUse.pwd || next.pwd === this.#current.pwd) {
      throw argValueError('options.pwd', 'a password other than the one in use', '<the current password>');
    }
    this.#routing?.reserve(next.ufrag);
    this.#previous = inUse;
    this.#current = next;
    this.#stats.restarts++;
    this.#routing?.update([next.ufrag, inUse.ufrag]);
    return this.localParameters;
  }

  /**
   * The remote address the peer last nominated, or `undefined` before any nomination.
   * @returns a copy of the selected address
   * @example
   * ```ts
   * const path = ice.selectedAddress; // { address: '192.0.2.7', port: 50000, family: 'IPv4' }
   * ```
   */
  get selectedAddress(): IceRemoteAddress | undefined {
    return this.#selected === undefined ? undefined : { ...this.#selected };
  }

  /**
   * Tells whether `remote` recently sent a check that passed authentication
   * (one of the last 8 such addresses), nominated or not.
   *
   * Use it to admit DTLS before nomination: Chromium sends its ClientHello
   * right after its first successful check, before the check that carries
   * USE-CANDIDATE, so a transport that only admits the selected address would
   * drop that first flight and wait a retransmission (about a second).
   * Admit DTLS from the selected address, or from a validated one while
   * nothing is selected yet.
   * @param remote - the source of a received datagram
   * @returns `true` if that address has passed connectivity checks
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` when `remote` is not `{ address, port, family }`
   * @throws {RangeError} `ERR_OUT_OF_RANGE` when `remote.port` is not an integer in 0..65535
   * @example
   * ```ts
   * const ok = sameAddress(ice.selectedAddress, rinfo) || (ice.selectedAddress === undefined && ice.isValidatedAddress(rinfo));
   * ```
   */
  isValidatedAddress(remote: IceRemoteAddress): boolean {
    return this.#validated.includes(addressKey(checkRemote(remote)));
  }

  /**
   * Sets the peer's ufrag once it is known (e.g. from a later SDP); from then
   * on USERNAME must match it exactly.
   * @param ufrag - the remote `ice-ufrag`
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` when it is not 4–256 ice-chars
   * @example
   * ```ts
   * ice.setRemoteUfrag(remote.iceUfrag);
   * ```
   */
  setRemoteUfrag(ufrag: string): void {
    this.#current.remoteUfrag = checkIceString(ufrag, 'ufrag', 4);
  }

  /**
   * Counters since creation (a copy).
   * @returns {@link IceLiteStats}
   * @example
   * ```ts
   * const { dropped } = ice.getStats(); // { malformed: 0, 'bad-integrity': 3, ... }
   * ```
   */
  getStats(): IceLiteStats {
    const s = this.#stats;
    return { ...s, errorResponses: { ...s.errorResponses }, dropped: { ...s.dropped } };
  }

  /**
   * Processes one datagram that the demultiplexer classified as STUN.
   * Never throws on network input.
   * @param datagram - the received UDP payload
   * @param remote - where it came from (`dgram`'s `rinfo` fits)
   * @returns what to send, if anything, and whether the selected address changed
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` when `datagram` is not an
   *   attached Uint8Array or `remote` is not `{ address, port, family }` (caller bugs, not network input)
   * @throws {RangeError} `ERR_OUT_OF_RANGE` when `remote.port` is not an integer in 0..65535
   * @example
   * ```ts
   * const r = ice.handle(msg, rinfo);
   * if (r.action !== 'drop') socket.send(r.response, r.remote.port, r.remote.address);
   * ```
   */
  handle(datagram: Uint8Array, remote: IceRemoteAddress): IceLiteResult {
    checkBytes(datagram, 'datagram');
    const from = checkRemote(remote);
    const msg = parseStunMessage(datagram);
    if (msg === null) return this.#drop('malformed');
    if (!verifyFingerprint(msg)) return this.#drop('bad-fingerprint');
    if (msg.messageClass !== 'request') return this.#drop('not-request');
    if (msg.method !== STUN_METHOD_BINDING) return this.#drop('unknown-method');
    if (msg.username === undefined || msg.messageIntegrity === undefined) {
      return this.#error(msg, from, 400, 'Bad Request', undefined);
    }
    const creds = this.#credentialsOf(msg.username);
    if (creds === undefined) {
      return this.#drop(this.#retiredUfrag !== undefined && ufragOf(msg.username) === this.#retiredUfrag ? 'retired-credentials' : 'wrong-username');
    }
    if (!verifyMessageIntegrity(msg, creds.pwd)) return this.#drop('bad-integrity');

    this.#stats.validChecks++;
    if (msg.unknownRequired.length > 0) return this.#error(msg, from, 420, 'Unknown Attribute', creds);
    const controlling = msg.iceControlling !== undefined;
    const controlled = msg.iceControlled !== undefined;
    if (msg.priority === undefined || controlling === controlled) {
      return this.#error(msg, from, 400, 'Bad Request', creds);
    }
    if (controlled) return this.#error(msg, from, 487, 'Role Conflict', creds);
    const previousCredentials = creds !== this.#current;
    if (previousCredentials) this.#stats.previousCredentialChecks++;
    else if (this.#previous !== undefined) this.#completeRestart(this.#previous);

    const key = addressKey(from);
    const known = this.#validated.indexOf(key);
    if (known >= 0) this.#validated.splice(known, 1);
    this.#validated.push(key);
    if (this.#validated.length > MAX_VALIDATED) this.#validated.shift();

    let selectedChanged = false;
    if (msg.useCandidate) {
      this.#stats.nominations++;
      // The key includes the family: a check keyed differently moves the selection.
      if (this.#selected === undefined || addressKey(this.#selected) !== key) {
        this.#selected = from;
        this.#stats.selectedChanges++;
        selectedChanged = true;
      }
    }
    const mapped: StunAddress = { family: from.family, address: from.address, port: from.port };
    const response = serializeStunMessage(
      {
        messageClass: 'success',
        transactionId: msg.transactionId,
        attributes: [...this.#softwareAttr(), { type: 'xor-mapped-address', value: mapped }],
      },
      { integrityKey: creds.pwd },
    );
    this.#stats.successResponses++;
    return { action: 'success', response, remote: { ...from }, nominated: msg.useCandidate, selectedChanged, previousCredentials };
  }

  /** The first check with the new credentials succeeded: the old ones are retired. */
  #completeRestart(previous: IceCredentials): void {
    this.#previous = undefined;
    this.#retiredUfrag = previous.ufrag;
    this.#stats.restartsCompleted++;
    this.#routing?.update([this.#current.ufrag]);
  }

  /** The credentials whose ufrags USERNAME names (`<ours>:<theirs>`), if any. */
  #credentialsOf(username: string): IceCredentials | undefined {
    for (const creds of this.#previous === undefined ? [this.#current] : [this.#current, this.#previous]) {
      const colon = username.indexOf(':');
      if (colon < 0 || username.slice(0, colon) !== creds.ufrag) continue;
      if (creds.remoteUfrag === undefined || username.slice(colon + 1) === creds.remoteUfrag) return creds;
    }
    return undefined;
  }

  #softwareAttr(): StunAttributeInit[] {
    return this.#software === undefined ? [] : [{ type: 'software', value: this.#software }];
  }

  #drop(reason: IceLiteDropReason): IceLiteResult {
    this.#stats.dropped[reason]++;
    return { action: 'drop', reason };
  }

  /** An error response; with `creds` (the check authenticated under them) it carries MESSAGE-INTEGRITY. */
  #error(msg: StunMessage, from: IceRemoteAddress, code: IceLiteErrorCode, reason: string, creds: IceCredentials | undefined): IceLiteResult {
    const attributes: StunAttributeInit[] = [...this.#softwareAttr(), { type: 'error-code', code, reason }];
    if (code === 420) attributes.push({ type: 'unknown-attributes', value: msg.unknownRequired });
    const response = serializeStunMessage(
      { messageClass: 'error', transactionId: msg.transactionId, attributes },
      creds === undefined ? {} : { integrityKey: creds.pwd },
    );
    this.#stats.errorResponses[code]++;
    return { action: 'error', response, remote: { ...from }, errorCode: code };
  }
}
