// SPDX-License-Identifier: MIT
#include "addon.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include "srtp.h"

#include "binding/registry.h"

namespace dtlssrtp {

namespace {

// Keeps the addon mapped for the life of the process. Node unloads an addon
// when the last environment that loaded it (say, the only worker) goes away,
// but what is linked into it keeps process-wide state that cannot be torn
// down while other threads may still run: libsrtp's crypto kernel (srtp_init,
// once per process, never shut down) and OpenSSL's per-thread state on
// libuv's pool threads, whose thread-exit destructors point into this code.
// Unloaded, that state leaks on every load/unload cycle and those destructors
// would call into unmapped memory. RTLD_NOLOAD only looks the module up (we
// are running in it) and RTLD_NODELETE makes every later dlclose a no-op; the
// handle is deliberately never closed. If the lookup fails, the addon works as
// before, merely unpinned.
void PinModule() {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&PinModule), &self) == 0 || self.dli_fname == nullptr) return;
  void* handle = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  static_cast<void>(handle);
}

}  // namespace

Addon::Addon(Napi::Env env, Napi::Object exports) : env_(env) {
  PinModule();
  DefineAddon(exports, {
                           InstanceMethod("init", &Addon::JsInit),
                           InstanceMethod("versions", &Addon::Versions),
                       });
  binding::InitSrtpBinding(env, exports, this);
  binding::InitDtlsBinding(env, exports, this);
  binding::InitUdpBinding(env, exports, this);
  napi_add_env_cleanup_hook(env, &Addon::CleanupHook, this);
}

Addon::~Addon() {
  napi_remove_env_cleanup_hook(env_, &Addon::CleanupHook, this);
  CleanupHook(this);
}

void Addon::CleanupHook(void* arg) {
  auto* self = static_cast<Addon*>(arg);
  // CloseNative may Forget() itself; iterate over a snapshot.
  std::vector<Closeable*> live(self->live_.begin(), self->live_.end());
  self->live_.clear();
  for (Closeable* object : live) object->CloseNative();
}

// init({ makeError }) — called once by lib/native.ts right after loading.
Napi::Value Addon::JsInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsFunction()) {
    ThrowInternalArg(env, "init expects the error factory");
    return env.Undefined();
  }
  error_factory_ = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

// versions() — what the addon really runs, not what it was compiled against.
Napi::Value Addon::Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("openssl", OpenSSL_version(OPENSSL_VERSION));
  out.Set("opensslNumber", Napi::Number::New(env, static_cast<double>(OpenSSL_version_num())));
  out.Set("opensslHeaders", OPENSSL_VERSION_TEXT);
  out.Set("libsrtp", srtp_get_version_string());
  out.Set("napi", Napi::Number::New(env, NAPI_VERSION));
  // Which loaded object provides OpenSSL's code: with our static, hidden link
  // this is the addon itself, never the node binary.
  Dl_info where{};
  if (dladdr(reinterpret_cast<void*>(&OpenSSL_version), &where) != 0 && where.dli_fname != nullptr) {
    out.Set("opensslObject", where.dli_fname);
  }
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&Addon::CleanupHook), &self) != 0 && self.dli_fname != nullptr) {
    out.Set("addonObject", self.dli_fname);
  }
  return out;
}

namespace {

// Throws `error` unless the env can no longer run JavaScript. napi_throw
// fails only while the env is terminating (worker.terminate(), process
// exit), and then there is nobody left to catch the error: dropping it is
// the only correct outcome (node-addon-api's ThrowAsJavaScriptException would
// abort the whole process instead).
void ThrowIfPossible(napi_env env, napi_value error) {
  if (error == nullptr) return;
  napi_status status = napi_throw(env, error);
  static_cast<void>(status);
}

// A plain Error (or TypeError) with a `code` property, built with raw
// Node-API calls that report failure instead of aborting; nullptr when the
// env cannot build it (it is terminating).
napi_value PlainError(napi_env env, bool type_error, const char* code, const std::string& message) {
  napi_value code_value = nullptr;
  napi_value message_value = nullptr;
  napi_value error = nullptr;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) != napi_ok ||
      napi_create_string_utf8(env, message.data(), message.size(), &message_value) != napi_ok) {
    return nullptr;
  }
  const napi_status status = type_error ? napi_create_type_error(env, code_value, message_value, &error)
                                        : napi_create_error(env, code_value, message_value, &error);
  return status == napi_ok ? error : nullptr;
}

}  // namespace

void Addon::ThrowError(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                       const std::vector<std::string>& openssl_errors) {
  const char* kind_name = "DtlsError";
  switch (kind) {
    case ErrorKind::kDtls: kind_name = "DtlsError"; break;
    case ErrorKind::kSrtp: kind_name = "SrtpError"; break;
    case ErrorKind::kCertificate: kind_name = "CertificateError"; break;
    case ErrorKind::kInvalidState: kind_name = "InvalidStateError"; break;
  }
  // Every step checks its status: while the env terminates, calls that run
  // JavaScript fail, and the error is then dropped (see ThrowIfPossible).
  if (error_factory_.IsEmpty()) {
    ThrowIfPossible(env, PlainError(env, false, code, message));
    return;
  }
  napi_value args[4] = {nullptr, nullptr, nullptr, nullptr};
  if (napi_create_string_utf8(env, kind_name, NAPI_AUTO_LENGTH, &args[0]) != napi_ok ||
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &args[1]) != napi_ok ||
      napi_create_string_utf8(env, message.data(), message.size(), &args[2]) != napi_ok ||
      napi_create_array_with_length(env, openssl_errors.size(), &args[3]) != napi_ok) {
    return;
  }
  for (size_t i = 0; i < openssl_errors.size(); ++i) {
    napi_value item = nullptr;
    if (napi_create_string_utf8(env, openssl_errors[i].data(), openssl_errors[i].size(), &item) != napi_ok ||
        napi_set_element(env, args[3], static_cast<uint32_t>(i), item) != napi_ok) {
      return;
    }
  }
  napi_value factory = error_factory_.Value();
  napi_value undefined = nullptr;
  napi_value error = nullptr;
  if (factory == nullptr || napi_get_undefined(env, &undefined) != napi_ok ||
      napi_call_function(env, undefined, factory, 4, args, &error) != napi_ok) {
    return;  // the factory threw (that exception stays pending) or the env is terminating
  }
  ThrowIfPossible(env, error);
}

void ThrowInternalArg(Napi::Env env, const char* message) {
  ThrowIfPossible(env, PlainError(env, true, "ERR_INTERNAL_ARG", message));
}

}  // namespace dtlssrtp

using DtlsSrtpAddon = dtlssrtp::Addon;
NODE_API_ADDON(DtlsSrtpAddon)
