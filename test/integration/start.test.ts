// SPDX-License-Identifier: MIT
/**
 * `npm start` (examples/start.ts): the demo exits 0 with every packet
 * decrypted, for each SRTP profile, on the native path (Linux) and in the
 * node:dgram comparison run, and exits 2 on a bad flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const START = path.join(__dirname, '..', '..', 'examples', 'start.js');

function run(...args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [START, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout };
}

for (const profile of ['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']) {
  test(`npm start --profile ${profile}: every packet decrypted, exit 0`, () => {
    const r = run('--duration', '0.5', '--profile', profile, '--size', '300');
    assert.equal(r.status, 0, r.stdout);
    for (const dir of ['A->B', 'B->A']) {
      const m = new RegExp(`RTP ${dir} +sent (\\d+), received (\\d+), failed (\\d+)`).exec(r.stdout);
      assert.ok(m, r.stdout);
      assert.ok(Number(m[1]) > 0);
      assert.equal(m[2], m[1]);
      assert.equal(m[3], '0');
    }
    assert.match(r.stdout, new RegExp(`SRTP profile +${profile}`));
    if (process.platform === 'linux') {
      // The main run is on the native path, compared with the same run's node:dgram figure.
      assert.match(r.stdout, /path +native UDP/);
      assert.match(r.stdout, /dgram: sent (\d+), received \1, \d+ packets\/s/);
      assert.match(r.stdout, /native vs node:dgram: \d+ vs \d+ packets\/s/);
    }
  });
}

test('npm start rejects bad flags with exit status 2', () => {
  assert.equal(run('--duration', '0').status, 2);
  assert.equal(run('--profile', 'NULL').status, 2);
  assert.equal(run('--size', '99999').status, 2);
  assert.equal(run('--nope').status, 2);
  assert.equal(run('--help').status, 0);
});
