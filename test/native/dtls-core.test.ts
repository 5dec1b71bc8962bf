// SPDX-License-Identifier: MIT
// Builds the Node-free DTLS core test (test/native/core/dtls_core_test.cc)
// with AddressSanitizer and UndefinedBehaviorSanitizer, together with our
// DtlsEndpoint and Certificate, and runs it.
import { test } from 'node:test';
import { runCoreTest } from '../asan/load-harness.js';

test('DTLS core under ASan/UBSan: handshakes, gate, pause, key split, hostile and forged datagrams, memory bound', async (t) => {
  const run = await runCoreTest(t, 'dtls_core_test', ['native/core/dtls_endpoint.cc', 'native/core/dtls_record.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc'], {
    headers: ['native/core/dtls_endpoint.h', 'native/core/dtls_record.h', 'native/core/dtls_context.h', 'native/core/certificate.h', 'native/core/ossl.h'],
    openssl: true,
  });
  // The per-session figures (idle, and extra after each attack shape).
  for (const line of run?.stdout.split('\n') ?? []) if (/^(memory|context cache)/.test(line)) t.diagnostic(line);
});
