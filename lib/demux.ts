// SPDX-License-Identifier: MIT
/**
 * Demultiplexing of the protocols that share one UDP 5-tuple in WebRTC
 * (RFC 7983, updating RFC 5764 §5.1.2), and RTP/RTCP separation on a muxed
 * port (RFC 5761 §4).
 * @packageDocumentation
 */
import { checkBytes } from './validate.js';

/**
 * What a received datagram is, by RFC 7983's first-byte ranges:
 * | first byte | kind |
 * |---|---|
 * | 0–3 | `'stun'` |
 * | 16–19 | `'zrtp'` |
 * | 20–63 | `'dtls'` |
 * | 64–79 | `'turn-channel'` |
 * | 128–191 | `'rtp'` or `'rtcp'` (second byte, see {@link isRtcpPacket}) |
 * | anything else, or an empty datagram | `'unknown'` (drop it) |
 */
export type DatagramKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'rtcp' | 'unknown';

/**
 * Classifies a datagram received on a WebRTC transport by its first byte
 * (RFC 7983 §7) and, for RTP/RTCP, by its second byte (RFC 5761 §4).
 *
 * Never throws on network input and never reads past the end: an empty
 * datagram, a byte in an unassigned range, or an RTP-range datagram shorter
 * than two bytes is `'unknown'`. No other validation is done here (a `'dtls'`
 * datagram may still be a malformed record).
 *
 * @param datagram - the received UDP payload
 * @returns the {@link DatagramKind}
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `datagram` is not a Uint8Array;
 *   `ERR_INVALID_ARG_VALUE` when its buffer was transferred (detached)
 * @example
 * ```ts
 * socket.on('message', (msg) => {
 *   switch (classifyDatagram(msg)) {
 *     case 'stun': return ice.handle(msg, remote);
 *     case 'dtls': return dtls.receive(msg);
 *     case 'rtp': case 'rtcp': return onMedia(msg);
 *     default: dropped++;
 *   }
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7983#section-7
 */
export function classifyDatagram(datagram: Uint8Array): DatagramKind {
  checkBytes(datagram, 'datagram');
  return classify(datagram);
}

/** @internal {@link classifyDatagram} without the argument check, for bytes this package owns. */
export function classify(datagram: Uint8Array): DatagramKind {
  if (datagram.length === 0) return 'unknown';
  const b = datagram[0] as number;
  if (b <= 3) return 'stun';
  if (b < 16) return 'unknown';
  if (b <= 19) return 'zrtp';
  if (b <= 63) return 'dtls';
  if (b <= 79) return 'turn-channel';
  if (b < 128 || b > 191) return 'unknown';
  if (datagram.length < 2) return 'unknown';
  return isRtcp(datagram) ? 'rtcp' : 'rtp';
}

/**
 * Tells RTCP from RTP on a muxed port by RFC 5761 §4: the second byte is the
 * RTCP packet type (200–204 today, 192–223 reserved for RTCP) or, in RTP, the
 * marker bit plus the payload type; RTP payload types 64–95 are never used on
 * a muxed port, so a second byte in 192–223 means RTCP.
 *
 * @param packet - an RTP or RTCP packet (first byte 128–191)
 * @returns `true` when the second byte is in 192–223; `false` otherwise,
 *   including for packets shorter than two bytes
 * @throws {TypeError} `ERR_INVALID_ARG_TYPE` when `packet` is not a Uint8Array;
 *   `ERR_INVALID_ARG_VALUE` when its buffer was transferred (detached)
 * @example
 * ```ts
 * isRtcpPacket(Buffer.from([0x80, 0xc8])); // true  (sender report, PT 200)
 * isRtcpPacket(Buffer.from([0x80, 0xe0])); // false (marker set, payload type 96)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5761#section-4
 */
export function isRtcpPacket(packet: Uint8Array): boolean {
  checkBytes(packet, 'packet');
  return isRtcp(packet);
}

function isRtcp(packet: Uint8Array): boolean {
  if (packet.length < 2) return false;
  const b = packet[1] as number;
  return b >= 192 && b <= 223;
}
