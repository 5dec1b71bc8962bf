// SPDX-License-Identifier: MIT
/**
 * The receive side of a DTLS restart (RFC 8842) on a live transport: the
 * previous association's SRTP keys and the new one's side by side for a
 * bounded time, a bounded hold for packets under keys that do not exist
 * yet, the `a=tls-id` helpers and the ClientHello test. The DTLS side (the
 * new association, the switch of outbound keys) is
 * {@link DtlsSrtpTransport.restartDtls}.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DtlsRestartStats } from './dtls-srtp-types.js';
import type { SrtpSession } from './srtp-session.js';
import { argValueError, checkString } from './validate.js';

/** Default `restartGraceMs`. */
export const DEFAULT_RESTART_GRACE_MS = 5000;
/** Bounds of the hold for packets under keys not derived yet: count, bytes, age. */
export const MAX_HELD_PACKETS = 128;
export const MAX_HELD_BYTES = 192 * 1024;
export const MAX_HELD_AGE_MS = 3000;

/** `unprotect()` kept the packet for later (the new keys do not exist yet). */
export const HELD = -0x10000;

const TLS_ID = /^[A-Za-z0-9+/_-]{20,255}$/;

/**
 * A new random `a=tls-id` value (RFC 8842 §4: at least 120 bits of
 * randomness; 24 base64 characters carry 144).
 * @returns 24 characters of `[A-Za-z0-9+/]`.
 */
export function newTlsId(): string {
  return randomBytes(18).toString('base64');
}

/**
 * Checks an `a=tls-id` value (RFC 8842 §4: 20 to 255 of `A-Z a-z 0-9 + / - _`).
 * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE otherwise.
 */
export function checkTlsId(value: unknown, name: string): string {
  checkString(value, name);
  if (!TLS_ID.test(value)) throw argValueError(name, 'an a=tls-id value (20 to 255 of A-Z a-z 0-9 + / - _)', value);
  return value;
}

/**
 * Whether a DTLS datagram begins with a ClientHello: a handshake record
 * (content type 22) of epoch 0 whose first message has type 1. A connected
 * association never needs one (no renegotiation); a peer that restarted
 * sends it.
 */
export function isClientHello(datagram: Uint8Array): boolean {
  return datagram.length > 13 && datagram[0] === 22 && datagram[3] === 0 && datagram[4] === 0 && datagram[13] === 1;
}

/** A fresh set of restart counters. */
export function emptyRestartStats(): DtlsRestartStats {
  return {
    started: 0,
    completed: 0,
    failed: 0,
    unchanged: 0,
    previousKeyPackets: 0,
    currentKeyPackets: 0,
    held: 0,
    replayed: 0,
    heldDropped: 0,
    unexpectedClientHellos: 0,
    previousKeysRetired: 0,
  };
}

interface HeldPacket {
  readonly packet: Buffer;
  readonly rtcp: boolean;
  readonly at: number;
  /** Where it came from (for a `mediabatch` run when it is replayed). */
  readonly address: string;
  readonly port: number;
  readonly family: string;
}

/** Gets a packet a restart window decrypted, with its source as given to {@link RestartKeys.unprotect}. */
export type RestartDeliver = (packet: Buffer, rtcp: boolean, address: string, port: number, family: string) => void;

/**
 * The inbound keys while a restart is open: `previous` (the association
 * that was live when the restart began) until it is retired, and `current`
 * (the new association's) once it is keyed. Lives in TypeScript on every
 * path: a transport on a `UdpServer` unregisters its native session for the
 * window, so the native loop never tries (and, with AEAD, never alters) a
 * packet under one context that belongs to the other.
 */
export class RestartKeys {
  /** The previous association's session (closed by the owner when retired). */
  previous: SrtpSession | undefined;
  /** The new association's session, once keyed. */
  current: SrtpSession | undefined;
  /** Hold packets no context authenticates (the new association is still in its handshake). */
  holding = true;
  /** The last successful `unprotect()` used `current`. */
  lastWasCurrent = false;
  #held: HeldPacket[] = [];
  #heldBytes = 0;
  readonly #stats: DtlsRestartStats;
  /** Called the first time a packet authenticates under `current`. */
  readonly #onCurrentProven: () => void;
  #proven = false;

  constructor(previous: SrtpSession, stats: DtlsRestartStats, onCurrentProven: () => void) {
    this.previous = previous;
    this.#stats = stats;
    this.#onCurrentProven = onCurrentProven;
  }

  /**
   * Unprotects `msg` in place under `current`, then `previous`, each on the
   * original bytes (libsrtp's AEAD decrypt writes the buffer before its tag
   * check fails). The source is kept with a held packet.
   * @returns The plain length; {@link HELD} if the packet was kept for the new keys; else the
   *   negative result code of the first context that refused it.
   */
  unprotect(msg: Buffer, rtcp: boolean, address = '', port = 0, family = ''): number {
    const original = Buffer.from(msg);
    let first = 0;
    const current = this.current;
    if (current !== undefined && !current.closed) {
      const n = rtcp ? current.unprotectRtcpInPlace(msg, msg.length) : current.unprotectRtpInPlace(msg, msg.length);
      if (n >= 0) {
        this.#stats.currentKeyPackets++;
        this.lastWasCurrent = true;
        this.#proved();
        return n;
      }
      first = n;
      original.copy(msg);
    }
    const previous = this.previous;
    if (previous !== undefined && !previous.closed) {
      const n = rtcp ? previous.unprotectRtcpInPlace(msg, msg.length) : previous.unprotectRtpInPlace(msg, msg.length);
      if (n >= 0) {
        this.#stats.previousKeyPackets++;
        this.lastWasCurrent = false;
        return n;
      }
      if (first === 0) first = n;
      original.copy(msg);
    }
    if (this.holding && this.current === undefined) {
      this.#hold(original, rtcp, address, port, family);
      return HELD;
    }
    return first;
  }

  /**
   * The new keys exist: every held packet still young enough is tried under
   * them and handed to `deliver` (with its source) if it authenticates, in arrival order.
   */
  replay(current: SrtpSession, deliver: RestartDeliver): void {
    this.current = current;
    this.holding = false;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    const now = performance.now();
    for (const h of held) {
      if (now - h.at > MAX_HELD_AGE_MS || current.closed) {
        this.#stats.heldDropped++;
        continue;
      }
      const n = h.rtcp ? current.unprotectRtcpInPlace(h.packet, h.packet.length) : current.unprotectRtpInPlace(h.packet, h.packet.length);
      if (n < 0) {
        this.#stats.heldDropped++;
        continue;
      }
      this.#stats.replayed++;
      this.#stats.currentKeyPackets++;
      this.#proved();
      deliver(h.packet.subarray(0, n), h.rtcp, h.address, h.port, h.family);
    }
  }

  /** Stops holding (the restart failed or ended): what is held is dropped and counted. */
  dropHeld(): void {
    this.holding = false;
    this.#stats.heldDropped += this.#held.length;
    this.#held = [];
    this.#heldBytes = 0;
  }

  #hold(packet: Buffer, rtcp: boolean, address: string, port: number, family: string): void {
    const now = performance.now();
    // Oldest first: drop what aged out, then make room within the count and byte bounds.
    while (this.#held.length > 0 && now - (this.#held[0] as HeldPacket).at > MAX_HELD_AGE_MS) this.#shift();
    if (packet.length > MAX_HELD_BYTES) {
      this.#stats.heldDropped++;
      return;
    }
    while (this.#held.length >= MAX_HELD_PACKETS || this.#heldBytes + packet.length > MAX_HELD_BYTES) this.#shift();
    this.#held.push({ packet, rtcp, at: now, address, port, family });
    this.#heldBytes += packet.length;
    this.#stats.held++;
  }

  #shift(): void {
    const h = this.#held.shift();
    if (h === undefined) return;
    this.#heldBytes -= h.packet.length;
    this.#stats.heldDropped++;
  }

  #proved(): void {
    if (this.#proven) return;
    this.#proven = true;
    this.#onCurrentProven();
  }
}
