// SPDX-License-Identifier: MIT
#include "binding/certificate_binding.h"

#include <string>

#include "binding/registry.h"

namespace dtlssrtp::binding {
namespace {

constexpr uint32_t kMaxValidityDays = 3650;
constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280)

// Generates on the libuv pool; Execute touches only what this object owns.
// OnOK runs on the env's thread, possibly while the env is being torn down
// (worker.terminate() drains finished pool work during cleanup): then no
// JavaScript can run and nobody awaits the promise. The worker is tracked
// by the Addon like any native object, so the cleanup hook (or the Addon's
// destructor) detaches it and OnOK never touches a gone Addon.
class GenerateWorker : public Napi::AsyncWorker, public Closeable {
 public:
  GenerateWorker(Napi::Env env, Addon* addon, napi_deferred deferred, core::KeyType type, uint32_t days,
                 std::string common_name)
      : Napi::AsyncWorker(env, "dtlssrtp:generateCertificate"),
        addon_(addon),
        deferred_(deferred),
        type_(type),
        days_(days),
        common_name_(std::move(common_name)) {
    addon_->Track(this);
  }

  ~GenerateWorker() override {
    if (addon_ != nullptr) addon_->Forget(this);
  }

  // Called by the Addon's cleanup hook: the env is going away.
  void CloseNative() override { addon_ = nullptr; }

  void Execute() override { certificate_ = core::Certificate::Generate(type_, days_, common_name_, &error_); }

  void OnOK() override {
    napi_env env = Env();
    if (addon_ == nullptr || addon_->certificate_ctor.IsEmpty()) return;  // env torn down
    Napi::HandleScope scope(Env());
    if (!certificate_) {
      ThrowCertificateError(Env(), addon_, error_);
      Settle(env, false, TakeException(env));
      return;
    }
    napi_value ctor = addon_->certificate_ctor.Value();
    napi_value object = nullptr;
    if (ctor == nullptr || napi_new_instance(env, ctor, 0, nullptr, &object) != napi_ok || object == nullptr) {
      // The constructor threw (reject with that) or the env is terminating.
      Settle(env, false, TakeException(env));
      return;
    }
    CertificateBinding* binding = nullptr;
    if (napi_unwrap(env, object, reinterpret_cast<void**>(&binding)) != napi_ok || binding == nullptr) return;
    binding->Adopt(std::move(certificate_));
    Settle(env, true, object);
  }

 private:
  // The pending exception, or nullptr if there is none (env terminating).
  static napi_value TakeException(napi_env env) {
    bool pending = false;
    napi_value exception = nullptr;
    if (napi_is_exception_pending(env, &pending) != napi_ok || !pending ||
        napi_get_and_clear_last_exception(env, &exception) != napi_ok) {
      return nullptr;
    }
    return exception;
  }

  // Resolves or rejects once. Without a value (the env could not build one
  // because it is terminating) the promise is left to the env's teardown.
  void Settle(napi_env env, bool resolve, napi_value value) {
    if (deferred_ == nullptr || value == nullptr) return;
    const napi_status status =
        resolve ? napi_resolve_deferred(env, deferred_, value) : napi_reject_deferred(env, deferred_, value);
    static_cast<void>(status);  // fails only while the env terminates
    deferred_ = nullptr;
  }

  // Passed by argument; nullptr once the env's cleanup hook ran.
  Addon* addon_;
  napi_deferred deferred_;
  core::KeyType type_;
  uint32_t days_;
  std::string common_name_;
  // Allocated by this (on the pool thread, handed over in OnOK).
  std::unique_ptr<core::Certificate> certificate_;
  core::CertificateError error_;
};

// Copies a JS string's UTF-8 into `out` with one allocation of its final
// size (no reallocation leaving a stale copy). False only if the env
// cannot read it (it is terminating).
bool ReadSecureString(napi_env env, napi_value value, core::SecureString* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->text().resize(length);  // one allocation of length + 1
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, value, &out->text()[0], length + 1, &copied) != napi_ok) return false;
  out->text().resize(copied);
  return true;
}

}  // namespace

void ThrowCertificateError(Napi::Env env, Addon* addon, const core::CertificateError& error) {
  const char* code = "ERR_CERT_PARSE";
  switch (error.failure) {
    case core::CertificateFailure::kUnsupportedAlgorithm:
      code = "ERR_CERT_UNSUPPORTED_ALGORITHM";
      break;
    case core::CertificateFailure::kGenerate:
      code = "ERR_CERT_GENERATE";
      break;
    default:
      break;
  }
  addon->ThrowError(env, ErrorKind::kCertificate, code, error.message, error.openssl_errors);
}

void CertificateBinding::Init(Napi::Env env, Napi::Object exports, Addon* addon) {
  Napi::Function ctor = DefineClass(env, "NativeCertificate",
                                    {
                                        StaticMethod("generate", &CertificateBinding::Generate),
                                        InstanceMethod("toPem", &CertificateBinding::ToPem),
                                        InstanceMethod("der", &CertificateBinding::Der),
                                        InstanceMethod("notAfter", &CertificateBinding::NotAfter),
                                    });
  addon->certificate_ctor = Napi::Persistent(ctor);
  exports.Set("NativeCertificate", ctor);
}

const core::Certificate* CertificateBinding::FromValue(Addon* addon, Napi::Value value) {
  if (!value.IsObject() || addon->certificate_ctor.IsEmpty()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  bool is_instance = false;
  if (napi_instanceof(value.Env(), object, addon->certificate_ctor.Value(), &is_instance) != napi_ok ||
      !is_instance) {
    return nullptr;
  }
  CertificateBinding* self = Unwrap(object);
  return self == nullptr ? nullptr : self->certificate_.get();
}

// new NativeCertificate() — empty, for the generate worker to fill;
// new NativeCertificate(certPem, keyPem) — parses (throws CertificateError).
CertificateBinding::CertificateBinding(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<CertificateBinding>(info), addon_(info.Env().GetInstanceData<Addon>()) {
  Napi::Env env = info.Env();
  addon_->Track(this);
  if (info.Length() == 0) return;
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsString()) {
    ThrowInternalArg(env, "NativeCertificate expects (certPem, keyPem)");
    return;
  }
  // The key's text goes into memory that is wiped when freed, never into a
  // plain std::string (Napi::String::Utf8Value would make one).
  core::SecureString key;
  if (!ReadSecureString(env, info[1], &key)) return;
  core::CertificateError error;
  certificate_ = core::Certificate::FromPem(info[0].As<Napi::String>().Utf8Value(), key.text(), &error);
  if (!certificate_) ThrowCertificateError(env, addon_, error);
}

CertificateBinding::~CertificateBinding() {
  addon_->Forget(this);
  certificate_.reset();
}

const core::Certificate* CertificateBinding::Live(Napi::Env env) {
  if (!certificate_) {
    addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE", "Certificate is not available");
    return nullptr;
  }
  return certificate_.get();
}

// generate(keyType: 0 = ECDSA P-256 | 1 = RSA-2048, validityDays, commonName) → Promise<NativeCertificate>
Napi::Value CertificateBinding::Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = env.GetInstanceData<Addon>();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString()) {
    ThrowInternalArg(env, "generate expects (keyType, validityDays, commonName)");
    return env.Undefined();
  }
  const int32_t type = info[0].As<Napi::Number>().Int32Value();
  const int64_t days = info[1].As<Napi::Number>().Int64Value();
  std::string common_name = info[2].As<Napi::String>().Utf8Value();
  if ((type != 0 && type != 1) || days < 1 || days > kMaxValidityDays || common_name.empty() ||
      common_name.size() > kMaxCommonName) {
    ThrowInternalArg(env, "generate arguments out of range");
    return env.Undefined();
  }
  napi_deferred deferred = nullptr;
  napi_value promise = nullptr;
  if (napi_create_promise(env, &deferred, &promise) != napi_ok) return env.Undefined();
  auto* worker =
      new GenerateWorker(env, addon, deferred, type == 0 ? core::KeyType::kEcdsaP256 : core::KeyType::kRsa2048,
                         static_cast<uint32_t>(days), std::move(common_name));
  worker->Queue();
  return Napi::Value(env, promise);
}

// toPem() → { cert, key }
Napi::Value CertificateBinding::ToPem(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const core::Certificate* certificate = Live(env);
  if (certificate == nullptr) return env.Undefined();
  std::string cert;
  core::SecureString key;
  if (!certificate->CertificatePem(&cert) || !certificate->PrivateKeyPem(&key)) {
    addon_->ThrowError(env, ErrorKind::kCertificate, "ERR_CERT_PARSE",
                       "Could not encode the certificate as PEM");
    return env.Undefined();
  }
  // (The JS string V8 makes of the key is beyond our reach; our copy is wiped.)
  Napi::Object out = Napi::Object::New(env);
  out.Set("cert", cert);
  out.Set("key", Napi::String::New(env, key.data(), key.size()));
  return out;
}

Napi::Value CertificateBinding::Der(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const core::Certificate* certificate = Live(env);
  if (certificate == nullptr) return env.Undefined();
  std::vector<uint8_t> der;
  if (!certificate->Der(&der)) {
    addon_->ThrowError(env, ErrorKind::kCertificate, "ERR_CERT_PARSE",
                       "Could not encode the certificate as DER");
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::Copy(env, der.data(), der.size());
}

// notAfter() → seconds since the epoch
Napi::Value CertificateBinding::NotAfter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const core::Certificate* certificate = Live(env);
  if (certificate == nullptr) return env.Undefined();
  int64_t seconds = 0;
  if (!certificate->NotAfter(&seconds)) {
    addon_->ThrowError(env, ErrorKind::kCertificate, "ERR_CERT_PARSE",
                       "Could not read the certificate validity");
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(seconds));
}

}  // namespace dtlssrtp::binding
