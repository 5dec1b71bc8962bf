// SPDX-License-Identifier: MIT
// ESM entry of `dtls-srtp/rtp`: re-exports the CommonJS build by name (one copy of
// every class and constant for `import` and `require`).
import cjs from '../../dist/lib/entry/rtp.js';

export const {
  RTP_HEADER_LENGTH,
  RTP_ONE_BYTE_EXTENSION_PROFILE,
  RTP_TWO_BYTE_EXTENSION_PROFILE,
  RtpHeaderView,
  readRtpHeader,
  RtcpPacketView,
  RtcpCompoundIterator,
  rtcpPackets,
} = cjs;
export default cjs;
