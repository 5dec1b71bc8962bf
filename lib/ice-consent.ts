// SPDX-License-Identifier: MIT
/**
 * ICE consent freshness (RFC 7675): a clock that every authenticated check
 * from the selected path restarts, that reports the path quiet after a
 * shorter delay and expired when none came in time.
 * @packageDocumentation
 */

/**
 * How often real peers send consent checks on a selected pair, measured:
 * Chromium 156 every 2.66 s, libdatachannel every 4.2 to 5.8 s (RFC 7675
 * §5.1 asks for 4 to 6 s, randomised). A consent timeout must leave room for
 * a few lost checks of the slowest of them: below this, a healthy session
 * fails. Internal.
 */
export const MIN_CONSENT_TIMEOUT_MS = 10_000;
/** Default consent timeout (RFC 7675 §5.1: 30 s). */
export const DEFAULT_CONSENT_TIMEOUT_MS = 30_000;
/**
 * Default delay before a quiet path is reported `disconnected`: longer than
 * the longest gap a real peer leaves between two checks (libdatachannel's
 * 5.8 s), so a healthy session never flaps; about three missed Chromium checks.
 */
export const DEFAULT_DISCONNECTED_TIMEOUT_MS = 8_000;
/** The shortest `disconnected` delay accepted: a healthy libdatachannel peer leaves gaps of up to 5.8 s. */
export const MIN_DISCONNECTED_TIMEOUT_MS = 6_000;

/** The second, earlier threshold of an {@link IceConsent}: the path went quiet. */
export interface IceConsentQuiet {
  /** ms without a refresh before `onQuiet` runs; 0 disables. */
  readonly timeoutMs: number;
  /** Called once per quiet spell, from the timer; the next `refresh()` ends the spell. */
  readonly onQuiet: () => void;
}

/**
 * The consent clock of one transport. `refresh()` on each authenticated check
 * from the selected address (RFC 7675 §5.1) restarts it; when `timeoutMs`
 * pass without one, `onExpired` runs once. With a `quiet` threshold, its
 * `onQuiet` runs once when that shorter delay passed without a check (the
 * ICE `disconnected` state); the next `refresh()` starts over. `stop()`
 * disarms it. A timeout of 0 disables that threshold: with both 0,
 * `refresh()` does nothing. The timers are unref'd, so a forgotten transport
 * never keeps the process alive. Internal: not exported from the package.
 * @example
 * const consent = new IceConsent(30_000, () => transport.end('consent expired'),
 *   { timeoutMs: 8000, onQuiet: () => setIceState('disconnected') });
 * consent.refresh(); // on every authenticated check from the selected address
 * consent.stop();    // on close
 */
export class IceConsent {
  readonly #timeoutMs: number;
  readonly #onExpired: () => void;
  readonly #quiet: IceConsentQuiet | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param timeoutMs - Validated by the caller: 0 (disabled) or a positive number of ms.
   * @param onExpired - Called once per expiry, from the timer.
   * @param quiet - An optional earlier threshold (validated by the caller).
   */
  constructor(timeoutMs: number, onExpired: () => void, quiet?: IceConsentQuiet) {
    this.#timeoutMs = timeoutMs;
    this.#onExpired = onExpired;
    this.#quiet = quiet !== undefined && quiet.timeoutMs > 0 ? quiet : undefined;
  }

  /** The timeout in ms; 0 when consent is disabled. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** The quiet (`disconnected`) delay in ms; 0 when there is none. */
  get quietTimeoutMs(): number {
    return this.#quiet?.timeoutMs ?? 0;
  }

  /** `true` while the expiry clock runs (refreshed, and neither expired nor stopped since). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** (Re)starts the clocks with their full timeouts; does nothing for a disabled one. */
  refresh(): void {
    this.stop();
    if (this.#timeoutMs !== 0) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        this.#onExpired();
      }, this.#timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      this.#timer = timer;
    }
    const quiet = this.#quiet;
    if (quiet !== undefined) {
      const timer = setTimeout(() => {
        this.#quietTimer = undefined;
        quiet.onQuiet();
      }, quiet.timeoutMs);
      (timer as { unref?: () => void }).unref?.();
      this.#quietTimer = timer;
    }
  }

  /** Disarms the clocks; safe to call at any time and more than once. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#quietTimer !== undefined) clearTimeout(this.#quietTimer);
    this.#timer = undefined;
    this.#quietTimer = undefined;
  }
}
