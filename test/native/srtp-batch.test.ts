// SPDX-License-Identifier: MIT
// Builds the Node-free test of SrtpContext's batch forms
// (test/native/core/srtp_batch_test.cc: who clears the OpenSSL error queue,
// and the rollover counter UnprotectRtp reports) with AddressSanitizer and
// UndefinedBehaviorSanitizer, together with our SrtpContext and the vendored
// libsrtp sources, and runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadNativeHarness, projectRoot } from '../asan/load-harness.js';

const exe = path.join(projectRoot, 'build', 'srtp-batch-test', 'srtp_batch_test');

test('native core under ASan/UBSan: batch error-queue scope and the rollover counter from unprotect', async (t) => {
  const harness = await loadNativeHarness();
  if (harness.findTool(['c++']) === undefined || harness.findTool(['cc']) === undefined) {
    t.skip('no C/C++ compiler');
    return;
  }
  harness.buildSanitized(exe, ['native/core/srtp_context.cc', 'test/native/core/srtp_batch_test.cc'], {
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
    openssl: true,
  });
  const run = harness.runSanitized(exe);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});
