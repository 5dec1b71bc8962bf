// SPDX-License-Identifier: MIT
/**
 * `dtls-srtp/stun`: STUN messages (RFC 5389) with the ICE attributes, for an
 * application that runs its own ICE. Errors are exported by the package root.
 * @packageDocumentation
 */
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
  type StunClass,
  type StunAddress,
  type StunRawAttribute,
  type StunMessage,
  type StunAttributeInit,
  type StunMessageInit,
  type StunSerializeOptions,
} from '../stun.js';
