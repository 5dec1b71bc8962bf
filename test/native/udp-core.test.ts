// SPDX-License-Identifier: MIT
// Builds the Node-free core test of the UDP socket and the RTP/RTCP readers
// (test/native/core/udp_core_test.cc) with AddressSanitizer and
// UndefinedBehaviorSanitizer and runs it: records, classification, every
// truncation and 200 000 random headers in exact-size heap blocks, and real
// loopback sockets with each failure counted by kind.
import { test } from 'node:test';
import { runCoreTest } from '../asan/load-harness.js';

test('UDP core under ASan/UBSan: records, RTP/RTCP readers on hostile bytes, loopback batches and counted failures', async (t) => {
  await runCoreTest(t, 'udp_core_test', ['native/core/udp_socket.cc'], { headers: ['native/core/udp_socket.h'], linuxOnly: true });
});
