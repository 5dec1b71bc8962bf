// SPDX-License-Identifier: MIT
// NativeDtls: the JS face of core::DtlsEndpoint. Every step takes the
// TypeScript verifier as an argument instead of keeping a reference to it, so
// no persistent handle ties the endpoint to the transport that owns it.

#include <napi.h>
#include <openssl/crypto.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "binding/certificate_binding.h"
#include "binding/constants.h"
#include "binding/external_memory.h"
#include "binding/registry.h"
#include "core/dtls_endpoint.h"
#include "core/srtp_context.h"

namespace dtlssrtp::binding {
namespace {

constexpr uint32_t kMinMtu = 256;
constexpr uint32_t kMaxMtu = 65507;  // largest UDP payload over IPv4
constexpr uint32_t kMaxInitialRtoMs = 60000;
constexpr size_t kMaxDatagram = 65535;
constexpr size_t kMaxExportLength = 1024;
constexpr size_t kMaxLabelLength = 256;

// What an endpoint holds (OpenSSL's and ours), as reported to V8: measured
// on OpenSSL 3.0.19 with the shared context, ECDSA P-256 (the core test
// prints the figures): about 10 KB created, 75 KB in the middle of a
// handshake, 3.7 KB connected (the SSL freed, our record layer kept).
constexpr int64_t kEndpointNewBytes = 10 * 1024;
constexpr int64_t kEndpointHandshakeBytes = 76 * 1024;
constexpr int64_t kEndpointConnectedBytes = 4 * 1024;

int64_t EndpointBytes(core::DtlsStatus status) {
  switch (status) {
    case core::DtlsStatus::kNew:
      return kEndpointNewBytes;
    case core::DtlsStatus::kConnected:
      return kEndpointConnectedBytes;
    default:
      return kEndpointHandshakeBytes;
  }
}

const char* FailureCode(core::DtlsFailure failure) {
  switch (failure) {
    case core::DtlsFailure::kFingerprint:
      return "ERR_DTLS_FINGERPRINT_MISMATCH";
    case core::DtlsFailure::kNoSrtpProfile:
      return "ERR_DTLS_NO_SRTP_PROFILE";
    case core::DtlsFailure::kAlert:
      return "ERR_DTLS_ALERT";
    case core::DtlsFailure::kTimeout:
      return "ERR_DTLS_TIMEOUT";
    case core::DtlsFailure::kWrite:
      return "ERR_DTLS_WRITE";
    default:
      return "ERR_DTLS_HANDSHAKE";
  }
}

Napi::Array ToBufferArray(Napi::Env env, const std::vector<std::vector<uint8_t>>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    out.Set(static_cast<uint32_t>(i), Napi::Buffer<uint8_t>::Copy(env, items[i].data(), items[i].size()));
  }
  return out;
}

}  // namespace

class DtlsBinding : public Napi::ObjectWrap<DtlsBinding>, public Closeable {
 public:
  static void Init(Napi::Env env, Napi::Object exports, Addon* addon) {
    Napi::Function ctor =
        DefineClass(env, "NativeDtls",
                    {
                        InstanceMethod("start", &DtlsBinding::Start),
                        InstanceMethod("receive", &DtlsBinding::Receive),
                        InstanceMethod("handleTimeout", &DtlsBinding::HandleTimeout),
                        InstanceMethod("continueHandshake", &DtlsBinding::ContinueHandshake),
                        InstanceMethod("send", &DtlsBinding::Send),
                        InstanceMethod("close", &DtlsBinding::Close),
                        InstanceMethod("release", &DtlsBinding::Release),
                        InstanceMethod("awaitingClientFlight", &DtlsBinding::AwaitingClientFlight),
                        InstanceMethod("info", &DtlsBinding::Info),
                        InstanceMethod("remoteCertificate", &DtlsBinding::RemoteCertificate),
                        InstanceMethod("exportKeyingMaterial", &DtlsBinding::ExportKeyingMaterial),
                        InstanceMethod("createSrtp", &DtlsBinding::CreateSrtp),
                        InstanceMethod("setKeylog", &DtlsBinding::SetKeylog),
                        StaticMethod("contextStats", &DtlsBinding::ContextStats),
                        StaticMethod("memoryStats", &DtlsBinding::MemoryStats),
                    });
    addon->dtls_ctor = Napi::Persistent(ctor);
    exports.Set("NativeDtls", ctor);
  }

  // new NativeDtls(certificate, isServer, srtpProfiles, mtu, initialRtoMs,
  // serverCookies): positional (a named option costs a string-table lookup
  // per get); lib/native.ts takes them as a NativeDtlsOptions object.
  explicit DtlsBinding(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<DtlsBinding>(info),
        addon_(info.Env().GetInstanceData<Addon>()),
        memory_(info.Env(), addon_) {
    Napi::Env env = info.Env();
    addon_->Track(this);
    if (info.Length() != 6) {
      ThrowInternalArg(env, "NativeDtls expects (certificate, isServer, srtpProfiles, mtu, initialRtoMs, serverCookies)");
      return;
    }
    Napi::Value certificate_value = info[0];
    const core::Certificate* certificate = CertificateBinding::FromValue(addon_, certificate_value);
    if (env.IsExceptionPending()) return;
    Napi::Value is_server = info[1];
    Napi::Value profiles = info[2];
    Napi::Value mtu = info[3];
    Napi::Value rto = info[4];
    Napi::Value cookies = info[5];
    if (certificate == nullptr || !is_server.IsBoolean() || !profiles.IsString() || !mtu.IsNumber() ||
        !rto.IsNumber() || !cookies.IsBoolean()) {
      ThrowInternalArg(env, "NativeDtls options have the wrong types");
      return;
    }
    core::DtlsConfig config;
    config.is_server = is_server.As<Napi::Boolean>().Value();
    const int64_t mtu_value = mtu.As<Napi::Number>().Int64Value();
    const int64_t rto_value = rto.As<Napi::Number>().Int64Value();
    if (mtu_value < kMinMtu || mtu_value > kMaxMtu || rto_value < 1 || rto_value > kMaxInitialRtoMs) {
      ThrowInternalArg(env, "NativeDtls mtu or initialRtoMs out of range");
      return;
    }
    config.mtu = static_cast<size_t>(mtu_value);
    config.initial_rto_ms = static_cast<uint32_t>(rto_value);
    config.server_cookies = cookies.As<Napi::Boolean>().Value();
    std::string message;
    std::vector<std::string> errors;
    // One SSL_CTX per (certificate, SRTP profiles) in this env, shared by
    // the endpoints and held by the certificate's JS object too: a server
    // that runs one session after another with one certificate makes it
    // once. It goes with the last of them (the certificate's finalizer, or
    // the last endpoint).
    bool created = false;
    config.context =
        addon_->dtls_contexts.Acquire(certificate->x509(), certificate->key(),
                                      profiles.As<Napi::String>().Utf8Value(), &message, &errors, &created);
    if (!config.context) {
      addon_->ThrowError(env, ErrorKind::kDtls, "ERR_DTLS_INTERNAL", message, errors);
      return;
    }
    if (created && certificate_value.IsObject()) {
      using Holder = std::shared_ptr<const core::DtlsContext>;
      auto* held = new Holder(config.context);
      certificate_value.As<Napi::Object>().AddFinalizer([](Napi::BasicEnv, Holder* h) { delete h; }, held);
      if (env.IsExceptionPending()) {  // not registered
        delete held;
        return;
      }
    }
    endpoint_ = core::DtlsEndpoint::Create(config, &message, &errors);
    if (!endpoint_) {
      addon_->ThrowError(env, ErrorKind::kDtls, "ERR_DTLS_INTERNAL", message, errors);
      return;
    }
    memory_.Set(EndpointBytes(endpoint_->status()));
  }

  // NativeDtls.memoryStats() → { externalMemory, mallocInUse }: the bytes
  // this env's native objects reported to V8, and the C heap in use in the
  // whole process (glibc mallinfo2; -1 elsewhere). A test and benchmark
  // seam, not part of the public API.
  static Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("externalMemory",
            Napi::Number::New(env, static_cast<double>(env.GetInstanceData<Addon>()->external_memory)));
    double in_use = -1;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    in_use = static_cast<double>(mallinfo2().uordblks);
#endif
    out.Set("mallocInUse", Napi::Number::New(env, in_use));
    return out;
  }

  // NativeDtls.contextStats() → { live, created, keylog } of this env's
  // shared SSL_CTXs, keylog: live ones with the key-log callback registered
  // (a test seam; not part of the public API).
  static Napi::Value ContextStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const core::DtlsContextCache& contexts = env.GetInstanceData<Addon>()->dtls_contexts;
    Napi::Object out = Napi::Object::New(env);
    out.Set("live", Napi::Number::New(env, static_cast<double>(contexts.live())));
    out.Set("created", Napi::Number::New(env, static_cast<double>(contexts.created())));
    out.Set("keylog", Napi::Number::New(env, static_cast<double>(contexts.keylog_live())));
    return out;
  }

  ~DtlsBinding() override {
    addon_->Forget(this);
    FreeEndpoint();
  }

  void CloseNative() override { FreeEndpoint(); }

 private:
  core::DtlsEndpoint* Live(Napi::Env env) {
    if (!endpoint_) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE", "DTLS endpoint is closed");
      return nullptr;
    }
    return endpoint_.get();
  }

  // Frees the endpoint (its SSL, and its share of the context) and takes
  // back exactly what it reported to V8.
  void FreeEndpoint() {
    endpoint_.reset();
    memory_.Set(0);
  }

  // Wraps the TypeScript verifier: (der: Buffer) => 0 reject | 1 accept | 2 unknown.
  static core::Verifier MakeVerifier(Napi::Env env, Napi::Value value) {
    if (!value.IsFunction()) return core::Verifier();
    Napi::Function fn = value.As<Napi::Function>();
    return [env, fn](const uint8_t* der, size_t length) {
      Napi::HandleScope scope(env);
      Napi::Value verdict = fn.Call({Napi::Buffer<uint8_t>::Copy(env, der, length)});
      if (env.IsExceptionPending()) {
        // A throwing verifier is a bug in our TS; never let it accept.
        env.GetAndClearPendingException();
        return core::VerifyVerdict::kReject;
      }
      if (!verdict.IsNumber()) return core::VerifyVerdict::kReject;
      switch (verdict.As<Napi::Number>().Int32Value()) {
        case 1:
          return core::VerifyVerdict::kAccept;
        case 2:
          return core::VerifyVerdict::kUnknown;
        default:
          return core::VerifyVerdict::kReject;
      }
    };
  }

  // [status, timeoutMs, datagrams, extras?], extras = { data?, keylog?,
  // sentAlert?, receivedAlert?, failure?, opensslErrors? } only when one of
  // them is there. Positional: N-API names a property by a C string, which V8
  // looks up in its string table at every set (about a thousand instructions
  // each), while an index costs next to nothing. lib/native.ts turns the
  // array back into a NativeDtlsStep object.
  Napi::Array StepResult(Napi::Env env, core::DtlsEndpoint* endpoint, core::DtlsStatus status) {
    memory_.Set(EndpointBytes(status));
    Napi::Array datagrams = ToBufferArray(env, endpoint->TakeDatagrams());
    std::vector<std::vector<uint8_t>> data = endpoint->TakeAppData();
    const bool failed = status == core::DtlsStatus::kFailed;
    const bool keylog = endpoint->HasKeylog();
    const bool extras =
        failed || keylog || !data.empty() || endpoint->sent_alert() >= 0 || endpoint->received_alert() >= 0;
    Napi::Array out = Napi::Array::New(env, extras ? 4 : 3);
    out.Set(0u, Napi::Number::New(env, static_cast<int>(status)));
    out.Set(1u, Napi::Number::New(env, static_cast<double>(endpoint->NextTimeoutMs())));
    out.Set(2u, datagrams);
    if (!extras) return out;
    Napi::Object more = Napi::Object::New(env);
    if (!data.empty()) more.Set("data", ToBufferArray(env, data));
    if (keylog) more.Set("keylog", KeylogLines(env, endpoint));
    if (endpoint->sent_alert() >= 0) more.Set("sentAlert", Napi::Number::New(env, endpoint->sent_alert()));
    if (endpoint->received_alert() >= 0) {
      more.Set("receivedAlert", Napi::Number::New(env, endpoint->received_alert()));
    }
    if (failed) {
      more.Set("failure", FailureCode(endpoint->failure()));
      const std::vector<std::string>& errors = endpoint->failure_errors();
      Napi::Array list = Napi::Array::New(env, errors.size());
      for (size_t i = 0; i < errors.size(); ++i) list.Set(static_cast<uint32_t>(i), errors[i]);
      more.Set("opensslErrors", list);
    }
    out.Set(3u, more);
    return out;
  }

  // Key-log lines (secret) as Buffers; our copies are wiped here.
  static Napi::Array KeylogLines(Napi::Env env, core::DtlsEndpoint* endpoint) {
    std::vector<std::string> lines;
    endpoint->TakeKeylog(&lines);
    Napi::Array out = Napi::Array::New(env, lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      out.Set(static_cast<uint32_t>(i),
              Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(lines[i].data()), lines[i].size()));
      OPENSSL_cleanse(lines[i].data(), lines[i].size());
    }
    return out;
  }

  // setKeylog(enabled: boolean): whether this endpoint keeps its key-log lines.
  Napi::Value SetKeylog(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    if (info.Length() != 1 || !info[0].IsBoolean()) {
      ThrowInternalArg(env, "setKeylog expects a boolean");
      return env.Undefined();
    }
    endpoint->SetKeylog(info[0].As<Napi::Boolean>().Value());
    return env.Undefined();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    core::Verifier verifier = MakeVerifier(env, info[0]);
    return StepResult(env, endpoint, endpoint->Start(verifier));
  }

  // receive(datagram: Uint8Array, verifier)
  Napi::Value Receive(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowInternalArg(env, "receive expects a Uint8Array");
      return env.Undefined();
    }
    Napi::Uint8Array datagram = info[0].As<Napi::Uint8Array>();
    if (datagram.ByteLength() > kMaxDatagram) {
      ThrowInternalArg(env, "receive: datagram too large");
      return env.Undefined();
    }
    core::Verifier verifier = MakeVerifier(env, info[1]);
    return StepResult(env, endpoint, endpoint->Receive(datagram.Data(), datagram.ByteLength(), verifier));
  }

  Napi::Value HandleTimeout(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    core::Verifier verifier = MakeVerifier(env, info[0]);
    return StepResult(env, endpoint, endpoint->HandleTimeout(verifier));
  }

  Napi::Value ContinueHandshake(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    core::Verifier verifier = MakeVerifier(env, info[0]);
    return StepResult(env, endpoint, endpoint->ContinueHandshake(verifier));
  }

  // send(data: Uint8Array) → step result (as receive). Misuse throws
  // ERR_INVALID_STATE; an SSL_write failure comes back as a failed step.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    if (info.Length() != 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowInternalArg(env, "send expects a Uint8Array");
      return env.Undefined();
    }
    Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
    if (endpoint->Send(data.Data(), data.ByteLength()) == core::DtlsEndpoint::SendResult::kRefused) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE",
                         "Application data can only be sent on a connected, verified transport");
      return env.Undefined();
    }
    return StepResult(env, endpoint, endpoint->status());
  }

  // close() → Buffer[] (close_notify, at most once); frees the endpoint.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!endpoint_) return Napi::Array::New(env, 0);
    endpoint_->Close();
    Napi::Array out = ToBufferArray(env, endpoint_->TakeDatagrams());
    FreeEndpoint();
    return out;
  }

  // release() → undefined: frees the endpoint without a word to the peer
  // (the media-only release: the SSL goes, the SRTP contexts made from it
  // stay). Nothing the endpoint still had to send is lost: every step hands
  // its datagrams out before it returns.
  Napi::Value Release(const Napi::CallbackInfo& info) {
    FreeEndpoint();
    return info.Env().Undefined();
  }

  Napi::Value AwaitingClientFlight(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    return Napi::Boolean::New(env, endpoint->AwaitingClientFlight());
  }

  // info() → [srtpProfileId, cipherSuite, maxDataSize, verified, ...dropped],
  // the drop counts in the order of constants.dtlsDropReasons: positional
  // for the reason StepResult is; lib/native.ts names the fields.
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    constexpr uint32_t kFields = 4;
    Napi::Array out = Napi::Array::New(env, kFields + std::size(kDropNames));
    out.Set(0u, Napi::Number::New(env, endpoint->SrtpProfileId()));
    out.Set(1u, endpoint->CipherSuite());
    out.Set(2u, Napi::Number::New(env, static_cast<double>(endpoint->MaxDataSize())));
    out.Set(3u, Napi::Boolean::New(env, endpoint->verified()));
    uint32_t i = kFields;
    for (const DropName& drop : kDropNames) {
      out.Set(i++, Napi::Number::New(env, static_cast<double>(endpoint->dropped(drop.reason))));
    }
    return out;
  }

  Napi::Value RemoteCertificate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    std::vector<uint8_t> der;
    if (!endpoint->PeerCertificateDer(&der)) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE",
                         "The remote certificate is available only once verified");
      return env.Undefined();
    }
    return Napi::Buffer<uint8_t>::Copy(env, der.data(), der.size());
  }

  // exportKeyingMaterial(label: string, length: number) → Buffer
  Napi::Value ExportKeyingMaterial(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) {
      ThrowInternalArg(env, "exportKeyingMaterial expects (label, length)");
      return env.Undefined();
    }
    std::string label = info[0].As<Napi::String>().Utf8Value();
    const int64_t length = info[1].As<Napi::Number>().Int64Value();
    if (label.empty() || label.size() > kMaxLabelLength || length < 1 ||
        length > static_cast<int64_t>(kMaxExportLength)) {
      ThrowInternalArg(env, "exportKeyingMaterial arguments out of range");
      return env.Undefined();
    }
    std::vector<uint8_t> out;
    if (!endpoint->ExportKeyingMaterial(label, static_cast<size_t>(length), &out)) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE",
                         "Keying material is available only on a connected, verified transport");
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> result = Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
    OPENSSL_cleanse(out.data(), out.size());
    return result;
  }

  // createSrtp(replayWindow, maxRemoteStreams, maxLocalStreams[, encryptedHeaderIds, keyLimits]) → NativeSrtp
  // keyed from the RFC 5764 §4.2 export for our role; the keys never reach
  // JavaScript, and every native copy of them is wiped before it is freed.
  Napi::Value CreateSrtp(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    core::DtlsEndpoint* endpoint = Live(env);
    if (endpoint == nullptr) return env.Undefined();
    if ((info.Length() != 3 && info.Length() != 5) || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      ThrowInternalArg(env, "createSrtp expects (replayWindow, maxRemoteStreams, maxLocalStreams)");
      return env.Undefined();
    }
    const int64_t window = info[0].As<Napi::Number>().Int64Value();
    const int64_t streams = info[1].As<Napi::Number>().Int64Value();
    const int64_t local_streams = info[2].As<Napi::Number>().Int64Value();
    if (window < core::kMinReplayWindow || window > core::kMaxReplayWindow || streams < 1 ||
        streams > core::kMaxRemoteStreamsLimit || local_streams < 1 || local_streams > core::kMaxLocalStreamsLimit) {
      ThrowInternalArg(env, "createSrtp arguments out of range");
      return env.Undefined();
    }
    const core::SrtpProfileInfo* profile = core::FindSrtpProfile(endpoint->SrtpProfileId());
    if (profile == nullptr) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE",
                         "An SRTP session is available only on a connected, verified transport");
      return env.Undefined();
    }
    // ExportSrtpKeys fills plain vectors: give them their final capacity up
    // front (so filling them never reallocates and leaves a copy behind) and
    // wipe that capacity on every way out of this scope.
    std::vector<uint8_t> local;
    std::vector<uint8_t> remote;
    const core::ScopedCleanse wipe_local(&local);
    const core::ScopedCleanse wipe_remote(&remote);
    local.reserve(profile->key_length + profile->salt_length);
    remote.reserve(profile->key_length + profile->salt_length);
    if (!endpoint->ExportSrtpKeys(profile->key_length, profile->salt_length, &local, &remote)) {
      addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE",
                         "An SRTP session is available only on a connected, verified transport");
      return env.Undefined();
    }
    core::SrtpOptions options;
    options.replay_window = static_cast<uint32_t>(window);
    options.max_remote_streams = static_cast<uint32_t>(streams);
    options.max_local_streams = static_cast<uint32_t>(local_streams);
    if (info.Length() == 5 && !ParseSrtpExtras(env, info[3], info[4], &options)) {
      ThrowInternalArg(env, "createSrtp: bad encryptedHeaderIds or keyLimits");
      return env.Undefined();
    }
    int status = 0;
    std::unique_ptr<core::SrtpContext> context = core::SrtpContext::Create(
        profile->profile, local.data(), local.size(), remote.data(), remote.size(), options, &status);
    if (!context) {
      addon_->ThrowError(env, ErrorKind::kSrtp, "ERR_SRTP_BAD_PARAM",
                         "Could not create the SRTP context (status " + std::to_string(status) + ")");
      return env.Undefined();
    }
    return NewSrtpObject(env, addon_, std::move(context));
  }

  // Passed by argument.
  Addon* addon_;
  // Others (declared before the endpoint: goes after it).
  ExternalMemory memory_;
  // Allocated by this.
  std::unique_ptr<core::DtlsEndpoint> endpoint_;
};

void InitDtlsBinding(Napi::Env env, Napi::Object exports, Addon* addon) {
  CertificateBinding::Init(env, exports, addon);
  DtlsBinding::Init(env, exports, addon);
}

}  // namespace dtlssrtp::binding
