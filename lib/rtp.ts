// SPDX-License-Identifier: MIT
// Zero-copy RTP header reader (RFC 3550 §5.1, header extensions RFC 8285) and
// RTCP compound-packet iterator (RFC 3550 §6.4, A.2). Both read a caller's
// bytes in place into reusable view objects: a hot loop that reuses its view
// allocates nothing, and malformed network input is reported, never thrown.

/** Bytes of the fixed RTP header (RFC 3550 §5.1). */
export const RTP_HEADER_LENGTH = 12;

/**
 * Why {@link readRtpHeader} refused a packet:
 * - `'too-short'`: fewer than 12 bytes;
 * - `'bad-version'`: the version field is not 2;
 * - `'truncated-csrc'`: the CSRC list runs past the end;
 * - `'truncated-extension'`: the extension header or its body runs past the end;
 * - `'bad-padding'`: the padding bit is set and the count is 0 or runs into the header.
 */
export type RtpHeaderFailure = 'too-short' | 'bad-version' | 'truncated-csrc' | 'truncated-extension' | 'bad-padding';

/**
 * Why a header-extension element list ended early (see
 * {@link RtpHeaderView.nextExtensionElement}): `'truncated-element'` when an
 * element's header or data runs past the extension body.
 */
export type RtpExtensionFailure = 'truncated-element';

/** The RFC 8285 one-byte header form's profile (`0xBEDE`). */
export const RTP_ONE_BYTE_EXTENSION_PROFILE = 0xbede;
/** The RFC 8285 two-byte header form's profile, without its 4 "appbits" (`0x1000`–`0x100F`). */
export const RTP_TWO_BYTE_EXTENSION_PROFILE = 0x1000;

const read16 = (b: Uint8Array, at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number);
const read32 = (b: Uint8Array, at: number): number =>
  (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;

/**
 * The fields of one RTP header, read in place by {@link readRtpHeader}. Keep
 * one and pass it to every call so a receive loop allocates nothing; it holds
 * the packet it was read from (no copy) until the next read. Offsets count
 * from the packet's first byte, as `UdpReceiveBatch`'s do.
 * @example
 * ```ts
 * const view = new RtpHeaderView();
 * for (const packet of packets) {
 *   const h = readRtpHeader(packet, view);
 *   if (typeof h === 'string') { dropped[h]++; continue; }
 *   while (h.nextExtensionElement()) if (h.elementId === audioLevelId) level(packet[h.elementOffset]);
 *   route(h.ssrc, packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
 * }
 * ```
 */
export class RtpHeaderView {
  /** The packet last read (not a copy). */
  packet: Uint8Array = new Uint8Array(0);
  /** The packet's length in bytes. */
  length = 0;
  /** Always 2 once read. */
  version = 0;
  /** The padding bit. */
  padding = false;
  /** The extension bit. */
  extension = false;
  /** How many CSRCs follow the fixed header (0–15). */
  csrcCount = 0;
  /** The marker bit. */
  marker = false;
  /** The payload type (0–127). */
  payloadType = 0;
  /** The sequence number (0–65535). */
  sequenceNumber = 0;
  /** The RTP timestamp (unsigned 32-bit). */
  timestamp = 0;
  /** The SSRC (unsigned 32-bit). */
  ssrc = 0;
  /** The header extension's 16-bit profile ("defined by profile"); 0 when there is none. */
  extensionProfile = 0;
  /** Offset of the 4-byte header-extension header; 0 when there is none (as `UdpReceiveBatch.extensionOffset`). */
  extensionOffset = 0;
  /** Bytes of extension body after its 4-byte header (4 × its length word); 0 when there is none. */
  extensionLength = 0;
  /** Offset of the first payload byte. */
  payloadOffset = 0;
  /** Payload bytes, RTP padding removed. */
  payloadLength = 0;
  /** Padding bytes at the end of the packet (the last byte's count when {@link RtpHeaderView.padding}). */
  paddingLength = 0;
  /** Set by {@link RtpHeaderView.nextExtensionElement}: the element's id (1–14 one-byte, 1–255 two-byte form). */
  elementId = 0;
  /** Set by {@link RtpHeaderView.nextExtensionElement}: offset of the element's data. */
  elementOffset = 0;
  /** Set by {@link RtpHeaderView.nextExtensionElement}: bytes of the element's data. */
  elementLength = 0;
  /** Why the last element walk stopped early, or null. */
  extensionFailure: RtpExtensionFailure | null = null;
  #cursor = 0;

  /** CSRC `i` (0 to `csrcCount - 1`) read from the packet; allocates nothing. Out of range: -1. */
  csrc(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.csrcCount) return -1;
    return read32(this.packet, RTP_HEADER_LENGTH + 4 * i);
  }

  /** The CSRC list as a new array (allocates; use {@link RtpHeaderView.csrc} in a hot loop). */
  csrcs(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.csrcCount; i++) out.push(this.csrc(i));
    return out;
  }

  /**
   * The extension's element form (RFC 8285): `'one-byte'` for profile 0xBEDE,
   * `'two-byte'` for 0x1000–0x100F, `'other'` for any other profile, `'none'`
   * without an extension.
   */
  get extensionForm(): 'none' | 'one-byte' | 'two-byte' | 'other' {
    if (!this.extension) return 'none';
    if (this.extensionProfile === RTP_ONE_BYTE_EXTENSION_PROFILE) return 'one-byte';
    if ((this.extensionProfile & 0xfff0) === RTP_TWO_BYTE_EXTENSION_PROFILE) return 'two-byte';
    return 'other';
  }

  /** Restarts {@link RtpHeaderView.nextExtensionElement} at the first element. */
  rewindExtensionElements(): void {
    this.#cursor = this.extensionOffset + 4;
    this.extensionFailure = null;
  }

  /**
   * Moves to the next RFC 8285 header-extension element and sets
   * {@link RtpHeaderView.elementId}, {@link RtpHeaderView.elementOffset} and
   * {@link RtpHeaderView.elementLength} (no copy, no allocation). Padding
   * bytes are skipped; in the one-byte form, id 15 ends the list (RFC 8285
   * §4.2). False at the end, for a profile that is neither form, and when an
   * element runs past the body ({@link RtpHeaderView.extensionFailure} says so).
   */
  nextExtensionElement(): boolean {
    const form = this.extensionForm;
    if (form !== 'one-byte' && form !== 'two-byte') return false;
    const b = this.packet;
    const end = this.extensionOffset + 4 + this.extensionLength;
    let at = this.#cursor;
    while (at < end) {
      const first = b[at] as number;
      if (first === 0) {
        at++; // padding
        continue;
      }
      let id: number;
      let length: number;
      if (form === 'one-byte') {
        id = first >> 4;
        if (id === 15) break;
        if (id === 0) {
          // Id 0 is reserved for padding (RFC 8285 §4.2): skip the byte.
          at++;
          continue;
        }
        length = (first & 0x0f) + 1;
        at += 1;
      } else {
        if (at + 2 > end) return this.#fail(end);
        id = first;
        length = b[at + 1] as number;
        at += 2;
      }
      if (at + length > end) return this.#fail(end);
      this.elementId = id;
      this.elementOffset = at;
      this.elementLength = length;
      this.#cursor = at + length;
      return true;
    }
    this.#cursor = end;
    return false;
  }

  #fail(end: number): false {
    this.extensionFailure = 'truncated-element';
    this.#cursor = end;
    return false;
  }

  /**
   * Reads `packet` into this view (what {@link readRtpHeader} does): null
   * when it is valid RTP, else why not, leaving the view as it was. Never
   * throws on the packet's content; allocates nothing; copies nothing.
   */
  read(packet: Uint8Array): RtpHeaderFailure | null {
    const length = packet.length;
    if (length < RTP_HEADER_LENGTH) return 'too-short';
    const b0 = packet[0] as number;
    if (b0 >> 6 !== 2) return 'bad-version';
    const csrcCount = b0 & 0x0f;
    let header = RTP_HEADER_LENGTH + 4 * csrcCount;
    if (header > length) return 'truncated-csrc';
    const hasExtension = (b0 & 0x10) !== 0;
    let extensionOffset = 0;
    let extensionProfile = 0;
    let extensionLength = 0;
    if (hasExtension) {
      if (header + 4 > length) return 'truncated-extension';
      extensionOffset = header;
      extensionProfile = read16(packet, header);
      extensionLength = 4 * read16(packet, header + 2);
      header += 4 + extensionLength;
      if (header > length) return 'truncated-extension';
    }
    const hasPadding = (b0 & 0x20) !== 0;
    let paddingLength = 0;
    if (hasPadding) {
      paddingLength = packet[length - 1] as number;
      if (paddingLength === 0 || header + paddingLength > length) return 'bad-padding';
    }
    const b1 = packet[1] as number;
    this.packet = packet;
    this.length = length;
    this.version = 2;
    this.padding = hasPadding;
    this.extension = hasExtension;
    this.csrcCount = csrcCount;
    this.marker = (b1 & 0x80) !== 0;
    this.payloadType = b1 & 0x7f;
    this.sequenceNumber = read16(packet, 2);
    this.timestamp = read32(packet, 4);
    this.ssrc = read32(packet, 8);
    this.extensionProfile = extensionProfile;
    this.extensionOffset = extensionOffset;
    this.extensionLength = extensionLength;
    this.payloadOffset = header;
    this.payloadLength = length - header - paddingLength;
    this.paddingLength = paddingLength;
    this.#cursor = extensionOffset + 4;
    this.extensionFailure = null;
    this.elementId = 0;
    this.elementOffset = 0;
    this.elementLength = 0;
    return null;
  }
}

/**
 * Reads and validates the RTP header of `packet` in place (RFC 3550 §5.1):
 * version 2, the CSRC list, the header extension's length and the padding
 * count must all fit. Reads only the packet's own bytes (`packet.length`),
 * never throws on its content, and copies nothing; with `into` it allocates
 * nothing. Valid packets give the same SSRC, sequence number, payload type,
 * marker, timestamp and extension/payload offsets and payload length as the
 * native receive path reports in `UdpReceiveBatch`.
 * @param packet one plain (unprotected) RTP packet.
 * @param into a view to fill and return (reuse one in a loop); default: a new one.
 * @returns the filled view, or why the packet is not valid RTP.
 */
export function readRtpHeader(packet: Uint8Array, into: RtpHeaderView = new RtpHeaderView()): RtpHeaderView | RtpHeaderFailure {
  return into.read(packet) ?? into;
}

/**
 * Why {@link RtcpCompoundIterator} stopped before the end of the compound
 * packet (the packets before it were yielded):
 * - `'too-short'`: fewer than 8 bytes left for a packet (header and sender SSRC);
 * - `'bad-version'`: a packet's version field is not 2;
 * - `'bad-length'`: a packet's length word runs past the end, or is too small for its sender SSRC;
 * - `'bad-padding'`: padding on a packet that is not the last, or a count of 0 or past its header.
 */
export type RtcpCompoundFailure = 'too-short' | 'bad-version' | 'bad-length' | 'bad-padding';

/** Bytes of an RTCP packet's header and sender SSRC. */
const RTCP_MIN = 8;

/**
 * One packet of an RTCP compound packet, as {@link rtcpPackets} yields it. The
 * same object is reused for every packet (copy the fields you keep).
 */
export class RtcpPacketView {
  /** The packet type (200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205 RTPFB, 206 PSFB, ...). */
  packetType = 0;
  /** The 5-bit count field: the report count, source count, or feedback message type (FMT). */
  count = 0;
  /** The padding bit (only the last packet of a compound may have it). */
  padding = false;
  /** Offset of the packet's first byte in the compound packet. */
  offset = 0;
  /** The packet's length in bytes, header and padding included ((length word + 1) × 4). */
  length = 0;
  /** Padding bytes at its end (0 without padding). */
  paddingLength = 0;
  /** The SSRC of the sender (the 32-bit word after the header). */
  ssrc = 0;
}

/**
 * Walks an RTCP compound packet (RFC 3550 §6.4 and A.2's checks: version 2
 * and a length word that fits, for every packet). An iterator and its own
 * iterable; each step yields the same {@link RtcpPacketView} in the same
 * result object, so a `for...of` loop allocates nothing per packet. When it
 * stops early, {@link RtcpCompoundIterator.failure} says why; it never throws.
 * Does not require the first packet to be SR or RR, so reduced-size RTCP
 * (RFC 5506) is accepted.
 */
export class RtcpCompoundIterator implements IterableIterator<RtcpPacketView> {
  /** The view each step fills. */
  readonly packet = new RtcpPacketView();
  /** Why iteration stopped early, or null (still going, or ended at the compound's last byte). */
  failure: RtcpCompoundFailure | null = null;
  /** Offset where the first unread (or refused) packet starts. */
  offset = 0;
  #compound: Uint8Array = new Uint8Array(0);
  readonly #result: { done: boolean; value: RtcpPacketView } = { done: false, value: this.packet };

  /** Starts over on `compound` (reuse one iterator for many compound packets). */
  reset(compound: Uint8Array): this {
    this.#compound = compound;
    this.offset = 0;
    this.failure = null;
    return this;
  }

  /** The iterator protocol's step (the returned object is reused). */
  next(): IteratorResult<RtcpPacketView> {
    const result = this.#result;
    result.done = !this.advance();
    return result as IteratorResult<RtcpPacketView>;
  }

  /**
   * Moves to the next packet and fills {@link RtcpCompoundIterator.packet}.
   * False at the end of the compound packet or on a malformed packet
   * ({@link RtcpCompoundIterator.failure}); every later call is false too.
   */
  advance(): boolean {
    const b = this.#compound;
    const at = this.offset;
    const left = b.length - at;
    if (left <= 0 || this.failure !== null) return false;
    if (left < RTCP_MIN) return this.#fail('too-short');
    const b0 = b[at] as number;
    if (b0 >> 6 !== 2) return this.#fail('bad-version');
    const length = (read16(b, at + 2) + 1) * 4;
    if (length > left || length < RTCP_MIN) return this.#fail('bad-length');
    const hasPadding = (b0 & 0x20) !== 0;
    let paddingLength = 0;
    if (hasPadding) {
      if (length !== left) return this.#fail('bad-padding');
      paddingLength = b[at + length - 1] as number;
      if (paddingLength === 0 || paddingLength > length - 4) return this.#fail('bad-padding');
    }
    const p = this.packet;
    p.packetType = b[at + 1] as number;
    p.count = b0 & 0x1f;
    p.padding = hasPadding;
    p.offset = at;
    p.length = length;
    p.paddingLength = paddingLength;
    p.ssrc = read32(b, at + 4);
    this.offset = at + length;
    return true;
  }

  #fail(reason: RtcpCompoundFailure): false {
    this.failure = reason;
    return false;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Iterates over the packets of an RTCP compound packet in place (no copy):
 * `for (const p of rtcpPackets(compound)) console.log(p.packetType, p.ssrc)`.
 * Check the iterator's `failure` afterwards to tell a malformed tail from the
 * end. Reusing an iterator (`into`) makes the walk allocation-free.
 * @param compound one plain (unprotected) RTCP compound packet.
 * @param into an iterator to restart on `compound`; default: a new one.
 */
export function rtcpPackets(compound: Uint8Array, into: RtcpCompoundIterator = new RtcpCompoundIterator()): RtcpCompoundIterator {
  return into.reset(compound);
}
