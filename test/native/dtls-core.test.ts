// SPDX-License-Identifier: MIT
// Builds the Node-free DTLS core test (test/native/core/dtls_core_test.cc)
// with AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// DtlsEndpoint and Certificate, and runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadNativeHarness, projectRoot } from '../asan/load-harness.js';

const exe = path.join(projectRoot, 'build', 'dtls-core-test', 'dtls_core_test');

test('DTLS core under ASan/UBSan: handshakes, gate, pause, key split, hostile and forged datagrams, memory bound', async (t) => {
  const harness = await loadNativeHarness();
  if (harness.findTool(['c++']) === undefined) {
    t.skip('no C++ compiler');
    return;
  }
  harness.buildSanitized(
    exe,
    ['native/core/dtls_endpoint.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc', 'test/native/core/dtls_core_test.cc'],
    { headers: ['native/core/dtls_endpoint.h', 'native/core/dtls_context.h', 'native/core/certificate.h', 'native/core/ossl.h'], openssl: true },
  );
  const run = harness.runSanitized(exe);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /ok \(0 failures\)/);
  // The per-session figures (idle, and extra after each attack shape).
  for (const line of run.stdout.split('\n')) if (/^(memory|context cache)/.test(line)) t.diagnostic(line);
});
