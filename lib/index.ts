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
export {
  SrtpSession,
  srtpOverhead,
  srtpResultCode,
  SRTP_MAX_PACKET_LENGTH,
  type SrtpProfile,
  type SrtpSessionOptions,
  type SrtpStats,
  type SrtpPacketErrorCode,
  type SrtpBatchResult,
} from './srtp-session.js';
