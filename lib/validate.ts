// SPDX-License-Identifier: MIT
/**
 * Argument validation for every public entry point, and the one builder of
 * argument errors: Node's own `TypeError`/`RangeError` with a stable `code`
 * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) and a
 * message that says what was expected and what arrived.
 *
 * Two rules hold here whatever a caller passes:
 * - the error builder never throws: values are described without running
 *   user code (no `toString`, no `Symbol.toPrimitive`, no getter, no Proxy
 *   trap), so a Proxy, a revoked Proxy, a symbol or a BigInt still gets a
 *   clean error;
 * - bytes are a real `Uint8Array` (a `Buffer` is one) whose memory is still
 *   attached: a Proxy of one, an object that merely inherits from
 *   `Uint8Array.prototype` and a view of a transferred (detached) buffer are
 *   refused, each with its own message.
 * @internal
 * @packageDocumentation
 */
import { types } from 'node:util';

/* Intrinsic accessors, captured once: an instance cannot shadow them. */
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
function getter(target: object, key: PropertyKey): (this: unknown) => unknown {
  const get: unknown = Reflect.get(Object.getOwnPropertyDescriptor(target, key) ?? {}, 'get');
  if (typeof get !== 'function') throw new Error(`Missing intrinsic accessor ${String(key)}`);
  return get as (this: unknown) => unknown;
}
const typedArrayTag = getter(TypedArrayPrototype, Symbol.toStringTag) as (this: unknown) => string | undefined;
const typedArrayByteLength = getter(TypedArrayPrototype, 'byteLength') as (this: ArrayBufferView) => number;
const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer') as (this: ArrayBufferView) => ArrayBufferLike;
const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength') as (this: ArrayBuffer) => number;

/**
 * Whether a typed array's memory was transferred away (`postMessage`,
 * `structuredClone(..., { transfer })`). Node 20 has no
 * `ArrayBuffer.prototype.detached`: a detached buffer has byteLength 0 and
 * refuses to back a new view, which a live empty buffer accepts.
 */
function isDetachedView(view: ArrayBufferView): boolean {
  if (typedArrayByteLength.call(view) !== 0) return false;
  const buffer = typedArrayBuffer.call(view);
  if (types.isSharedArrayBuffer(buffer) || arrayBufferByteLength.call(buffer) !== 0) return false;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function quote(text: string): string {
  return text.length > 40 ? `a string of length ${text.length}` : `'${text}'`;
}

/** The name of a non-Proxy function, read from its own data property only. */
function functionName(fn: unknown): string | undefined {
  if (typeof fn !== 'function' || types.isProxy(fn)) return undefined;
  const name = Object.getOwnPropertyDescriptor(fn, 'name')?.value as unknown;
  return typeof name === 'string' && name !== '' ? name.slice(0, 40) : undefined;
}

function describeObject(value: object): string {
  if (types.isProxy(value)) return typeof value === 'function' ? 'a Proxy of a function' : 'a Proxy';
  if (typeof value === 'function') {
    const name = functionName(value);
    return name === undefined ? 'a function' : `function ${name}`;
  }
  const tag = typedArrayTag.call(value);
  if (tag !== undefined) {
    const view = value as ArrayBufferView;
    return isDetachedView(view) ? `a detached ${tag}` : `${tag} of ${typedArrayByteLength.call(view)} bytes`;
  }
  if (types.isArrayBuffer(value)) return `an ArrayBuffer of ${arrayBufferByteLength.call(value)} bytes`;
  if (types.isSharedArrayBuffer(value)) return 'a SharedArrayBuffer';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  // Ordinary object (not a Proxy): its prototype chain is read without traps,
  // and only a data-property constructor with a data-property name is used.
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null) return 'an object with a null prototype';
  if (types.isProxy(proto)) return 'an object';
  for (let p: object | null = proto, depth = 0; p !== null && depth < 64 && !types.isProxy(p); depth++) {
    if (p === TypedArrayPrototype) return 'an object that inherits from a typed array but is none';
    p = Object.getPrototypeOf(p) as object | null;
  }
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
  const name = functionName(ctor);
  return name === undefined || name === 'Object' ? 'an object' : `an instance of ${name}`;
}

/**
 * Describes any value for an error message without running user code.
 * Never throws.
 * @internal
 */
export function describe(value: unknown): string {
  try {
    switch (typeof value) {
      case 'undefined':
        return 'undefined';
      case 'string':
        return quote(value);
      case 'number':
      case 'boolean':
        return String(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol': {
        const text = value.description ?? '';
        return `a symbol (${text.length > 40 ? `${text.slice(0, 40)}…` : text})`;
      }
      default:
        return value === null ? 'null' : describeObject(value as object);
    }
  } catch {
    return 'a value that cannot be described';
  }
}

function withCode<E extends Error>(err: E, code: string): E {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  return err;
}

/**
 * `TypeError` `ERR_ILLEGAL_CONSTRUCTOR` (Node's code for the same mistake):
 * `new` on a class whose instances only its factories make.
 * @internal
 */
export function illegalConstructorError(className: string, factories: string): TypeError {
  return withCode(new TypeError(`Expected ${className} to be created with ${factories} but it was called with new`), 'ERR_ILLEGAL_CONSTRUCTOR');
}

/**
 * `TypeError` `ERR_INVALID_ARG_TYPE`: the value has the wrong type.
 * @internal
 */
export function argTypeError(name: string, expected: string, actual: unknown): TypeError {
  return withCode(new TypeError(`Expected ${name} to be ${expected} but received ${describe(actual)}`), 'ERR_INVALID_ARG_TYPE');
}

/**
 * `TypeError` `ERR_INVALID_ARG_VALUE`: the type is right, the value is not.
 * @internal
 */
export function argValueError(name: string, expected: string, actual: unknown, cause?: unknown): TypeError {
  const message = `Expected ${name} to be ${expected} but received ${describe(actual)}`;
  return withCode(cause === undefined ? new TypeError(message) : new TypeError(message, { cause }), 'ERR_INVALID_ARG_VALUE');
}

/**
 * `RangeError` `ERR_OUT_OF_RANGE`: a number (or size) outside its range.
 * @internal
 */
export function outOfRangeError(name: string, expected: string, actual: unknown): RangeError {
  return withCode(new RangeError(`Expected ${name} to be ${expected} but received ${describe(actual)}`), 'ERR_OUT_OF_RANGE');
}

/**
 * Whether `value` is a real `Uint8Array` (or `Buffer`) with attached memory.
 * @internal
 */
export function isBytes(value: unknown): value is Uint8Array {
  return types.isUint8Array(value) && (typedArrayByteLength.call(value) !== 0 || !isDetachedView(value));
}

/**
 * Asserts a real, attached `Uint8Array`: `ERR_INVALID_ARG_TYPE` for anything
 * else (a Proxy of one, a look-alike object), `ERR_INVALID_ARG_VALUE` for a
 * view of a detached buffer.
 * @internal
 */
export function checkBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!types.isUint8Array(value)) throw argTypeError(name, 'a Uint8Array', value);
  if (typedArrayByteLength.call(value) === 0 && isDetachedView(value)) {
    throw argValueError(name, 'a Uint8Array whose buffer is attached (not transferred)', value);
  }
}

/**
 * Asserts a string or real, attached bytes (a password or key given either way).
 * @internal
 */
export function checkStringOrBytes(value: unknown, name: string): string | Uint8Array {
  if (typeof value === 'string') return value;
  if (!types.isUint8Array(value)) throw argTypeError(name, 'a string or Uint8Array', value);
  checkBytes(value, name);
  return value;
}

/**
 * Asserts a real `Int32Array` with attached memory (the batch layout arrays).
 * @internal
 */
export function checkInt32Array(value: unknown, name: string): asserts value is Int32Array {
  if (!types.isInt32Array(value)) throw argTypeError(name, 'an Int32Array', value);
  if (typedArrayByteLength.call(value) === 0 && isDetachedView(value)) {
    throw argValueError(name, 'an Int32Array whose buffer is attached (not transferred)', value);
  }
}

/** `Array.isArray` that answers `false` for a revoked Proxy instead of throwing. */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Asserts an array (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkArray(value: unknown, name: string, expected = 'an array'): asserts value is readonly unknown[] {
  if (!isArray(value)) throw argTypeError(name, expected, value);
}

/**
 * Asserts an options-style object: not null, a primitive, a function, an
 * array, or anything that is or pretends to be a typed array or buffer
 * (including a Proxy of one). A revoked Proxy is refused too.
 * @internal
 */
export function checkObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || isArray(value) || ArrayBuffer.isView(value) || types.isAnyArrayBuffer(value)) {
    throw argTypeError(name, 'an object', value);
  }
  let bytesLike: boolean;
  try {
    // Sees through a Proxy (its getPrototypeOf trap) and Object.create(Uint8Array.prototype).
    bytesLike = Object.prototype.isPrototypeOf.call(TypedArrayPrototype, value);
  } catch {
    // A revoked Proxy, or a trap that throws: nothing can be read from it.
    bytesLike = true;
  }
  if (bytesLike) throw argTypeError(name, 'an object', value);
}

/**
 * Asserts an object, or `undefined` (then `{}` is returned).
 * @internal
 */
export function optionalObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  checkObject(value, name);
  return value;
}

/**
 * Asserts a string (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw argTypeError(name, 'a string', value);
}

/**
 * Asserts an array of strings (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkStringArray(value: unknown, name: string, expected = 'an array of strings'): asserts value is string[] {
  if (!isArray(value) || !value.every((v) => typeof v === 'string')) throw argTypeError(name, expected, value);
}

/**
 * Asserts a number, any number (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw argTypeError(name, 'a number', value);
}

/**
 * Asserts a boolean (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw argTypeError(name, 'a boolean', value);
}

/**
 * Asserts a function (`ERR_INVALID_ARG_TYPE` otherwise).
 * @internal
 */
export function checkFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw argTypeError(name, 'a function', value);
}

/**
 * An optional boolean: `fallback` when undefined.
 * @internal
 */
export function optionalBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  checkBoolean(value, name);
  return value;
}

/**
 * Asserts an integer in [min, max]: `ERR_INVALID_ARG_TYPE` for a non-number,
 * `ERR_OUT_OF_RANGE` for a fraction, NaN or a number outside the range.
 * @internal
 */
export function checkIntegerValue(value: unknown, name: string, min: number, max: number): asserts value is number {
  checkNumber(value, name);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRangeError(name, `an integer from ${min} to ${max}`, value);
  }
}

/**
 * An optional integer option: `fallback` when undefined, else an integer in
 * [min, max] (`ERR_INVALID_ARG_TYPE` / `ERR_OUT_OF_RANGE`).
 * @internal
 */
export function checkInteger(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  checkIntegerValue(value, name, min, max);
  return value;
}

/**
 * Asserts one of a fixed set of strings (`ERR_INVALID_ARG_TYPE` for a
 * non-string, `ERR_INVALID_ARG_VALUE` for another string).
 * @internal
 */
export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  // The message is built only for a failure (this runs per transport).
  const expected = allowed.map((v) => `'${v}'`).join(', ');
  if (typeof value !== 'string') throw argTypeError(name, `one of ${expected}`, value);
  throw argValueError(name, `one of ${expected}`, value);
}
