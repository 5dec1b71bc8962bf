// SPDX-License-Identifier: MIT
/**
 * Bounded slices of DTLS handshake work per event-loop turn, so that a storm
 * of handshakes (a thousand peers joining at once) never stalls the loop.
 *
 * A handshake step that receives a flight costs a few hundred microseconds of
 * OpenSSL (ECDHE, ECDSA sign or verify). With one `dgram` socket per peer,
 * one poll phase delivers a datagram from every peer that sent one, and
 * running every step there blocks the loop for all of them together. Here
 * each thread (each worker has its own module instance) has one budget of
 * handshake time per loop turn. While it lasts, a datagram is processed at
 * once, as before; beyond it, the datagram waits in its transport's queue
 * (bounded; overflow dropped and counted, as on a lossy path) and the queues
 * are drained round-robin, one datagram per transport per round, from
 * `setImmediate` — the check phase, after the turn's other I/O (media of
 * connected transports) and before the next turn's timers.
 *
 * Only handshake work goes through this: a transport with an empty queue
 * processes datagrams after its handshake inline, and SRTP never comes here.
 * @packageDocumentation
 */

/** Datagrams one transport may have waiting. */
export const MAX_QUEUED_DATAGRAMS = 32;
/** Bytes one transport may have waiting. */
export const MAX_QUEUED_BYTES = 64 * 1024;
/** Bytes all the transports of this thread may have waiting together. */
export const MAX_QUEUED_BYTES_TOTAL = 32 * 1024 * 1024;
/** Handshake work per loop turn, in milliseconds, unless configured. */
export const DEFAULT_BUDGET_MS = 5;
/**
 * Transports whose handshake work in one loop turn always runs at once,
 * whatever the time: a handful of handshakes cannot stall the loop for long,
 * and a caller that pumps a pair of transports synchronously (tests, an
 * in-memory link) keeps seeing every datagram processed when `receive()`
 * returns. Only a storm — more transports than this in one turn and the
 * budget spent — waits.
 */
export const DEFAULT_INLINE_TRANSPORTS = 8;

/**
 * The datagrams one transport has waiting, in arrival order. Its owner
 * processes each one it gets back through `run`; `clear()` (on close) drops
 * them and guarantees `run` is never called again for them.
 */
export class HandshakeQueue {
  readonly #scheduler: HandshakeScheduler;
  readonly #run: (datagram: Buffer) => void;
  #items: Buffer[] = [];
  #head = 0;
  #bytes = 0;
  /** The scheduler turn in which this transport last did handshake work. */
  turn = -1;
  /** Datagrams dropped because a bound was reached. */
  overflow = 0;

  constructor(scheduler: HandshakeScheduler, run: (datagram: Buffer) => void) {
    this.#scheduler = scheduler;
    this.#run = run;
  }

  /** Datagrams waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Decides for one handshake datagram: `true` when the caller may process it
   * now; `false` when it was queued (copied) or dropped (counted in
   * `overflow`). A datagram never overtakes one already waiting.
   */
  admit(datagram: Uint8Array): boolean {
    if (this.length === 0 && this.#scheduler.admits(this)) return true;
    this.push(Buffer.from(datagram));
    return false;
  }

  /** Queues a datagram the caller owns (not copied), behind any waiting. */
  push(datagram: Buffer): void {
    if (
      this.length >= MAX_QUEUED_DATAGRAMS ||
      this.#bytes + datagram.length > MAX_QUEUED_BYTES ||
      !this.#scheduler.reserve(datagram.length)
    ) {
      this.overflow++;
      return;
    }
    this.#items.push(datagram);
    this.#bytes += datagram.length;
    this.#scheduler.ready(this);
  }

  /** Drops everything waiting; `run` is not called for it. */
  clear(): void {
    this.#scheduler.release(this.#bytes);
    this.#scheduler.forget(this);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /** Scheduler only: processes the oldest datagram; `true` if more wait. */
  runOne(): boolean {
    const datagram = this.#items[this.#head];
    if (datagram === undefined) return false;
    this.#items[this.#head++] = EMPTY;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    this.#bytes -= datagram.length;
    this.#scheduler.release(datagram.length);
    this.#run(datagram);
    return this.length > 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** Counters of the scheduler of this thread (for tests and diagnostics). */
export interface HandshakeSchedulerStats {
  /** Transports with datagrams waiting. */
  readonly queuedTransports: number;
  /** Bytes waiting, all transports together. */
  readonly queuedBytes: number;
  /** Datagrams processed from a queue (not inline). */
  readonly deferred: number;
  /** `setImmediate` drains run. */
  readonly drains: number;
}

/** One per thread; see the module comment. */
export class HandshakeScheduler {
  #budgetMs = DEFAULT_BUDGET_MS;
  #inlineTransports = DEFAULT_INLINE_TRANSPORTS;
  /** Counts drains: handshake work between two drains is one turn. */
  #turn = 0;
  /** Transports that did handshake work in this turn. */
  #active = 0;
  /** Handshake time spent since the last drain started. */
  #spentMs = 0;
  #immediate: NodeJS.Immediate | undefined;
  /** Insertion order is the round-robin order. */
  #ready = new Set<HandshakeQueue>();
  #queuedBytes = 0;
  #deferred = 0;
  #drains = 0;

  /**
   * Whether `queue`'s transport may run a handshake step now: among the
   * first transports of this turn, or while the turn's budget lasts.
   */
  admits(queue: HandshakeQueue): boolean {
    if (queue.turn !== this.#turn) {
      queue.turn = this.#turn;
      this.#active++;
    }
    return this.#active <= this.#inlineTransports || this.#spentMs < this.#budgetMs;
  }

  /**
   * Sets the handshake time per loop turn and the number of transports per
   * turn that run at once regardless (see {@link DEFAULT_INLINE_TRANSPORTS}).
   * `{ budgetMs: 0, inlineTransports: 0 }` defers every handshake datagram
   * to a drain and each drain processes exactly one (tests use it for a
   * deterministic order); `{ budgetMs: Infinity }` turns scheduling off.
   */
  configure(options: { budgetMs?: number; inlineTransports?: number }): void {
    if (options.budgetMs !== undefined) this.#budgetMs = options.budgetMs;
    if (options.inlineTransports !== undefined) this.#inlineTransports = options.inlineTransports;
  }

  /** Runs one handshake step now and charges its time to this turn. */
  measure<T>(step: () => T): T {
    const t0 = performance.now();
    try {
      return step();
    } finally {
      this.#spentMs += performance.now() - t0;
      this.#schedule();
    }
  }

  stats(): HandshakeSchedulerStats {
    return {
      queuedTransports: this.#ready.size,
      queuedBytes: this.#queuedBytes,
      deferred: this.#deferred,
      drains: this.#drains,
    };
  }

  /** @internal */
  reserve(bytes: number): boolean {
    if (this.#queuedBytes + bytes > MAX_QUEUED_BYTES_TOTAL) return false;
    this.#queuedBytes += bytes;
    return true;
  }

  /** @internal */
  release(bytes: number): void {
    this.#queuedBytes -= bytes;
  }

  /** @internal */
  ready(queue: HandshakeQueue): void {
    this.#ready.add(queue);
    this.#schedule();
  }

  /** @internal */
  forget(queue: HandshakeQueue): void {
    this.#ready.delete(queue);
  }

  /** One immediate at a time: it ends the turn's accounting and drains. */
  #schedule(): void {
    if (this.#immediate === undefined) this.#immediate = setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#immediate = undefined;
    this.#spentMs = 0;
    this.#turn++;
    this.#active = 0;
    this.#drains++;
    const t0 = performance.now();
    let ran = false;
    // Round-robin: one datagram per waiting transport per round (a queue
    // that still has some goes to the back), until the budget is spent; at
    // least one datagram per drain, so a zero budget still makes progress.
    while (this.#ready.size > 0 && (!ran || this.#spentMs < this.#budgetMs)) {
      for (const queue of this.#ready) {
        this.#ready.delete(queue);
        let more = false;
        try {
          more = queue.runOne();
        } finally {
          this.#deferred++;
          ran = true;
          // Back of the round, unless it was cleared (closed) meanwhile.
          if (more && queue.length > 0) this.#ready.add(queue);
          this.#spentMs = performance.now() - t0;
        }
        if (this.#spentMs >= this.#budgetMs) break;
      }
    }
    // While datagrams wait, the time spent here counts against the next
    // poll phase too (its handshake datagrams queue behind these).
    if (this.#ready.size > 0) this.#schedule();
    else this.#spentMs = 0;
  };
}

/** The scheduler of this thread. */
export const handshakeScheduler = new HandshakeScheduler();
