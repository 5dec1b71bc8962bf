// SPDX-License-Identifier: MIT
// The CHECK macro and summary line of the Node-free core tests in this
// folder; each is one program, so the failure count is one per program.
#ifndef DTLSSRTP_TEST_NATIVE_CORE_CHECK_H_
#define DTLSSRTP_TEST_NATIVE_CORE_CHECK_H_

#include <cstdio>

namespace dtlssrtp::test {

// Failed CHECKs so far in this program.
inline int failures = 0;

// Prints the line the runner looks for ("ok (0 failures)") and returns the
// exit status for main().
inline int Summary() {
  std::printf("%s (%d failures)\n", failures == 0 ? "ok" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace dtlssrtp::test

// Records a failure and carries on, so one run reports every failed check.
#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::printf("FAIL %s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
      ++::dtlssrtp::test::failures;                                      \
    }                                                                    \
  } while (0)

#endif  // DTLSSRTP_TEST_NATIVE_CORE_CHECK_H_
