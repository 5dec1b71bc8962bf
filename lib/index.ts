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
export { DtlsSrtpTransport } from './dtls-srtp-transport.js';
export {
  type DtlsSrtpTransportOptions,
  type DtlsSrtpTransportEvents,
  type DtlsSrtpTransportStats,
  type DtlsSetupParameters,
  type DatagramDropReason,
} from './dtls-srtp-types.js';
export { type DatagramPath, type TransportAddress } from './datagram-path.js';
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
  STUN_MAGIC_COOKIE,
  STUN_HEADER_LENGTH,
  STUN_METHOD_BINDING,
  STUN_MAX_ATTRIBUTES,
  StunAttributeType,
  isStunMessage,
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
  crc32,
  type StunClass,
  type StunAddress,
  type StunRawAttribute,
  type StunMessage,
  type StunAttributeInit,
  type StunMessageInit,
  type StunSerializeOptions,
} from './stun.js';
export {
  IceLiteResponder,
  type IceRemoteAddress,
  type IceLiteDropReason,
  type IceLiteErrorCode,
  type IceLiteResult,
  type IceLiteStats,
  type IceLiteResponderOptions,
} from './ice-lite.js';
export {
  MAX_SDP_LENGTH,
  parseRemoteDescription,
  buildLiteAnswer,
  type SdpFingerprint,
  type SdpCodec,
  type SdpCandidate,
  type SdpMediaSection,
  type RemoteDescription,
  type LiteAnswerOptions,
} from './sdp.js';
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
