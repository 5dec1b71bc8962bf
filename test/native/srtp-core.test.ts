// SPDX-License-Identifier: MIT
// Builds the Node-free core test (test/native/core/srtp_core_test.cc) with
// AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// SrtpContext and the vendored libsrtp sources, and runs it: random,
// mutated and truncated packets in exact-size heap blocks, so any access
// outside the capacity we pass is a sanitizer report and a failed test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadNativeHarness, projectRoot } from '../asan/load-harness.js';

const exe = path.join(projectRoot, 'build', 'srtp-core-test', 'srtp_core_test');

test('native core under ASan/UBSan: round trips, capacity limits, stream cap and 80 000 hostile packets', async (t) => {
  const harness = await loadNativeHarness();
  if (harness.findTool(['c++']) === undefined || harness.findTool(['cc']) === undefined) {
    t.skip('no C/C++ compiler');
    return;
  }
  harness.buildSanitized(exe, ['native/core/srtp_context.cc', 'test/native/core/srtp_core_test.cc'], {
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
    openssl: true,
  });
  const run = harness.runSanitized(exe);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});
