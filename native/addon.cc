// SPDX-License-Identifier: MIT
#include "addon.h"

#include <dlfcn.h>

#include <iterator>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include "srtp.h"

#include "binding/constants.h"
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

// Object.freeze(value): the constants are the same for every reader. It
// fails only while the env terminates, when nobody reads them any more.
Napi::Object Freeze(Napi::Env env, Napi::Object value) {
  const napi_status status = napi_object_freeze(env, value);
  static_cast<void>(status);
  return value;
}

Napi::Array FrozenStrings(Napi::Env env, const char* const* names, size_t count) {
  Napi::Array out = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  Freeze(env, out);
  return out;
}

// The result codes the SRTP packet operations return that ClassifySrtpResult
// maps to a failure other than kInternal, as [result, failure index] pairs.
// Scans every libsrtp status (srtp_err_status_t is below 64) and our own
// codes, so core::ClassifySrtpResult stays the one mapping.
Napi::Array SrtpResultFailures(Napi::Env env) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  auto add = [&](int result) {
    const core::SrtpFailure failure = core::ClassifySrtpResult(result);
    if (failure == core::SrtpFailure::kInternal) return;
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::Number::New(env, result));
    pair.Set(1u, Napi::Number::New(env, static_cast<double>(failure)));
    Freeze(env, pair);
    out.Set(n++, pair);
  };
  for (int status = 1; status < 64; ++status) add(-status);
  for (int own : {core::kSrtpBufferTooSmall, core::kSrtpBadPacket, core::kSrtpTooManyStreams, core::kSrtpKeyLimit}) {
    add(own);
  }
  Freeze(env, out);
  return out;
}

// `constants`: every table TypeScript shares with this addon (see
// native/binding/constants.h), deeply frozen. lib/*.ts derives its tables
// from it; test/native/constants.test.ts holds the two languages together.
Napi::Object MakeConstants(Napi::Env env) {
  using binding::kDropNames;
  using binding::kSrtpFailureCodes;
  using binding::kSrtpProfileNames;
  using binding::kSrtpStatsNames;
  using binding::kSrtpStatsNamesAfterFailures;
  Napi::Object out = Napi::Object::New(env);

  Napi::Array profiles = Napi::Array::New(env, std::size(kSrtpProfileNames));
  for (size_t i = 0; i < std::size(kSrtpProfileNames); ++i) {
    const binding::SrtpProfileName& entry = kSrtpProfileNames[i];
    const core::SrtpProfileInfo* info = core::FindSrtpProfile(static_cast<uint16_t>(entry.profile));
    if (info == nullptr) continue;  // a name for an id the core does not know: the test counts them
    Napi::Object p = Napi::Object::New(env);
    p.Set("name", entry.name);
    p.Set("id", Napi::Number::New(env, static_cast<double>(entry.profile)));
    p.Set("opensslName", entry.openssl_name);
    p.Set("keyLength", Napi::Number::New(env, static_cast<double>(info->key_length)));
    p.Set("saltLength", Napi::Number::New(env, static_cast<double>(info->salt_length)));
    p.Set("rtpOverhead", Napi::Number::New(env, static_cast<double>(info->rtp_overhead)));
    p.Set("rtcpOverhead", Napi::Number::New(env, static_cast<double>(info->rtcp_overhead)));
    profiles.Set(static_cast<uint32_t>(i), Freeze(env, p));
  }
  out.Set("srtpProfiles", Freeze(env, profiles));

  out.Set("srtpFailures", FrozenStrings(env, kSrtpFailureCodes, std::size(kSrtpFailureCodes)));
  out.Set("srtpResultFailures", SrtpResultFailures(env));
  Napi::Object own = Napi::Object::New(env);
  own.Set("bufferTooSmall", Napi::Number::New(env, core::kSrtpBufferTooSmall));
  own.Set("badPacket", Napi::Number::New(env, core::kSrtpBadPacket));
  own.Set("tooManyStreams", Napi::Number::New(env, core::kSrtpTooManyStreams));
  own.Set("keyLimit", Napi::Number::New(env, core::kSrtpKeyLimit));
  out.Set("srtpOwnResults", Freeze(env, own));

  // core::SrtpStats by index: the counters, the failure counters by code, the rest.
  Napi::Array stats = Napi::Array::New(env, core::SrtpStats::kCount);
  uint32_t index = 0;
  for (const char* name : kSrtpStatsNames) stats.Set(index++, name);
  for (const char* code : kSrtpFailureCodes) stats.Set(index++, code);
  for (const char* name : kSrtpStatsNamesAfterFailures) stats.Set(index++, name);
  out.Set("srtpStats", Freeze(env, stats));

  const core::SrtpOptions defaults;
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("maxPacketLength", Napi::Number::New(env, static_cast<double>(core::kMaxPacketLength)));
  limits.Set("minReplayWindow", Napi::Number::New(env, core::kMinReplayWindow));
  limits.Set("maxReplayWindow", Napi::Number::New(env, core::kMaxReplayWindow));
  limits.Set("defaultReplayWindow", Napi::Number::New(env, defaults.replay_window));
  limits.Set("maxRemoteStreams", Napi::Number::New(env, core::kMaxRemoteStreamsLimit));
  limits.Set("defaultRemoteStreams", Napi::Number::New(env, defaults.max_remote_streams));
  limits.Set("maxLocalStreams", Napi::Number::New(env, core::kMaxLocalStreamsLimit));
  limits.Set("defaultLocalStreams", Napi::Number::New(env, defaults.max_local_streams));
  out.Set("srtpLimits", Freeze(env, limits));

  Napi::Object statuses = Napi::Object::New(env);
  for (int i = 0;; ++i) {
    const char* name = binding::DtlsStatusName(static_cast<core::DtlsStatus>(i));
    if (name == nullptr) break;
    statuses.Set(name, Napi::Number::New(env, i));
  }
  out.Set("dtlsStatuses", Freeze(env, statuses));

  Napi::Array drops = Napi::Array::New(env, std::size(kDropNames));
  for (size_t i = 0; i < std::size(kDropNames); ++i) drops.Set(static_cast<uint32_t>(i), kDropNames[i].name);
  out.Set("dtlsDropReasons", Freeze(env, drops));

  const ErrorKind kinds[] = {ErrorKind::kDtls, ErrorKind::kSrtp, ErrorKind::kCertificate, ErrorKind::kInvalidState};
  Napi::Array kind_names = Napi::Array::New(env, std::size(kinds));
  for (size_t i = 0; i < std::size(kinds); ++i) kind_names.Set(static_cast<uint32_t>(i), ErrorKindName(kinds[i]));
  out.Set("errorClasses", Freeze(env, kind_names));

  Freeze(env, out);
  return out;
}

}  // namespace

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kDtls: return "DtlsError";
    case ErrorKind::kSrtp: return "SrtpError";
    case ErrorKind::kCertificate: return "CertificateError";
    case ErrorKind::kInvalidState: return "InvalidStateError";
  }
  return "DtlsError";
}

Addon::Addon(Napi::Env env, Napi::Object exports) : env_(env) {
  PinModule();
  DefineAddon(exports, {
                           InstanceMethod("init", &Addon::JsInit),
                           InstanceMethod("versions", &Addon::Versions),
                           InstanceValue("constants", MakeConstants(env), napi_enumerable),
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
  const char* kind_name = ErrorKindName(kind);
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
