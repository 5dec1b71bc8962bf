// SPDX-License-Identifier: MIT
// Builds the Node-free test of the per-packet OpenSSL error-queue rule
// (test/native/core/srtp_error_queue_test.cc) with AddressSanitizer and
// UndefinedBehaviorSanitizer, together with our SrtpContext and the vendored
// libsrtp, and runs it: no packet operation leaves an entry of its own, and
// only a failed call or one that made a stream looks at the queue.
import { test } from 'node:test';
import { runCoreTest } from '../asan/load-harness.js';

test('native core: packet operations leave no OpenSSL error; only failures and new streams look at the queue', async (t) => {
  await runCoreTest(t, 'srtp_error_queue_test', ['native/core/srtp_context.cc'], {
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
    openssl: true,
    tools: ['c++', 'cc'],
  });
});
