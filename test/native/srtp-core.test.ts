// SPDX-License-Identifier: MIT
// Builds the Node-free core test (test/native/core/srtp_core_test.cc) with
// AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// SrtpContext and the vendored libsrtp sources, and runs it: random,
// mutated and truncated packets in exact-size heap blocks, so any access
// outside the capacity we pass is a sanitizer report and a failed test.
import { test } from 'node:test';
import { runCoreTest } from '../asan/load-harness.js';

test('native core under ASan/UBSan: round trips, capacity limits, stream cap and 80 000 hostile packets', async (t) => {
  await runCoreTest(t, 'srtp_core_test', ['native/core/srtp_context.cc'], {
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
    openssl: true,
    tools: ['c++', 'cc'],
  });
});
