// SPDX-License-Identifier: MIT
#pragma once

// NativeCertificate: the JS face of core::Certificate. Lives on the JS thread
// of its env; the generate worker hands over a finished core object.

#include <napi.h>

#include <memory>

#include "addon.h"
#include "core/certificate.h"

namespace dtlssrtp::binding {

class CertificateBinding : public Napi::ObjectWrap<CertificateBinding>, public Closeable {
 public:
  static void Init(Napi::Env env, Napi::Object exports, Addon* addon);
  // The core certificate behind `value`, or nullptr when `value` is not a live
  // NativeCertificate of this env.
  static const core::Certificate* FromValue(Addon* addon, Napi::Value value);

  explicit CertificateBinding(const Napi::CallbackInfo& info);
  ~CertificateBinding() override;
  void CloseNative() override { certificate_.reset(); }

  void Adopt(std::unique_ptr<core::Certificate> certificate) { certificate_ = std::move(certificate); }

 private:
  static Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value ToPem(const Napi::CallbackInfo& info);
  Napi::Value Der(const Napi::CallbackInfo& info);
  Napi::Value NotAfter(const Napi::CallbackInfo& info);
  const core::Certificate* Live(Napi::Env env);

  // Passed by argument.
  Addon* addon_;
  // Allocated by this (or adopted from the generate worker).
  std::unique_ptr<core::Certificate> certificate_;
};

// Throws the CertificateError that `error` describes.
void ThrowCertificateError(Napi::Env env, Addon* addon, const core::CertificateError& error);

}  // namespace dtlssrtp::binding
