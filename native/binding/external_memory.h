// SPDX-License-Identifier: MIT
#pragma once

// Native memory a JS wrapper holds, reported to V8
// (napi_adjust_external_memory) so that its garbage collector weighs a small
// wrapper by what it keeps alive: thousands of forgotten transports are then
// collected as the memory they hold, not as the few hundred bytes of their
// JS objects. Each object reports an estimate of its own bytes (measured
// figures, see the constants where it is used) and takes back exactly what
// it reported, once, when it frees them; the env's total (Addon) is what all
// live objects reported, so a test can see it return to its baseline.
//
// Ownership: kept by one binding object; the Addon outlives it (as for
// Addon::Forget). Thread: the env's thread. Safe from a basic finalizer:
// napi_adjust_external_memory takes a basic env, and an object only ever
// gives bytes back there.

#include <napi.h>

#include <cstdint>

#include "addon.h"

namespace dtlssrtp::binding {

class ExternalMemory {
 public:
  ExternalMemory(napi_env env, Addon* addon) : env_(env), addon_(addon) {}
  ~ExternalMemory() { Set(0); }
  ExternalMemory(const ExternalMemory&) = delete;
  ExternalMemory& operator=(const ExternalMemory&) = delete;

  // Reports `bytes` in all for this object (adjusts V8 by the difference).
  void Set(int64_t bytes) {
    if (bytes == reported_) return;
    int64_t adjusted = 0;
    // On failure V8 did not change: keep what it knows, try again next time.
    if (napi_adjust_external_memory(env_, bytes - reported_, &adjusted) != napi_ok) return;
    addon_->external_memory += bytes - reported_;
    reported_ = bytes;
  }
  int64_t reported() const { return reported_; }

 private:
  // Passed by argument.
  napi_env env_;
  Addon* addon_;
  // Others.
  int64_t reported_ = 0;
};

}  // namespace dtlssrtp::binding
