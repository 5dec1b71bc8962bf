// SPDX-License-Identifier: MIT
// ESM entry of `dtls-srtp/ice`: re-exports the CommonJS build by name (one copy of
// every class and constant for `import` and `require`).
import cjs from '../../dist/lib/entry/ice.js';

export const {
  IceLiteResponder,
} = cjs;
export default cjs;
