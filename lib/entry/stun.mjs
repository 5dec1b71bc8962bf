// SPDX-License-Identifier: MIT
// ESM entry of `dtls-srtp/stun`: re-exports the CommonJS build by name (one copy of
// every class and constant for `import` and `require`).
import cjs from '../../dist/lib/entry/stun.js';

export const {
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
} = cjs;
export default cjs;
