// SPDX-License-Identifier: MIT
// Builds the Node-free core test of the UDP socket and the RTP/RTCP readers
// (test/native/core/udp_core_test.cc) with AddressSanitizer and
// UndefinedBehaviorSanitizer and runs it: records, classification, every
// truncation and 200 000 random headers in exact-size heap blocks, and real
// loopback sockets with each failure counted by kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadNativeHarness, projectRoot } from '../asan/load-harness.js';

const exe = path.join(projectRoot, 'build', 'udp-core-test', 'udp_core_test');

test('UDP core under ASan/UBSan: records, RTP/RTCP readers on hostile bytes, loopback batches and counted failures', async (t) => {
  const harness = await loadNativeHarness();
  if (process.platform !== 'linux' || harness.findTool(['c++']) === undefined) {
    t.skip('needs Linux and a C++ compiler');
    return;
  }
  harness.buildSanitized(exe, ['native/core/udp_socket.cc', 'test/native/core/udp_core_test.cc'], {
    headers: ['native/core/udp_socket.h'],
  });
  const run = harness.runSanitized(exe);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)/);
});
