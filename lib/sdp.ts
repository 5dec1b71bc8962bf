// SPDX-License-Identifier: MIT
/**
 * SDP helpers for a WebRTC media server: read the ICE and DTLS parameters of a
 * remote offer or answer, and build the answer of an ICE-lite server. Whole-SDP
 * parsing and writing is done by `sdp-transform`; this module adds the WebRTC
 * rules (RFC 8829 JSEP, RFC 8839 ICE SDP, RFC 8122 fingerprints, RFC 8842 setup).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import { SdpError } from './errors.js';
import { parseFingerprintAttribute } from './fingerprint.js';
import {
  argTypeError,
  argValueError,
  checkArray,
  checkBoolean,
  checkIntegerValue,
  checkNumber,
  checkObject,
  checkOneOf,
  checkString,
  checkStringArray,
  isArray,
  optionalBoolean,
  optionalObject,
} from './validate.js';
import { answerSetup, type DtlsSetup } from './role.js';

/** Largest SDP accepted from the network, in characters. */
export const MAX_SDP_LENGTH = 256 * 1024;

/** A certificate fingerprint from `a=fingerprint` (RFC 8122): algorithm in lower case, value in upper-case hex pairs. */
export interface SdpFingerprint {
  algorithm: string;
  value: string;
}

/** A codec offered in a media section (`a=rtpmap` with its `a=fmtp` and `a=rtcp-fb`). */
export interface SdpCodec {
  payloadType: number;
  /** Encoding name as written, e.g. `'opus'`, `'VP8'`, `'rtx'`. */
  name: string;
  clockRate: number;
  channels?: number;
  /** The `a=fmtp` parameters, e.g. `'minptime=10;useinbandfec=1'`. */
  fmtp?: string;
  /** `a=rtcp-fb` values for this payload type (and `*`), e.g. `['nack', 'nack pli', 'transport-cc']`. */
  rtcpFeedback: string[];
}

/** An ICE candidate from `a=candidate`. */
export interface SdpCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: string;
}

/** One media section (`m=` block) of a remote description, with inherited session-level values applied. */
export interface SdpMediaSection {
  /** `'audio'`, `'video'`, `'application'`, ... */
  kind: string;
  mid: string | undefined;
  port: number;
  protocol: string;
  /**
   * Port 0 without `a=bundle-only` in the BUNDLE group: the section is
   * rejected or stopped. A `bundle-only` section with port 0 that is in the
   * BUNDLE group is not rejected: it uses the BUNDLE transport (RFC 8843 §6).
   */
  rejected: boolean;
  /** `a=bundle-only`: the section is offered only if it is bundled (RFC 8843 §6), e.g. by Firefox with `bundlePolicy: 'max-bundle'`. */
  bundleOnly: boolean;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  fingerprints: SdpFingerprint[];
  /** `a=tls-id` (RFC 8842), the media-level one or else the session-level one. */
  tlsId: string | undefined;
  setup: DtlsSetup | undefined;
  rtcpMux: boolean;
  rtcpRsize: boolean;
  codecs: SdpCodec[];
  /** `a=extmap` entries; `encrypted: true` for the RFC 6904 `urn:ietf:params:rtp-hdrext:encrypt` form (`uri` is then the inner URI). */
  headerExtensions: { id: number; uri: string; encrypted?: true }[];
  candidates: SdpCandidate[];
  /** SSRCs announced with `a=ssrc`, in order, without duplicates. */
  ssrcs: number[];
  /** The `fmt` list of the `m=` line as written. */
  formats: string;
}

/**
 * The parts of a remote offer or answer that the security layer needs. The
 * transport values (`iceUfrag` … `setup`) are those of the section that
 * carries the transport: the first mid of the BUNDLE group, else the first
 * section that is not rejected; media-level attributes override
 * session-level ones (RFC 8839 §5, RFC 8122 §5).
 */
export interface RemoteDescription {
  iceUfrag: string;
  icePwd: string;
  /** Every `a=fingerprint` of the transport section (RFC 8122 allows several). */
  fingerprints: SdpFingerprint[];
  /**
   * `a=tls-id` of the transport section (RFC 8842 §4), or `undefined` when the
   * peer sends none (Chromium does not). A new value in a later offer or
   * answer means a new DTLS association (RFC 8842 §5); compare it with the previous one.
   */
  tlsId: string | undefined;
  /** `a=setup`; `'active'` when absent, the RFC 4145 §4 default. */
  setup: DtlsSetup;
  /** `a=ice-lite` at session level. */
  iceLite: boolean;
  /** Mids of all media sections, in order (sections without `a=mid` are skipped). */
  mids: string[];
  /** Mids of the first `a=group:BUNDLE`, or `undefined` without one. */
  bundle: string[] | undefined;
  /** Candidates of the transport section (empty with trickle ICE). */
  candidates: SdpCandidate[];
  media: SdpMediaSection[];
}

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
/** tls-id-value = 20*255(ALPHA / DIGIT / "+" / "/" / "-" / "_") (RFC 8842 §4). */
const TLS_ID = /^[A-Za-z0-9+/_-]{20,255}$/;
const SETUP_VALUES: readonly string[] = ['active', 'passive', 'actpass', 'holdconn'];
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function invalid(message: string, cause?: unknown): SdpError {
  return new SdpError('ERR_SDP_INVALID_ATTRIBUTE', message, cause === undefined ? undefined : { cause });
}

function parseFingerprintValue(text: string): SdpFingerprint {
  if (!/^fingerprint:/i.test(text)) throw invalid('Expected a=fingerprint:<hash> <hex pairs> but received a malformed line');
  try {
    return parseFingerprintAttribute(text.slice('fingerprint:'.length));
  } catch (cause) {
    throw invalid(`Expected a=fingerprint:<hash> <hex pairs>: ${(cause as Error).message}`, cause);
  }
}

/** The DTLS attributes of one SDP block (session or media), which sdp-transform does not parse. */
interface DtlsAttributes {
  fingerprints: SdpFingerprint[];
  tlsId: string | undefined;
}

/** Splits SDP into its session block and media blocks and collects the `a=fingerprint` and `a=tls-id` lines of each. */
function dtlsAttributesBySection(sdp: string): { session: DtlsAttributes; media: DtlsAttributes[] } {
  const session: DtlsAttributes = { fingerprints: [], tlsId: undefined };
  const media: DtlsAttributes[] = [];
  let current = session;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      current = { fingerprints: [], tlsId: undefined };
      media.push(current);
    } else if (/^a=fingerprint:/i.test(line)) {
      current.fingerprints.push(parseFingerprintValue(line.slice(2)));
    } else if (line.startsWith('a=tls-id:')) {
      const value = line.slice('a=tls-id:'.length).trim();
      if (!TLS_ID.test(value)) throw invalid('Expected a=tls-id to be 20 to 255 characters of A-Z a-z 0-9 + / - _');
      if (current.tlsId !== undefined) throw invalid('Expected at most one a=tls-id per section');
      current.tlsId = value;
    }
  }
  return { session, media };
}

function checkIce(value: string | number | undefined, name: string, min: number): string | undefined {
  if (value === undefined) return undefined;
  // sdp-transform turns an all-digit value into a number (Firefox's ufrag is
  // 8 hex digits: all decimal about once in 43 offers); String() restores it
  // exactly, as it converts only values that round-trip.
  const text = String(value);
  if (text.length < min || text.length > 256 || !ICE_CHARS.test(text)) {
    throw invalid(`Expected ${name} to be ${min} to 256 ice-chars`);
  }
  return text;
}

function checkSetup(value: string | undefined): DtlsSetup | undefined {
  if (value === undefined) return undefined;
  if (!SETUP_VALUES.includes(value)) throw invalid('Expected a=setup to be active, passive, actpass or holdconn');
  return value as DtlsSetup;
}

/**
 * Parses a remote SDP offer or answer and extracts what the ICE and DTLS
 * layers need. Hostile input gives a typed error, never a crash.
 *
 * @param sdp - the remote session description text
 * @returns the {@link RemoteDescription}
 * @throws {SdpError} `ERR_SDP_PARSE` when the text is larger than {@link MAX_SDP_LENGTH},
 *   has no `v=0` line, or has no media section
 * @throws {SdpError} `ERR_SDP_MISSING_ATTRIBUTE` when the transport section has no
 *   `a=ice-ufrag`, `a=ice-pwd` or `a=fingerprint` (at media or session level)
 * @throws {SdpError} `ERR_SDP_INVALID_ATTRIBUTE` when an `a=fingerprint` is malformed
 *   (bad token, non-hex, wrong length for its hash), `a=setup` is not one of the
 *   four values, or the ICE credentials are not 4 (ufrag) / 22 (pwd) to 256 ice-chars
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `sdp` is not a string
 * @example
 * ```ts
 * const remote = parseRemoteDescription(offerSdp);
 * const ice = new IceLiteResponder({ remoteUfrag: remote.iceUfrag });
 * const role = selectDtlsRole({ localSetup: 'passive', remoteSetup: remote.setup, isOfferer: false });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8839#section-5
 * @see https://www.rfc-editor.org/rfc/rfc8122#section-5
 */
export function parseRemoteDescription(sdp: string): RemoteDescription {
  checkString(sdp, 'sdp');
  if (sdp.length > MAX_SDP_LENGTH) {
    throw new SdpError('ERR_SDP_PARSE', `Expected SDP of at most ${MAX_SDP_LENGTH} characters but received ${sdp.length}`);
  }
  if (!/^v=0\r?$/m.test(sdp.split('\n', 1)[0] ?? '')) {
    throw new SdpError('ERR_SDP_PARSE', 'Expected SDP to start with v=0');
  }
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch (cause) {
    throw new SdpError('ERR_SDP_PARSE', 'Expected parseable SDP', { cause });
  }
  const media = Array.isArray(parsed.media) ? parsed.media : [];
  if (media.length === 0) throw new SdpError('ERR_SDP_PARSE', 'Expected at least one media section');
  const fps = dtlsAttributesBySection(sdp);
  if (fps.media.length !== media.length) throw new SdpError('ERR_SDP_PARSE', 'Expected every m= line to parse');

  const sessionUfrag = checkIce(parsed.iceUfrag, 'a=ice-ufrag', 4);
  const sessionPwd = checkIce(parsed.icePwd, 'a=ice-pwd', 22);
  const sessionSetup = checkSetup(parsed.setup);
  const bundleGroup = (parsed.groups ?? []).find((g) => g.type === 'BUNDLE');
  const bundle = bundleGroup === undefined ? undefined : String(bundleGroup.mids).split(' ').filter((s) => s !== '');
  const sections = media.map((m, i) =>
    toSection(m, fps.media[i] ?? { fingerprints: [], tlsId: undefined }, fps.session, sessionUfrag, sessionPwd, sessionSetup, bundle ?? []),
  );
  const tagMid = bundle?.[0];
  const transport =
    sections.find((s) => tagMid !== undefined && s.mid === tagMid && !s.rejected) ?? sections.find((s) => !s.rejected);
  if (transport === undefined) throw new SdpError('ERR_SDP_MISSING_ATTRIBUTE', 'Expected a media section that is not rejected');
  if (transport.iceUfrag === undefined || transport.icePwd === undefined) {
    throw new SdpError('ERR_SDP_MISSING_ATTRIBUTE', 'Expected a=ice-ufrag and a=ice-pwd');
  }
  if (transport.fingerprints.length === 0) throw new SdpError('ERR_SDP_MISSING_ATTRIBUTE', 'Expected a=fingerprint');
  return {
    iceUfrag: transport.iceUfrag,
    icePwd: transport.icePwd,
    fingerprints: transport.fingerprints,
    tlsId: transport.tlsId,
    setup: transport.setup ?? 'active',
    iceLite: parsed.icelite === 'ice-lite',
    mids: sections.flatMap((s) => (s.mid === undefined ? [] : [s.mid])),
    bundle,
    candidates: transport.candidates,
    media: sections,
  };
}

function toSection(
  m: sdpTransform.MediaDescription,
  mediaDtls: DtlsAttributes,
  sessionDtls: DtlsAttributes,
  sessionUfrag: string | undefined,
  sessionPwd: string | undefined,
  sessionSetup: DtlsSetup | undefined,
  bundle: readonly string[],
): SdpMediaSection {
  const fmtp = new Map((m.fmtp ?? []).map((f) => [Number(f.payload), String(f.config)]));
  const feedback = m.rtcpFb ?? [];
  const codecs: SdpCodec[] = (m.rtp ?? []).map((r) => {
    const pt = Number(r.payload);
    const codec: SdpCodec = {
      payloadType: pt,
      name: String(r.codec),
      clockRate: Number(r.rate ?? 0),
      rtcpFeedback: feedback
        .filter((f) => String(f.payload) === String(pt) || f.payload === '*')
        .map((f) => (f.subtype === undefined ? f.type : `${f.type} ${f.subtype}`)),
    };
    if (r.encoding !== undefined) codec.channels = Number(r.encoding);
    const config = fmtp.get(pt);
    if (config !== undefined) codec.fmtp = config;
    return codec;
  });
  const ssrcs: number[] = [];
  for (const s of m.ssrcs ?? []) if (!ssrcs.includes(Number(s.id))) ssrcs.push(Number(s.id));
  const direction = m.direction !== undefined && DIRECTIONS.includes(m.direction) ? m.direction : 'sendrecv';
  const mid = m.mid === undefined ? undefined : String(m.mid);
  const bundleOnly = m.bundleOnly === 'bundle-only';
  return {
    kind: String(m.type),
    mid,
    port: Number(m.port),
    protocol: String(m.protocol),
    // RFC 8843 §6: port 0 with bundle-only asks for the BUNDLE transport; it is not a rejection.
    rejected: Number(m.port) === 0 && !(bundleOnly && mid !== undefined && bundle.includes(mid)),
    bundleOnly,
    direction,
    iceUfrag: checkIce(m.iceUfrag, 'a=ice-ufrag', 4) ?? sessionUfrag,
    icePwd: checkIce(m.icePwd, 'a=ice-pwd', 22) ?? sessionPwd,
    fingerprints: mediaDtls.fingerprints.length > 0 ? mediaDtls.fingerprints : sessionDtls.fingerprints,
    tlsId: mediaDtls.tlsId ?? sessionDtls.tlsId,
    setup: checkSetup(m.setup) ?? sessionSetup,
    rtcpMux: m.rtcpMux === 'rtcp-mux',
    rtcpRsize: m.rtcpRsize === 'rtcp-rsize',
    codecs,
    headerExtensions: (m.ext ?? []).map((e) => ({
      id: Number(e.value),
      uri: String(e.uri),
      ...(e['encrypt-uri'] === undefined ? {} : { encrypted: true as const }),
    })),
    candidates: (m.candidates ?? []).map((c) => ({
      foundation: String(c.foundation),
      component: Number(c.component),
      transport: String(c.transport),
      priority: Number(c.priority),
      address: String(c.ip),
      port: Number(c.port),
      type: String(c.type),
    })),
    ssrcs,
    formats: String(m.payloads ?? ''),
  };
}

/** Options of {@link buildLiteAnswer}. */
export interface LiteAnswerOptions {
  /** Our `ice-ufrag` (e.g. `IceLiteResponder.localParameters.usernameFragment`). */
  iceUfrag: string;
  /** Our `ice-pwd`. */
  icePwd: string;
  /** Our certificate's fingerprints (e.g. `certificate.getFingerprints()`); at least one. */
  fingerprints: readonly SdpFingerprint[];
  /**
   * Our `a=setup`; default {@link answerSetup}`(offer.setup, 'passive')` (DTLS server).
   * Answering a re-offer that keeps the DTLS association (an ICE restart), give the
   * setup of the first answer: the DTLS roles must not change (RFC 8842 §5.3).
   */
  setup?: 'active' | 'passive';
  /**
   * Our `a=tls-id` (RFC 8842 §4): 20 to 255 characters of `A-Z a-z 0-9 + / - _`,
   * written in every accepted section. Keep it for the life of a DTLS
   * association; a new one announces a new association. None by default.
   */
  tlsId?: string;
  /** The one host candidate: the address and UDP port our socket is bound to. */
  candidate: { address: string; port: number };
  /**
   * Codec names we accept, in our order of preference, per media kind; matched
   * case-insensitively against the offer. Default `{ audio: ['opus'], video: ['VP8'] }`.
   */
  codecs?: { audio?: readonly string[]; video?: readonly string[] };
  /** Header-extension URIs we accept. Default: only `urn:ietf:params:rtp-hdrext:sdes:mid`. */
  headerExtensions?: readonly string[];
  /** `a=rtcp-fb` values we accept. Default `['nack', 'nack pli', 'ccm fir']`. */
  rtcpFeedback?: readonly string[];
  /** Also accept the offered RTX payload type of each chosen codec. Default `false`. */
  rtx?: boolean;
  /**
   * Accept header extensions offered in the encrypted form of RFC 6904
   * (`a=extmap:<id> urn:ietf:params:rtp-hdrext:encrypt <uri>`), answered in that
   * form and preferred over an unencrypted offer of the same URI; give the
   * transport `encryptedHeaderExtensionIds: encryptedExtensionIds(offerSection.headerExtensions)`.
   * Default `false`: encrypted offers are left out of the answer, as by an
   * answerer without RFC 6904 (never answered as plain extensions).
   */
  encryptHeaderExtensions?: boolean;
  /** What we send per mid: adds `a=ssrc:<ssrc> cname:<cname>` and `a=msid`. */
  send?: Readonly<Record<string, { ssrc: number; cname: string; streamId?: string; trackId?: string }>>;
  /** Origin session id (digits). Random by default; keep the first answer's in the answers to re-offers. */
  sessionId?: string;
  /**
   * Origin session version: 0 to 2^53 - 1, default 2. An answer to a re-offer
   * (e.g. after `pc.restartIce()`) has the same `sessionId` and a higher version (RFC 8866 §5.2).
   */
  sessionVersion?: number;
}

const ANSWER_DIRECTION: Record<SdpMediaSection['direction'], SdpMediaSection['direction']> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/** Host candidate priority for component 1: type preference 126, local preference 65535 (RFC 8445 §5.1.2.1). */
const HOST_PRIORITY = 126 * 2 ** 24 + 65535 * 2 ** 8 + 255;

function stringList(value: unknown, name: string, fallback: readonly string[]): string[] {
  if (value === undefined) return fallback.slice();
  checkStringArray(value, name);
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined) checkString(value, name);
  return value;
}

/**
 * Validates a {@link RemoteDescription} handed to {@link buildLiteAnswer}
 * (normally from {@link parseRemoteDescription}, possibly a copy that crossed
 * a process boundary as JSON): every field the answer reads has its type.
 */
function checkOffer(offer: unknown): RemoteDescription {
  checkObject(offer, 'offer');
  checkArray(offer['media'], 'offer.media', 'an array of media sections');
  if (offer['bundle'] !== undefined) checkStringArray(offer['bundle'], 'offer.bundle', 'undefined or an array of strings');
  offer['media'].forEach((section: unknown, i) => {
    const name = `offer.media[${i}]`;
    checkObject(section, name);
    for (const key of ['kind', 'protocol', 'formats'] as const) checkString(section[key], `${name}.${key}`);
    optionalString(section['mid'], `${name}.mid`);
    for (const key of ['rejected', 'rtcpRsize'] as const) checkBoolean(section[key], `${name}.${key}`);
    checkOneOf(section['direction'], `${name}.direction`, DIRECTIONS);
    checkArray(section['codecs'], `${name}.codecs`);
    section['codecs'].forEach((codec: unknown, j) => {
      const at = `${name}.codecs[${j}]`;
      checkObject(codec, at);
      checkNumber(codec['payloadType'], `${at}.payloadType`);
      checkString(codec['name'], `${at}.name`);
      checkNumber(codec['clockRate'], `${at}.clockRate`);
      if (codec['channels'] !== undefined) checkNumber(codec['channels'], `${at}.channels`);
      optionalString(codec['fmtp'], `${at}.fmtp`);
      stringList(codec['rtcpFeedback'], `${at}.rtcpFeedback`, []);
    });
    checkArray(section['headerExtensions'], `${name}.headerExtensions`);
    section['headerExtensions'].forEach((ext: unknown, j) => {
      const at = `${name}.headerExtensions[${j}]`;
      checkObject(ext, at);
      checkNumber(ext['id'], `${at}.id`);
      checkString(ext['uri'], `${at}.uri`);
    });
  });
  if (offer['setup'] !== undefined) checkString(offer['setup'], 'offer.setup');
  return offer as unknown as RemoteDescription;
}

/**
 * Builds the SDP answer of an ICE-lite media server to a remote offer, for one
 * BUNDLEd transport with RTCP multiplexing:
 * - session level: `a=ice-lite`, `a=group:BUNDLE` of the accepted mids (when the offer bundles);
 * - each accepted audio/video section: our ICE credentials, every fingerprint,
 *   `a=setup`, one host candidate and `a=end-of-candidates`, `a=rtcp-mux`
 *   (`a=rtcp-rsize` if offered), the mirrored direction, the chosen codec with
 *   its offered payload type, `a=fmtp` and accepted `a=rtcp-fb`, and accepted
 *   header extensions with their offered ids;
 * - sections with no acceptable codec, data channels (`m=application`; no SCTP
 *   here) and sections rejected in the offer are rejected: port 0, with a
 *   `c=` line of the unspecified address (`0.0.0.0` or `::`), since the answer
 *   has no session-level `c=` (RFC 8866 §5.7);
 * - an offered `a=bundle-only` section (port 0 in the BUNDLE group, as Firefox
 *   offers with `bundlePolicy: 'max-bundle'`) is not a rejected one: it is
 *   answered like any other bundled section, on our port (RFC 8843 §6/§7).
 *
 * @param offer - the parsed remote offer ({@link parseRemoteDescription})
 * @param options - our credentials, fingerprints, candidate and codec choices
 * @returns the SDP answer text (CRLF line ends)
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for an `offer` that is not a
 *   {@link RemoteDescription}, or missing or malformed options (ICE credentials, fingerprints,
 *   candidate address, setup, codec lists, SSRCs)
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a candidate port or SSRC outside its range
 * @throws {DtlsError} `ERR_DTLS_ROLE_CONFLICT` when the offer's `a=setup` cannot be answered (holdconn)
 * @example
 * ```ts
 * const offer = parseRemoteDescription(browserOffer);
 * const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
 * const answer = buildLiteAnswer(offer, {
 *   iceUfrag: ice.localParameters.usernameFragment,
 *   icePwd: ice.localParameters.password,
 *   fingerprints: certificate.getFingerprints(['sha-256']),
 *   candidate: { address: '127.0.0.1', port: socket.address().port },
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8829#section-5.3
 * @see https://www.rfc-editor.org/rfc/rfc8445#section-2.5
 */
export function buildLiteAnswer(offer: RemoteDescription, options: LiteAnswerOptions): string {
  const remote = checkOffer(offer);
  checkObject(options, 'options');
  const ufrag = options['iceUfrag'];
  const pwd = options['icePwd'];
  checkString(ufrag, 'options.iceUfrag');
  checkString(pwd, 'options.icePwd');
  if (ufrag.length < 4 || ufrag.length > 256 || !ICE_CHARS.test(ufrag)) {
    throw argValueError('options.iceUfrag', '4 to 256 ice-chars', ufrag);
  }
  if (pwd.length < 22 || pwd.length > 256 || !ICE_CHARS.test(pwd)) {
    throw argValueError('options.icePwd', '22 to 256 ice-chars', pwd);
  }
  const offered = options['fingerprints'];
  if (!isArray(offered) || offered.length === 0) throw argTypeError('options.fingerprints', 'a non-empty array', offered);
  const fingerprints = offered.map((entry, i) => {
    const at = `options.fingerprints[${i}]`;
    checkObject(entry, at);
    const { algorithm, value } = entry;
    checkString(algorithm, `${at}.algorithm`);
    checkString(value, `${at}.value`);
    try {
      return parseFingerprintValue(`fingerprint:${algorithm} ${value}`);
    } catch (cause) {
      throw argValueError(at, 'a hash name and matching hex pairs', value, cause);
    }
  });
  const setup =
    options['setup'] === undefined ? answerSetup(remote.setup, 'passive') : checkOneOf(options['setup'], 'options.setup', ['active', 'passive']);
  const cand = options['candidate'];
  checkObject(cand, 'options.candidate');
  const candAddress = cand['address'];
  checkString(candAddress, 'options.candidate.address');
  const ipVer = isIPv4(candAddress) ? 4 : isIPv6(candAddress) ? 6 : 0;
  if (ipVer === 0) throw argValueError('options.candidate.address', 'an IPv4 or IPv6 address', candAddress);
  const candPort = cand['port'];
  checkIntegerValue(candPort, 'options.candidate.port', 1, 65535);
  const codecs = optionalObject(options['codecs'], 'options.codecs');
  const prefs = {
    audio: stringList(codecs['audio'], 'options.codecs.audio', ['opus']).map((s) => s.toLowerCase()),
    video: stringList(codecs['video'], 'options.codecs.video', ['VP8']).map((s) => s.toLowerCase()),
  };
  const extensions = stringList(options['headerExtensions'], 'options.headerExtensions', ['urn:ietf:params:rtp-hdrext:sdes:mid']);
  const feedback = stringList(options['rtcpFeedback'], 'options.rtcpFeedback', ['nack', 'nack pli', 'ccm fir']);
  const rtx = optionalBoolean(options['rtx'], 'options.rtx', false);
  const encrypt = optionalBoolean(options['encryptHeaderExtensions'], 'options.encryptHeaderExtensions', false);
  const send = optionalObject(options['send'], 'options.send');
  const sessionId = options['sessionId'] === undefined ? BigInt(`0x${randomBytes(7).toString('hex')}`).toString() : options['sessionId'];
  if (typeof sessionId !== 'string' || !/^\d{1,20}$/.test(sessionId)) {
    throw argValueError('options.sessionId', 'a string of 1 to 20 digits', sessionId);
  }
  const sessionVersion = options['sessionVersion'] === undefined ? 2 : options['sessionVersion'];
  checkIntegerValue(sessionVersion, 'options.sessionVersion', 0, Number.MAX_SAFE_INTEGER);
  const tlsId = options['tlsId'];
  if (tlsId !== undefined) {
    checkString(tlsId, 'options.tlsId');
    if (!TLS_ID.test(tlsId)) throw argValueError('options.tlsId', '20 to 255 characters of A-Z a-z 0-9 + / - _', tlsId);
  }
  const candidate = { address: candAddress, port: candPort };

  const accepted: string[] = [];
  const media: sdpTransform.MediaDescription[] = remote.media.map((section) => {
    const chosen = section.rejected ? [] : chooseCodecs(section, prefs, rtx);
    if (chosen.length === 0 || section.mid === undefined) {
      return rejectedSection(section, ipVer);
    }
    accepted.push(section.mid);
    const m: sdpTransform.MediaDescription = {
      type: section.kind,
      port: candidate.port,
      protocol: 'UDP/TLS/RTP/SAVPF',
      payloads: chosen.map((c) => c.payloadType).join(' '),
      connection: { version: ipVer, ip: candidate.address },
      rtcp: { port: candidate.port, netType: 'IN', ipVer, address: candidate.address },
      iceUfrag: ufrag,
      icePwd: pwd,
      fingerprint: { type: (fingerprints[0] as SdpFingerprint).algorithm, hash: (fingerprints[0] as SdpFingerprint).value },
      setup,
      mid: section.mid,
      direction: ANSWER_DIRECTION[section.direction],
      rtcpMux: 'rtcp-mux',
      candidates: [
        {
          foundation: '1',
          component: 1,
          transport: 'udp',
          priority: HOST_PRIORITY,
          ip: candidate.address,
          port: candidate.port,
          type: 'host',
        },
      ],
      endOfCandidates: 'end-of-candidates',
      rtp: chosen.map((c) => {
        const r: { payload: number; codec: string; rate?: number; encoding?: number } = {
          payload: c.payloadType,
          codec: c.name,
          rate: c.clockRate,
        };
        if (c.channels !== undefined) r.encoding = c.channels;
        return r;
      }),
      fmtp: chosen.flatMap((c) => (c.fmtp === undefined ? [] : [{ payload: c.payloadType, config: c.fmtp }])),
      rtcpFb: chosen.flatMap((c) =>
        c.rtcpFeedback
          .filter((f) => feedback.includes(f))
          .map((f) => {
            const [type = '', ...rest] = f.split(' ');
            return rest.length === 0 ? { payload: c.payloadType, type } : { payload: c.payloadType, type, subtype: rest.join(' ') };
          }),
      ),
      ext: answerExtensions(section.headerExtensions, extensions, encrypt),
    };
    if (section.rtcpRsize) m.rtcpRsize = 'rtcp-rsize';
    // sdp-transform knows neither a second fingerprint nor tls-id: written as raw attributes.
    const raw = fingerprints.slice(1).map((f) => ({ value: `fingerprint:${f.algorithm} ${f.value}` }));
    if (tlsId !== undefined) raw.push({ value: `tls-id:${tlsId}` });
    if (raw.length > 0) m.invalid = raw;
    const sending = Object.hasOwn(send, section.mid) ? send[section.mid] : undefined;
    if (sending !== undefined) addSend(m, sending, section.mid);
    return m;
  });

  const description: sdpTransform.SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId, sessionVersion, netType: 'IN', ipVer, address: candidate.address },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    media,
  };
  if (remote.bundle !== undefined) {
    const mids = remote.bundle.filter((mid) => accepted.includes(mid));
    if (mids.length > 0) description.groups = [{ type: 'BUNDLE', mids: mids.join(' ') }];
  }
  return sdpTransform.write(description);
}

function chooseCodecs(section: SdpMediaSection, prefs: { audio: string[]; video: string[] }, rtx: boolean): SdpCodec[] {
  if (section.kind !== 'audio' && section.kind !== 'video') return [];
  if (!/SAVPF/.test(section.protocol)) return [];
  for (const name of prefs[section.kind]) {
    const codec = section.codecs.find((c) => c.name.toLowerCase() === name);
    if (codec === undefined) continue;
    const chosen = [codec];
    if (rtx) {
      const apt = section.codecs.find((c) => c.name.toLowerCase() === 'rtx' && c.fmtp === `apt=${codec.payloadType}`);
      if (apt !== undefined) chosen.push(apt);
    }
    return chosen;
  }
  return [];
}

/**
 * A rejected section: port 0, the offered protocol and formats, and a `c=`
 * line with the unspecified address, because the answer has no session-level
 * `c=` and RFC 8866 §5.7 wants one in every section (Firefox refuses the
 * whole answer otherwise).
 */
function rejectedSection(section: SdpMediaSection, ipVer: 4 | 6): sdpTransform.MediaDescription {
  const m: sdpTransform.MediaDescription = {
    type: section.kind,
    port: 0,
    protocol: section.protocol,
    payloads: section.formats,
    connection: { version: ipVer, ip: ipVer === 4 ? '0.0.0.0' : '::' },
    rtp: [],
    fmtp: [],
  };
  if (section.mid !== undefined) m.mid = section.mid;
  return m;
}

function addSend(m: sdpTransform.MediaDescription, send: unknown, mid: string): void {
  const name = `options.send.${mid}`;
  checkObject(send, name);
  const { ssrc, cname } = send;
  checkIntegerValue(ssrc, `${name}.ssrc`, 0, 0xffffffff);
  const token = /^[A-Za-z0-9+/._-]{1,64}$/;
  checkString(cname, `${name}.cname`);
  if (!token.test(cname)) throw argValueError(`${name}.cname`, '1 to 64 token characters', cname);
  const streamId = optionalString(send['streamId'], `${name}.streamId`) ?? cname;
  const trackId = optionalString(send['trackId'], `${name}.trackId`) ?? `${cname}-${mid}`;
  if (!token.test(streamId)) throw argValueError(`${name}.streamId`, '1 to 64 token characters', streamId);
  if (!token.test(trackId)) throw argValueError(`${name}.trackId`, '1 to 64 token characters', trackId);
  m.msid = [{ id: streamId, appdata: trackId }];
  m.ssrcs = [{ id: ssrc, attribute: 'cname', value: cname }];
}

/** The URI that marks an encrypted header extension in `a=extmap` (RFC 6904 §4). */
export const EXTMAP_ENCRYPT_URI = 'urn:ietf:params:rtp-hdrext:encrypt';

/**
 * One `a=extmap` attribute (RFC 8285 §7), including the RFC 6904 §4 form
 * `a=extmap:<id>[/<direction>] urn:ietf:params:rtp-hdrext:encrypt <uri> [<attributes>]`.
 */
export interface SdpExtmap {
  /** The local identifier: 1 to 14 for the one-byte header form, 1 to 255 for the two-byte form. */
  id: number;
  /** The extension's URI (for an encrypted extension, the URI after the `encrypt` marker). */
  uri: string;
  /** Whether the extension's values are encrypted (RFC 6904). */
  encrypted: boolean;
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Extension attributes after the URI, as written. */
  attributes?: string;
}

const EXTMAP_LINE = /^(?:a=)?extmap:(\d{1,5})(?:\/([a-z]+))? (\S+)(?: (\S+))?(?: (.+))?$/;
const URI_TOKEN = /^[!-~]+$/;

/**
 * Parses one `a=extmap` line, including the encrypted form of RFC 6904 §4.
 * @param line - the attribute, with or without `a=` (a trailing CR is ignored)
 * @returns `{ id, uri, encrypted, direction?, attributes? }`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `line` is not a string
 * @throws {SdpError} `ERR_SDP_INVALID_ATTRIBUTE` for a malformed line, an ID
 *   outside 1..255 or an unknown direction
 * @example
 * ```ts
 * parseExtmap('a=extmap:3 urn:ietf:params:rtp-hdrext:encrypt urn:ietf:params:rtp-hdrext:ssrc-audio-level');
 * // { id: 3, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', encrypted: true }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6904#section-4
 */
export function parseExtmap(line: string): SdpExtmap {
  checkString(line, 'line');
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const m = EXTMAP_LINE.exec(text);
  if (m === null) throw invalid('Expected a=extmap:<id>[/<direction>] [urn:ietf:params:rtp-hdrext:encrypt] <uri> but received a malformed line');
  const id = Number(m[1]);
  if (id < 1 || id > 255) throw invalid(`Expected an a=extmap ID from 1 to 255 but received ${id}`);
  const direction = m[2];
  if (direction !== undefined && !DIRECTIONS.includes(direction)) {
    throw invalid(`Expected an a=extmap direction (sendrecv, sendonly, recvonly, inactive) but received '${direction.slice(0, 16)}'`);
  }
  const encrypted = m[3] === EXTMAP_ENCRYPT_URI;
  let uri = m[3] as string;
  let attributes = m[5] === undefined ? m[4] : `${m[4] ?? ''} ${m[5]}`;
  if (encrypted) {
    if (m[4] === undefined) throw invalid('Expected the extension URI after urn:ietf:params:rtp-hdrext:encrypt');
    uri = m[4];
    attributes = m[5];
  }
  return {
    id,
    uri,
    encrypted,
    ...(direction === undefined ? {} : { direction: direction as NonNullable<SdpExtmap['direction']> }),
    ...(attributes === undefined ? {} : { attributes }),
  };
}

/**
 * Writes an `a=extmap` line (without CRLF); the RFC 6904 §4 form when `encrypted`.
 * @param extmap - the extension; `id` 1 to 255, `uri` one SDP token
 * @returns e.g. `'a=extmap:3 urn:ietf:params:rtp-hdrext:encrypt urn:ietf:params:rtp-hdrext:ssrc-audio-level'`
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a bad field
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for an ID outside 1..255
 * @example
 * ```ts
 * formatExtmap({ id: 1, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', encrypted: true });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6904#section-4
 */
export function formatExtmap(extmap: SdpExtmap): string {
  checkObject(extmap, 'extmap');
  const { id, uri, encrypted, direction, attributes } = extmap as unknown as Record<string, unknown>;
  checkIntegerValue(id, 'extmap.id', 1, 255);
  checkString(uri, 'extmap.uri');
  if (!URI_TOKEN.test(uri) || uri === EXTMAP_ENCRYPT_URI) throw argValueError('extmap.uri', 'a URI without spaces', uri);
  const isEncrypted = optionalBoolean(encrypted, 'extmap.encrypted', false);
  const dir = direction === undefined ? undefined : checkOneOf(direction, 'extmap.direction', DIRECTIONS);
  if (attributes !== undefined) {
    checkString(attributes, 'extmap.attributes');
    if (attributes === '' || /[\r\n]/.test(attributes)) throw argValueError('extmap.attributes', 'one line of text', attributes);
  }
  return `a=extmap:${id}${dir === undefined ? '' : `/${dir}`} ${isEncrypted ? `${EXTMAP_ENCRYPT_URI} ` : ''}${uri}${
    attributes === undefined ? '' : ` ${attributes}`
  }`;
}

/**
 * The IDs to pass as `encryptedHeaderExtensionIds`: those of the extensions marked encrypted.
 * @param extmaps - parsed `a=extmap` entries (from {@link parseExtmap}, or a media section's `headerExtensions`)
 * @returns their IDs, in order, without duplicates
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `extmaps` is not an array of objects
 * @example
 * ```ts
 * const ids = encryptedExtensionIds(section.headerExtensions); // e.g. [1, 3]
 * new SrtpSession({ ...keys, encryptedHeaderExtensionIds: ids });
 * ```
 */
export function encryptedExtensionIds(extmaps: readonly { id: number; encrypted?: boolean }[]): number[] {
  checkArray(extmaps, 'extmaps');
  const ids: number[] = [];
  extmaps.forEach((e: unknown, i) => {
    checkObject(e, `extmaps[${i}]`);
    if (e['encrypted'] === true && typeof e['id'] === 'number' && !ids.includes(e['id'])) ids.push(e['id']);
  });
  return ids;
}

/**
 * The `a=extmap` entries of an answer section: offered URIs we accept; an
 * encrypted offer (RFC 6904) only when `encrypt`, then in place of an
 * unencrypted offer of the same URI.
 */
function answerExtensions(
  offered: readonly { id: number; uri: string; encrypted?: true }[],
  accepted: readonly string[],
  encrypt: boolean,
): NonNullable<sdpTransform.MediaDescription['ext']> {
  const usable = offered.filter((e) => accepted.includes(e.uri) && (encrypt || e.encrypted !== true));
  const encryptedUris = new Set(usable.filter((e) => e.encrypted === true).map((e) => e.uri));
  return usable
    .filter((e) => e.encrypted === true || !encryptedUris.has(e.uri))
    .map((e) => (e.encrypted === true ? { value: e.id, uri: e.uri, 'encrypt-uri': EXTMAP_ENCRYPT_URI } : { value: e.id, uri: e.uri }));
}
