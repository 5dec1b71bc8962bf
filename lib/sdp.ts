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
  /** Port 0: the section is rejected or stopped. */
  rejected: boolean;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  iceUfrag: string | undefined;
  icePwd: string | undefined;
  fingerprints: SdpFingerprint[];
  setup: DtlsSetup | undefined;
  rtcpMux: boolean;
  rtcpRsize: boolean;
  codecs: SdpCodec[];
  headerExtensions: { id: number; uri: string }[];
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

/** Splits SDP into its session block and media blocks and collects the `a=fingerprint` lines of each. */
function fingerprintsBySection(sdp: string): { session: SdpFingerprint[]; media: SdpFingerprint[][] } {
  const session: SdpFingerprint[] = [];
  const media: SdpFingerprint[][] = [];
  let current = session;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      current = [];
      media.push(current);
    } else if (/^a=fingerprint:/i.test(line)) {
      current.push(parseFingerprintValue(line.slice(2)));
    }
  }
  return { session, media };
}

function checkIce(value: string | undefined, name: string, min: number): string | undefined {
  if (value === undefined) return undefined;
  if (value.length < min || value.length > 256 || !ICE_CHARS.test(value)) {
    throw invalid(`Expected ${name} to be ${min} to 256 ice-chars`);
  }
  return value;
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
  const fps = fingerprintsBySection(sdp);
  if (fps.media.length !== media.length) throw new SdpError('ERR_SDP_PARSE', 'Expected every m= line to parse');

  const sessionUfrag = checkIce(parsed.iceUfrag, 'a=ice-ufrag', 4);
  const sessionPwd = checkIce(parsed.icePwd, 'a=ice-pwd', 22);
  const sessionSetup = checkSetup(parsed.setup);
  const sections = media.map((m, i) => toSection(m, fps.media[i] ?? [], fps.session, sessionUfrag, sessionPwd, sessionSetup));

  const bundleGroup = (parsed.groups ?? []).find((g) => g.type === 'BUNDLE');
  const bundle = bundleGroup === undefined ? undefined : String(bundleGroup.mids).split(' ').filter((s) => s !== '');
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
  mediaFps: SdpFingerprint[],
  sessionFps: SdpFingerprint[],
  sessionUfrag: string | undefined,
  sessionPwd: string | undefined,
  sessionSetup: DtlsSetup | undefined,
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
  return {
    kind: String(m.type),
    mid: m.mid === undefined ? undefined : String(m.mid),
    port: Number(m.port),
    protocol: String(m.protocol),
    rejected: Number(m.port) === 0,
    direction,
    iceUfrag: checkIce(m.iceUfrag, 'a=ice-ufrag', 4) ?? sessionUfrag,
    icePwd: checkIce(m.icePwd, 'a=ice-pwd', 22) ?? sessionPwd,
    fingerprints: mediaFps.length > 0 ? mediaFps : sessionFps,
    setup: checkSetup(m.setup) ?? sessionSetup,
    rtcpMux: m.rtcpMux === 'rtcp-mux',
    rtcpRsize: m.rtcpRsize === 'rtcp-rsize',
    codecs,
    headerExtensions: (m.ext ?? []).map((e) => ({ id: Number(e.value), uri: String(e.uri) })),
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
  /** Our `a=setup`; default {@link answerSetup}`(offer.setup, 'passive')` (DTLS server). */
  setup?: 'active' | 'passive';
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
  /** What we send per mid: adds `a=ssrc:<ssrc> cname:<cname>` and `a=msid`. */
  send?: Readonly<Record<string, { ssrc: number; cname: string; streamId?: string; trackId?: string }>>;
  /** Origin session id (digits). Random by default. */
  sessionId?: string;
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
 *   here) and sections rejected in the offer are rejected (port 0).
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
  const send = optionalObject(options['send'], 'options.send');
  const sessionId = options['sessionId'] === undefined ? BigInt(`0x${randomBytes(7).toString('hex')}`).toString() : options['sessionId'];
  if (typeof sessionId !== 'string' || !/^\d{1,20}$/.test(sessionId)) {
    throw argValueError('options.sessionId', 'a string of 1 to 20 digits', sessionId);
  }
  const candidate = { address: candAddress, port: candPort };

  const accepted: string[] = [];
  const media: sdpTransform.MediaDescription[] = remote.media.map((section) => {
    const chosen = section.rejected ? [] : chooseCodecs(section, prefs, rtx);
    if (chosen.length === 0 || section.mid === undefined) {
      return rejectedSection(section);
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
      ext: section.headerExtensions.filter((e) => extensions.includes(e.uri)).map((e) => ({ value: e.id, uri: e.uri })),
    };
    if (section.rtcpRsize) m.rtcpRsize = 'rtcp-rsize';
    if (fingerprints.length > 1) {
      m.invalid = fingerprints.slice(1).map((f) => ({ value: `fingerprint:${f.algorithm} ${f.value}` }));
    }
    const sending = Object.hasOwn(send, section.mid) ? send[section.mid] : undefined;
    if (sending !== undefined) addSend(m, sending, section.mid);
    return m;
  });

  const description: sdpTransform.SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId, sessionVersion: 2, netType: 'IN', ipVer, address: candidate.address },
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

function rejectedSection(section: SdpMediaSection): sdpTransform.MediaDescription {
  const m: sdpTransform.MediaDescription = {
    type: section.kind,
    port: 0,
    protocol: section.protocol,
    payloads: section.formats,
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
