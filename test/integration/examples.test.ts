// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

test('examples/udp-pair runs: handshake over UDP, data, SRTP round trip', () => {
  const script = path.join(__dirname, '..', '..', 'examples', 'udp-pair.js');
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30000 });
  assert.match(out, /connected: AEAD_AES_128_GCM TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/);
  assert.match(out, /bob got: hello over DTLS/);
  assert.match(out, /SRTP round trip ok: true/);
});

test('examples/loopback runs: late server fingerprint, then connected with equal keys', () => {
  const script = path.join(__dirname, '..', '..', 'examples', 'loopback.js');
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30000 });
  assert.match(out, /server: connecting\nserver: connected/);
  assert.match(out, /same keying material: true/);
});
