// SPDX-License-Identifier: MIT
// Builds the Node-free core test of the UDP socket and the RTP/RTCP readers
// (test/native/core/udp_core_test.cc) with AddressSanitizer and
// UndefinedBehaviorSanitizer and runs it: records, classification, every
// truncation and 200 000 random headers in exact-size heap blocks, and real
// loopback sockets with each failure counted by kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const outDir = path.join(root, 'build', 'udp-core-test');
const exe = path.join(outDir, 'udp_core_test');

function build(): void {
  const sources = [path.join(root, 'native', 'core', 'udp_socket.cc'), path.join(root, 'test', 'native', 'core', 'udp_core_test.cc')];
  const inputs = [...sources, path.join(root, 'native', 'core', 'udp_socket.h')];
  if (fs.existsSync(exe) && fs.statSync(exe).mtimeMs > Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs))) return;
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync('c++', [
    '-g',
    '-O1',
    '-fno-omit-frame-pointer',
    '-fsanitize=address,undefined',
    '-fno-sanitize-recover=undefined',
    '-std=c++17',
    '-Wall',
    '-Wextra',
    `-I${path.join(root, 'native')}`,
    ...sources,
    '-o',
    exe,
  ]);
}

test('UDP core under ASan/UBSan: records, RTP/RTCP readers on hostile bytes, loopback batches and counted failures', (t) => {
  if (process.platform !== 'linux' || spawnSync('c++', ['--version']).status !== 0) {
    t.skip('needs Linux and a C++ compiler');
    return;
  }
  build();
  const run = spawnSync(exe, [], {
    encoding: 'utf8',
    env: { ...process.env, ASAN_OPTIONS: 'abort_on_error=0:halt_on_error=1', UBSAN_OPTIONS: 'halt_on_error=1' },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});
