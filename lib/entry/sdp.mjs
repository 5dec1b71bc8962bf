// SPDX-License-Identifier: MIT
// ESM entry of `dtls-srtp/sdp`: re-exports the CommonJS build by name (one copy of
// every class and constant for `import` and `require`).
import cjs from '../../dist/lib/entry/sdp.js';

export const {
  MAX_SDP_LENGTH,
  parseRemoteDescription,
  buildLiteAnswer,
  parseExtmap,
  formatExtmap,
  encryptedExtensionIds,
  EXTMAP_ENCRYPT_URI,
} = cjs;
export default cjs;
