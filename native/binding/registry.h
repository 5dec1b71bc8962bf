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

// NativeUdp (udp_binding.cc).
void InitUdpBinding(Napi::Env env, Napi::Object exports, Addon* addon);

// Reads the optional SRTP creation arguments shared by `new NativeSrtp` and
// NativeDtls createSrtp: encryptedHeaderIds (Int32Array) and keyLimits
// (Float64Array [srtpSoft, srtpHard, srtcpSoft, srtcpHard]), each may be
// undefined. False for a wrong type or shape (SrtpContext::Create checks
// the values).
bool ParseSrtpExtras(Napi::Env env, Napi::Value ids, Napi::Value limits, core::SrtpOptions* options);
// Whether `value` is a NativeSrtp object of this env (napi_instanceof).
bool IsSrtpObject(Napi::Env env, Addon* addon, napi_value value);
// The live context of an object IsSrtpObject accepted, or nullptr once it
// is closed. The pointer is valid until that object is closed: callers
// resolve it again after any JavaScript ran.
core::SrtpContext* SrtpContextOf(Napi::Env env, napi_value srtp_object);

}  // namespace binding
}  // namespace dtlssrtp
