// SPDX-License-Identifier: MIT
/**
 * The datagram path of a transport: UDP transport addresses (checks,
 * comparison, family), which remote address is selected and which sources
 * are admitted, and the adapters that send and receive on a `node:dgram`
 * socket or on a path the application owns. The ICE-lite responder checks
 * and keys addresses with the same helpers.
 * @packageDocumentation
 */
import { isIP, isIPv6 } from 'node:net';
import type { Socket as DgramSocket, RemoteInfo } from 'node:dgram';
import type { SrtpSession } from './srtp-session.js';
import type { UdpReceiveBatch } from './udp-socket.js';
import { attachToServer, isUdpServer, type UdpServer } from './udp-server.js';
import { argTypeError, argValueError, checkFunction, checkIntegerValue, checkObject, checkOneOf, checkString } from './validate.js';

/**
 * A UDP transport address. `family` is inferred from `address` when omitted;
 * `dgram`'s `RemoteInfo` fits as is.
 * @example
 * const peer: TransportAddress = { address: '192.0.2.7', port: 50000 };
 */
export interface TransportAddress {
  address: string;
  port: number;
  family?: 'IPv4' | 'IPv6';
}

/**
 * A datagram path the application owns (a shared socket, a TURN allocation, a
 * test link). The transport calls `send` for everything it sends; the
 * application hands every datagram it receives for this peer to
 * {@link DtlsSrtpTransport.receive}.
 * @example
 * // One socket shared by many peers: route by source address.
 * const path: DatagramPath = { send: (d, to) => shared.send(d, to.port, to.address) };
 * shared.on('message', (msg, rinfo) => peers.get(`${rinfo.address}|${rinfo.port}`)?.receive(msg, rinfo));
 */
export interface DatagramPath {
  /**
   * Sends one datagram. Called synchronously; an exception counts the
   * datagram as unsent (DTLS retransmits its flights; media is lost as on any
   * UDP path). The buffer is not reused by the transport after the call.
   * @param datagram - The UDP payload.
   * @param remote - Where it goes: the selected address, or the source of a STUN check being answered.
   */
  send(datagram: Buffer, remote: Required<TransportAddress>): void;
}

/** The address family of a datagram's source as a socket reports it: anything but `'IPv6'` is IPv4. */
export function addressFamily(family: string): 'IPv4' | 'IPv6' {
  return family === 'IPv6' ? 'IPv6' : 'IPv4';
}

/** Options of {@link checkTransportAddress}. */
export interface CheckAddressOptions {
  /** Lowest port accepted: 1 (default) for a peer we send to, 0 to accept any UDP source. */
  minPort?: 0 | 1;
  /** Require `family` instead of inferring it from `address`. */
  familyRequired?: boolean;
}

/**
 * Checks a caller-supplied transport address and returns a copy with its family.
 * @param value - The address to check.
 * @param name - Its name in error messages (`'remote'`, `'options.remoteAddress'`).
 * @param options - See {@link CheckAddressOptions}.
 * @returns `{ address, port, family }`, a new object.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for a malformed address, including a
 *   host name such as `'localhost'` (only IP addresses can match a datagram's source).
 * @throws {RangeError} ERR_OUT_OF_RANGE for a port outside `minPort`..65535.
 * @example
 * checkTransportAddress({ address: '::1', port: 5000 }, 'remote'); // { address: '::1', port: 5000, family: 'IPv6' }
 */
export function checkTransportAddress(value: unknown, name: string, options: CheckAddressOptions = {}): Required<TransportAddress> {
  checkObject(value, name);
  const { address, port, family } = value;
  checkString(address, `${name}.address`);
  if (isIP(address) === 0) {
    // A host name would be accepted here and then never match a datagram's source address.
    throw argValueError(`${name}.address`, 'an IP address (resolve a host name first, e.g. with dns.promises.lookup())', address);
  }
  checkIntegerValue(port, `${name}.port`, options.minPort ?? 1, 65535);
  return {
    address,
    port,
    family:
      family === undefined && options.familyRequired !== true
        ? isIPv6(address)
          ? 'IPv6'
          : 'IPv4'
        : checkOneOf(family, `${name}.family`, ['IPv4', 'IPv6']),
  };
}

/**
 * Whether `a` is the address `address`:`port`. The address text is compared
 * as is: `'::ffff:192.0.2.7'` (an IPv4-mapped IPv6 source on a dual-stack
 * socket) is not `'192.0.2.7'`.
 * @example
 * sameAddress(selected, rinfo.address, rinfo.port);
 */
export function sameAddress(a: Required<TransportAddress> | undefined, address: string, port: number): boolean {
  return a !== undefined && a.port === port && a.address === address;
}

/** A string that identifies an address with its family (for sets and maps). */
export function addressKey(a: Required<TransportAddress>): string {
  return `${a.family}|${a.address}|${a.port}`;
}

/** What can vouch for a source before any address is selected: the ICE-lite responder. */
export interface AddressValidator {
  /** `true` if `remote` passed an authenticated connectivity check. */
  isValidatedAddress(remote: Required<TransportAddress>): boolean;
}

/**
 * The selected remote address of one transport, and the admission rule for
 * received DTLS, RTP and RTCP: only from the selected address; with nothing
 * selected yet, DTLS from an address the validator vouches for, which then
 * becomes the selected one (browsers send their ClientHello before the
 * nominating check).
 * @example
 * const selection = new RemoteSelection(undefined, (remote) => emit('remoteaddresschange', remote));
 * if (!selection.admit(rinfo.address, rinfo.port, rinfo.family, ice)) drop('unselected-address');
 */
export class RemoteSelection {
  #remote: Required<TransportAddress> | undefined;
  readonly #onChange: (remote: Required<TransportAddress>) => void;

  /**
   * @param initial - The address known without ICE (already checked), if any.
   * @param onChange - Called with the new address (this selection's own object) each time it changes.
   */
  constructor(initial: Required<TransportAddress> | undefined, onChange: (remote: Required<TransportAddress>) => void) {
    this.#remote = initial;
    this.#onChange = onChange;
  }

  /** The selected address (this selection's object: copy it before handing it out), or `undefined`. */
  get current(): Required<TransportAddress> | undefined {
    return this.#remote;
  }

  /** Whether `address`:`port` is the selected address. */
  isSelected(address: string, port: number): boolean {
    return sameAddress(this.#remote, address, port);
  }

  /**
   * Selects `remote`; calls `onChange` unless it is already the selected address.
   * @returns `true` if the selection changed.
   */
  select(remote: Required<TransportAddress>): boolean {
    if (sameAddress(this.#remote, remote.address, remote.port)) return false;
    this.#remote = remote;
    this.#onChange(remote);
    return true;
  }

  /**
   * Whether DTLS from this source is admitted: from the selected address; with
   * none selected, from an address `validator` vouches for, which is then selected.
   */
  admit(address: string, port: number, family: string, validator: AddressValidator | undefined): boolean {
    if (this.#remote !== undefined) return sameAddress(this.#remote, address, port);
    const from: Required<TransportAddress> = { address, port, family: addressFamily(family) };
    if (validator === undefined || !validator.isValidatedAddress(from)) return false;
    this.select(from);
    return true;
  }
}

/** Receives one datagram from a path adapter; `family` as the socket reports it. */
export type DatagramReceiver = (datagram: Buffer, address: string, port: number, family: string) => void;

/**
 * The seam between a transport and what carries its datagrams. A transport
 * sends through it and receives through the {@link DatagramReceiver} it was
 * opened with; another socket implementation plugs in as another adapter.
 */
export interface PathAdapter {
  /**
   * Sends one datagram to `remote`. May throw (the caller counts a send
   * failure); an asynchronous failure is reported through the `onSendError`
   * the adapter was opened with.
   */
  send(datagram: Buffer, remote: Required<TransportAddress>): void;
  /** Stops delivering received datagrams. Sending keeps working (a closing transport still sends close_notify). */
  detach(): void;
  /** The selected remote address changed (a path that routes by source registers it). */
  select?(remote: Required<TransportAddress>): void;
  /** SRTP was keyed (or, with `undefined`, ended): a path that unprotects natively routes media through it. */
  keyed?(session: SrtpSession | undefined): void;
  /**
   * Sends many datagrams to `remote` in one system call.
   * @returns how many were sent
   */
  sendMany?(datagrams: readonly Uint8Array[], remote: Required<TransportAddress>): number;
  /**
   * Protects the packets of `layout` in place with `session` and sends them to
   * `remote` in one system call (see `UdpSocket.sendRtpBatch`).
   * @returns how many were sent
   */
  sendSrtpInPlace?(
    rtcp: boolean,
    session: SrtpSession,
    buffer: Uint8Array,
    layout: Int32Array,
    remote: Required<TransportAddress>,
    results: Int32Array,
  ): number;
}

/** What a transport gives the path it opens: where received datagrams go. */
export interface PathReceiver {
  /** Gets a datagram (STUN, DTLS, or media still protected) that the transport owns from now on. */
  receive: DatagramReceiver;
  /**
   * Gets datagrams `start` to `end - 1` of `batch`, all SRTP/SRTCP of this
   * peer already unprotected (kind `'rtp'`/`'rtcp'`); valid during the call only.
   */
  receiveMedia(batch: UdpReceiveBatch, start: number, end: number): void;
  /** Whether `address`:`port` passed an authenticated ICE check of this transport. */
  isValidated(address: string, port: number, family: string): boolean;
  /** The local ICE username fragment, if the transport answers ICE checks. */
  readonly localUfrag: string | undefined;
  /** Called when the path itself goes away (its server closed): the transport closes. */
  pathClosed(): void;
}

/** A `node:dgram` socket of this peer only: receives its `'message'` events and sends on it; never closes it. */
class DgramSocketAdapter implements PathAdapter {
  readonly #socket: DgramSocket;
  readonly #onMessage: (msg: Buffer, rinfo: RemoteInfo) => void;
  readonly #onSent: (err: Error | null) => void;

  constructor(socket: DgramSocket, receive: DatagramReceiver, onSendError: () => void) {
    this.#socket = socket;
    this.#onSent = (err) => {
      if (err) onSendError();
    };
    this.#onMessage = (msg, rinfo) => {
      receive(msg, rinfo.address, rinfo.port, rinfo.family);
    };
    socket.on('message', this.#onMessage);
  }

  send(datagram: Buffer, remote: Required<TransportAddress>): void {
    this.#socket.send(datagram, remote.port, remote.address, this.#onSent);
  }

  detach(): void {
    this.#socket.off('message', this.#onMessage);
  }
}

/** A path the application owns: it sends with `path.send` and feeds received datagrams to `receive()` itself. */
class ApplicationPathAdapter implements PathAdapter {
  readonly #path: DatagramPath;

  constructor(path: DatagramPath) {
    this.#path = path;
  }

  send(datagram: Buffer, remote: Required<TransportAddress>): void {
    this.#path.send(datagram, remote);
  }

  detach(): void {
    // The application delivers received datagrams itself: nothing to detach.
  }
}

/** Where a transport's datagrams go: exactly one kind, checked by {@link checkPathSource}. */
export type PathSource =
  | { kind: 'socket'; socket: DgramSocket }
  | { kind: 'path'; path: DatagramPath }
  | { kind: 'server'; server: UdpServer };

/**
 * Checks the `socket`, `path` and `server` options of a transport: exactly one, of the right shape.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE otherwise.
 */
export function checkPathSource(options: { socket?: unknown; path?: unknown; server?: unknown }): PathSource {
  const { socket, path, server } = options;
  const given = [socket, path, server].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw argValueError('options', 'exactly one of socket, path and server', given === 0 ? 'none' : 'more than one');
  }
  if (server !== undefined) {
    if (!isUdpServer(server)) throw argTypeError('options.server', 'a UdpServer', server);
    if (server.closed) throw argValueError('options.server', 'an open UdpServer', 'a closed one');
    return { kind: 'server', server };
  }
  if (socket !== undefined) {
    checkObject(socket, 'options.socket');
    if (typeof socket['send'] !== 'function' || typeof socket['on'] !== 'function' || typeof socket['off'] !== 'function') {
      throw argTypeError('options.socket', 'a dgram.Socket', socket);
    }
    return { kind: 'socket', socket: socket as unknown as DgramSocket };
  }
  checkObject(path, 'options.path');
  checkFunction(path['send'], 'options.path.send');
  return { kind: 'path', path: path as unknown as DatagramPath };
}

/**
 * Opens the adapter for a checked path source. A socket's `'message'`
 * listener is added now; a server registers the transport now.
 * @param source - From {@link checkPathSource}.
 * @param receiver - Gets every datagram the adapter receives by itself.
 * @param onSendError - Called for each send that failed after `send` returned.
 */
export function openPath(source: PathSource, receiver: PathReceiver, onSendError: () => void): PathAdapter {
  switch (source.kind) {
    case 'socket':
      return new DgramSocketAdapter(source.socket, receiver.receive, onSendError);
    case 'path':
      return new ApplicationPathAdapter(source.path);
    case 'server':
      return attachToServer(source.server, receiver);
  }
}
