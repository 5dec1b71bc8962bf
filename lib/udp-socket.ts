// SPDX-License-Identifier: MIT
/**
 * A UDP socket for the media path: datagrams arrive in batches (one callback
 * per batch, views into one reused buffer, no allocation per datagram) and
 * leave in batches (one `sendmmsg`). On Linux the socket is native, polled on
 * the thread's own event loop; elsewhere (or on request) the same API runs
 * over node:dgram.
 * @packageDocumentation
 */
import * as dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { constants as osConstants } from 'node:os';
import { InvalidStateError, UdpError } from './errors.js';
import { native, type NativeUdp } from './native.js';
import { RtcpCompoundIterator, RtpHeaderView, rtcpPackets } from './rtp.js';
import { nativeSrtpOf, type SrtpSession } from './srtp-session.js';
import { addressBytes } from './stun.js';
import {
  argTypeError,
  argValueError,
  checkArray,
  checkBytes,
  checkFunction,
  checkInt32Array,
  checkInteger,
  checkIntegerValue,
  checkObject,
  checkOneOf,
  checkString,
  isArray,
  isBytes,
  optionalBoolean,
  outOfRangeError,
} from './validate.js';

/** `'udp4'` binds IPv4; `'udp6'` binds IPv6 (and, unless `ipv6Only`, IPv4 as mapped addresses). */
export type UdpSocketType = 'udp4' | 'udp6';

/** Which implementation a socket runs on. */
export type UdpSocketPath = 'native' | 'dgram';

/**
 * A remote (or local) UDP endpoint: a numeric IPv4 or IPv6 address and a port.
 * @example
 * ```ts
 * const peer: UdpEndpoint = { address: '192.0.2.7', port: 50000 };
 * ```
 */
export interface UdpEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * What a received datagram is:
 * - `'unregistered'`: from a source with no route (see {@link UdpSocket.addRoute}), delivered as received;
 * - `'routed'`: from a routed source, but not SRTP/SRTCP (STUN, DTLS, ...) or the route has no session;
 * - `'rtp'` / `'rtcp'`: SRTP/SRTCP from a routed source, already authenticated and decrypted in place.
 */
export type UdpDatagramKind = 'unregistered' | 'routed' | 'rtp' | 'rtcp';

/**
 * Options of {@link UdpSocket.bind}.
 * @example
 * ```ts
 * const options: UdpSocketOptions = { type: 'udp4', address: '0.0.0.0', port: 40000, reusePort: true, onBatch };
 * ```
 */
export interface UdpSocketOptions {
  /** Address family of the socket. */
  readonly type: UdpSocketType;
  /** Local numeric address to bind; default `'0.0.0.0'` (udp4) or `'::'` (udp6). */
  readonly address?: string;
  /** Local port, 0 (the default) for any free port; read the bound port from {@link UdpSocket.address}. */
  readonly port?: number;
  /**
   * Sets `SO_REUSEPORT` before binding, so several sockets (say one per
   * worker thread) share one port and the kernel spreads peers over them by
   * 4-tuple. Native path only; default `false`.
   */
  readonly reusePort?: boolean;
  /** udp6 only: refuse IPv4 (`IPV6_V6ONLY`); default `false`. */
  readonly ipv6Only?: boolean;
  /**
   * The largest datagram received, 64 to 65536 bytes, rounded up to a
   * multiple of 8; default 2048. A larger datagram is dropped and counted
   * (`receiveTruncated`), never delivered cut.
   */
  readonly maxDatagramSize?: number;
  /** Datagrams per batch (one `recvmmsg`, one callback), 1 to 1024; default 32. */
  readonly batchSize?: number;
  /**
   * Batches read per event-loop turn, 1 to 64; default 4. What is left waits
   * for the next turn, so timers and other sockets are never starved.
   */
  readonly batchesPerTurn?: number;
  /**
   * `SO_RCVBUF` in bytes, 1 to 2^30, for a burst the loop cannot read at
   * once (the kernel doubles it and caps it at `net.core.rmem_max`); default:
   * the system's. What overflows it is dropped by the kernel (counted in
   * `receiveDropped` on the native path).
   */
  readonly receiveBufferSize?: number;
  /** `SO_SNDBUF` in bytes, 1 to 2^30 (capped at `net.core.wmem_max`); default: the system's. */
  readonly sendBufferSize?: number;
  /** `'auto'` (the default: native on Linux, else node:dgram), `'native'` or `'dgram'`. */
  readonly path?: 'auto' | UdpSocketPath;
  /**
   * Called once per received batch. The batch and its buffer are reused:
   * read (or copy) what you need before returning. A throw is an uncaught
   * exception, as from a node:dgram `'message'` listener.
   */
  readonly onBatch: (batch: UdpReceiveBatch) => void;
}

/**
 * Counters of one {@link UdpSocket}. Every failure is counted here, never
 * thrown from the event loop.
 */
export interface UdpSocketStats {
  /** Datagrams delivered to `onBatch`. */
  readonly datagramsReceived: number;
  /** Their bytes (after unprotecting, for SRTP). */
  readonly bytesReceived: number;
  /** Calls of `onBatch`. */
  readonly batchesDelivered: number;
  /** Datagrams the kernel accepted (on the dgram path: whose send completed without error). */
  readonly datagramsSent: number;
  readonly bytesSent: number;
  /** Received datagrams larger than `maxDatagramSize`, dropped. */
  readonly receiveTruncated: number;
  /** Datagrams too large to send (`EMSGSIZE`), dropped. */
  readonly sendMessageTooBig: number;
  /** Datagrams dropped because the socket's send buffer was full (`EAGAIN`, `ENOBUFS`). */
  readonly sendWouldBlock: number;
  /** Datagrams the kernel refused for any other reason. */
  readonly sendFailed: number;
  /** Failed receive calls. */
  readonly receiveFailed: number;
  /** ICMP port/host/network unreachable reported for what we sent (native path). */
  readonly icmpUnreachable: number;
  /** Other ICMP errors reported for what we sent (native path). */
  readonly icmpOther: number;
  /** SRTP/SRTCP from a routed source that failed to unprotect, dropped (the session counts why). */
  readonly srtpDropped: number;
  /** Packets `sendRtpBatch`/`sendRtcpBatch` could not protect, not sent (the result says why). */
  readonly protectFailed: number;
  /**
   * Datagrams the kernel dropped because the receive buffer was full (native
   * path, read from the kernel; 0 on the dgram path, which cannot see them).
   */
  readonly receiveDropped: number;
  /**
   * SRTCP from a routed source that authenticated but whose compound packet
   * is malformed (a length word that does not fit, a bad version or padding
   * in any of its packets), dropped.
   */
  readonly rtcpMalformed: number;
}

/** @internal The counters in native (core::UdpStats) order; a test holds this list to the addon's. */
export const UDP_STATS_NAMES: readonly (keyof UdpSocketStats)[] = [
  'datagramsReceived',
  'bytesReceived',
  'batchesDelivered',
  'datagramsSent',
  'bytesSent',
  'receiveTruncated',
  'sendMessageTooBig',
  'sendWouldBlock',
  'sendFailed',
  'receiveFailed',
  'icmpUnreachable',
  'icmpOther',
  'srtpDropped',
  'protectFailed',
  'receiveDropped',
  'rtcpMalformed',
];
const STAT = Object.fromEntries(UDP_STATS_NAMES.map((name, i) => [name, i])) as Record<keyof UdpSocketStats, number>;

/** @internal Uint32 words per datagram in the meta array (native/binding/udp_binding.cc kMetaStride). */
export const UDP_META_STRIDE = 16;
const M_OFFSET = 0;
const M_LENGTH = 1;
const M_KIND = 2;
const M_ROUTE = 3;
const M_ADDRESS = 4; // a 20-byte address record: words 4..8
const M_SSRC = 9;
const M_SEQUENCE = 10; // sequence | payload type << 16 | marker << 23
const M_TIMESTAMP = 11;
const M_EXTENSION = 12;
const M_PAYLOAD = 13;
const M_PAYLOAD_LENGTH = 14;
const M_ROC = 15;
const RECORD = 20;
const NO_ROUTE = 0xffffffff;
const KINDS: readonly UdpDatagramKind[] = ['unregistered', 'routed', 'rtp', 'rtcp'];
const ADDRESS_CACHE_LIMIT = 4096;

/**
 * One received batch, handed to `onBatch`. Accessors take the datagram's
 * index (0 to `count - 1`) and, except {@link UdpReceiveBatch.packet} and
 * {@link UdpReceiveBatch.address}, allocate nothing. The object and its
 * buffer are reused for the next batch.
 * @example
 * ```ts
 * onBatch(batch) {
 *   for (let i = 0; i < batch.count; i++) {
 *     if (batch.kind(i) === 'rtp') forward(batch.ssrc(i), batch.buffer, batch.offset(i), batch.length(i));
 *   }
 * }
 * ```
 */
export class UdpReceiveBatch {
  /** How many datagrams this batch holds. */
  count = 0;
  /** Holds every datagram of the batch (see {@link UdpReceiveBatch.offset}); reused. */
  readonly buffer: Buffer;
  readonly #meta: Uint32Array;
  readonly #bytes: Uint8Array;
  readonly #addresses: string[] | undefined;

  /** @internal */
  constructor(data: ArrayBuffer, meta: ArrayBuffer, addresses?: string[]) {
    this.buffer = Buffer.from(data);
    this.#meta = new Uint32Array(meta);
    this.#bytes = new Uint8Array(meta);
    this.#addresses = addresses;
  }

  #word(i: number, field: number): number {
    return this.#meta[i * UDP_META_STRIDE + field] as number;
  }

  /** Where datagram `i` starts in {@link UdpReceiveBatch.buffer}. */
  offset(i: number): number {
    return this.#word(i, M_OFFSET);
  }
  /** Its length (for `'rtp'`/`'rtcp'`: of the plain RTP/RTCP packet). */
  length(i: number): number {
    return this.#word(i, M_LENGTH);
  }
  /** A view of datagram `i` (allocates the view; valid until the callback returns). */
  packet(i: number): Buffer {
    const offset = this.offset(i);
    return this.buffer.subarray(offset, offset + this.length(i));
  }
  /** What datagram `i` is. */
  kind(i: number): UdpDatagramKind {
    return KINDS[this.#word(i, M_KIND)] as UdpDatagramKind;
  }
  /** The id of the route its source matched, or -1. */
  route(i: number): number {
    const route = this.#word(i, M_ROUTE);
    return route === NO_ROUTE ? -1 : route;
  }
  /** The source port. */
  port(i: number): number {
    const at = (i * UDP_META_STRIDE + M_ADDRESS) * 4;
    return (((this.#bytes[at + 2] as number) << 8) | (this.#bytes[at + 3] as number)) >>> 0;
  }
  /** The source address family. */
  family(i: number): 'IPv4' | 'IPv6' {
    return this.#bytes[(i * UDP_META_STRIDE + M_ADDRESS) * 4] === 4 ? 'IPv4' : 'IPv6';
  }
  /** The source address as text, formatted as node:dgram does (allocates a string). */
  address(i: number): string {
    return this.#addresses?.[i] ?? formatRecord(this.#bytes, (i * UDP_META_STRIDE + M_ADDRESS) * 4);
  }
  /** `'rtp'`/`'rtcp'`: the SSRC (RTCP: the first packet's sender SSRC); else 0. */
  ssrc(i: number): number {
    return this.#word(i, M_SSRC);
  }
  /** `'rtp'`: the sequence number; else 0. */
  sequenceNumber(i: number): number {
    return this.#word(i, M_SEQUENCE) & 0xffff;
  }
  /** `'rtp'`: the payload type; `'rtcp'`: the first packet's type (200 = SR, ...); else 0. */
  payloadType(i: number): number {
    const word = this.#word(i, M_SEQUENCE) >>> 16;
    return this.kind(i) === 'rtcp' ? word & 0xff : word & 0x7f;
  }
  /** `'rtp'`: the marker bit. */
  marker(i: number): boolean {
    return this.kind(i) === 'rtp' && (this.#word(i, M_SEQUENCE) & 0x800000) !== 0;
  }
  /**
   * `'rtp'`: the packet's rollover counter (RFC 3711 §3.3.1), as libsrtp
   * estimated it to authenticate and decrypt the packet; else 0.
   */
  rolloverCounter(i: number): number {
    return this.#word(i, M_ROC);
  }
  /**
   * `'rtp'`: the extended sequence number, `rolloverCounter(i) * 65536 +
   * sequenceNumber(i)` (the packet index of RFC 3711 §3.3.1: it keeps growing
   * across a sequence-number wrap); else 0.
   */
  extendedSequenceNumber(i: number): number {
    return this.#word(i, M_ROC) * 65536 + (this.#word(i, M_SEQUENCE) & 0xffff);
  }
  /** `'rtp'`: the RTP timestamp; else 0. */
  timestamp(i: number): number {
    return this.#word(i, M_TIMESTAMP);
  }
  /** `'rtp'`: offset (from the packet's start) of the 4-byte header-extension header; 0 when there is none. */
  extensionOffset(i: number): number {
    return this.#word(i, M_EXTENSION);
  }
  /** `'rtp'`/`'rtcp'`: offset (from the packet's start) of the payload. */
  payloadOffset(i: number): number {
    return this.#word(i, M_PAYLOAD);
  }
  /** `'rtp'`/`'rtcp'`: payload bytes (RTP: without padding). */
  payloadLength(i: number): number {
    return this.#word(i, M_PAYLOAD_LENGTH);
  }
}

/** Formats a 20-byte address record the way libuv (and so node:dgram) prints addresses. */
/** Throws `ERR_OUT_OF_RANGE` naming the first `(offset, length, capacity)` entry that does not lie within `buffer`. */
function checkLayout(buffer: Uint8Array, layout: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const offset = layout[3 * i] as number;
    const length = layout[3 * i + 1] as number;
    const capacity = layout[3 * i + 2] as number;
    if (offset < 0 || length < 0 || capacity < length || offset + capacity > buffer.length) {
      throw outOfRangeError(`layout[${3 * i}..${3 * i + 2}]`, 'an entry within buffer', [offset, length, capacity].join(','));
    }
  }
}

function formatRecord(bytes: Uint8Array, at: number): string {
  const a = at + 4;
  if (bytes[at] === 4) return `${bytes[a]}.${bytes[a + 1]}.${bytes[a + 2]}.${bytes[a + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[a + 2 * i] as number) << 8) | (bytes[a + 2 * i + 1] as number));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestLength < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    // An IPv4-mapped (::ffff:a.b.c.d) or -compatible (::a.b.c.d) address ends in dotted form.
    if (i === 6 && bestStart === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      out += `${bytes[a + 12]}.${bytes[a + 13]}.${bytes[a + 14]}.${bytes[a + 15]}`;
      break;
    }
    out += (words[i] as number).toString(16);
    if (i < 7) out += ':';
  }
  return out;
}

/** Writes the record of a numeric address, or returns false. IPv4 on a udp6 socket becomes IPv4-mapped. */
function encodeRecord(address: string, port: number, ipv6: boolean, out: Uint8Array, at: number): boolean {
  out.fill(0, at, at + RECORD);
  if (isIPv4(address)) {
    const v4 = addressBytes('IPv4', address) as Buffer;
    if (ipv6) {
      out[at] = 6;
      out[at + 14] = 0xff;
      out[at + 15] = 0xff;
      out.set(v4, at + 16);
    } else {
      out[at] = 4;
      out.set(v4, at + 4);
    }
  } else if (ipv6 && isIPv6(address) && !address.includes('%')) {
    out[at] = 6;
    out.set(addressBytes('IPv6', address) as Buffer, at + 4);
  } else {
    return false;
  }
  out[at + 2] = port >>> 8;
  out[at + 3] = port & 0xff;
  return true;
}

function errnoName(negative: number): string {
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === -negative) return name;
  return `E${-negative}`;
}

function checkEndpoint(value: unknown, name: string): UdpEndpoint {
  checkObject(value, name);
  const { address, port } = value;
  checkString(address, `${name}.address`);
  checkIntegerValue(port, `${name}.port`, 0, 65535);
  return { address, port };
}

function nativeAvailable(): boolean {
  return process.platform === 'linux' && native.NativeUdp !== undefined;
}

/**
 * dgram path: the routing fields of a plain RTP packet into meta words, read
 * by lib/rtp.ts's reader (the rules core::ReadRtpFields applies natively);
 * false (fields left 0) if it is malformed.
 */
function writeRtpFields(view: RtpHeaderView, packet: Uint8Array, meta: Uint32Array, base: number): boolean {
  if (view.read(packet) !== null) return false;
  meta[base + M_SSRC] = view.ssrc;
  meta[base + M_SEQUENCE] = (view.sequenceNumber | (view.payloadType << 16) | (view.marker ? 0x800000 : 0)) >>> 0;
  meta[base + M_TIMESTAMP] = view.timestamp;
  meta[base + M_EXTENSION] = view.extensionOffset;
  meta[base + M_PAYLOAD] = view.payloadOffset;
  meta[base + M_PAYLOAD_LENGTH] = view.payloadLength;
  return true;
}

/**
 * dgram path: walks a plain RTCP compound packet with lib/rtp.ts's iterator
 * (the rules core::ReadRtcpFields applies natively) and writes the first
 * packet's type and sender SSRC; false if any packet is malformed.
 */
function writeRtcpFields(walk: RtcpCompoundIterator, packet: Uint8Array, meta: Uint32Array, base: number): boolean {
  rtcpPackets(packet, walk);
  let first = true;
  while (walk.advance()) {
    if (!first) continue;
    first = false;
    meta[base + M_SSRC] = walk.packet.ssrc;
    meta[base + M_SEQUENCE] = walk.packet.packetType << 16;
  }
  if (first || walk.failure !== null) return false;
  meta[base + M_PAYLOAD] = 8;
  meta[base + M_PAYLOAD_LENGTH] = packet.length - 8;
  return true;
}

/**
 * @internal A one-datagram {@link UdpReceiveBatch} for media that TypeScript
 * unprotected itself on a path that otherwise unprotects natively (a
 * transport on a `UdpServer` while its route is unkeyed: a DTLS restart's
 * window), filled with the fields the native path and the node:dgram
 * fallback write, so `mediabatch` listeners see the same runs. One per
 * transport, reused; its buffer grows (rarely) to the largest packet seen.
 * `route(0)` is -1: the packet came through no native route.
 */
export class SinglePacketBatch {
  #batch: UdpReceiveBatch | undefined;
  #data: Buffer | undefined;
  #meta: Uint32Array | undefined;
  #bytes: Uint8Array | undefined;
  readonly #addresses: string[] = [''];
  readonly #rtpView = new RtpHeaderView();
  readonly #rtcpWalk = new RtcpCompoundIterator();

  /**
   * Copies `plain` (what `session` just unprotected) into the batch with its
   * fields and the source; the ROC is `session`'s estimate, as natively.
   * @returns The batch (count 1), or `undefined` for malformed RTCP (dropped from the batch, as natively).
   */
  fill(plain: Uint8Array, rtcp: boolean, session: SrtpSession, address: string, port: number, family: string): UdpReceiveBatch | undefined {
    if (this.#data === undefined || this.#data.length < plain.length) this.#grow(plain.length);
    const batch = this.#batch as UdpReceiveBatch;
    const meta = this.#meta as Uint32Array;
    meta.fill(0, 0, UDP_META_STRIDE);
    if (rtcp) {
      if (!writeRtcpFields(this.#rtcpWalk, plain, meta, 0)) return undefined;
    } else if (writeRtpFields(this.#rtpView, plain, meta, 0)) {
      const roc = nativeSrtpOf(session)?.remoteRtpRoc(meta[M_SSRC] as number, (meta[M_SEQUENCE] as number) & 0xffff) ?? -1;
      meta[M_ROC] = roc < 0 ? 0 : roc;
    }
    (this.#data as Buffer).set(plain, 0);
    meta[M_LENGTH] = plain.length;
    meta[M_KIND] = rtcp ? 3 : 2;
    meta[M_ROUTE] = NO_ROUTE;
    const bytes = this.#bytes as Uint8Array;
    const at = M_ADDRESS * 4;
    bytes.fill(0, at, at + RECORD);
    bytes[at] = family === 'IPv6' ? 6 : 4;
    bytes[at + 2] = port >>> 8;
    bytes[at + 3] = port & 0xff;
    this.#addresses[0] = address;
    batch.count = 1;
    return batch;
  }

  #grow(length: number): void {
    const data = new ArrayBuffer(Math.max(2048, 2 ** Math.ceil(Math.log2(length))));
    const meta = new ArrayBuffer(UDP_META_STRIDE * 4);
    this.#data = Buffer.from(data);
    this.#meta = new Uint32Array(meta);
    this.#bytes = new Uint8Array(meta);
    this.#batch = new UdpReceiveBatch(data, meta, this.#addresses);
  }
}

/** Socket buffer sizes in bytes; 0 keeps the system's default. */
interface SocketBuffers {
  readonly receiveBufferSize: number;
  readonly sendBufferSize: number;
}

interface DgramRoute {
  readonly id: number;
  readonly session: SrtpSession | undefined;
}

/**
 * A UDP socket that receives and sends in batches. Create one with
 * {@link UdpSocket.bind}. On Linux it is native: one `recvmmsg` fills a
 * batch straight into a reused buffer, one call into JavaScript hands it
 * over, one `sendmmsg` sends a batch, on the thread's own event loop with
 * no thread of its own. Elsewhere (or with `path: 'dgram'`) node:dgram
 * stands in with the same API and results.
 *
 * Routes make it a media socket: datagrams from a source registered with
 * {@link UdpSocket.addRoute} and an {@link SrtpSession} that are SRTP or SRTCP
 * (RFC 7983) are authenticated and decrypted in place before the batch is
 * delivered, with the fields an SFU routes on; {@link UdpSocket.sendRtpBatch}
 * protects in place and sends in the same call.
 *
 * Network problems (ICMP errors, oversized datagrams, a full send buffer)
 * are counted in {@link UdpSocket.getStats}, never thrown. A socket belongs to
 * the thread that created it; when a worker ends, its sockets close.
 * @example
 * ```ts
 * const socket = await UdpSocket.bind({
 *   type: 'udp4', address: '127.0.0.1',
 *   onBatch(batch) { for (let i = 0; i < batch.count; i++) console.log(batch.address(i), batch.length(i)); },
 * });
 * socket.sendBatch([Buffer.from('hello')], { address: '127.0.0.1', port: socket.address().port });
 * ```
 */
export class UdpSocket implements Disposable {
  readonly #type: UdpSocketType;
  readonly #ipv6: boolean;
  readonly #path: UdpSocketPath;
  readonly #slot: number;
  readonly #batchSize: number;
  #onBatch: (batch: UdpReceiveBatch) => void;
  #native: NativeUdp | undefined;
  #dgram: dgram.Socket | undefined;
  #closed = false;
  #batch!: UdpReceiveBatch;
  // Send-side scratch (native): address records and per-packet destination indices.
  #records = new Uint8Array(RECORD * 32);
  #which = new Uint32Array(32);
  readonly #recordCache = new Map<string, Map<number, Uint8Array>>();
  // dgram path state.
  readonly #stats: Float64Array;
  #data: Buffer | undefined;
  #meta: Uint32Array | undefined;
  #metaBytes: Uint8Array | undefined;
  #addresses: string[] = [];
  #pending = 0;
  #flushScheduled = false;
  readonly #routes = new Map<string, DgramRoute>();
  readonly #routeKeys = new Map<number, string>();
  #nextRoute = 0;
  readonly #rtpView = new RtpHeaderView();
  readonly #rtcpWalk = new RtcpCompoundIterator();

  private constructor(options: Required<Omit<UdpSocketOptions, 'address' | 'port' | 'receiveBufferSize' | 'sendBufferSize'>>) {
    this.#type = options.type;
    this.#ipv6 = options.type === 'udp6';
    this.#path = options.path === 'native' ? 'native' : 'dgram';
    this.#slot = options.maxDatagramSize;
    this.#batchSize = options.batchSize;
    this.#onBatch = options.onBatch;
    this.#stats = new Float64Array(UDP_STATS_NAMES.length);
  }

  /**
   * Creates a socket and binds it.
   * @param options - family, local address and port, batching and the batch callback; see {@link UdpSocketOptions}
   * @returns the bound socket (read the port from {@link UdpSocket.address})
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong option (a
   *   non-numeric or wrong-family address, `path: 'native'` where there is none, `reusePort` on the dgram path)
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a port, size or count outside its range
   * @throws {UdpError} `ERR_UDP_BIND` when the system refuses the socket or the bind (`errno` says why)
   * @example
   * ```ts
   * const a = await UdpSocket.bind({ type: 'udp6', address: '::1', onBatch });
   * const b = await UdpSocket.bind({ type: 'udp4', port: 40000, reusePort: true, onBatch });
   * ```
   */
  static async bind(options: UdpSocketOptions): Promise<UdpSocket> {
    checkObject(options, 'options');
    const type = checkOneOf(options.type, 'options.type', ['udp4', 'udp6'] as const);
    const ipv6 = type === 'udp6';
    const address = options.address === undefined ? (ipv6 ? '::' : '0.0.0.0') : options.address;
    checkString(address, 'options.address');
    const port = checkInteger(options.port, 'options.port', 0, 65535, 0);
    const reusePort = optionalBoolean(options.reusePort, 'options.reusePort', false);
    const ipv6Only = optionalBoolean(options.ipv6Only, 'options.ipv6Only', false);
    const size = checkInteger(options.maxDatagramSize, 'options.maxDatagramSize', 64, 65536, 2048);
    const batchSize = checkInteger(options.batchSize, 'options.batchSize', 1, 1024, 32);
    const batchesPerTurn = checkInteger(options.batchesPerTurn, 'options.batchesPerTurn', 1, 64, 4);
    const receiveBufferSize = checkInteger(options.receiveBufferSize, 'options.receiveBufferSize', 1, 2 ** 30, 0);
    const sendBufferSize = checkInteger(options.sendBufferSize, 'options.sendBufferSize', 1, 2 ** 30, 0);
    const requested = options.path === undefined ? 'auto' : checkOneOf(options.path, 'options.path', ['auto', 'native', 'dgram'] as const);
    checkFunction(options.onBatch, 'options.onBatch');
    const record = new Uint8Array(RECORD);
    if (!encodeRecord(address, port, ipv6, record, 0)) {
      throw argValueError('options.address', `a numeric ${ipv6 ? 'IPv6 or IPv4' : 'IPv4'} address`, address);
    }
    if (requested === 'native' && !nativeAvailable()) {
      throw argValueError('options.path', `'auto' or 'dgram' (no native UDP on ${process.platform})`, requested);
    }
    const path: UdpSocketPath = requested === 'dgram' || !nativeAvailable() ? 'dgram' : 'native';
    if (reusePort && path === 'dgram') {
      throw argValueError('options.reusePort', 'false on the node:dgram path (Node 20 has no SO_REUSEPORT)', reusePort);
    }
    const socket = new UdpSocket({
      type,
      path,
      reusePort,
      ipv6Only,
      maxDatagramSize: (size + 7) & ~7,
      batchSize,
      batchesPerTurn,
      onBatch: options.onBatch,
    });
    const buffers = { receiveBufferSize, sendBufferSize };
    if (path === 'native') socket.#openNative(record, reusePort, ipv6Only, batchesPerTurn, buffers);
    else await socket.#openDgram(formatRecord(record, 0), port, ipv6Only, buffers);
    return socket;
  }

  #openNative(record: Uint8Array, reusePort: boolean, ipv6Only: boolean, batchesPerTurn: number, buffers: SocketBuffers): void {
    const Ctor = native.NativeUdp;
    if (Ctor === undefined) throw new InvalidStateError('native UDP is not available');
    const handle = new Ctor((count) => {
      this.#deliver(count);
    });
    const status = handle.open(
      record,
      this.#ipv6,
      reusePort,
      ipv6Only,
      this.#slot,
      this.#batchSize,
      batchesPerTurn,
      buffers.receiveBufferSize,
      buffers.sendBufferSize,
    );
    if (status !== 0) {
      handle.close();
      const errno = errnoName(status);
      throw new UdpError('ERR_UDP_BIND', errno, `Could not bind the UDP socket: ${errno}`);
    }
    this.#native = handle;
    this.#batch = new UdpReceiveBatch(handle.data(), handle.meta());
  }

  async #openDgram(address: string, port: number, ipv6Only: boolean, buffers: SocketBuffers): Promise<void> {
    const socket = dgram.createSocket({
      type: this.#type,
      ipv6Only,
      ...(buffers.receiveBufferSize > 0 ? { recvBufferSize: buffers.receiveBufferSize } : {}),
      ...(buffers.sendBufferSize > 0 ? { sendBufferSize: buffers.sendBufferSize } : {}),
    });
    const data = new ArrayBuffer(this.#slot * this.#batchSize);
    const meta = new ArrayBuffer(UDP_META_STRIDE * 4 * this.#batchSize);
    this.#data = Buffer.from(data);
    this.#meta = new Uint32Array(meta);
    this.#metaBytes = new Uint8Array(meta);
    this.#batch = new UdpReceiveBatch(data, meta, this.#addresses);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.close();
        const errno = err.code ?? 'EINVAL';
        reject(new UdpError('ERR_UDP_BIND', errno, `Could not bind the UDP socket: ${errno}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    // Receive errors after bind are counted, never an unhandled 'error' event.
    socket.on('error', () => {
      this.#count(STAT.receiveFailed);
    });
    socket.on('message', (msg, rinfo) => {
      this.#receiveDgram(msg, rinfo);
    });
    this.#dgram = socket;
  }

  /** `'native'` or `'dgram'`: which implementation this socket runs on. */
  get path(): UdpSocketPath {
    return this.#path;
  }

  /** The socket's family. */
  get type(): UdpSocketType {
    return this.#type;
  }

  /** `true` once {@link UdpSocket.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The bound local address and port.
   * @returns `{ address, family, port }` as node:dgram's `address()` gives it
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const { port } = socket.address();
   * ```
   */
  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } {
    this.#live();
    if (this.#native !== undefined) {
      const record = new Uint8Array(RECORD);
      this.#native.localAddress(record);
      return {
        address: formatRecord(record, 0),
        family: record[0] === 4 ? 'IPv4' : 'IPv6',
        port: ((record[2] as number) << 8) | (record[3] as number),
      };
    }
    const info = (this.#dgram as dgram.Socket).address();
    return { address: info.address, family: info.family === 'IPv6' ? 'IPv6' : 'IPv4', port: info.port };
  }

  /**
   * Sends one datagram. Same as `sendBatch([packet], destination)`.
   * @param packet - the datagram
   * @param destination - where to
   * @returns 1 if the kernel accepted it (dgram path: handed to node:dgram), else 0 (counted in stats)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong argument
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.send(stunResponse, { address: rinfo.address, port: rinfo.port });
   * ```
   */
  send(packet: Uint8Array, destination: UdpEndpoint): number {
    return this.sendBatch([packet], destination);
  }

  /**
   * Sends datagrams in one `sendmmsg` (native path), to one destination or
   * each to its own. A datagram the kernel refuses is counted by reason
   * (`sendMessageTooBig`, `sendWouldBlock`, `sendFailed`) and skipped.
   * @param packets - the datagrams (each read only during the call)
   * @param destinations - one endpoint for all, or one per packet
   * @returns how many the kernel accepted (dgram path: how many were handed to node:dgram)
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong argument
   *   (an address that is not numeric or not of the socket's family)
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for more than 1024 packets, a port outside 0..65535,
   *   or a destination array whose length is not `packets.length`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.sendBatch(datagrams, subscribers); // datagrams[i] to subscribers[i]
   * ```
   */
  sendBatch(packets: readonly Uint8Array[], destinations: UdpEndpoint | readonly UdpEndpoint[]): number {
    this.#live();
    checkArray(packets, 'packets', 'an array of Uint8Array');
    if (packets.length > 1024) throw outOfRangeError('packets.length', 'at most 1024', packets.length);
    // The name is built only for a failure: this loop runs per packet on the hot path.
    for (let i = 0; i < packets.length; i++) if (!isBytes(packets[i])) checkBytes(packets[i], `packets[${i}]`);
    const many = this.#destinations(destinations, packets.length);
    if (this.#native !== undefined) {
      return this.#native.sendBatch(packets, packets.length, this.#records, many ? packets.length : 1, many ? this.#which : undefined);
    }
    for (let i = 0; i < packets.length; i++) {
      const to = this.#endpointAt(destinations, many, i);
      this.#sendDgram(packets[i] as Uint8Array, to);
    }
    return packets.length;
  }

  /**
   * Protects RTP packets in place with `session` and sends them, in one
   * native call (one `sendmmsg`). The layout is that of
   * {@link SrtpSession.protectRtpBatchInPlace}: `(offset, length, capacity)`
   * per packet, capacity at least length + `session.rtpOverhead`.
   * @param session - the SRTP session whose local key protects
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param destinations - one endpoint for all, or one per packet
   * @param results - receives per packet the SRTP length or a negative result code (see `srtpResultCode`)
   * @returns how many datagrams the kernel accepted
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong argument
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a layout that is not whole triples, lies outside
   *   `buffer` or holds more than 1024 packets, or `results` too short
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close (of the socket or the session)
   * @example
   * ```ts
   * const sent = socket.sendRtpBatch(session, slab, layout, peer, results);
   * ```
   */
  sendRtpBatch(
    session: SrtpSession,
    buffer: Uint8Array,
    layout: Int32Array,
    destinations: UdpEndpoint | readonly UdpEndpoint[],
    results: Int32Array,
  ): number {
    return this.#sendSrtp(false, session, buffer, layout, destinations, results);
  }

  /**
   * Protects RTCP packets in place and sends them in one native call;
   * capacities need `session.rtcpOverhead` spare bytes. See {@link UdpSocket.sendRtpBatch}.
   * @param session - the SRTP session whose local key protects
   * @param buffer - holds every packet
   * @param layout - `(offset, length, capacity)` per packet
   * @param destinations - one endpoint for all, or one per packet
   * @param results - receives per packet the SRTCP length or a negative result code
   * @returns how many datagrams the kernel accepted
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong argument
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a bad layout or short `results`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close (of the socket or the session)
   * @example
   * ```ts
   * socket.sendRtcpBatch(session, slab, layout, peer, results);
   * ```
   */
  sendRtcpBatch(
    session: SrtpSession,
    buffer: Uint8Array,
    layout: Int32Array,
    destinations: UdpEndpoint | readonly UdpEndpoint[],
    results: Int32Array,
  ): number {
    return this.#sendSrtp(true, session, buffer, layout, destinations, results);
  }

  #sendSrtp(
    rtcp: boolean,
    session: SrtpSession,
    buffer: Uint8Array,
    layout: Int32Array,
    destinations: UdpEndpoint | readonly UdpEndpoint[],
    results: Int32Array,
  ): number {
    this.#live();
    const srtp = nativeSrtpOf(session);
    if (srtp === undefined) throw argTypeError('session', 'an SrtpSession', session);
    checkBytes(buffer, 'buffer');
    checkInt32Array(layout, 'layout');
    checkInt32Array(results, 'results');
    if (layout.length % 3 !== 0) throw outOfRangeError('layout.length', 'a multiple of 3', layout.length);
    const count = layout.length / 3;
    if (count > 1024) throw outOfRangeError('layout.length / 3', 'at most 1024', count);
    if (results.length < count) throw outOfRangeError('results.length', `at least ${count}`, results.length);
    const native = this.#native;
    if (native !== undefined) {
      // The native call checks every layout entry before it protects
      // anything; the per-entry walk here runs only to name a refused entry
      // (and, as before, ahead of a destination's error).
      try {
        const many = this.#destinations(destinations, count);
        return native.sendSrtpBatch(srtp, rtcp, buffer, layout, count, results, this.#records, many ? count : 1, many ? this.#which : undefined);
      } catch (err) {
        checkLayout(buffer, layout, count);
        throw err;
      }
    }
    checkLayout(buffer, layout, count);
    const many = this.#destinations(destinations, count);
    if (rtcp) session.protectRtcpBatchInPlace(buffer, layout, results);
    else session.protectRtpBatchInPlace(buffer, layout, results);
    let handed = 0;
    for (let i = 0; i < count; i++) {
      const result = results[i] as number;
      if (result < 0) {
        this.#count(STAT.protectFailed);
        continue;
      }
      const offset = layout[3 * i] as number;
      this.#sendDgram(buffer.subarray(offset, offset + result), this.#endpointAt(destinations, many, i));
      handed++;
    }
    return handed;
  }

  /**
   * Routes a remote source (address and port) to this socket's media path:
   * its SRTP/SRTCP is unprotected with `session` before delivery (kind
   * `'rtp'`/`'rtcp'`, failures dropped and counted), anything else it sends
   * arrives as kind `'routed'`. Without a session every datagram from it is
   * `'routed'`. Datagrams from sources with no route arrive as
   * `'unregistered'` (admit only STUN from them).
   * @param remote - the source's numeric address and port
   * @param session - the SRTP session of that peer (its remote key decrypts), or none
   * @returns the route's id (reported per datagram by {@link UdpReceiveBatch.route}), or -1
   *   if the source is routed already
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong argument
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a port outside 0..65535
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close (of the socket or the session)
   * @example
   * ```ts
   * const id = socket.addRoute({ address: '198.51.100.4', port: 61000 }, session);
   * ```
   */
  addRoute(remote: UdpEndpoint, session?: SrtpSession): number {
    this.#live();
    const endpoint = checkEndpoint(remote, 'remote');
    const srtp = session === undefined ? null : nativeSrtpOf(session);
    if (srtp === undefined) throw argTypeError('session', 'an SrtpSession', session);
    const record = new Uint8Array(RECORD);
    if (!encodeRecord(endpoint.address, endpoint.port, this.#ipv6, record, 0)) {
      throw argValueError('remote.address', `a numeric ${this.#ipv6 ? 'IPv6 or IPv4' : 'IPv4'} address`, endpoint.address);
    }
    if (this.#native !== undefined) {
      return this.#native.addRoute(record, srtp);
    }
    const key = `${formatRecord(record, 0)}|${endpoint.port}`;
    if (this.#routes.has(key)) return -1;
    const id = this.#nextRoute++;
    this.#routes.set(key, { id, session });
    this.#routeKeys.set(id, key);
    return id;
  }

  /**
   * Removes a route made by {@link UdpSocket.addRoute}.
   * @param id - the route's id
   * @returns whether there was such a route
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` if `id` is not a number
   * @throws {RangeError} `ERR_OUT_OF_RANGE` if it is not an integer from 0 to 2^32 - 2
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * socket.removeRoute(id);
   * ```
   */
  removeRoute(id: number): boolean {
    this.#live();
    checkIntegerValue(id, 'id', 0, 0xfffffffe);
    if (this.#native !== undefined) return this.#native.removeRoute(id);
    const key = this.#routeKeys.get(id);
    if (key === undefined) return false;
    this.#routeKeys.delete(id);
    this.#routes.delete(key);
    return true;
  }

  /**
   * Reads the counters (kept natively on the native path).
   * @returns a snapshot of {@link UdpSocketStats}
   * @example
   * ```ts
   * if (socket.getStats().sendWouldBlock > 0) slowDown();
   * ```
   */
  getStats(): UdpSocketStats {
    const s = this.#stats;
    if (this.#native !== undefined) this.#native.getStats(s);
    const out = {} as Record<keyof UdpSocketStats, number>;
    UDP_STATS_NAMES.forEach((name, i) => {
      out[name] = s[i] ?? 0;
    });
    return out;
  }

  /**
   * Lets the process exit while this socket is open (as node:dgram's `unref()`).
   * @example
   * ```ts
   * socket.unref();
   * ```
   */
  unref(): void {
    if (this.#closed) return;
    if (this.#native !== undefined) this.#native.setRef(false);
    else this.#dgram?.unref();
  }

  /**
   * Keeps the process alive while this socket is open again (the default).
   * @example
   * ```ts
   * socket.ref();
   * ```
   */
  ref(): void {
    if (this.#closed) return;
    if (this.#native !== undefined) this.#native.setRef(true);
    else this.#dgram?.ref();
  }

  /**
   * Closes the socket now: the port is free when this returns (native path),
   * nothing more is delivered, and every other method then throws
   * `InvalidStateError`. Safe to call twice, and from `onBatch`. What the
   * native path sent has reached the kernel already; on the dgram path,
   * datagrams node:dgram has not sent yet (it sends on a later tick) are dropped.
   * @example
   * ```ts
   * socket.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#native !== undefined) {
      // Keep the counters readable after close.
      this.#native.getStats(this.#stats);
      this.#native.close();
      this.#native = undefined;
    }
    const socket = this.#dgram;
    this.#dgram = undefined;
    this.#pending = 0;
    socket?.close();
    // Release what the callback holds on to; nothing is delivered any more.
    this.#onBatch = () => undefined;
    this.#routes.clear();
    this.#routeKeys.clear();
  }

  /**
   * Same as {@link UdpSocket.close}, for `using`.
   * @example
   * ```ts
   * { using socket = await UdpSocket.bind(options); } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  #count(index: number, by = 1): void {
    this.#stats[index] = (this.#stats[index] ?? 0) + by;
  }

  #live(): void {
    if (this.#closed) throw new InvalidStateError('UDP socket is closed');
  }

  #deliver(count: number): void {
    const batch = this.#batch;
    batch.count = count;
    this.#onBatch(batch);
  }

  /** Validates and (native path) encodes the destinations; true when there is one per packet. */
  #destinations(destinations: UdpEndpoint | readonly UdpEndpoint[], count: number): boolean {
    if (!isArray(destinations)) {
      this.#records.set(this.#encode(destinations, 'destination'), 0);
      return false;
    }
    const list = destinations as readonly UdpEndpoint[];
    if (list.length !== count) throw outOfRangeError('destinations.length', `${count} (one per packet)`, list.length);
    if (list.length === 0) return true;
    if (this.#records.length < list.length * RECORD) {
      this.#records = new Uint8Array(list.length * RECORD);
      this.#which = new Uint32Array(list.length);
    }
    for (let i = 0; i < list.length; i++) {
      const endpoint = list[i];
      // Names are built only for a failure.
      this.#records.set(this.#isEndpoint(endpoint) ? this.#encode(endpoint, 'destination') : this.#encode(endpoint, `destinations[${i}]`), i * RECORD);
    }
    if (this.#which[count - 1] !== count - 1) for (let i = 0; i < this.#which.length; i++) this.#which[i] = i;
    return true;
  }

  #isEndpoint(value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      !isArray(value) &&
      typeof (value as UdpEndpoint).address === 'string' &&
      Number.isInteger((value as UdpEndpoint).port)
    );
  }

  /** Validates one endpoint and returns its (cached) record. */
  #encode(value: unknown, name: string): Uint8Array {
    checkObject(value, name);
    const { address, port } = value;
    // Field names are built only for a failure (this runs per send call).
    if (typeof address !== 'string') checkString(address, `${name}.address`);
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
      checkIntegerValue(port, `${name}.port`, 0, 65535);
    }
    return this.#record(address, port as number, name);
  }

  /** The cached record of a destination (parsing a text address costs more than the send). */
  #record(address: string, port: number, name: string): Uint8Array {
    let byPort = this.#recordCache.get(address);
    const cached = byPort?.get(port);
    if (cached !== undefined) return cached;
    const record = new Uint8Array(RECORD);
    if (!encodeRecord(address, port, this.#ipv6, record, 0)) {
      throw argValueError(`${name}.address`, `a numeric ${this.#ipv6 ? 'IPv6 or IPv4' : 'IPv4'} address`, address);
    }
    if (this.#recordCache.size >= ADDRESS_CACHE_LIMIT) this.#recordCache.clear();
    if (byPort === undefined) {
      byPort = new Map();
      this.#recordCache.set(address, byPort);
    }
    byPort.set(port, record);
    return record;
  }

  #endpointAt(destinations: UdpEndpoint | readonly UdpEndpoint[], many: boolean, i: number): UdpEndpoint {
    return many ? ((destinations as readonly UdpEndpoint[])[i] as UdpEndpoint) : (destinations as UdpEndpoint);
  }

  #sendDgram(packet: Uint8Array, to: UdpEndpoint): void {
    const socket = this.#dgram as dgram.Socket;
    const address = this.#ipv6 && isIPv4(to.address) ? `::ffff:${to.address}` : to.address;
    const length = packet.length;
    socket.send(packet, to.port, address, (err) => {
      if (err === null || err === undefined) {
        this.#count(STAT.datagramsSent);
        this.#count(STAT.bytesSent, length);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EMSGSIZE') this.#count(STAT.sendMessageTooBig);
      else if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'ENOBUFS') this.#count(STAT.sendWouldBlock);
      else this.#count(STAT.sendFailed);
    });
  }

  /** dgram path: one datagram into the pending batch, delivered at the end of this loop phase or when full. */
  #receiveDgram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return;
    if (msg.length > this.#slot) {
      this.#count(STAT.receiveTruncated);
      return;
    }
    const data = this.#data as Buffer;
    const meta = this.#meta as Uint32Array;
    const i = this.#pending;
    const base = i * UDP_META_STRIDE;
    const offset = i * this.#slot;
    msg.copy(data, offset);
    meta.fill(0, base, base + UDP_META_STRIDE);
    let length = msg.length;
    let kind = 0;
    let route = NO_ROUTE;
    const found = this.#routes.size === 0 ? undefined : this.#routes.get(`${rinfo.address}|${rinfo.port}`);
    if (found !== undefined) {
      route = found.id;
      kind = 1;
      const first = msg[0] ?? 0;
      if (found.session !== undefined && !found.session.closed && length >= 2 && first >= 128 && first <= 191) {
        const second = msg[1] as number;
        const rtcp = second >= 192 && second <= 223;
        const view = data.subarray(offset, offset + this.#slot);
        const result = rtcp ? found.session.unprotectRtcpInPlace(view, length) : found.session.unprotectRtpInPlace(view, length);
        if (result < 0) {
          this.#count(STAT.srtpDropped);
          return;
        }
        length = result;
        kind = rtcp ? 3 : 2;
        const plain = view.subarray(0, length);
        if (rtcp) {
          if (!writeRtcpFields(this.#rtcpWalk, plain, meta, base)) {
            meta.fill(0, base, base + UDP_META_STRIDE);
            this.#count(STAT.rtcpMalformed);
            return;
          }
        } else if (writeRtpFields(this.#rtpView, plain, meta, base)) {
          const roc = nativeSrtpOf(found.session)?.remoteRtpRoc(meta[base + M_SSRC] as number, (meta[base + M_SEQUENCE] as number) & 0xffff) ?? -1;
          meta[base + M_ROC] = roc < 0 ? 0 : roc;
        }
      }
    }
    meta[base + M_OFFSET] = offset;
    meta[base + M_LENGTH] = length;
    meta[base + M_KIND] = kind;
    meta[base + M_ROUTE] = route;
    const bytes = this.#metaBytes as Uint8Array;
    const at = (base + M_ADDRESS) * 4;
    bytes[at] = rinfo.family === 'IPv6' ? 6 : 4;
    bytes[at + 2] = rinfo.port >>> 8;
    bytes[at + 3] = rinfo.port & 0xff;
    this.#addresses[i] = rinfo.address;
    this.#count(STAT.bytesReceived, length);
    this.#pending = i + 1;
    if (this.#pending === this.#batchSize) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    const count = this.#pending;
    this.#pending = 0;
    if (count === 0 || this.#closed) return;
    this.#count(STAT.datagramsReceived, count);
    this.#count(STAT.batchesDelivered);
    this.#deliver(count);
  }
}
