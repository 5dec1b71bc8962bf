// SPDX-License-Identifier: MIT
#include "addon.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include "srtp.h"

#include "binding/registry.h"

namespace dtlssrtp {

Addon::Addon(Napi::Env env, Napi::Object exports) : env_(env) {
  DefineAddon(exports, {
                           InstanceMethod("init", &Addon::JsInit),
                           InstanceMethod("versions", &Addon::Versions),
                       });
  binding::InitSrtpBinding(env, exports, this);
  binding::InitDtlsBinding(env, exports, this);
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

void Addon::ThrowError(Napi::Env env, ErrorKind kind, const char* code, const std::string& message,
                       const std::vector<std::string>& openssl_errors) {
  const char* kind_name = "DtlsError";
  switch (kind) {
    case ErrorKind::kDtls: kind_name = "DtlsError"; break;
    case ErrorKind::kSrtp: kind_name = "SrtpError"; break;
    case ErrorKind::kCertificate: kind_name = "CertificateError"; break;
    case ErrorKind::kInvalidState: kind_name = "InvalidStateError"; break;
  }
  if (error_factory_.IsEmpty()) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Set("code", code);
    error.ThrowAsJavaScriptException();
    return;
  }
  Napi::Array errors = Napi::Array::New(env, openssl_errors.size());
  for (size_t i = 0; i < openssl_errors.size(); ++i) errors.Set(static_cast<uint32_t>(i), openssl_errors[i]);
  Napi::Value error = error_factory_.Call({Napi::String::New(env, kind_name), Napi::String::New(env, code),
                                           Napi::String::New(env, message), errors});
  if (env.IsExceptionPending()) return;
  Napi::Error(env, error).ThrowAsJavaScriptException();
}

void ThrowInternalArg(Napi::Env env, const char* message) {
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", "ERR_INTERNAL_ARG");
  error.ThrowAsJavaScriptException();
}

}  // namespace dtlssrtp

using DtlsSrtpAddon = dtlssrtp::Addon;
NODE_API_ADDON(DtlsSrtpAddon)
