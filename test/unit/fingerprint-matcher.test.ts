// SPDX-License-Identifier: MIT
// compileFingerprints/matchFingerprints: the handshake's fingerprint check with
// the remote lines prepared once (fingerprint.ts's policy, applied when the
// fingerprints are set rather than at every verification).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { compileFingerprints, computeFingerprint, matchFingerprints, normalizeFingerprint } from '../../lib/fingerprint.js';

const der = crypto.randomBytes(300);
const other = crypto.randomBytes(300);
const hexOf = (bytes: number, fill: string): string => Array.from({ length: bytes }, () => fill).join(':');

test('the usable lines are grouped by hash and decoded to their digest bytes', () => {
  const sha256 = computeFingerprint(der, 'sha-256');
  const matcher = compileFingerprints([
    normalizeFingerprint('sha-1', hexOf(20, 'AA')),
    sha256,
    normalizeFingerprint('sha-256', hexOf(32, '0F')),
    normalizeFingerprint('md5', hexOf(16, 'AB')),
    normalizeFingerprint('sha-512', hexOf(64, 'F0')),
  ]);
  assert.deepEqual(
    matcher.groups.map((g) => ({ hash: g.hash, digests: g.digests.map((d) => d.toString('hex')) })),
    [
      { hash: 'sha256', digests: [crypto.createHash('sha256').update(der).digest('hex'), '0f'.repeat(32)] },
      { hash: 'sha512', digests: ['f0'.repeat(64)] },
    ],
    'sha-1 is ignored next to strong hashes, md5 always',
  );
  assert.equal(matchFingerprints(der, matcher), true);
  assert.equal(matchFingerprints(other, matcher), false);
});

test('weak hashes count only when no strong one is listed; no usable line matches nothing', () => {
  const sha1 = computeFingerprint(der, 'sha-1');
  assert.equal(matchFingerprints(der, compileFingerprints([sha1])), true);
  assert.equal(matchFingerprints(der, compileFingerprints([sha1, normalizeFingerprint('sha-384', hexOf(48, '11'))])), false);
  const none = compileFingerprints([normalizeFingerprint('md5', hexOf(16, 'AB'))]);
  assert.deepEqual(none.groups, []);
  assert.equal(matchFingerprints(der, none), false);
});

test('every hex digit decodes (0-9, A-F)', () => {
  const value = '01:23:45:67:89:AB:CD:EF:'.repeat(4).slice(0, -1);
  const [group] = compileFingerprints([normalizeFingerprint('sha-256', value)]).groups;
  assert.equal(group?.digests[0]?.toString('hex'), '0123456789abcdef'.repeat(4));
});
