// SPDX-License-Identifier: MIT
/**
 * Certificate fingerprints as SDP carries them (`a=fingerprint`, RFC 8122) and
 * the decision, taken during the DTLS handshake, whether a peer certificate
 * matches them.
 *
 * ## Matching policy (RFC 8122 §5)
 * - Hash functions we can verify: `sha-1`, `sha-224`, `sha-256`, `sha-384`,
 *   `sha-512`. Lines naming any other hash (`md5`, `md2`, unknown tokens) are
 *   ignored: they can neither accept nor reject a certificate.
 * - Downgrade protection: if any line uses `sha-256`, `sha-384` or `sha-512`,
 *   the `sha-1` and `sha-224` lines are ignored too — a weak hash can never
 *   widen what is accepted next to a strong one. Among the strong hashes all
 *   three are always accepted.
 * - The certificate is accepted when it matches at least one remaining line
 *   (a remote description may list fingerprints of several certificates it
 *   might use, RFC 8122 §5); lines that do not match are not an error.
 * - No remaining line (empty list, or only unsupported hashes) means no
 *   match: the handshake fails with `ERR_DTLS_FINGERPRINT_MISMATCH`.
 * - Comparison hashes the DER certificate with `node:crypto` and compares the
 *   digests with `crypto.timingSafeEqual`.
 * @packageDocumentation
 */
import * as crypto from 'node:crypto';
import { DtlsError } from './errors.js';
import { argValueError, checkArray, checkObject, checkString } from './validate.js';

/**
 * Hash functions this package computes and verifies (RFC 8122 "Hash function Textual Names").
 * @example
 * const algorithms: FingerprintAlgorithm[] = ['sha-256', 'sha-512'];
 * certificate.getFingerprints(algorithms);
 */
export type FingerprintAlgorithm = 'sha-1' | 'sha-224' | 'sha-256' | 'sha-384' | 'sha-512';

/**
 * One certificate fingerprint, in the W3C `RTCDtlsFingerprint` shape.
 * `algorithm` is lowercase; `value` is uppercase hex pairs joined by colons.
 * @example
 * const fp: DtlsFingerprint = parseFingerprint('a=fingerprint:sha-256 AB:CD:…');
 */
export interface DtlsFingerprint {
  /** Hash function name, e.g. `'sha-256'` (other RFC 8122 names parse but are never used to verify). */
  algorithm: string;
  /** Uppercase hex pairs separated by colons, e.g. `'AB:CD:…'`. */
  value: string;
}

/** Digest length in bytes per supported hash. */
const DIGEST_BYTES: Readonly<Record<FingerprintAlgorithm, number>> = {
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
};

/** node:crypto names of the supported hashes. */
const NODE_HASH: Readonly<Record<FingerprintAlgorithm, string>> = {
  'sha-1': 'sha1',
  'sha-224': 'sha224',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

const STRONG: ReadonlySet<string> = new Set(['sha-256', 'sha-384', 'sha-512']);

/**
 * Digest lengths of the other hash names RFC 8122 registers: such lines parse
 * (a remote description may carry them) but never verify a certificate.
 */
const OTHER_DIGEST_BYTES: Readonly<Record<string, number>> = { md5: 16, md2: 16 };

/** Longest input accepted (a sha-512 line is about 210 characters). */
const MAX_INPUT = 1024;
/** Longest value: 64 hex pairs (sha-512). */
const MAX_VALUE = 3 * 64 - 1;
/** An RFC 4566 `token` of at most 32 characters (RFC 8122 `hash-func`), matched in lower case. */
const HASH_TOKEN = /^[a-z0-9!#$%&'*+.^_`{|}~-]{1,32}$/;
const HEX_VALUE = /^[0-9A-F]{2}(?::[0-9A-F]{2})*$/;

/**
 * Whether `algorithm` (any case) names a hash this package can verify.
 * @param algorithm - A hash function textual name, e.g. `'SHA-256'`.
 * @returns `true` for sha-1, sha-224, sha-256, sha-384, sha-512.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `algorithm` is not a string.
 * @example
 * isSupportedFingerprintAlgorithm('SHA-256'); // true
 */
export function isSupportedFingerprintAlgorithm(algorithm: string): algorithm is FingerprintAlgorithm {
  checkString(algorithm, 'algorithm');
  return Object.prototype.hasOwnProperty.call(DIGEST_BYTES, algorithm.toLowerCase());
}

function bad(message: string): DtlsError {
  return new DtlsError('ERR_DTLS_BAD_FINGERPRINT', message);
}

/**
 * Validates and normalises one fingerprint (lowercase hash name, uppercase
 * hex): the one fingerprint grammar of this package, used by
 * {@link parseFingerprint}, the fingerprint options and the SDP parser. For a
 * registered hash the value must have exactly the digest length; an unknown
 * hash token is kept (it never verifies a certificate).
 * @internal
 */
export function normalizeFingerprint(algorithm: string, value: string): DtlsFingerprint {
  if (algorithm.length > 32) throw bad(`Expected a hash function name of at most 32 characters but received ${algorithm.length}`);
  if (value.length > MAX_VALUE) throw bad(`Expected at most 64 hex pairs as the fingerprint value but received ${value.length} characters`);
  const name = algorithm.toLowerCase();
  if (!HASH_TOKEN.test(name)) throw bad(`Expected a hash function name but received '${algorithm}'`);
  const hex = value.toUpperCase();
  if (!HEX_VALUE.test(hex)) throw bad('Expected hex pairs separated by colons as the fingerprint value');
  const bytes = (hex.length + 1) / 3;
  const expected = isSupportedFingerprintAlgorithm(name) ? DIGEST_BYTES[name] : OTHER_DIGEST_BYTES[name];
  if (expected !== undefined && bytes !== expected) {
    throw bad(`Expected ${expected} bytes for ${name} but received ${bytes}`);
  }
  return { algorithm: name, value: hex };
}

/**
 * Parses `<hash-function> <hex:pairs>` (the value of an `a=fingerprint`
 * attribute, RFC 8122 §5) with the grammar of {@link normalizeFingerprint}.
 * @internal
 */
export function parseFingerprintAttribute(text: string): DtlsFingerprint {
  const match = /^(\S+)[ \t]+(\S+)$/.exec(text.trim());
  if (match === null) throw bad('Expected "<hash-function> <hex:pairs>"');
  return normalizeFingerprint(match[1] as string, match[2] as string);
}

/**
 * Parses an SDP fingerprint attribute: a whole line
 * (`a=fingerprint:sha-256 AB:CD:…`), the attribute without `a=`
 * (`fingerprint:sha-256 AB:…`) or just its value (`sha-256 AB:…`).
 * Hash names and hex digits are case-insensitive; the result is normalised.
 * @param input - The line or attribute value.
 * @returns The fingerprint with a lowercase `algorithm` and uppercase `value`.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when `input` is not a string.
 * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT when the input is malformed (too long, not hex pairs,
 *   odd digits, the wrong length for the hash) or names a hash that cannot verify a certificate
 *   (`md5`, or `sha256` for `sha-256`): such a fingerprint could only fail the handshake later.
 * @example
 * const fp = parseFingerprint('a=fingerprint:SHA-256 ab:cd:…');
 * // { algorithm: 'sha-256', value: 'AB:CD:…' }
 * @see https://www.rfc-editor.org/rfc/rfc8122#section-5
 */
export function parseFingerprint(input: string): DtlsFingerprint {
  checkString(input, 'input');
  if (input.length > MAX_INPUT) throw bad(`Expected at most ${MAX_INPUT} characters but received ${input.length}`);
  let text = input.trim();
  const lower = text.toLowerCase();
  if (lower.startsWith('a=fingerprint:')) text = text.slice('a=fingerprint:'.length);
  else if (lower.startsWith('fingerprint:')) text = text.slice('fingerprint:'.length);
  const fingerprint = parseFingerprintAttribute(text);
  const { algorithm } = fingerprint;
  if (!isSupportedFingerprintAlgorithm(algorithm)) {
    // A fingerprint no certificate can match would only fail later, as a fingerprint mismatch.
    const dashed = /^sha(1|224|256|384|512)$/.exec(algorithm);
    const hint = dashed === null ? '' : `; RFC 8122 spells it sha-${dashed[1] as string}`;
    throw bad(`Expected a hash this package verifies (sha-1, sha-224, sha-256, sha-384, sha-512) but received '${algorithm}'${hint}`);
  }
  return fingerprint;
}

/**
 * Formats a fingerprint as the value of an SDP `a=fingerprint` attribute
 * (prefix it with `a=fingerprint:` for a full line).
 * @param fingerprint - `{ algorithm, value }` in any case.
 * @returns `'sha-256 AB:CD:…'`.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when the fields are not strings.
 * @throws {DtlsError} ERR_DTLS_BAD_FINGERPRINT when the fingerprint is malformed.
 * @example
 * const [fp] = certificate.getFingerprints();
 * const line = `a=fingerprint:${formatFingerprint(fp)}`;
 */
export function formatFingerprint(fingerprint: DtlsFingerprint): string {
  const fp = checkFingerprintObject(fingerprint, 'fingerprint');
  return `${fp.algorithm} ${fp.value}`;
}

/** @internal Validates one `{ algorithm, value }` object and normalises it. */
export function checkFingerprintObject(value: unknown, name: string): DtlsFingerprint {
  checkObject(value, name);
  const { algorithm, value: hex } = value as { algorithm?: unknown; value?: unknown };
  checkString(algorithm, `${name}.algorithm`);
  checkString(hex, `${name}.value`);
  return normalizeFingerprint(algorithm, hex);
}

/** @internal Validates a list of remote fingerprints (1 to 16 entries). */
export function checkFingerprintList(value: unknown, name: string): DtlsFingerprint[] {
  checkArray(value, name, 'an array of fingerprints');
  if (value.length === 0 || value.length > 16) throw argValueError(name, '1 to 16 fingerprints', value);
  return value.map((fp, i) => checkFingerprintObject(fp, `${name}[${i}]`));
}

/**
 * Computes a fingerprint of DER bytes.
 * @internal
 */
export function computeFingerprint(der: Uint8Array, algorithm: FingerprintAlgorithm): DtlsFingerprint {
  const digest = crypto.createHash(NODE_HASH[algorithm]).update(der).digest('hex').toUpperCase();
  return { algorithm, value: (digest.match(/../g) ?? []).join(':') };
}

/**
 * Remote fingerprints prepared for the handshake's decision (see the policy in
 * this module's documentation): the usable lines only, each value decoded to
 * its digest bytes once, grouped by hash so that each hash runs once per
 * certificate. Built when the fingerprints are set, not per handshake step.
 * @internal
 */
export interface FingerprintMatcher {
  /** One entry per hash function in use, with every expected digest for it. */
  readonly groups: readonly { readonly hash: string; readonly digests: readonly Buffer[] }[];
}

/**
 * Prepares normalised remote fingerprints for {@link matchFingerprints}.
 * @param remote - Normalised remote fingerprints.
 * @returns The matcher (no group at all when no line is usable: nothing matches).
 * @internal
 */
export function compileFingerprints(remote: readonly DtlsFingerprint[]): FingerprintMatcher {
  let hasStrong = false;
  for (const fp of remote) if (STRONG.has(fp.algorithm)) hasStrong = true;
  const groups: { hash: string; digests: Buffer[] }[] = [];
  for (const fp of remote) {
    const algorithm = fp.algorithm;
    // Weak lines are ignored next to a strong one; unsupported ones always.
    if (hasStrong ? !STRONG.has(algorithm) : !isSupportedFingerprintAlgorithm(algorithm)) continue;
    const hash = NODE_HASH[algorithm as FingerprintAlgorithm];
    let group = groups.find((g) => g.hash === hash);
    if (group === undefined) {
      group = { hash, digests: [] };
      groups.push(group);
    }
    group.digests.push(digestBytes(fp.value));
  }
  return { groups };
}

/** A normalised value (uppercase hex pairs joined by colons) as bytes. */
function digestBytes(value: string): Buffer {
  const out = Buffer.alloc((value.length + 1) / 3);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(value.charCodeAt(3 * i)) << 4) | nibble(value.charCodeAt(3 * i + 1));
  return out;
}

/** One uppercase hex digit's value (the value was validated: 0-9, A-F). */
function nibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x37;
}

/** One-shot digest (`crypto.hash`, Node 20.12+), else a Hash object. */
function digestOf(hash: string, der: Uint8Array): Buffer {
  return typeof crypto.hash === 'function' ? crypto.hash(hash, der, 'buffer') : crypto.createHash(hash).update(der).digest();
}

/**
 * The handshake's fingerprint decision with a prepared matcher: does the peer
 * certificate `der` match a usable line? Every expected digest is compared
 * (no early exit), each in constant time.
 * @param der - The peer certificate (DER), as the handshake presents it.
 * @param matcher - From {@link compileFingerprints}.
 * @returns `true` when a usable line matches.
 * @internal
 */
export function matchFingerprints(der: Uint8Array, matcher: FingerprintMatcher): boolean {
  let matched = false;
  for (const group of matcher.groups) {
    const digest = digestOf(group.hash, der);
    for (const expected of group.digests) {
      if (expected.length === digest.length && crypto.timingSafeEqual(expected, digest)) matched = true;
    }
  }
  return matched;
}

/**
 * The handshake's fingerprint decision (see the policy in this module's
 * documentation): does the peer certificate `der` match `remote`?
 * @param der - The peer certificate (DER), as the handshake presents it.
 * @param remote - Normalised remote fingerprints.
 * @returns `true` when a usable line matches.
 * @internal
 */
export function certificateMatches(der: Uint8Array, remote: readonly DtlsFingerprint[]): boolean {
  return matchFingerprints(der, compileFingerprints(remote));
}
