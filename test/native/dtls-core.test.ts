// SPDX-License-Identifier: MIT
// Builds the Node-free DTLS core test (test/native/core/dtls_core_test.cc)
// with AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// DtlsEndpoint and Certificate, and runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const outDir = path.join(root, 'build', 'dtls-core-test');
const exe = path.join(outDir, 'dtls_core_test');

function build(): void {
  const sources = ['native/core/dtls_endpoint.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc', 'test/native/core/dtls_core_test.cc'].map(
    (f) => path.join(root, f),
  );
  const headers = ['native/core/dtls_endpoint.h', 'native/core/dtls_context.h', 'native/core/certificate.h', 'native/core/ossl.h'].map((f) =>
    path.join(root, f),
  );
  const newest = Math.max(...[...sources, ...headers].map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(exe) && fs.statSync(exe).mtimeMs > newest) return;
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
    '-DOPENSSL_API_COMPAT=30000',
    `-I${path.join(root, 'native')}`,
    ...sources,
    '-lssl',
    '-lcrypto',
    '-o',
    exe,
  ]);
}

test('DTLS core under ASan/UBSan: handshakes, gate, pause, key split, hostile and forged datagrams, memory bound', (t) => {
  if (spawnSync('c++', ['--version']).status !== 0) {
    t.skip('no C++ compiler');
    return;
  }
  build();
  const run = spawnSync(exe, [], {
    encoding: 'utf8',
    env: { ...process.env, ASAN_OPTIONS: 'abort_on_error=0:halt_on_error=1:detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1' },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /ok \(0 failures\)/);
  // The per-session figures (idle, and extra after each attack shape).
  for (const line of run.stdout.split('\n')) if (/^(memory|context cache)/.test(line)) t.diagnostic(line);
});
