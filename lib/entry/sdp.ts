// SPDX-License-Identifier: MIT
/**
 * `dtls-srtp/sdp`: read the ICE and DTLS parameters of a remote description and
 * build an ICE-lite server's answer. `SdpError` is exported by the package root.
 * @packageDocumentation
 */
export {
  MAX_SDP_LENGTH,
  parseRemoteDescription,
  buildLiteAnswer,
  parseExtmap,
  formatExtmap,
  encryptedExtensionIds,
  EXTMAP_ENCRYPT_URI,
  type SdpExtmap,
  type SdpFingerprint,
  type SdpCodec,
  type SdpCandidate,
  type SdpMediaSection,
  type RemoteDescription,
  type LiteAnswerOptions,
} from '../sdp.js';
