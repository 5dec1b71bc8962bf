// SPDX-License-Identifier: MIT
/**
 * The argument-error builder and the byte check (lib/validate.ts): the builder
 * never throws and never runs user code, whatever it describes; bytes are a
 * real, attached Uint8Array and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argTypeError,
  argValueError,
  checkBytes,
  checkObject,
  describe,
  isBytes,
  outOfRangeError,
} from '../../lib/validate.js';
import { detachedBytes } from '../fixtures/api-surface.js';

/** Values whose description must not run code of theirs; `calls` counts any that did. */
function hostile(): { values: [string, unknown][]; calls: () => number } {
  let calls = 0;
  const trap = (): never => {
    calls++;
    throw new Error('user code ran');
  };
  const traps: ProxyHandler<object> = { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap };
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  class Sneaky {
    readonly field = 1;
    static get name(): string {
      return trap();
    }
  }
  const withGetterCtor = Object.create({
    get constructor(): unknown {
      return trap();
    },
  }) as object;
  return {
    calls: () => calls,
    values: [
      ['Proxy with throwing traps', new Proxy({}, traps)],
      ['Proxy of a function with throwing traps', new Proxy(() => {}, traps)],
      ['Proxy of a Uint8Array', new Proxy(new Uint8Array(4), traps)],
      ['revoked Proxy', revoked],
      ['object whose prototype is a trapping Proxy', Object.create(new Proxy({}, traps)) as object],
      ['throwing toString and Symbol.toPrimitive', { toString: trap, valueOf: trap, [Symbol.toPrimitive]: trap }],
      ['instance of a class with a throwing name getter', new Sneaky()],
      ['constructor getter that throws', withGetterCtor],
      ['null prototype', Object.create(null) as object],
      ['symbol', Symbol('x'.repeat(100))],
      ['BigInt', 2n ** 70n],
      ['long string', 'y'.repeat(1000)],
      ['detached Uint8Array', detachedBytes()],
      ['Object.create(Uint8Array.prototype)', Object.create(Uint8Array.prototype) as object],
      ['Buffer', Buffer.alloc(3)],
      ['function', function named() {}],
      ['array', [1, 2, 3]],
    ],
  };
}

test('describe and the three error builders never throw and never run user code', () => {
  const { values, calls } = hostile();
  for (const [label, value] of values) {
    const text = describe(value);
    assert.equal(typeof text, 'string', label);
    assert.ok(text.length < 120, `${label}: ${text}`);
    for (const [make, name, code] of [
      [argTypeError, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [argValueError, 'TypeError', 'ERR_INVALID_ARG_VALUE'],
      [outOfRangeError, 'RangeError', 'ERR_OUT_OF_RANGE'],
    ] as const) {
      const err = make('arg', 'something', value);
      assert.equal(err.name, name, label);
      assert.equal((err as { code?: unknown }).code, code, label);
      assert.match(err.message, /^Expected arg to be something but received /, label);
    }
  }
  assert.equal(calls(), 0);
});

test('describe says what arrived', () => {
  assert.equal(describe(null), 'null');
  assert.equal(describe(undefined), 'undefined');
  assert.equal(describe(NaN), 'NaN');
  assert.equal(describe(5n), '5n');
  assert.equal(describe('abc'), "'abc'");
  assert.equal(describe(Buffer.alloc(3)), 'Uint8Array of 3 bytes');
  assert.equal(describe(detachedBytes()), 'a detached Uint8Array');
  assert.equal(describe(new Proxy(new Uint8Array(2), {})), 'a Proxy');
  assert.equal(describe(Object.create(Uint8Array.prototype)), 'an object that inherits from a typed array but is none');
  assert.equal(describe(new Map()), 'an instance of Map');
  assert.equal(describe({}), 'an object');
});

test('isBytes: real, attached Uint8Arrays only', () => {
  assert.equal(isBytes(Buffer.alloc(0)), true);
  assert.equal(isBytes(new Uint8Array(0)), true);
  assert.equal(isBytes(Buffer.from('pooled').subarray(2)), true);
  assert.equal(isBytes(new Uint8Array(new SharedArrayBuffer(0))), true);
  assert.equal(isBytes(new Uint8Array(new ArrayBuffer(8), 8)), true);
  assert.equal(isBytes(detachedBytes()), false);
  assert.equal(isBytes(new Proxy(new Uint8Array(4), {})), false);
  assert.equal(isBytes(Object.create(Uint8Array.prototype)), false);
  assert.equal(isBytes(new Uint16Array(2)), false);
  assert.equal(isBytes(new DataView(new ArrayBuffer(2))), false);
});

test('checkBytes: a type error for look-alikes, a value error for a detached view', () => {
  assert.throws(() => checkBytes(new Proxy(new Uint8Array(4), {}), 'p'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkBytes(Object.create(Uint8Array.prototype), 'p'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkBytes(detachedBytes(), 'p'), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: 'Expected p to be a Uint8Array whose buffer is attached (not transferred) but received a detached Uint8Array',
  });
  assert.doesNotThrow(() => {
    checkBytes(Buffer.alloc(0), 'p');
  });
});

test('checkObject: refuses bytes and buffers (real or pretended) and revoked Proxies', () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const value of [null, 1, 'x', [], Buffer.alloc(1), new ArrayBuffer(1), new Proxy(new Uint8Array(1), {}), Object.create(Uint8Array.prototype), proxy]) {
    assert.throws(() => {
      checkObject(value, 'options');
    }, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  for (const value of [{}, Object.create(null), new Proxy({ a: 1 }, {}), new Map()]) {
    assert.doesNotThrow(() => {
      checkObject(value, 'options');
    });
  }
});
