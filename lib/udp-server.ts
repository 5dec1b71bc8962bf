// SPDX-License-Identifier: MIT
/**
 * One native UDP port for many peers: a {@link UdpServer} owns one
 * {@link UdpSocket} and serves any number of {@link DtlsSrtpTransport}s
 * (what mediasoup calls a WebRtcServer).
 * @packageDocumentation
 */
import { InvalidStateError } from './errors.js';
import { debugDrop, debugEnabled } from './diagnostics.js';
import type { PathAdapter, PathReceiver, TransportAddress } from './datagram-path.js';
import type { IceUfragRouting } from './ice-lite.js';
import type { SrtpSession } from './srtp-session.js';
import { isStunMessage, parseStunMessage } from './stun.js';
import {
  UdpSocket,
  type UdpReceiveBatch,
  type UdpSocketOptions,
  type UdpSocketPath,
  type UdpSocketStats,
  type UdpSocketType,
} from './udp-socket.js';
import { argValueError, checkObject } from './validate.js';

/**
 * Options of {@link UdpServer.bind}: those of {@link UdpSocketOptions}
 * without `onBatch` (the server receives).
 * @example
 * ```ts
 * const options: UdpServerOptions = { type: 'udp4', address: '0.0.0.0', port: 40000 };
 * ```
 */
export type UdpServerOptions = Omit<UdpSocketOptions, 'onBatch'>;

/**
 * Counters of a {@link UdpServer}: what it dropped before any transport saw
 * it, and its socket's own counters.
 */
export interface UdpServerStats {
  /** Transports attached now. */
  readonly transports: number;
  /**
   * Datagrams other than STUN from a source that is no transport's selected
   * path and passed no transport's ICE check (an unknown or spoofed source), dropped.
   */
  readonly unknownSource: number;
  /**
   * STUN from such a source that is no binding request naming a local ICE
   * username fragment of an attached transport (malformed, no USERNAME, a
   * wrong ufrag), dropped.
   */
  readonly unknownUfrag: number;
  /** Selected paths that another transport on this port had selected already: not routed to the later one. */
  readonly routeConflicts: number;
  /** The socket's counters (SRTP that failed to unprotect natively is `socket.srtpDropped`). */
  readonly socket: UdpSocketStats;
}

/** How many validated, unselected sources of one peer get a media route. */
const MAX_CANDIDATE_ROUTES = 8;

function endpointKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/** One transport attached to a server: the transport's path adapter. */
class ServerPeer implements PathAdapter, IceUfragRouting {
  readonly receiver: PathReceiver;
  /** The local ufrags this peer's checks are routed by: one, or two during an ICE restart. */
  readonly ufrags = new Set<string>();
  readonly #core: ServerCore;
  /** Addresses this peer's ICE checks validated, routed here before any selection. */
  readonly validated = new Set<string>();
  #remote: Required<TransportAddress> | undefined;
  #session: SrtpSession | undefined;
  #route = -1;
  /**
   * After the selected path moved: the route of the path before, kept until
   * media arrives on the new one, so that what the peer sent on the old path
   * before it switched is not lost.
   */
  #previousRoute = -1;
  /**
   * Routes of validated sources other than the selected one, once keyed: a
   * browser sends media on a pair it validated before it nominates it (after
   * an ICE restart, say), and that media must not be lost (RFC 8445 §12.1).
   * At most {@link MAX_CANDIDATE_ROUTES}, oldest dropped first.
   */
  readonly #candidates = new Map<string, number>();
  #detached = false;

  constructor(core: ServerCore, receiver: PathReceiver) {
    this.#core = core;
    this.receiver = receiver;
  }

  /** Refuses `ufrag` if another transport on this server routes by it. */
  reserve(ufrag: string): void {
    const owner = this.#core.byUfrag.get(ufrag);
    if (owner !== undefined && owner !== this) {
      throw argValueError('options.ufrag', 'a local ufrag no other transport on this server uses', ufrag);
    }
  }

  /** Routes STUN naming exactly `ufrags` to this peer from now on (an ICE restart added or retired one). */
  update(ufrags: readonly string[]): void {
    if (this.#detached) return;
    const byUfrag = this.#core.byUfrag;
    for (const ufrag of this.ufrags) {
      if (ufrags.includes(ufrag)) continue;
      this.ufrags.delete(ufrag);
      if (byUfrag.get(ufrag) === this) byUfrag.delete(ufrag);
    }
    for (const ufrag of ufrags) {
      if (this.ufrags.has(ufrag) || byUfrag.has(ufrag)) continue;
      this.ufrags.add(ufrag);
      byUfrag.set(ufrag, this);
    }
  }

  /**
   * `address`:`port` passed this peer's ICE check: once keyed, route its
   * media here too (natively unprotected), selected or not.
   */
  validatedSource(address: string, port: number): void {
    const session = this.#session;
    if (this.#detached || this.#core.closed || session === undefined || session.closed) return;
    const key = endpointKey(address, port);
    const remote = this.#remote;
    if (this.#candidates.has(key) || (remote !== undefined && endpointKey(remote.address, remote.port) === key)) return;
    const id = this.#core.socket.addRoute({ address, port }, session);
    if (id < 0) return;
    this.#candidates.set(key, id);
    this.#core.byRoute.set(id, this);
    this.#core.candidateRoutes.add(id);
    if (this.#candidates.size > MAX_CANDIDATE_ROUTES) {
      const [oldest] = this.#candidates.keys();
      this.#removeCandidate(oldest as string);
    }
  }

  /**
   * Media arrived on `route`: once it is the current one, the previous path
   * is no longer needed (retired after the batch: later datagrams of it may
   * carry the previous route still).
   */
  mediaOn(route: number): void {
    if (route === this.#route && this.#previousRoute >= 0) this.#core.retiring.add(this);
  }

  /** Removes the previous path's route (see {@link ServerPeer.mediaOn}). */
  retirePrevious(): void {
    this.#unroutePrevious();
  }

  get detached(): boolean {
    return this.#detached;
  }

  send(datagram: Buffer, remote: Required<TransportAddress>): void {
    this.#core.socket.send(datagram, remote);
  }

  sendMany(datagrams: readonly Uint8Array[], remote: Required<TransportAddress>): number {
    return this.#core.socket.sendBatch(datagrams, remote);
  }

  sendSrtpInPlace(
    rtcp: boolean,
    session: SrtpSession,
    buffer: Uint8Array,
    layout: Int32Array,
    remote: Required<TransportAddress>,
    results: Int32Array,
  ): number {
    const socket = this.#core.socket;
    return rtcp ? socket.sendRtcpBatch(session, buffer, layout, remote, results) : socket.sendRtpBatch(session, buffer, layout, remote, results);
  }

  select(remote: Required<TransportAddress>): void {
    if (this.#detached) return;
    // A candidate route of this source becomes the selected one as it is: media of
    // the batch being routed that the socket already tagged with it stays delivered.
    const promoted = this.#takeCandidate(endpointKey(remote.address, remote.port));
    const before = this.#remote;
    this.#remote = remote;
    // A move of a keyed path keeps the old route for what is still in flight on it.
    const moved = before !== undefined && this.#session !== undefined && (before.address !== remote.address || before.port !== remote.port);
    this.#reroute(moved, promoted);
  }

  keyed(session: SrtpSession | undefined): void {
    if (this.#detached) return;
    this.#session = session;
    for (const key of [...this.#candidates.keys()]) this.#removeCandidate(key);
    this.#reroute(false, -1);
  }

  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    for (const key of [...this.#candidates.keys()]) this.#removeCandidate(key);
    this.#unroutePrevious();
    this.#unroute();
    this.#core.remove(this);
  }

  /**
   * (Re)registers the native route of the selected path, with the session
   * once keyed; with `keepPrevious`, the current route becomes the previous
   * one; a `promoted` route (≥ 0, a candidate route of the selected source
   * with the current session) is taken as it is.
   */
  #reroute(keepPrevious: boolean, promoted: number): void {
    this.#unroutePrevious();
    if (keepPrevious && this.#route >= 0) {
      this.#previousRoute = this.#route;
      this.#route = -1;
    } else {
      this.#unroute();
    }
    const remote = this.#remote;
    if (promoted >= 0) {
      this.#route = promoted;
      return;
    }
    if (remote === undefined || this.#core.closed) return;
    const session = this.#session !== undefined && !this.#session.closed ? this.#session : undefined;
    const id = this.#core.socket.addRoute(remote, session);
    if (id < 0) {
      this.#core.routeConflicts++;
      return;
    }
    this.#route = id;
    this.#core.byRoute.set(id, this);
  }

  #unroute(): void {
    if (this.#route < 0) return;
    this.#core.byRoute.delete(this.#route);
    if (!this.#core.closed) this.#core.socket.removeRoute(this.#route);
    this.#route = -1;
  }

  /** Takes the candidate route of `key` out of the candidates (it stays registered); -1 if none. */
  #takeCandidate(key: string): number {
    const id = this.#candidates.get(key);
    if (id === undefined) return -1;
    this.#candidates.delete(key);
    this.#core.candidateRoutes.delete(id);
    return id;
  }

  #removeCandidate(key: string): void {
    const id = this.#candidates.get(key);
    if (id === undefined) return;
    this.#candidates.delete(key);
    this.#core.byRoute.delete(id);
    this.#core.candidateRoutes.delete(id);
    if (!this.#core.closed) this.#core.socket.removeRoute(id);
  }

  #unroutePrevious(): void {
    if (this.#previousRoute < 0) return;
    this.#core.byRoute.delete(this.#previousRoute);
    if (!this.#core.closed) this.#core.socket.removeRoute(this.#previousRoute);
    this.#previousRoute = -1;
  }
}

/** The state of a server, shared with its peers. */
class ServerCore {
  socket!: UdpSocket;
  closed = false;
  readonly peers = new Set<ServerPeer>();
  readonly byUfrag = new Map<string, ServerPeer>();
  readonly byRoute = new Map<number, ServerPeer>();
  readonly byValidated = new Map<string, ServerPeer>();
  /** Routes of validated, unselected sources: only their media goes by route, the rest as if unrouted. */
  readonly candidateRoutes = new Set<number>();
  /** Peers whose previous route goes once the batch being routed is done. */
  readonly retiring = new Set<ServerPeer>();
  unknownSource = 0;
  unknownUfrag = 0;
  routeConflicts = 0;

  attach(receiver: PathReceiver): ServerPeer {
    if (this.closed) throw new InvalidStateError('UDP server is closed');
    const peer = new ServerPeer(this, receiver);
    const ufrag = receiver.localUfrag;
    if (ufrag !== undefined) {
      if (this.byUfrag.has(ufrag)) {
        throw argValueError('options.iceLite', 'a local ufrag no other transport on this server uses', ufrag);
      }
      this.byUfrag.set(ufrag, peer);
      peer.ufrags.add(ufrag);
    }
    this.peers.add(peer);
    return peer;
  }

  remove(peer: ServerPeer): void {
    this.peers.delete(peer);
    for (const ufrag of peer.ufrags) if (this.byUfrag.get(ufrag) === peer) this.byUfrag.delete(ufrag);
    peer.ufrags.clear();
    for (const key of peer.validated) if (this.byValidated.get(key) === peer) this.byValidated.delete(key);
    peer.validated.clear();
  }

  /** Routes one received batch: media runs by route, the rest one datagram at a time. */
  onBatch(batch: UdpReceiveBatch): void {
    const count = batch.count;
    let i = 0;
    while (i < count && !this.closed) {
      const kind = batch.kind(i);
      if (kind === 'rtp' || kind === 'rtcp') {
        const route = batch.route(i);
        let end = i + 1;
        while (end < count && batch.route(end) === route && isMedia(batch.kind(end))) end++;
        const peer = this.byRoute.get(route);
        if (peer === undefined) this.unknownSource += end - i;
        else {
          peer.mediaOn(route);
          peer.receiver.receiveMedia(batch, i, end);
        }
        i = end;
        continue;
      }
      if (kind === 'routed' && !this.candidateRoutes.has(batch.route(i))) {
        const peer = this.byRoute.get(batch.route(i));
        if (peer === undefined) this.unknownSource++;
        else peer.receiver.receive(Buffer.from(batch.packet(i)), batch.address(i), batch.port(i), batch.family(i));
      } else {
        this.#unrouted(batch, i);
      }
      i++;
    }
    if (this.retiring.size === 0) return;
    for (const peer of this.retiring) peer.retirePrevious();
    this.retiring.clear();
  }

  /** A datagram from a source with no route: STUN goes by ufrag, the rest only to the transport that validated the source. */
  #unrouted(batch: UdpReceiveBatch, i: number): void {
    const packet = batch.packet(i);
    const address = batch.address(i);
    const port = batch.port(i);
    const family = batch.family(i);
    if (!isStunMessage(packet)) {
      const peer = this.byValidated.get(endpointKey(address, port));
      if (peer === undefined) {
        this.unknownSource++;
        if (debugEnabled) debugDrop('unknown-source', address, port);
      } else peer.receiver.receive(Buffer.from(packet), address, port, family);
      return;
    }
    const username = parseStunMessage(packet)?.username;
    const colon = username === undefined ? -1 : username.indexOf(':');
    const peer = colon < 0 ? undefined : this.byUfrag.get((username as string).slice(0, colon));
    if (peer === undefined) {
      this.unknownUfrag++;
      if (debugEnabled) debugDrop('unknown-ufrag', address, port);
      return;
    }
    peer.receiver.receive(Buffer.from(packet), address, port, family);
    if (peer.detached || !peer.receiver.isValidated(address, port, family)) return;
    // This source passed the peer's check: its DTLS may arrive before the nomination, its media too.
    const key = endpointKey(address, port);
    if (!this.byValidated.has(key)) {
      this.byValidated.set(key, peer);
      peer.validated.add(key);
    }
    peer.validatedSource(address, port);
  }
}

function isMedia(kind: string): boolean {
  return kind === 'rtp' || kind === 'rtcp';
}

let coreOf: (server: UdpServer) => ServerCore | undefined;

/**
 * One UDP port shared by any number of {@link DtlsSrtpTransport}s (or used
 * by one alone): pass it as the transport's `server` option. It owns one
 * {@link UdpSocket} (native on Linux) and routes what arrives:
 *
 * - from a transport's selected path: SRTP and SRTCP are unprotected natively
 *   in place and handed to that transport in runs (its `rtp`/`rtcp` and
 *   `mediabatch` events); STUN and DTLS go to it as datagrams;
 * - before a path is selected: a STUN binding request goes to the transport
 *   whose local ICE username fragment opens its USERNAME
 *   (`localUfrag:remoteUfrag`; during an ICE restart either of its two); once
 *   the request passed that transport's check, the source's DTLS reaches it
 *   too (browsers send their ClientHello before the nominating check), and
 *   once keyed its SRTP, unprotected natively (browsers send media on a
 *   validated pair before nominating it);
 * - after the selected path moved: the old path's media until media arrives
 *   on the new one (what was in flight is not lost);
 * - anything else (an unknown or spoofed source, a wrong ufrag) is dropped
 *   and counted in {@link UdpServer.getStats}.
 *
 * A transport registers when it is created and unregisters when it closes.
 * Closing the server closes the transports on it. A server belongs to the
 * thread that created it.
 * @example
 * ```ts
 * const server = await UdpServer.bind({ type: 'udp4', address: '0.0.0.0', port: 40000 });
 * const transport = new DtlsSrtpTransport({ certificate, role: 'server', server, iceLite: { remoteUfrag } });
 * transport.on('mediabatch', (batch, start, end) => { for (let i = start; i < end; i++) route(batch.ssrc(i)); });
 * ```
 */
export class UdpServer implements Disposable {
  readonly #core: ServerCore;

  static {
    coreOf = (server) => (typeof server === 'object' && server !== null && #core in server ? server.#core : undefined);
  }

  private constructor(core: ServerCore) {
    this.#core = core;
  }

  /**
   * Binds the server's socket.
   * @param options - family, local address and port, batching; see {@link UdpServerOptions}
   * @returns the bound server (read the port from {@link UdpServer.address})
   * @throws {TypeError} `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a wrong option
   * @throws {RangeError} `ERR_OUT_OF_RANGE` for a port, size or count outside its range
   * @throws {UdpError} `ERR_UDP_BIND` when the system refuses the socket or the bind
   * @example
   * ```ts
   * const server = await UdpServer.bind({ type: 'udp6', address: '::', port: 40000 });
   * ```
   */
  static async bind(options: UdpServerOptions): Promise<UdpServer> {
    checkObject(options, 'options');
    const core = new ServerCore();
    core.socket = await UdpSocket.bind({
      ...options,
      onBatch: (batch) => {
        core.onBatch(batch);
      },
    });
    return new UdpServer(core);
  }

  /** `'native'` or `'dgram'`: which implementation the socket runs on. */
  get path(): UdpSocketPath {
    return this.#core.socket.path;
  }

  /** The socket's family. */
  get type(): UdpSocketType {
    return this.#core.socket.type;
  }

  /** `true` once {@link UdpServer.close} ran. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * The bound local address and port (for the ICE candidates of the SDP).
   * @returns `{ address, family, port }`
   * @throws {InvalidStateError} `ERR_INVALID_STATE` after close
   * @example
   * ```ts
   * const { port } = server.address();
   * ```
   */
  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } {
    return this.#core.socket.address();
  }

  /**
   * Reads the counters (they stay readable after close).
   * @returns a snapshot of {@link UdpServerStats}
   * @example
   * ```ts
   * const { unknownSource, unknownUfrag } = server.getStats();
   * ```
   */
  getStats(): UdpServerStats {
    const core = this.#core;
    return {
      transports: core.peers.size,
      unknownSource: core.unknownSource,
      unknownUfrag: core.unknownUfrag,
      routeConflicts: core.routeConflicts,
      socket: core.socket.getStats(),
    };
  }

  /**
   * Lets the process exit while the server is open.
   * @example
   * ```ts
   * server.unref();
   * ```
   */
  unref(): void {
    this.#core.socket.unref();
  }

  /**
   * Keeps the process alive while the server is open (the default).
   * @example
   * ```ts
   * server.ref();
   * ```
   */
  ref(): void {
    this.#core.socket.ref();
  }

  /**
   * Closes every transport on the server (each sends its close_notify), then
   * the socket; nothing more is delivered, datagrams still queued are
   * dropped. Safe to call twice, and from a transport's event listener.
   * @example
   * ```ts
   * server.close();
   * ```
   */
  close(): void {
    const core = this.#core;
    if (core.closed) return;
    for (const peer of [...core.peers]) peer.receiver.pathClosed();
    core.closed = true;
    core.byRoute.clear();
    core.byUfrag.clear();
    core.byValidated.clear();
    core.candidateRoutes.clear();
    core.peers.clear();
    core.socket.close();
  }

  /**
   * Same as {@link UdpServer.close}, for `using`.
   * @example
   * ```ts
   * { using server = await UdpServer.bind(options); } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** @internal Whether `value` is a {@link UdpServer}. */
export function isUdpServer(value: unknown): value is UdpServer {
  return coreOf(value as UdpServer) !== undefined;
}

/**
 * @internal The ufrag routing of a transport's path when that path is a
 * {@link UdpServer} (an ICE restart registers its new ufrag there), else `undefined`.
 */
export function ufragRoutingOf(path: PathAdapter): IceUfragRouting | undefined {
  return path instanceof ServerPeer ? path : undefined;
}

/** @internal Registers a transport on `server`; the returned adapter is its path. */
export function attachToServer(server: UdpServer, receiver: PathReceiver): PathAdapter {
  const core = coreOf(server);
  if (core === undefined) throw new InvalidStateError('Not a UdpServer');
  return core.attach(receiver);
}
