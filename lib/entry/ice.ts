// SPDX-License-Identifier: MIT
/**
 * `dtls-srtp/ice`: the ICE-lite responder a `DtlsSrtpTransport` takes as its
 * `iceLite` option. `IceError` is exported by the package root.
 * @packageDocumentation
 */
export {
  IceLiteResponder,
  type IceRemoteAddress,
  type IceLiteDropReason,
  type IceLiteErrorCode,
  type IceLiteResult,
  type IceLiteStats,
  type IceLiteResponderOptions,
  type IceLiteLocalParameters,
  type IceRestartOptions,
} from '../ice-lite.js';
