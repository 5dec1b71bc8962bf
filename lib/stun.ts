// SPDX-License-Identifier: MIT
/**
 * STUN messages (RFC 5389) with the ICE attributes (RFC 8445 §16.1): a strict
 * parser for hostile network input and a serializer with MESSAGE-INTEGRITY
 * (short-term credentials) and FINGERPRINT.
 *
 * The parser never throws on input bytes and never reads past the end of the
 * datagram: anything malformed gives `null`. Integrity and fingerprint are
 * verified separately ({@link verifyMessageIntegrity}, {@link verifyFingerprint})
 * so that callers can count each failure by reason.
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { crc32 } from 'node:zlib';
import {
  argTypeError,
  argValueError,
  checkArray,
  checkBytes,
  checkInteger,
  checkIntegerValue,
  checkObject,
  checkOneOf,
  checkString,
  checkStringOrBytes,
  isBytes,
  optionalBoolean,
  optionalObject,
  outOfRangeError,
} from './validate.js';

/** The fixed magic cookie of every RFC 5389 message. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** Size of the STUN header in bytes. */
export const STUN_HEADER_LENGTH = 20;
/** The Binding method, the only one ICE uses. */
export const STUN_METHOD_BINDING = 0x001;
/** Attributes a parsed message may hold before it is rejected as hostile. */
export const STUN_MAX_ATTRIBUTES = 64;

/** Attribute type numbers (RFC 5389 §18.2, RFC 8445 §16.1). */
export const StunAttributeType = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const;

/** Comprehension-required attributes (type < 0x8000) this module understands. */
const KNOWN_REQUIRED: ReadonlySet<number> = new Set([
  StunAttributeType.MAPPED_ADDRESS,
  StunAttributeType.USERNAME,
  StunAttributeType.MESSAGE_INTEGRITY,
  StunAttributeType.ERROR_CODE,
  StunAttributeType.UNKNOWN_ATTRIBUTES,
  StunAttributeType.REALM,
  StunAttributeType.NONCE,
  StunAttributeType.XOR_MAPPED_ADDRESS,
  StunAttributeType.PRIORITY,
  StunAttributeType.USE_CANDIDATE,
]);

/** The class of a STUN message (RFC 5389 §6). */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** A transport address as carried by (XOR-)MAPPED-ADDRESS; same shape as `dgram`'s `RemoteInfo`. */
export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  /** Dotted quad, or RFC 5952 text for IPv6 (lower case, longest zero run compressed). */
  address: string;
  port: number;
}

/** One attribute as it appears on the wire (value without padding). */
export interface StunRawAttribute {
  type: number;
  /** A view into the parsed datagram; copy it if you keep it after the datagram is reused. */
  value: Buffer;
}

/** A parsed STUN message. Decoded fields are those of the first occurrence of each attribute. */
export interface StunMessage {
  messageClass: StunClass;
  method: number;
  /** The 96-bit transaction id (a copy). */
  transactionId: Buffer;
  /** Every attribute in wire order, including MESSAGE-INTEGRITY and FINGERPRINT. */
  attributes: StunRawAttribute[];
  username?: string;
  software?: string;
  priority?: number;
  useCandidate: boolean;
  iceControlling?: bigint;
  iceControlled?: bigint;
  xorMappedAddress?: StunAddress;
  errorCode?: { code: number; reason: string };
  unknownAttributes?: number[];
  /** Comprehension-required attribute types (below 0x8000) this parser does not know, in wire order. */
  unknownRequired: number[];
  /** The 20-byte HMAC of MESSAGE-INTEGRITY, if present. */
  messageIntegrity?: Buffer;
  /** The FINGERPRINT value, if present. */
  fingerprint?: number;
  /** @internal Offset of the MESSAGE-INTEGRITY attribute header, or -1. */
  readonly integrityOffset: number;
  /** @internal Offset of the FINGERPRINT attribute header, or -1. */
  readonly fingerprintOffset: number;
  /** @internal The whole message (a view of the input). */
  readonly raw: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(value: Buffer, maxBytes: number): string | null {
  if (value.length > maxBytes) return null;
  try {
    return utf8.decode(value);
  } catch {
    return null;
  }
}

const CLASS_BITS: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

function classOf(type: number): StunClass {
  switch (type & 0x0110) {
    case 0x000:
      return 'request';
    case 0x010:
      return 'indication';
    case 0x100:
      return 'success';
    default:
      return 'error';
  }
}

function methodOf(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
}

function messageType(messageClass: StunClass, method: number): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | CLASS_BITS[messageClass];
}

/**
 * Tells whether a datagram looks like a STUN message: at least 20 bytes, the
 * two top bits zero, the magic cookie in place and a length that matches the
 * datagram. Cheap; use it to demultiplex before {@link parseStunMessage}.
 * @param datagram - received bytes
 * @returns `true` when the header is plausible
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `datagram` is not a Uint8Array;
 *   `ERR_INVALID_ARG_VALUE` when its buffer was transferred (detached)
 * @example
 * ```ts
 * if (isStunMessage(msg)) ice.handle(msg, remote);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5389#section-6
 */
export function isStunMessage(datagram: Uint8Array): boolean {
  checkBytes(datagram, 'datagram');
  return looksLikeStun(datagram);
}

function looksLikeStun(datagram: Uint8Array): boolean {
  if (datagram.length < STUN_HEADER_LENGTH || ((datagram[0] as number) & 0xc0) !== 0) return false;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const length = view.getUint16(2);
  return view.getUint32(4) === STUN_MAGIC_COOKIE && (length & 3) === 0 && length + STUN_HEADER_LENGTH === datagram.length;
}

function decodeXorAddress(value: Buffer, transactionId: Buffer): StunAddress | null {
  if (value.length < 4) return null;
  const family = value[1];
  const port = value.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16);
  if (family === 0x01 && value.length === 8) {
    const a = value.readUInt32BE(4) ^ STUN_MAGIC_COOKIE;
    return { family: 'IPv4', address: `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`, port };
  }
  if (family === 0x02 && value.length === 20) {
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4);
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) bytes[i] = (value[4 + i] as number) ^ (mask[i] as number);
    return { family: 'IPv6', address: formatIPv6(bytes), port };
  }
  return null;
}

/** RFC 5952 text form of a 16-byte IPv6 address. */
function formatIPv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * @internal Parses IPv4 or IPv6 text (zone index ignored) into 4 or 16 bytes,
 * or null (also used by lib/udp-socket.ts: one address parser).
 */
export function addressBytes(family: 'IPv4' | 'IPv6', address: string): Buffer | null {
  const text = address.split('%')[0] as string;
  if (family === 'IPv4') {
    if (!isIPv4(text)) return null;
    return Buffer.from(text.split('.').map(Number));
  }
  if (!isIPv6(text)) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const fill = right === undefined ? 0 : 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(fill).fill('0'), ...rightGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tailV4.length === 4) Buffer.from(tailV4).copy(out, 12);
  return out;
}

/**
 * Parses one STUN message from a datagram, strictly.
 *
 * Rejected (result `null`): fewer than 20 bytes; top bits not zero; wrong
 * magic cookie; a length field that is not a multiple of 4 or does not match
 * the datagram; an attribute or its padding running past the end; more than
 * {@link STUN_MAX_ATTRIBUTES} attributes; a known attribute with a malformed
 * value (USERNAME over 513 bytes or not UTF-8, PRIORITY not 4 bytes,
 * USE-CANDIDATE not empty, ICE-CONTROLLING/-CONTROLLED not 8 bytes,
 * MESSAGE-INTEGRITY not 20 bytes, FINGERPRINT not 4 bytes, a bad
 * XOR-MAPPED-ADDRESS family or length, ERROR-CODE class outside 3–6 or number
 * above 99); any attribute after FINGERPRINT. Attributes after
 * MESSAGE-INTEGRITY other than FINGERPRINT are kept in `attributes` but not
 * decoded (RFC 5389 §15.4).
 *
 * @param datagram - the received UDP payload (the whole datagram is one message)
 * @returns the message, or `null` when the bytes are not a well-formed STUN message
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `datagram` is not a Uint8Array (a caller bug, not
 *   network input); `ERR_INVALID_ARG_VALUE` when its buffer was transferred (detached)
 * @example
 * ```ts
 * const msg = parseStunMessage(datagram);
 * if (msg === null || !verifyFingerprint(msg)) return drop('malformed');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5389#section-6
 */
export function parseStunMessage(datagram: Uint8Array): StunMessage | null {
  checkBytes(datagram, 'datagram');
  if (!looksLikeStun(datagram)) return null;
  const raw = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const type = raw.readUInt16BE(0);
  const transactionId = Buffer.from(raw.subarray(8, 20));
  const msg: StunMessage = {
    messageClass: classOf(type),
    method: methodOf(type),
    transactionId,
    attributes: [],
    useCandidate: false,
    unknownRequired: [],
    integrityOffset: -1,
    fingerprintOffset: -1,
    raw,
  };
  let integrityOffset = -1;
  let fingerprintOffset = -1;
  const seen = new Set<number>();
  let offset = STUN_HEADER_LENGTH;
  while (offset < raw.length) {
    if (fingerprintOffset !== -1) return null; // FINGERPRINT must be last
    if (offset + 4 > raw.length) return null;
    const attrType = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    const padded = (length + 3) & ~3;
    if (offset + 4 + padded > raw.length) return null;
    if (msg.attributes.length >= STUN_MAX_ATTRIBUTES) return null;
    const value = raw.subarray(offset + 4, offset + 4 + length);
    msg.attributes.push({ type: attrType, value });
    const first = !seen.has(attrType);
    seen.add(attrType);
    if (attrType === StunAttributeType.FINGERPRINT) {
      if (length !== 4) return null;
      fingerprintOffset = offset;
      msg.fingerprint = value.readUInt32BE(0);
    } else if (integrityOffset !== -1) {
      // Ignored after MESSAGE-INTEGRITY (RFC 5389 §15.4).
    } else if (!decodeAttribute(msg, attrType, value, first)) {
      return null;
    } else if (attrType === StunAttributeType.MESSAGE_INTEGRITY) {
      integrityOffset = offset;
    }
    offset += 4 + padded;
  }
  return Object.assign(msg, { integrityOffset, fingerprintOffset });
}

/** Decodes a known attribute into `msg`; returns false if its value is malformed. */
function decodeAttribute(msg: StunMessage, type: number, value: Buffer, first: boolean): boolean {
  switch (type) {
    case StunAttributeType.USERNAME: {
      const s = decodeUtf8(value, 513);
      if (s === null) return false;
      if (first) msg.username = s;
      return true;
    }
    case StunAttributeType.SOFTWARE: {
      const s = decodeUtf8(value, 763);
      if (s === null) return false;
      if (first) msg.software = s;
      return true;
    }
    case StunAttributeType.PRIORITY:
      if (value.length !== 4) return false;
      if (first) msg.priority = value.readUInt32BE(0);
      return true;
    case StunAttributeType.USE_CANDIDATE:
      if (value.length !== 0) return false;
      msg.useCandidate = true;
      return true;
    case StunAttributeType.ICE_CONTROLLING:
      if (value.length !== 8) return false;
      if (first) msg.iceControlling = value.readBigUInt64BE(0);
      return true;
    case StunAttributeType.ICE_CONTROLLED:
      if (value.length !== 8) return false;
      if (first) msg.iceControlled = value.readBigUInt64BE(0);
      return true;
    case StunAttributeType.MESSAGE_INTEGRITY:
      if (value.length !== 20) return false;
      msg.messageIntegrity = Buffer.from(value);
      return true;
    case StunAttributeType.XOR_MAPPED_ADDRESS: {
      const addr = decodeXorAddress(value, msg.transactionId);
      if (addr === null) return false;
      if (first) msg.xorMappedAddress = addr;
      return true;
    }
    case StunAttributeType.ERROR_CODE: {
      if (value.length < 4) return false;
      const cls = (value[2] as number) & 0x07;
      const num = value[3] as number;
      const reason = decodeUtf8(value.subarray(4), 763);
      if (cls < 3 || cls > 6 || num > 99 || reason === null) return false;
      if (first) msg.errorCode = { code: cls * 100 + num, reason };
      return true;
    }
    case StunAttributeType.UNKNOWN_ATTRIBUTES: {
      if ((value.length & 1) !== 0) return false;
      if (first) {
        const list: number[] = [];
        for (let i = 0; i < value.length; i += 2) list.push(value.readUInt16BE(i));
        msg.unknownAttributes = list;
      }
      return true;
    }
    default:
      if (type < 0x8000 && !KNOWN_REQUIRED.has(type) && !msg.unknownRequired.includes(type)) {
        msg.unknownRequired.push(type);
      }
      return true;
  }
}

const FINGERPRINT_XOR = 0x5354554e;

function withLength(raw: Buffer, end: number, declaredLength: number): Buffer {
  const copy = Buffer.from(raw.subarray(0, end));
  copy.writeUInt16BE(declaredLength, 2);
  return copy;
}

/**
 * Verifies the FINGERPRINT attribute (RFC 5389 §15.5): CRC-32 of the message
 * up to the attribute, XOR 0x5354554e.
 * @param message - a message from {@link parseStunMessage}
 * @returns `true` only if FINGERPRINT is present and correct
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` when `message` is not a parsed message
 * @example
 * ```ts
 * if (!verifyFingerprint(msg)) stats.badFingerprint++;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5389#section-15.5
 */
export function verifyFingerprint(message: StunMessage): boolean {
  const { raw, fingerprintOffset: at, fingerprint } = checkMessage(message, 'message');
  if (at < 0 || fingerprint === undefined) return false;
  // The length field already covers FINGERPRINT, which is the last attribute.
  return ((crc32(raw.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0) === fingerprint;
}

function hmac(key: Uint8Array | string, data: Uint8Array): Buffer {
  return createHmac('sha1', typeof key === 'string' ? Buffer.from(key, 'utf8') : key).update(data).digest();
}

/**
 * Validates what {@link parseStunMessage} returned (or a copy of it): the raw
 * bytes and the attribute offsets must be consistent, so that verification
 * never reads outside the message.
 */
function checkMessage(
  value: unknown,
  name: string,
): { raw: Buffer; integrityOffset: number; fingerprintOffset: number; messageIntegrity: Uint8Array | undefined; fingerprint: number | undefined } {
  checkObject(value, name);
  const { raw, integrityOffset, fingerprintOffset, messageIntegrity, fingerprint } = value;
  const expected = 'a message returned by parseStunMessage';
  if (!isBytes(raw) || raw.length < STUN_HEADER_LENGTH) throw argValueError(`${name}.raw`, expected, raw);
  if (typeof integrityOffset !== 'number' || !(integrityOffset === -1 || (Number.isInteger(integrityOffset) && integrityOffset >= STUN_HEADER_LENGTH && integrityOffset + 24 <= raw.length))) {
    throw argValueError(`${name}.integrityOffset`, expected, integrityOffset);
  }
  if (typeof fingerprintOffset !== 'number' || !(fingerprintOffset === -1 || (Number.isInteger(fingerprintOffset) && fingerprintOffset >= STUN_HEADER_LENGTH && fingerprintOffset + 8 <= raw.length))) {
    throw argValueError(`${name}.fingerprintOffset`, expected, fingerprintOffset);
  }
  if (messageIntegrity !== undefined && !(isBytes(messageIntegrity) && messageIntegrity.length === 20)) {
    throw argValueError(`${name}.messageIntegrity`, 'undefined or 20 bytes', messageIntegrity);
  }
  if (fingerprint !== undefined) checkIntegerValue(fingerprint, `${name}.fingerprint`, 0, 0xffffffff);
  return {
    raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
    integrityOffset,
    fingerprintOffset,
    messageIntegrity,
    fingerprint,
  };
}

/**
 * Verifies MESSAGE-INTEGRITY (RFC 5389 §15.4): HMAC-SHA1 over the message up
 * to the attribute, with the header length adjusted to end right after it,
 * compared in constant time.
 * @param message - a message from {@link parseStunMessage}
 * @param key - the short-term credential key: the password (ICE: the receiver's `ice-pwd`)
 * @returns `true` only if MESSAGE-INTEGRITY is present and correct
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `key` is neither a string nor a Uint8Array;
 *   `ERR_INVALID_ARG_VALUE` when `message` is not a parsed message
 * @example
 * ```ts
 * if (!verifyMessageIntegrity(msg, localIcePwd)) return drop('bad-integrity');
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5389#section-15.4
 */
export function verifyMessageIntegrity(message: StunMessage, key: Uint8Array | string): boolean {
  const { raw, integrityOffset: at, messageIntegrity: mac } = checkMessage(message, 'message');
  const secret = checkStringOrBytes(key, 'key');
  if (at < 0 || mac === undefined) return false;
  const expected = hmac(secret, withLength(raw, at, at + 24 - STUN_HEADER_LENGTH));
  return timingSafeEqual(expected, mac);
}

/** An attribute to serialize; typed entries are encoded for you, `{ type: number }` entries are written as given. */
export type StunAttributeInit =
  | { type: 'username'; value: string }
  | { type: 'software'; value: string }
  | { type: 'priority'; value: number }
  | { type: 'use-candidate' }
  | { type: 'ice-controlling'; value: bigint }
  | { type: 'ice-controlled'; value: bigint }
  | { type: 'xor-mapped-address'; value: StunAddress }
  | { type: 'error-code'; code: number; reason: string }
  | { type: 'unknown-attributes'; value: readonly number[] }
  | { type: number; value: Uint8Array };

/** What {@link serializeStunMessage} writes. */
export interface StunMessageInit {
  messageClass: StunClass;
  /** Defaults to {@link STUN_METHOD_BINDING}. */
  method?: number;
  /** 12 bytes. */
  transactionId: Uint8Array;
  /** Written in this order, before MESSAGE-INTEGRITY and FINGERPRINT. */
  attributes?: readonly StunAttributeInit[];
}

/** Options of {@link serializeStunMessage}. */
export interface StunSerializeOptions {
  /** Adds MESSAGE-INTEGRITY keyed with this short-term password. */
  integrityKey?: Uint8Array | string;
  /** Adds FINGERPRINT as the last attribute (default `true`; ICE requires it). */
  fingerprint?: boolean;
  /** Byte used to pad attribute values to 4 bytes (default 0; RFC 5769's vectors use 0x20). */
  padding?: number;
}

function u32(value: unknown, name: string): Buffer {
  checkIntegerValue(value, name, 0, 0xffffffff);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value, 0);
  return b;
}

function u64(value: unknown, name: string): Buffer {
  if (typeof value !== 'bigint') throw argTypeError(name, 'a bigint', value);
  if (value < 0n || value > 0xffffffffffffffffn) throw outOfRangeError(name, 'a bigint in 0..2^64-1', value);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value, 0);
  return b;
}

function encodeXorAddress(addr: unknown, transactionId: Uint8Array, name: string): Buffer {
  checkObject(addr, name);
  const family = checkOneOf(addr['family'], `${name}.family`, ['IPv4', 'IPv6']);
  const address = addr['address'];
  checkString(address, `${name}.address`);
  const port = addr['port'];
  checkIntegerValue(port, `${name}.port`, 0, 65535);
  const bytes = addressBytes(family, address);
  if (bytes === null) throw argValueError(`${name}.address`, `an ${family} address`, address);
  const out = Buffer.alloc(4 + bytes.length);
  out[1] = bytes.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE(port ^ (STUN_MAGIC_COOKIE >>> 16), 2);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  Buffer.from(transactionId).copy(mask, 4);
  for (let i = 0; i < bytes.length; i++) out[4 + i] = (bytes[i] as number) ^ (mask[i] as number);
  return out;
}

function encodeAttribute(attr: unknown, transactionId: Uint8Array, name: string): [number, Buffer] {
  checkObject(attr, name);
  const type = attr['type'];
  const value = attr['value'];
  switch (type) {
    case 'username':
    case 'software': {
      checkString(value, `${name}.value`);
      const v = Buffer.from(value, 'utf8');
      const max = type === 'username' ? 513 : 763;
      if (v.length > max) throw outOfRangeError(`${name}.value`, `at most ${max} UTF-8 bytes`, v.length);
      return [type === 'username' ? StunAttributeType.USERNAME : StunAttributeType.SOFTWARE, v];
    }
    case 'priority':
      return [StunAttributeType.PRIORITY, u32(value, `${name}.value`)];
    case 'use-candidate':
      return [StunAttributeType.USE_CANDIDATE, Buffer.alloc(0)];
    case 'ice-controlling':
      return [StunAttributeType.ICE_CONTROLLING, u64(value, `${name}.value`)];
    case 'ice-controlled':
      return [StunAttributeType.ICE_CONTROLLED, u64(value, `${name}.value`)];
    case 'xor-mapped-address':
      return [StunAttributeType.XOR_MAPPED_ADDRESS, encodeXorAddress(value, transactionId, `${name}.value`)];
    case 'error-code': {
      const code = attr['code'];
      checkIntegerValue(code, `${name}.code`, 300, 699);
      const text = attr['reason'];
      checkString(text, `${name}.reason`);
      const reason = Buffer.from(text, 'utf8');
      if (reason.length > 763) throw outOfRangeError(`${name}.reason`, 'at most 763 UTF-8 bytes', reason.length);
      const head = Buffer.from([0, 0, Math.floor(code / 100), code % 100]);
      return [StunAttributeType.ERROR_CODE, Buffer.concat([head, reason])];
    }
    case 'unknown-attributes': {
      checkArray(value, `${name}.value`);
      const v = Buffer.alloc(value.length * 2);
      value.forEach((t, i) => {
        checkIntegerValue(t, `${name}.value[${i}]`, 0, 0xffff);
        v.writeUInt16BE(t, i * 2);
      });
      return [StunAttributeType.UNKNOWN_ATTRIBUTES, v];
    }
    default: {
      if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 0xffff) {
        throw argValueError(`${name}.type`, 'a known name or an integer in 0..65535', type);
      }
      checkBytes(value, `${name}.value`);
      if (value.length > 0xffff) throw outOfRangeError(`${name}.value.length`, 'at most 65535', value.length);
      return [type, Buffer.from(value)];
    }
  }
}

/**
 * Serializes a STUN message; optionally appends MESSAGE-INTEGRITY
 * (HMAC-SHA1, short-term key) and FINGERPRINT, computed as RFC 5389 §15.4/15.5
 * describe (header length adjusted to end after each attribute).
 * @param init - class, method, transaction id and attributes
 * @param options - integrity key, fingerprint, padding byte
 * @returns the datagram
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a bad class, transaction id, address or attribute
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a value outside its field, or a message above 65535 bytes
 * @example
 * ```ts
 * const response = serializeStunMessage(
 *   { messageClass: 'success', transactionId: request.transactionId,
 *     attributes: [{ type: 'xor-mapped-address', value: { family: 'IPv4', address: '192.0.2.1', port: 32853 } }] },
 *   { integrityKey: localIcePwd },
 * );
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5389#section-15
 */
export function serializeStunMessage(init: StunMessageInit, options?: StunSerializeOptions): Buffer {
  checkObject(init, 'init');
  const messageClass = checkOneOf(init['messageClass'], 'init.messageClass', ['request', 'indication', 'success', 'error']);
  const method = checkInteger(init['method'], 'init.method', 0, 0xfff, STUN_METHOD_BINDING);
  const txid = init['transactionId'];
  checkBytes(txid, 'init.transactionId');
  if (txid.length !== 12) throw argValueError('init.transactionId', '12 bytes', txid);
  const attributes = init['attributes'] === undefined ? [] : init['attributes'];
  checkArray(attributes, 'init.attributes');
  const o = optionalObject(options, 'options');
  const integrityKey = o['integrityKey'] === undefined ? undefined : checkStringOrBytes(o['integrityKey'], 'options.integrityKey');
  const withFingerprint = optionalBoolean(o['fingerprint'], 'options.fingerprint', true);
  const pad = checkInteger(o['padding'], 'options.padding', 0, 255, 0);

  const parts: Buffer[] = [];
  let length = 0;
  const push = (type: number, value: Buffer): void => {
    const padded = (value.length + 3) & ~3;
    const attr = Buffer.alloc(4 + padded, pad);
    attr.writeUInt16BE(type, 0);
    attr.writeUInt16BE(value.length, 2);
    value.copy(attr, 4);
    parts.push(attr);
    length += attr.length;
  };
  attributes.forEach((attr, i) => {
    const [type, value] = encodeAttribute(attr, txid, `init.attributes[${i}]`);
    push(type, value);
  });
  const header = Buffer.alloc(STUN_HEADER_LENGTH);
  header.writeUInt16BE(messageType(messageClass, method), 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  Buffer.from(txid).copy(header, 8);
  const assemble = (declared: number): Buffer => {
    if (declared > 0xfffc) throw outOfRangeError('message', 'at most 65535 bytes', declared + STUN_HEADER_LENGTH);
    header.writeUInt16BE(declared, 2);
    return Buffer.concat([header, ...parts]);
  };
  if (integrityKey !== undefined) {
    const mac = hmac(integrityKey, assemble(length + 24));
    push(StunAttributeType.MESSAGE_INTEGRITY, mac);
  }
  if (withFingerprint) {
    const sum = (crc32(assemble(length + 8)) ^ FINGERPRINT_XOR) >>> 0;
    push(StunAttributeType.FINGERPRINT, u32(sum, 'fingerprint'));
  }
  return assemble(length);
}
