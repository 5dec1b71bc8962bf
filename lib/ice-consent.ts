// SPDX-License-Identifier: MIT
/**
 * ICE consent freshness (RFC 7675): a clock that every authenticated check
 * from the selected path restarts and that fires once when none came in time.
 * @packageDocumentation
 */

/**
 * The consent clock of one transport. `refresh()` on each authenticated check
 * from the selected address (RFC 7675 §5.1) restarts it; when `timeoutMs`
 * pass without one, `onExpired` runs once. `stop()` disarms it. A timeout of
 * 0 disables consent: `refresh()` then does nothing. The timer is unref'd, so
 * a forgotten transport never keeps the process alive. Internal: not exported
 * from the package.
 * @example
 * const consent = new IceConsent(30_000, () => transport.end('consent expired'));
 * consent.refresh(); // on every authenticated check from the selected address
 * consent.stop();    // on close
 */
export class IceConsent {
  readonly #timeoutMs: number;
  readonly #onExpired: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param timeoutMs - Validated by the caller: 0 (disabled) or a positive number of ms.
   * @param onExpired - Called once per expiry, from the timer.
   */
  constructor(timeoutMs: number, onExpired: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onExpired = onExpired;
  }

  /** The timeout in ms; 0 when consent is disabled. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** `true` while the clock runs (refreshed, and neither expired nor stopped since). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** (Re)starts the clock with the full timeout; does nothing when consent is disabled. */
  refresh(): void {
    if (this.#timeoutMs === 0) return;
    this.stop();
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onExpired();
    }, this.#timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  /** Disarms the clock; safe to call at any time and more than once. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
