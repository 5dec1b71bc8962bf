// SPDX-License-Identifier: MIT
/**
 * Property: any value in any argument position (or option field) of any
 * public entry point gives a valid result or an Error with a string `code` —
 * thrown, or as a rejection for a promise — never a code-less error, never a
 * crash. Arbitrary values are fast-check's `anything()` (boxed values, null
 * prototypes, sparse arrays, typed arrays, BigInt, ...) plus byte look-alikes:
 * detached views, Proxies of typed arrays, objects inheriting from
 * `Uint8Array.prototype`.
 *
 * The seed is fixed so that a run is reproducible; set FAST_CHECK_SEED to
 * explore other inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detachedBytes, dispose, drain, entries, makeLive, place, type Entry } from '../fixtures/api-surface.js';

const seed = Number(process.env['FAST_CHECK_SEED'] ?? 20260430);
const NUM_RUNS = 60;

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable(new Uint8Array(4), {});
  revoke();
  return proxy;
}

/** Values fast-check cannot hold itself (it inspects what it generates): made in the property body. */
const EXOTIC: readonly [string, () => unknown][] = [
  ['detached Uint8Array', detachedBytes],
  ['Proxy of a Uint8Array', () => new Proxy(new Uint8Array(16), {})],
  ['Object.create(Uint8Array.prototype)', () => Object.create(Uint8Array.prototype) as unknown],
  ['revoked Proxy', revoked],
  ['Uint8Array on a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(16))],
  ['DataView', () => new DataView(new ArrayBuffer(8))],
  ['ArrayBuffer', () => new ArrayBuffer(8)],
];
class Exotic {
  constructor(readonly index: number) {}
  [fc.toStringMethod](): string {
    return `<${EXOTIC[this.index]![0]}>`;
  }
}
function materialize(value: unknown): unknown {
  return value instanceof Exotic ? EXOTIC[value.index]![1]() : value;
}

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withDate: true,
    }),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => (a.length % 2 === 0 ? Buffer.from(a) : a)) },
  { weight: 1, arbitrary: fc.int32Array({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.nat({ max: EXOTIC.length - 1 }).map((i) => new Exotic(i)) },
);

function codeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs one call: a result, or an error with a code; anything else fails the property. */
async function check(entry: Entry, args: unknown[]): Promise<void> {
  let result: unknown;
  try {
    result = entry.call(args);
    if (result instanceof Promise) result = await result;
  } catch (err) {
    if (codeOf(err) === undefined) {
      assert.fail(`${entry.name} threw without a code: ${err instanceof Error ? `${err.name}: ${err.message}` : typeof err}`);
    }
    return;
  }
  dispose(result);
}

test('arbitrary values into every public entry point: a result or an error with a code', async (t) => {
  const live = await makeLive();
  t.after(() => {
    live.close();
  });
  let calls = 0;
  for (const entry of entries(live)) {
    const slots = Math.max(entry.args().length, 1);
    // Every argument arbitrary.
    await fc.assert(
      fc.asyncProperty(fc.array(anyValue, { maxLength: slots + 1 }), async (args) => {
        calls++;
        await check(entry, args.map(materialize));
      }),
      { seed, numRuns: NUM_RUNS },
    );
    // Valid arguments with one position or option field arbitrary, which reaches the deeper checks.
    if (entry.positions.length > 0) {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: entry.positions.length - 1 }), anyValue, async (i, value) => {
          calls++;
          await check(entry, place(entry.args(), entry.positions[i]!, materialize(value)));
        }),
        { seed, numRuns: NUM_RUNS },
      );
    }
  }
  await drain();
  t.diagnostic(`calls: ${calls}, seed: ${seed}`);
});
