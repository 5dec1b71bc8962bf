// SPDX-License-Identifier: MIT
// Fuzz target: parseFingerprint on arbitrary text (an a=fingerprint line from
// signalling). Bad input is a typed rejection; what parses must format and
// parse back to itself.
import { formatFingerprint, parseFingerprint } from '../../../lib/fingerprint.js';
import { check, expectTyped, type FuzzTarget } from './target.js';

export const target: FuzzTarget = {
  dictionary: ['a=fingerprint:', 'fingerprint:', 'sha-256 ', 'sha-1 ', 'SHA-512 ', 'AB:', ':', ' ', '\t', '\r\n'],
  fuzz(data) {
    const text = data.toString('latin1');
    expectTyped(() => {
      const fp = parseFingerprint(text);
      const again = parseFingerprint(`a=fingerprint:${formatFingerprint(fp)}`);
      check(again.algorithm === fp.algorithm && again.value === fp.value, 'format/parse round trip');
    });
  },
};
