// SPDX-License-Identifier: MIT
/**
 * dtls-srtp: WebRTC's security layer (DTLS 1.2 + SRTP) for Node.js media servers.
 * @packageDocumentation
 */
export { versions, type Versions } from './versions.js';
export {
  DtlsSrtpError,
  InvalidStateError,
  DtlsError,
  SrtpError,
  CertificateError,
  type DtlsErrorCode,
  type DtlsErrorDetail,
  type SrtpErrorCode,
  type CertificateErrorCode,
} from './errors.js';
// PUBLIC-EXPORTS
export { Certificate, type CertificateKeyType, type CertificateGenerateOptions } from './certificate.js';
export {
  parseFingerprint,
  formatFingerprint,
  isSupportedFingerprintAlgorithm,
  type DtlsFingerprint,
  type FingerprintAlgorithm,
} from './fingerprint.js';
export {
  DtlsTransport,
  type DtlsTransportOptions,
  type DtlsTransportEvents,
  type DtlsRole,
  type DtlsState,
  type SrtpProfile,
} from './dtls-transport.js';
