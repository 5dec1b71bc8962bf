// SPDX-License-Identifier: MIT
// Builds the Node-free core test (test/native/core/srtp_core_test.cc) with
// AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// SrtpContext and the vendored libsrtp sources, and runs it: random,
// mutated and truncated packets in exact-size heap blocks, so any access
// outside the capacity we pass is a sanitizer report and a failed test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const outDir = path.join(root, 'build', 'srtp-core-test');
const exe = path.join(outDir, 'srtp_core_test');

function haveCompiler(): boolean {
  return spawnSync('c++', ['--version']).status === 0 && spawnSync('cc', ['--version']).status === 0;
}

function newest(files: string[]): number {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function build(): void {
  const gyp = fs.readFileSync(path.join(root, 'deps', 'libsrtp.gyp'), 'utf8');
  const libsrtp = [...gyp.matchAll(/'(libsrtp\/[^']+\.c)'/g)].map((m) => path.join(root, 'deps', m[1] as string));
  const ours = [path.join(root, 'native', 'core', 'srtp_context.cc'), path.join(root, 'test', 'native', 'core', 'srtp_core_test.cc')];
  const headers = [path.join(root, 'native', 'core', 'srtp_context.h'), path.join(root, 'native', 'core', 'ossl.h')];
  if (fs.existsSync(exe) && fs.statSync(exe).mtimeMs > newest([...libsrtp, ...ours, ...headers])) return;
  fs.mkdirSync(outDir, { recursive: true });
  const includes = [
    `-I${path.join(root, 'native')}`,
    `-I${path.join(root, 'deps', 'libsrtp-config')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'include')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'crypto', 'include')}`,
  ];
  const sanitize = ['-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];
  const objects = libsrtp.map((source) => {
    const object = path.join(outDir, `${path.basename(source, '.c')}.o`);
    execFileSync('cc', [...sanitize, '-w', '-DHAVE_CONFIG_H', ...includes, '-c', source, '-o', object]);
    return object;
  });
  execFileSync('c++', [
    ...sanitize,
    '-std=c++17',
    '-Wall',
    '-Wextra',
    '-DHAVE_CONFIG_H',
    '-DOPENSSL_API_COMPAT=30000',
    ...includes,
    ...ours,
    ...objects,
    '-lssl',
    '-lcrypto',
    '-pthread',
    '-o',
    exe,
  ]);
}

test('native core under ASan/UBSan: round trips, capacity limits, stream cap and 80 000 hostile packets', (t) => {
  if (!haveCompiler()) {
    t.skip('no C/C++ compiler');
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
