// SPDX-License-Identifier: MIT
/**
 * `dtls-srtp/rtp`: a zero-copy RTP header reader (RFC 3550, header extensions
 * RFC 8285) and an RTCP compound-packet iterator, for packets that did not
 * come with the native path's routing fields. Nothing here throws on network
 * input; reused views make a receive loop allocation-free.
 * @packageDocumentation
 */
export {
  RTP_HEADER_LENGTH,
  RTP_ONE_BYTE_EXTENSION_PROFILE,
  RTP_TWO_BYTE_EXTENSION_PROFILE,
  RtpHeaderView,
  readRtpHeader,
  RtcpPacketView,
  RtcpCompoundIterator,
  rtcpPackets,
  type RtpHeaderFailure,
  type RtpExtensionFailure,
  type RtcpCompoundFailure,
} from '../rtp.js';
