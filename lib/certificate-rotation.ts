// SPDX-License-Identifier: MIT
/**
 * Certificate rotation for long-lived servers: new transports take the current
 * certificate while existing ones keep the one they were built with, and the
 * SDP advertises every fingerprint of the rotation window, so an offer or
 * answer written on either side of the switch still verifies (RFC 8122 §5: a
 * peer accepts a certificate that matches any fingerprint of its preferred hash).
 * @packageDocumentation
 */
import { Certificate } from './certificate.js';
import { InvalidStateError } from './errors.js';
import type { DtlsFingerprint } from './fingerprint.js';
import { argTypeError, argValueError, checkIntegerValue } from './validate.js';

/**
 * The certificates of one server identity across a rotation:
 * 1. {@link stage} a new certificate ahead of time: its fingerprint is now
 *    advertised beside the current one, but no transport uses it yet;
 * 2. {@link switch}: new transports take the staged certificate; the old one
 *    stays advertised, because answers already sent name it;
 * 3. {@link retire} the old one once no description naming only it can still
 *    be answered.
 *
 * Transports are never changed: each keeps the certificate it was built with
 * for its whole life (a DTLS restart, which would re-key with a new one, is
 * the transport's business).
 * @example
 * ```ts
 * const identity = new CertificateRotation(await Certificate.generate());
 * const certificate = identity.current;
 * const transport = new DtlsSrtpTransport({ certificate, ... });
 * const answer = buildLiteAnswer(offer, { fingerprints: identity.getFingerprints(['sha-256'], certificate), ... });
 * ```
 */
export class CertificateRotation {
  #current: Certificate;
  #staged: Certificate | undefined;
  #previous: Certificate | undefined;

  /**
   * @param initial - The certificate new transports use until the first {@link switch}.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `initial` is not a {@link Certificate}.
   */
  constructor(initial: Certificate) {
    this.#current = checkCertificate(initial, 'initial');
  }

  /** The certificate to build new transports with. */
  get current(): Certificate {
    return this.#current;
  }

  /** The certificate staged for the next {@link switch}, if any. */
  get staged(): Certificate | undefined {
    return this.#staged;
  }

  /** The certificate of before the last {@link switch}, advertised until {@link retire}. */
  get previous(): Certificate | undefined {
    return this.#previous;
  }

  /** Every certificate whose fingerprints are advertised: the current one, then the staged, then the previous. */
  get advertised(): Certificate[] {
    const list = [this.#current];
    if (this.#staged !== undefined) list.push(this.#staged);
    if (this.#previous !== undefined) list.push(this.#previous);
    return list;
  }

  /**
   * The fingerprints to put into the SDP of a transport (`a=fingerprint`, one
   * line each): those of every {@link advertised} certificate, with the
   * certificate that transport presents LAST. RFC 8122 peers accept any line;
   * Chromium (156) keeps only the last line of a section, so the last one must
   * be the certificate the handshake will show.
   * @param algorithms - Hash names, as for {@link Certificate.getFingerprints}; default `['sha-256']`.
   * @param presented - The certificate the transport was built with; default {@link current}.
   * @throws {TypeError} as {@link Certificate.getFingerprints}; ERR_INVALID_ARG_VALUE when
   *   `presented` is not advertised (a retired certificate, or a stranger).
   */
  getFingerprints(algorithms: readonly string[] = ['sha-256'], presented: Certificate = this.#current): DtlsFingerprint[] {
    const advertised = this.advertised;
    if (!advertised.includes(presented)) {
      throw argValueError('presented', 'a certificate this rotation advertises (current, staged or previous)', presented);
    }
    const ordered = [...advertised.filter((c) => c !== presented), presented];
    return ordered.flatMap((certificate) => certificate.getFingerprints(algorithms));
  }

  /**
   * Advertises `next` beside the current certificate, ahead of a {@link switch}.
   * Staging again replaces a staged certificate that was never switched to.
   * @throws {TypeError} ERR_INVALID_ARG_TYPE when `next` is not a {@link Certificate};
   *   ERR_INVALID_ARG_VALUE when it is the current or the previous certificate.
   */
  stage(next: Certificate): void {
    checkCertificate(next, 'next');
    if (next === this.#current || next === this.#previous) {
      throw argValueError('next', 'a certificate that is neither the current nor the previous one', next);
    }
    this.#staged = next;
  }

  /**
   * Makes the staged certificate current: transports built from now on use it.
   * The certificate it replaces becomes {@link previous} and stays advertised;
   * an older previous one is no longer advertised.
   * @returns The new current certificate.
   * @throws {InvalidStateError} ERR_INVALID_STATE when nothing is staged.
   */
  switch(): Certificate {
    const next = this.#staged;
    if (next === undefined) throw new InvalidStateError('Nothing to switch to: stage(certificate) first');
    this.#previous = this.#current;
    this.#current = next;
    this.#staged = undefined;
    return next;
  }

  /**
   * Stops advertising the previous certificate. Transports that use it keep
   * working: their peers verified it at their handshake.
   * @returns The retired certificate, or `undefined` when there was none.
   */
  retire(): Certificate | undefined {
    const retired = this.#previous;
    this.#previous = undefined;
    return retired;
  }

  /**
   * When to stage the next certificate: the current one's expiry less
   * `leadMs`, so that the new fingerprint is advertised for at least that long
   * before the current certificate expires.
   * @param leadMs - Lead time in milliseconds, 0 to 10 years.
   * @throws {RangeError} ERR_OUT_OF_RANGE for a lead outside that range.
   */
  renewalDate(leadMs: number): Date {
    checkIntegerValue(leadMs, 'leadMs', 0, 3650 * 86_400_000);
    return new Date(this.#current.expires.getTime() - leadMs);
  }
}

function checkCertificate(value: unknown, name: string): Certificate {
  if (!(value instanceof Certificate)) throw argTypeError(name, 'a Certificate', value);
  return value;
}
