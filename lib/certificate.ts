// SPDX-License-Identifier: MIT
/**
 * DTLS certificates: a private key and a self-signed X.509 certificate, as
 * WebRTC uses them (RFC 8827 §6.5: identity comes from the fingerprint in
 * signalling, not from a CA).
 * @packageDocumentation
 */
import * as crypto from 'node:crypto';
import { argValueError, checkArray, checkInteger, checkOneOf, checkString, illegalConstructorError, optionalObject } from './validate.js';
import {
  computeFingerprint,
  isSupportedFingerprintAlgorithm,
  type DtlsFingerprint,
} from './fingerprint.js';
import { native, type NativeCertificate } from './native.js';

/**
 * Key algorithms `Certificate.generate` supports.
 * @example
 * const keyType: CertificateKeyType = 'rsa-2048';
 * await Certificate.generate({ keyType });
 */
export type CertificateKeyType = 'ecdsa-p256' | 'rsa-2048';

/**
 * Options of {@link Certificate.generate}.
 * @example
 * const options: CertificateGenerateOptions = { keyType: 'ecdsa-p256', validityDays: 30, commonName: 'sfu-1' };
 */
export interface CertificateGenerateOptions {
  /** `'ecdsa-p256'` (default, what browsers use) or `'rsa-2048'`. */
  keyType?: CertificateKeyType;
  /** Validity from now, in days: 1 to 3650, default 30. The start is backdated one day for clock skew. */
  validityDays?: number;
  /** Subject/issuer common name, 1 to 64 UTF-8 bytes; default a random hex string. */
  commonName?: string;
}

const nativeOf = new WeakMap<Certificate, NativeCertificate>();
/** Passed by the factories to the constructor: `new Certificate()` from outside has no way to pass it. */
const FACTORY: unique symbol = Symbol('Certificate factory');

/**
 * A DTLS identity: private key plus self-signed certificate. Immutable; it may
 * be shared by any number of transports of the same thread. To move one to
 * another worker, send `toPem()` and rebuild with `Certificate.fromPem()`.
 *
 * The native key is freed by garbage collection (there is nothing to close).
 * @example
 * const certificate = await Certificate.generate({ keyType: 'ecdsa-p256' });
 * const [fingerprint] = certificate.getFingerprints(['sha-256']);
 */
export class Certificate {
  readonly #der: Buffer;
  readonly #expires: Date;

  /** @throws {TypeError} ERR_ILLEGAL_CONSTRUCTOR: use {@link Certificate.generate} or {@link Certificate.fromPem}. */
  private constructor(token: typeof FACTORY, handle: NativeCertificate) {
    if (token !== FACTORY) throw illegalConstructorError('Certificate', 'Certificate.generate() or Certificate.fromPem()');
    nativeOf.set(this, handle);
    this.#der = handle.der();
    this.#expires = new Date(handle.notAfter() * 1000);
  }

  /**
   * Generates a key and a self-signed certificate on the libuv thread pool,
   * so the event loop never blocks (RSA-2048 takes tens of milliseconds).
   * The serial is 63 random bits; the signature is SHA-256.
   * @param options - Key type, validity and common name.
   * @returns A promise of the new certificate.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for bad options (synchronously).
   * @throws {RangeError} ERR_OUT_OF_RANGE when `validityDays` is outside 1..3650 (synchronously).
   * @throws {CertificateError} ERR_CERT_GENERATE (as a rejection) when OpenSSL fails.
   * @example
   * const certificate = await Certificate.generate({ keyType: 'rsa-2048', validityDays: 7 });
   */
  static generate(options?: CertificateGenerateOptions): Promise<Certificate> {
    const o = optionalObject(options, 'options');
    const keyType = o['keyType'] === undefined ? 'ecdsa-p256' : checkOneOf(o['keyType'], 'options.keyType', ['ecdsa-p256', 'rsa-2048']);
    const validityDays = checkInteger(o['validityDays'], 'options.validityDays', 1, 3650, 30);
    const commonName = o['commonName'] === undefined ? crypto.randomBytes(8).toString('hex') : o['commonName'];
    checkString(commonName, 'options.commonName');
    const bytes = Buffer.byteLength(commonName, 'utf8');
    if (bytes < 1 || bytes > 64 || commonName.includes('\0')) {
      throw argValueError('options.commonName', 'a string of 1 to 64 UTF-8 bytes without NUL', commonName);
    }
    return native.NativeCertificate.generate(keyType === 'ecdsa-p256' ? 0 : 1, validityDays, commonName).then(
      (handle) => new Certificate(FACTORY, handle),
    );
  }

  /**
   * Loads a certificate and its unencrypted private key from PEM.
   * @param cert - PEM `CERTIFICATE`.
   * @param key - PEM private key (PKCS#8 or traditional), matching `cert`.
   * @returns The certificate.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when an argument is not a string.
   * @throws {CertificateError} ERR_CERT_PARSE when either cannot be parsed or they do not match;
   *   ERR_CERT_UNSUPPORTED_ALGORITHM for keys other than ECDSA P-256/P-384 or RSA ≥ 2048.
   * @example
   * const { cert, key } = original.toPem();
   * const copy = Certificate.fromPem(cert, key);
   */
  static fromPem(cert: string, key: string): Certificate {
    checkString(cert, 'cert');
    checkString(key, 'key');
    return new Certificate(FACTORY, new native.NativeCertificate(cert, key));
  }

  /**
   * Exports the certificate and private key as PEM (the key as unencrypted
   * PKCS#8 — treat it as a secret).
   * @returns `{ cert, key }`.
   * @example
   * const { cert, key } = certificate.toPem();
   */
  toPem(): { cert: string; key: string } {
    return (nativeOf.get(this) as NativeCertificate).toPem();
  }

  /**
   * The certificate in DER (a copy).
   * @returns A new Buffer.
   * @example
   * const der = certificate.der;
   */
  get der(): Buffer {
    return Buffer.from(this.#der);
  }

  /**
   * When the certificate stops being valid (notAfter).
   * @returns A new Date.
   * @example
   * if (certificate.expires.getTime() < Date.now() + 86_400_000) renew();
   */
  get expires(): Date {
    return new Date(this.#expires.getTime());
  }

  /**
   * Fingerprints for the SDP `a=fingerprint` attribute (RFC 8122: uppercase
   * hex pairs joined by colons).
   * @param algorithms - Hash names (any case) among sha-1, sha-224, sha-256, sha-384, sha-512; default `['sha-256']`.
   * @returns One `{ algorithm, value }` per requested hash, in order.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `algorithms` is not an array of strings;
   *   ERR_INVALID_ARG_VALUE for an unsupported hash name.
   * @example
   * const [fp] = certificate.getFingerprints();
   * sdp += `a=fingerprint:${fp.algorithm} ${fp.value}\r\n`;
   * @see https://www.rfc-editor.org/rfc/rfc8122#section-5
   */
  getFingerprints(algorithms: readonly string[] = ['sha-256']): DtlsFingerprint[] {
    checkArray(algorithms, 'algorithms', 'an array of hash names');
    return algorithms.map((name: unknown, i) => {
      checkString(name, `algorithms[${i}]`);
      const lower = name.toLowerCase();
      if (!isSupportedFingerprintAlgorithm(lower)) {
        throw argValueError(`algorithms[${i}]`, 'one of sha-1, sha-224, sha-256, sha-384, sha-512', name);
      }
      return computeFingerprint(this.#der, lower);
    });
  }
}

/** @internal The native handle behind a Certificate (undefined for a forged object). */
export function nativeCertificateOf(certificate: unknown): NativeCertificate | undefined {
  // A WeakMap lookup runs no Proxy trap and no getter, whatever `certificate` is.
  return typeof certificate === 'object' && certificate !== null ? nativeOf.get(certificate as Certificate) : undefined;
}
