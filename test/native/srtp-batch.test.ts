// SPDX-License-Identifier: MIT
// Builds the Node-free test of SrtpContext's batch forms
// (test/native/core/srtp_batch_test.cc: who clears the OpenSSL error queue,
// and the rollover counter UnprotectRtp reports) with AddressSanitizer and
// UndefinedBehaviorSanitizer, together with our SrtpContext and the vendored
// libsrtp sources, and runs it.
import { test } from 'node:test';
import { runCoreTest } from '../asan/load-harness.js';

test('native core under ASan/UBSan: batch error-queue scope and the rollover counter from unprotect', async (t) => {
  await runCoreTest(t, 'srtp_batch_test', ['native/core/srtp_context.cc'], {
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
    openssl: true,
    tools: ['c++', 'cc'],
  });
});
