// SPDX-License-Identifier: MIT
// ESM entry: re-exports the CommonJS build by name, so `import` and `require`
// share one copy of every class (no dual-package hazard).
import cjs from '../dist/lib/index.js';

export const {
  versions,
  DtlsSrtpError,
  InvalidStateError,
  DtlsError,
  SrtpError,
  CertificateError,
  DtlsSrtpTransport,
  Certificate,
  CertificateRotation,
  parseFingerprint,
  formatFingerprint,
  isSupportedFingerprintAlgorithm,
  DtlsTransport,
  SdpError,
  IceError,
  selectDtlsRole,
  answerSetup,
  dtlsRoleFromIceRole,
  classifyDatagram,
  isRtcpPacket,
  SrtpSession,
  srtpOverhead,
  srtpResultCode,
  SRTP_MAX_PACKET_LENGTH,
  UdpError,
  UdpSocket,
  UdpReceiveBatch,
  UdpServer,
} = cjs;
export default cjs;
