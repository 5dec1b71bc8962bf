// SPDX-License-Identifier: MIT
// What every JavaScript fuzz target (test/fuzz/js/*.fuzz.ts) exports, and the
// one rule for exceptions. A target function throws only for a finding.

/** A fuzz target: feeds `data` to the code under test; throws on a finding. */
export interface FuzzTarget {
  /** Runs one input. */
  fuzz(data: Buffer): void;
  /** Tokens the mutator may insert (keywords of the format). */
  readonly dictionary: readonly string[];
}

/**
 * Runs `fn`; an error with a string `code` (a typed rejection such as
 * `ERR_SDP_PARSE`) is an expected answer to bad input and is swallowed,
 * anything else propagates as a finding.
 */
export function expectTyped(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') return false;
    throw error;
  }
}

/** Throws a finding unless `condition` holds. */
export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`Invariant violated: ${what}`);
}
