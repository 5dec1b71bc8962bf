// SPDX-License-Identifier: MIT
#pragma once

// The per-environment state of the addon (one instance per main thread or
// worker). Nothing here is static: every class constructor and the error
// factory live in this object, so the addon loads in any number of
// worker_threads at once.

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/dtls_context.h"

namespace dtlssrtp {

// A native object that owns OpenSSL/libsrtp resources, or work in flight
// that must learn that its env is going away (the certificate generate
// worker). The Addon closes every live one from its env cleanup hook when a
// worker is torn down, and from its destructor.
class Closeable {
 public:
  virtual ~Closeable() = default;
  // Frees native resources. Idempotent; runs no JavaScript.
  virtual void CloseNative() = 0;
};

// The in-place SRTP cells (srtp_binding.cc) alive in one env, by slot: a
// session's handle is an External whose value is its cell's id (slot and a
// never-reused generation, not a pointer), which the env's in-place functions
// check against the cell in that slot, so they never read another External
// as a cell, and find the cell without hashing. Shared by the Addon and every
// cell (a cell frees its slot when freed), so either may go first at env
// teardown.
struct InPlaceCells {
  std::vector<const void*> slots;  // the cell in each slot; null when free
  std::vector<uint32_t> free_slots;
  uint64_t next_generation = 1;
};

// Error families that map onto the TypeScript classes in lib/errors.ts.
enum class ErrorKind { kDtls, kSrtp, kCertificate, kInvalidState };
// The TypeScript class name of each kind (what the error factory receives).
const char* ErrorKindName(ErrorKind kind);

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);
  ~Addon();

  void Track(Closeable* object) { live_.insert(object); }
  void Forget(Closeable* object) { live_.erase(object); }

  // Throws (as a pending JS exception) an instance of the TypeScript error
  // class for `kind`, built by the factory registered through init(). While
  // the env terminates (worker.terminate()) no JavaScript can run: then
  // nothing is thrown, and the process goes on (never a fatal error).
  void ThrowError(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                  const std::vector<std::string>& openssl_errors = {});

  // Per-class constructors, set by each binding's Init.
  Napi::FunctionReference srtp_ctor;
  Napi::FunctionReference dtls_ctor;
  Napi::FunctionReference certificate_ctor;
  // The live cells of the env's in-place SRTP functions (srtp_binding.cc).
  std::shared_ptr<InPlaceCells> srtp_in_place_cells = std::make_shared<InPlaceCells>();
  // SSL_CTXs shared by this env's DTLS endpoints; never by another env.
  core::DtlsContextCache dtls_contexts;
  // Bytes this env's live native objects reported to V8 (ExternalMemory).
  int64_t external_memory = 0;

 private:
  Napi::Value JsInit(const Napi::CallbackInfo& info);
  Napi::Value Versions(const Napi::CallbackInfo& info);
  static void CleanupHook(void* arg);

  Napi::Env env_;
  Napi::FunctionReference error_factory_;
  std::unordered_set<Closeable*> live_;
};

// Throws TypeError with code ERR_INTERNAL_ARG: the TypeScript layer validates
// every argument, so reaching this is a bug in our TS, never user error.
// Like ThrowError, it throws nothing while the env terminates.
void ThrowInternalArg(Napi::Env env, const char* message);

}  // namespace dtlssrtp
