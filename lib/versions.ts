// SPDX-License-Identifier: MIT
import { native } from './native.js';

/** Versions of the libraries the native addon actually runs. */
export interface Versions {
  /** The OpenSSL the addon calls, e.g. `'OpenSSL 3.0.19 27 Jan 2026'` (a private copy, see README). */
  readonly openssl: string;
  /** The vendored libsrtp, e.g. `'libsrtp2 2.7.0'`. */
  readonly libsrtp: string;
  /** The Node-API version the addon was built for. */
  readonly napi: number;
}

/**
 * Reports the OpenSSL and libsrtp versions as the loaded addon sees them at
 * run time (not the headers it was compiled with).
 * @returns `{ openssl, libsrtp, napi }`
 * @example
 * ```ts
 * import { versions } from 'dtls-srtp';
 * console.log(versions()); // { openssl: 'OpenSSL 3.0.19 27 Jan 2026', libsrtp: 'libsrtp2 2.7.0', napi: 9 }
 * ```
 */
export function versions(): Versions {
  const v = native.versions();
  return { openssl: v.openssl, libsrtp: v.libsrtp, napi: v.napi };
}
