// SPDX-License-Identifier: MIT
/**
 * dtls-srtp: WebRTC's security layer (DTLS 1.2 + SRTP) for Node.js media servers.
 * The STUN, SDP and ICE-lite helpers are subpath exports: `dtls-srtp/stun`,
 * `dtls-srtp/sdp`, `dtls-srtp/ice` (lib/entry/).
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
  type DtlsHandshakeHint,
  type DtlsReceivedSummary,
  type SrtpErrorCode,
  type CertificateErrorCode,
} from './errors.js';
export { DtlsSrtpTransport } from './dtls-srtp-transport.js';
export {
  type DtlsSrtpTransportOptions,
  type DtlsSrtpTransportEvents,
  type DtlsSrtpTransportStats,
  type DtlsSetupParameters,
  type DtlsSrtpConnectParameters,
  type DtlsRestartParameters,
  type DtlsRestartEvent,
  type DtlsRestartStats,
  type DatagramDropReason,
} from './dtls-srtp-types.js';
export {
  type DtlsParameters,
  type DtlsParametersRole,
  type IceState,
  type SecureTransportContract,
} from './transport-contract.js';
export { type DatagramPath, type TransportAddress } from './datagram-path.js';
export { Certificate, type CertificateKeyType, type CertificateGenerateOptions } from './certificate.js';
export { CertificateRotation } from './certificate-rotation.js';
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
  type DtlsState,
  type DtlsSrtpSessionOptions,
  type DtlsStats,
} from './dtls-transport.js';
export { SdpError, type SdpErrorCode, IceError, type IceErrorCode, UdpError, type UdpErrorCode } from './errors.js';
export {
  selectDtlsRole,
  answerSetup,
  dtlsRoleFromIceRole,
  type DtlsSetup,
  type DtlsRole,
  type IceRole,
  type SelectDtlsRoleOptions,
} from './role.js';
export { classifyDatagram, isRtcpPacket, type DatagramKind } from './demux.js';
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
  type SrtpKeyLimits,
  type SrtpKeyLimitEvent,
  type SrtpSessionEvents,
} from './srtp-session.js';
export {
  UdpSocket,
  UdpReceiveBatch,
  type UdpSocketType,
  type UdpSocketPath,
  type UdpEndpoint,
  type UdpDatagramKind,
  type UdpSocketOptions,
  type UdpSocketStats,
} from './udp-socket.js';
export { UdpServer, type UdpServerOptions, type UdpServerStats } from './udp-server.js';
