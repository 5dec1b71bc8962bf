// SPDX-License-Identifier: MIT
#include "binding/certificate_binding.h"

#include <string>

#include "binding/registry.h"

namespace dtlssrtp::binding {
namespace {

constexpr uint32_t kMaxValidityDays = 3650;
constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280)

// Generates on the libuv pool; Execute touches only what this object owns.
class GenerateWorker : public Napi::AsyncWorker {
 public:
  GenerateWorker(Napi::Env env, Addon* addon, core::KeyType type, uint32_t days, std::string common_name)
      : Napi::AsyncWorker(env, "dtlssrtp:generateCertificate"),
        deferred_(Napi::Promise::Deferred::New(env)),
        addon_(addon),
        type_(type),
        days_(days),
        common_name_(std::move(common_name)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { certificate_ = core::Certificate::Generate(type_, days_, common_name_, &error_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!certificate_) {
      ThrowCertificateError(env, addon_, error_);
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    Napi::Object object = addon_->certificate_ctor.New({});
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    CertificateBinding::Unwrap(object)->Adopt(std::move(certificate_));
    deferred_.Resolve(object);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Addon* addon_;
  core::KeyType type_;
  uint32_t days_;
  std::string common_name_;
  std::unique_ptr<core::Certificate> certificate_;
  core::CertificateError error_;
};

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
  core::CertificateError error;
  certificate_ = core::Certificate::FromPem(info[0].As<Napi::String>().Utf8Value(),
                                            info[1].As<Napi::String>().Utf8Value(), &error);
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
  auto* worker =
      new GenerateWorker(env, addon, type == 0 ? core::KeyType::kEcdsaP256 : core::KeyType::kRsa2048,
                         static_cast<uint32_t>(days), std::move(common_name));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// toPem() → { cert, key }
Napi::Value CertificateBinding::ToPem(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const core::Certificate* certificate = Live(env);
  if (certificate == nullptr) return env.Undefined();
  std::string cert;
  std::string key;
  if (!certificate->CertificatePem(&cert) || !certificate->PrivateKeyPem(&key)) {
    addon_->ThrowError(env, ErrorKind::kCertificate, "ERR_CERT_PARSE",
                       "Could not encode the certificate as PEM");
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("cert", cert);
  out.Set("key", key);
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
