// SPDX-License-Identifier: MIT
#pragma once

// Each binding class registers its JS constructor on `exports` and stores it
// in the Addon. Called once per environment from the Addon constructor.

#include <napi.h>

#include <memory>

#include "core/srtp_context.h"

namespace dtlssrtp {
class Addon;
namespace binding {

void InitSrtpBinding(Napi::Env env, Napi::Object exports, Addon* addon);
// NativeCertificate and NativeDtls (dtls_binding.cc).
void InitDtlsBinding(Napi::Env env, Napi::Object exports, Addon* addon);

// Wraps a context created natively (the DTLS endpoint's keying export) in a
// new NativeSrtp JS object, so keys never cross into JavaScript.
Napi::Object NewSrtpObject(Napi::Env env, Addon* addon, std::unique_ptr<core::SrtpContext> context);

}  // namespace binding
}  // namespace dtlssrtp
