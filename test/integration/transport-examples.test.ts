// SPDX-License-Identifier: MIT
// The DtlsSrtpTransport examples run to completion with exit status 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

for (const name of ['secure-loopback', 'sdp-fingerprint', 'sfu-forward', ...(process.platform === 'linux' ? ['sfu-workers'] : [])]) {
  test(`examples/${name} exits 0`, () => {
    const script = path.join(__dirname, '..', '..', 'examples', `${name}.js`);
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(r.stdout.length > 0);
  });
}
