// SPDX-License-Identifier: MIT
//
// NativeSrtp: the thin Node-API adapter over core::SrtpContext. TypeScript
// (lib/srtp-session.ts) validates every argument; this layer only checks what
// could crash it (B3) and reports packet failures as negative numbers, so the
// hot path never allocates and never throws.
//
// Thread: a NativeSrtp belongs to the JS thread (main or worker) that created
// it. Ownership: it owns its SrtpContext until close(), the env cleanup hook
// (worker teardown) or the GC finalizer frees it, whichever comes first.

#include <napi.h>

#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "addon.h"
#include "binding/external_memory.h"
#include "binding/registry.h"
#include "binding/typed_array.h"
#include "core/srtp_context.h"

namespace dtlssrtp::binding {
namespace {

using core::SrtpContext;
using Unique = std::unique_ptr<SrtpContext>;

enum class Op { kProtectRtp, kUnprotectRtp, kProtectRtcp, kUnprotectRtcp };

int RunOp(SrtpContext* ctx, Op op, uint8_t* buf, size_t length, size_t capacity, core::BufferKind kind) {
  switch (op) {
    case Op::kProtectRtp: return ctx->ProtectRtp(buf, length, capacity, kind);
    case Op::kUnprotectRtp: return ctx->UnprotectRtp(buf, length, capacity, kind);
    case Op::kProtectRtcp: return ctx->ProtectRtcp(buf, length, capacity, kind);
    case Op::kUnprotectRtcp: return ctx->UnprotectRtcp(buf, length, capacity, kind);
  }
  return core::kSrtpBadPacket;
}

bool GetLength(napi_env env, napi_value value, double* out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return false;
  return std::isfinite(*out) && *out >= 0 && std::floor(*out) == *out;
}

// Hands the context's pending key-limit events to `listener` as
// (kind, direction, protocol, ssrc) calls (core::KeyLimitEvent numbers). The
// TypeScript listener only queues them (it emits later), so it cannot close
// the context under a caller. Without a listener the events are dropped.
// Returns false if the listener threw (the exception stays pending).
bool DeliverKeyLimitEvents(napi_env env, SrtpContext* ctx, const Napi::FunctionReference* listener) {
  std::array<core::KeyLimitEvent, core::kMaxKeyLimitEvents> events;
  const size_t count = ctx->TakeKeyLimitEvents(events.data(), events.size());
  if (listener == nullptr || listener->IsEmpty()) return true;
  Napi::Env e(env);
  Napi::Function fn = listener->Value();  // weak: empty once the session was collected
  if (fn.IsEmpty()) return true;
  for (size_t i = 0; i < count; ++i) {
    const core::KeyLimitEvent& event = events[i];
    fn.Call({Napi::Number::New(e, event.kind), Napi::Number::New(e, event.direction),
                    Napi::Number::New(e, event.protocol), Napi::Number::New(e, static_cast<double>(event.ssrc))});
    if (e.IsExceptionPending()) return false;
  }
  return true;
}

// What a NativeSrtp shares with the per-env in-place functions (see
// NativeSrtp::InPlaceHandle and MakeInPlaceFunctions). TypeScript holds it as
// an External, which may outlive the object: the object can be closed or
// collected while the External is still referenced, so a function reaches the
// context only through this cell, whose pointer the object clears when it
// frees the context. Owned jointly (shared_ptr) by the object and by the
// External's finalizer; holds a slot of the env's InPlaceCells while it lives.
// Same thread as the object.
struct InPlaceCell {
  // The bits of an id: odd (never an aligned pointer), the slot in bits
  // 1..24, the env's generation counter above: a slot's ids repeat only
  // after 2^39 cells in the env (2^7 on a 32-bit platform, where a stale
  // handle could then reach a later session of the same slot; TypeScript
  // drops a session's handle when it closes it).
  static constexpr uint32_t kSlotBits = 24;
  static constexpr uintptr_t kSlotMask = (uintptr_t{1} << kSlotBits) - 1;

  explicit InPlaceCell(std::shared_ptr<InPlaceCells> cells) : registry(std::move(cells)) {
    if (registry->free_slots.empty()) {
      slot = static_cast<uint32_t>(registry->slots.size());
      registry->slots.push_back(this);
    } else {
      slot = registry->free_slots.back();
      registry->free_slots.pop_back();
      registry->slots[slot] = this;
    }
    id = (static_cast<uintptr_t>(registry->next_generation++) << (kSlotBits + 1)) |
         (static_cast<uintptr_t>(slot) << 1) | 1;
  }
  ~InPlaceCell() {
    registry->slots[slot] = nullptr;
    registry->free_slots.push_back(slot);
  }
  InPlaceCell(const InPlaceCell&) = delete;
  InPlaceCell& operator=(const InPlaceCell&) = delete;

  // Whether another slot can be taken (InPlaceHandle refuses past it).
  static bool HasRoom(const InPlaceCells& cells) {
    return !cells.free_slots.empty() || cells.slots.size() <= kSlotMask;
  }

  // The live cell whose id is `id`, or null: one bounds check and one
  // compare, never a read through `id` (it may be any External's value).
  static const InPlaceCell* Find(const InPlaceCells& cells, uintptr_t id) {
    const uintptr_t slot = (id >> 1) & kSlotMask;
    if (slot >= cells.slots.size()) return nullptr;
    const auto* cell = static_cast<const InPlaceCell*>(cells.slots[slot]);
    return cell != nullptr && cell->id == id ? cell : nullptr;
  }

  std::shared_ptr<InPlaceCells> registry;  // the env's slots (may outlive the Addon)
  uint32_t slot = 0;                        // this cell's index in registry->slots
  uintptr_t id = 0;                         // what the External holds as its value
  SrtpContext* ctx = nullptr;               // null once the object closed or was freed
  Addon* addon = nullptr;                   // the per-env Addon (valid whenever ctx is not null)
  // The object's key-limit listener (valid whenever ctx is not null).
  const Napi::FunctionReference* listener = nullptr;
};

// What an in-place function returns, instead of a result, for arguments it
// declines: not a Uint8Array, a length that is not an integer in
// 0..byteLength, or an empty buffer (which may be a detached one). Nothing
// was read, written or counted. TypeScript then runs its full checks (typed
// errors) and takes a valid empty buffer to the method form. Outside every
// result code (libsrtp statuses, core's -1001..-1004).
constexpr int32_t kInPlaceDeclined = -2000;

// `value` as a length: an integer in 0..capacity. Two compares and a round
// trip through an integer (NaN and infinities fail the compares).
bool GetLengthWithin(napi_env env, napi_value value, size_t capacity, size_t* out) {
  double length = 0;
  if (napi_get_value_double(env, value, &length) != napi_ok) return false;
  if (!(length >= 0 && length <= static_cast<double>(capacity))) return false;
  *out = static_cast<size_t>(length);
  return static_cast<double>(*out) == length;
}

// The in-place hot path without napi_unwrap, node-addon-api's wrappers or
// exceptions: one function per op and per env (not per session); the
// session is the first argument, the External of its InPlaceCell's id,
// checked against the env's cells. A declined buffer or length is a return
// value, not a throw.
// fn(cell, buf: Uint8Array, length) -> new length, negative result code, or
// kInPlaceDeclined. Anything but a live or closed session's handle as the
// first argument throws ERR_INTERNAL_ARG (TypeScript always passes its own).
template <Op kOp>
napi_value InPlaceCall(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void* addon = nullptr;  // the function's data: its env's Addon
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &addon) != napi_ok || addon == nullptr) return nullptr;
  // An External (napi_invalid_arg, nothing thrown, for anything else) whose
  // value is the id of one of this env's cells.
  void* data = nullptr;
  const InPlaceCell* cell = nullptr;
  if (argc >= 1 && napi_get_value_external(env, argv[0], &data) == napi_ok) {
    cell = InPlaceCell::Find(*static_cast<const Addon*>(addon)->srtp_in_place_cells, reinterpret_cast<uintptr_t>(data));
  }
  if (cell == nullptr) {
    ThrowInternalArg(Napi::Env(env), "in-place function expects an SRTP session cell first");
    return nullptr;
  }
  if (cell->ctx == nullptr) {
    cell->addon->ThrowError(Napi::Env(env), ErrorKind::kInvalidState, "ERR_INVALID_STATE", "SRTP session is closed");
    return nullptr;
  }
  void* buf = nullptr;
  size_t capacity = 0;
  size_t length = 0;
  core::BufferKind kind = core::BufferKind::kPrivate;
  int32_t result = kInPlaceDeclined;
  if (argc >= 3 && GetTypedArray(env, argv[1], napi_uint8_array, &buf, &capacity, &kind) && capacity > 0 &&
      GetLengthWithin(env, argv[2], capacity, &length)) {
    result = RunOp(cell->ctx, kOp, static_cast<uint8_t*>(buf), length, capacity, kind);
    if (cell->ctx->HasKeyLimitEvents() && !DeliverKeyLimitEvents(env, cell->ctx, cell->listener)) return nullptr;
  }
  napi_value out = nullptr;
  if (napi_create_int32(env, result, &out) != napi_ok) return nullptr;
  return out;
}

// The env's four in-place functions, made once when the binding loads:
// { protectRtp, unprotectRtp, protectRtcp, unprotectRtcp }, each
// (cell, buf, length) => number (InPlaceCall), with the Addon (which
// outlives them) as their data. Empty with an exception
// pending on failure.
Napi::Object MakeInPlaceFunctions(Napi::Env env, Addon* addon) {
  struct Entry {
    const char* name;
    napi_callback call;
  };
  static constexpr std::array<Entry, 4> kOps{{{"protectRtp", InPlaceCall<Op::kProtectRtp>},
                                              {"unprotectRtp", InPlaceCall<Op::kUnprotectRtp>},
                                              {"protectRtcp", InPlaceCall<Op::kProtectRtcp>},
                                              {"unprotectRtcp", InPlaceCall<Op::kUnprotectRtcp>}}};
  Napi::Object out = Napi::Object::New(env);
  for (const Entry& entry : kOps) {
    napi_value fn = nullptr;
    if (napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.call, addon, &fn) != napi_ok) return {};
    out.Set(entry.name, Napi::Value(env, fn));
    if (env.IsExceptionPending()) return {};
  }
  if (napi_object_freeze(env, out) != napi_ok) return {};
  return out;
}

// What one context holds (two srtp_t with their stream templates, OpenSSL
// cipher and HMAC contexts, scratch), as reported to V8: measured on
// OpenSSL 3.0.19, AES-GCM, one stream each way: about 8.6 KB (bench:memory
// prints it). A context that had to copy an unaligned or shared packet also
// holds a 64 KiB scratch buffer, not counted here.
constexpr int64_t kSrtpContextBytes = 9 * 1024;

class NativeSrtp : public Napi::ObjectWrap<NativeSrtp>, public Closeable {
 public:
  // The class, with the env's in-place functions as its static `inPlace`
  // (which keeps them alive); empty with an exception pending on failure.
  static Napi::Function Define(Napi::Env env, Addon* addon) {
    Napi::Object in_place = MakeInPlaceFunctions(env, addon);
    if (in_place.IsEmpty()) return {};
    return DefineClass(env, "NativeSrtp",
                       {
                           InstanceMethod<&NativeSrtp::ProtectRtp>("protectRtp"),
                           InstanceMethod<&NativeSrtp::UnprotectRtp>("unprotectRtp"),
                           InstanceMethod<&NativeSrtp::ProtectRtcp>("protectRtcp"),
                           InstanceMethod<&NativeSrtp::UnprotectRtcp>("unprotectRtcp"),
                           InstanceMethod<&NativeSrtp::ProtectRtpBatch>("protectRtpBatch"),
                           InstanceMethod<&NativeSrtp::UnprotectRtpBatch>("unprotectRtpBatch"),
                           InstanceMethod<&NativeSrtp::ProtectRtcpBatch>("protectRtcpBatch"),
                           InstanceMethod<&NativeSrtp::UnprotectRtcpBatch>("unprotectRtcpBatch"),
                           InstanceMethod<&NativeSrtp::GetStats>("getStats"),
                           InstanceMethod<&NativeSrtp::ProfileId>("profileId"),
                           InstanceMethod<&NativeSrtp::RemoteRtpRoc>("remoteRtpRoc"),
                           InstanceMethod<&NativeSrtp::InPlaceHandle>("inPlaceHandle"),
                           InstanceMethod<&NativeSrtp::SetKeyLimitListener>("setKeyLimitListener"),
                           InstanceMethod<&NativeSrtp::RolloverCounter>("rolloverCounter"),
                           InstanceMethod<&NativeSrtp::Close>("close"),
                           StaticValue("statsLength",
                                       Napi::Number::New(env, static_cast<double>(core::SrtpStats::kCount))),
                           StaticValue("inPlaceDeclined", Napi::Number::New(env, kInPlaceDeclined)),
                           StaticValue("inPlace", in_place),
                       });
  }

  // new NativeSrtp(profileId, localKeySalt, remoteKeySalt, replayWindow, maxRemoteStreams, maxLocalStreams,
  // encryptedHeaderIds?: Int32Array, keyLimits?: Float64Array) (see ParseSrtpExtras)
  // or, from NewSrtpObject only, new NativeSrtp(External<unique_ptr<SrtpContext>>).
  explicit NativeSrtp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSrtp>(info) {
    Napi::Env env = info.Env();
    addon_ = env.GetInstanceData<Addon>();
    if (info.Length() == 1 && info[0].IsExternal()) {
      // Take the context at once: NewSrtpObject's slot is only valid now.
      Unique* slot = info[0].As<Napi::External<Unique>>().Data();
      if (slot != nullptr) ctx_ = std::move(*slot);
      if (!ctx_) {
        ThrowInternalArg(env, "NativeSrtp expects a context");
        return;
      }
      addon_->Track(this);
      memory_.emplace(env, addon_);
      memory_->Set(kSrtpContextBytes);
      return;
    }
    static constexpr const char* kUsage =
        "NativeSrtp expects (profileId, localKeySalt, remoteKeySalt, replayWindow, maxRemoteStreams, "
        "maxLocalStreams[, encryptedHeaderIds, keyLimits])";
    if ((info.Length() != 6 && info.Length() != 8) || !info[0].IsNumber() || !info[3].IsNumber() || !info[4].IsNumber() ||
        !info[5].IsNumber()) {
      ThrowInternalArg(env, kUsage);
      return;
    }
    void* local = nullptr;
    void* remote = nullptr;
    size_t local_length = 0;
    size_t remote_length = 0;
    double profile = 0;
    double window = 0;
    double streams = 0;
    double local_streams = 0;
    if (!GetTypedArray(env, info[1], napi_uint8_array, &local, &local_length) ||
        !GetTypedArray(env, info[2], napi_uint8_array, &remote, &remote_length) ||
        !GetLength(env, info[0], &profile) || profile > 0xffff || !GetLength(env, info[3], &window) ||
        window > 0xffffffff || !GetLength(env, info[4], &streams) || streams > 0xffffffff ||
        !GetLength(env, info[5], &local_streams) || local_streams > 0xffffffff) {
      ThrowInternalArg(env, kUsage);
      return;
    }
    const core::SrtpProfileInfo* profile_info = core::FindSrtpProfile(static_cast<uint16_t>(profile));
    if (profile_info == nullptr) {
      ThrowInternalArg(env, "NativeSrtp: unknown profile id");
      return;
    }
    core::SrtpOptions options;
    options.replay_window = static_cast<uint32_t>(window);
    options.max_remote_streams = static_cast<uint32_t>(streams);
    options.max_local_streams = static_cast<uint32_t>(local_streams);
    if (info.Length() == 8 && !ParseSrtpExtras(env, info[6], info[7], &options)) {
      ThrowInternalArg(env, kUsage);
      return;
    }
    int status = 0;
    ctx_ = SrtpContext::Create(profile_info->profile, static_cast<const uint8_t*>(local), local_length,
                               static_cast<const uint8_t*>(remote), remote_length, options, &status);
    if (!ctx_) {
      addon_->ThrowError(env, ErrorKind::kSrtp, "ERR_SRTP_BAD_PARAM",
                         "libsrtp rejected the SRTP policy (status " + std::to_string(-status) + ")");
      return;
    }
    addon_->Track(this);
    memory_.emplace(env, addon_);
    memory_->Set(kSrtpContextBytes);
  }

  // Basic finalizer (GC safety net): frees libsrtp state, runs no JS (the
  // listener reference is released by its own destructor, which the basic
  // finalizer may run: node-addon-api defers it safely).
  ~NativeSrtp() override { CloseNative(); }

  // The context while open (for NativeUdp's send and receive paths).
  core::SrtpContext* context() const { return ctx_.get(); }

  void CloseNative() override {
    if (addon_ != nullptr) addon_->Forget(this);
    // Before the context goes: no function handed out may reach it after.
    if (cell_) cell_->ctx = nullptr;
    ctx_.reset();
    std::vector<int32_t>().swap(layout_);
    if (memory_) memory_->Set(0);
  }

 private:
  bool Live(Napi::Env env) {
    if (ctx_) return true;
    addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE", "SRTP session is closed");
    return false;
  }

  // (buf: Uint8Array, length: number) -> new length or negative result code.
  napi_value InPlace(const Napi::CallbackInfo& info, Op op) {
    napi_env env = info.Env();
    void* data = nullptr;
    size_t capacity = 0;
    double length = 0;
    core::BufferKind kind = core::BufferKind::kPrivate;
    if (info.Length() < 2 || !GetTypedArray(env, info[0], napi_uint8_array, &data, &capacity, &kind) ||
        !GetLength(env, info[1], &length) || length > static_cast<double>(capacity)) {
      ThrowInternalArg(info.Env(), "expected (Uint8Array, length <= byteLength)");
      return nullptr;
    }
    if (!Live(info.Env())) return nullptr;
    int result = RunOp(ctx_.get(), op, static_cast<uint8_t*>(data), static_cast<size_t>(length), capacity, kind);
    if (ctx_->HasKeyLimitEvents() && !DeliverKeyLimitEvents(env, ctx_.get(), &listener_)) return nullptr;
    napi_value out;
    napi_create_int32(env, result, &out);
    return out;
  }

  // (buf: Uint8Array, layout: Int32Array of (offset, length, capacity) per
  // packet, count: number, results: Int32Array) -> number of successes;
  // results[i] = new length or negative result code.
  //
  // The layout is copied once into our own memory and only the copy is
  // checked and used: the caller's Int32Array may live on a
  // SharedArrayBuffer that another thread rewrites during the call.
  napi_value Batch(const Napi::CallbackInfo& info, Op op) {
    napi_env env = info.Env();
    void* data = nullptr;
    size_t size = 0;
    core::BufferKind kind = core::BufferKind::kPrivate;
    void* layout_data = nullptr;
    size_t layout_length = 0;
    void* results_data = nullptr;
    size_t results_length = 0;
    double count_value = 0;
    if (info.Length() < 4 || !GetTypedArray(env, info[0], napi_uint8_array, &data, &size, &kind) ||
        !GetTypedArray(env, info[1], napi_int32_array, &layout_data, &layout_length) ||
        !GetLength(env, info[2], &count_value) ||
        !GetTypedArray(env, info[3], napi_int32_array, &results_data, &results_length) ||
        count_value > static_cast<double>(results_length) || count_value * 3 > static_cast<double>(layout_length)) {
      ThrowInternalArg(info.Env(), "expected (Uint8Array, Int32Array layout, count, Int32Array results)");
      return nullptr;
    }
    const size_t count = static_cast<size_t>(count_value);
    // Grows to the largest batch seen, then no allocation per call.
    if (layout_.size() < 3 * count) layout_.resize(3 * count);
    if (count > 0) std::memcpy(layout_.data(), layout_data, 3 * count * sizeof(int32_t));
    const int32_t* layout = layout_.data();
    // Check every descriptor before touching any packet.
    for (size_t i = 0; i < count; ++i) {
      const int64_t offset = layout[3 * i];
      const int64_t length = layout[3 * i + 1];
      const int64_t capacity = layout[3 * i + 2];
      if (offset < 0 || length < 0 || capacity < length || offset + capacity > static_cast<int64_t>(size)) {
        ThrowInternalArg(info.Env(), "batch layout entry outside the buffer");
        return nullptr;
      }
    }
    if (!Live(info.Env())) return nullptr;
    uint8_t* base = static_cast<uint8_t*>(data);
    int32_t* results = static_cast<int32_t*>(results_data);
    int32_t ok = 0;
    for (size_t i = 0; i < count; ++i) {
      const int32_t result = RunOp(ctx_.get(), op, base + layout[3 * i], static_cast<size_t>(layout[3 * i + 1]),
                                   static_cast<size_t>(layout[3 * i + 2]), kind);
      results[i] = result;
      if (result >= 0) ++ok;
    }
    if (ctx_->HasKeyLimitEvents() && !DeliverKeyLimitEvents(env, ctx_.get(), &listener_)) return nullptr;
    napi_value out;
    napi_create_int32(env, ok, &out);
    return out;
  }

  Napi::Value ProtectRtp(const Napi::CallbackInfo& info) { return {info.Env(), InPlace(info, Op::kProtectRtp)}; }
  Napi::Value UnprotectRtp(const Napi::CallbackInfo& info) { return {info.Env(), InPlace(info, Op::kUnprotectRtp)}; }
  Napi::Value ProtectRtcp(const Napi::CallbackInfo& info) { return {info.Env(), InPlace(info, Op::kProtectRtcp)}; }
  Napi::Value UnprotectRtcp(const Napi::CallbackInfo& info) {
    return {info.Env(), InPlace(info, Op::kUnprotectRtcp)};
  }
  Napi::Value ProtectRtpBatch(const Napi::CallbackInfo& info) { return {info.Env(), Batch(info, Op::kProtectRtp)}; }
  Napi::Value UnprotectRtpBatch(const Napi::CallbackInfo& info) {
    return {info.Env(), Batch(info, Op::kUnprotectRtp)};
  }
  Napi::Value ProtectRtcpBatch(const Napi::CallbackInfo& info) { return {info.Env(), Batch(info, Op::kProtectRtcp)}; }
  Napi::Value UnprotectRtcpBatch(const Napi::CallbackInfo& info) {
    return {info.Env(), Batch(info, Op::kUnprotectRtcp)};
  }

  // getStats(out: Float64Array of at least statsLength entries) -> undefined
  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    void* data = nullptr;
    size_t length = 0;
    if (info.Length() < 1 || !GetTypedArray(env, info[0], napi_float64_array, &data, &length) ||
        length < core::SrtpStats::kCount) {
      ThrowInternalArg(info.Env(), "expected Float64Array for stats");
      return info.Env().Undefined();
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    std::memcpy(data, ctx_->stats().values, sizeof(ctx_->stats().values));
    // Events raised on the native UDP path (which has no listener) surface here.
    if (ctx_->HasKeyLimitEvents()) DeliverKeyLimitEvents(env, ctx_.get(), &listener_);
    return info.Env().Undefined();
  }

  // setKeyLimitListener(fn(kind, direction, protocol, ssrc)) -> undefined
  Napi::Value SetKeyLimitListener(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsFunction()) {
      ThrowInternalArg(info.Env(), "expected a function");
      return info.Env().Undefined();
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    // Weak: the TypeScript session holds the function (a strong reference
    // from here would keep the session, and so this object, alive forever).
    listener_ = Napi::Weak(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

  // rolloverCounter(ssrc, inbound: boolean) -> number | undefined (no stream yet)
  Napi::Value RolloverCounter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double ssrc = 0;
    if (info.Length() < 2 || !GetLength(env, info[0], &ssrc) || ssrc > 0xffffffff || !info[1].IsBoolean()) {
      ThrowInternalArg(env, "expected (ssrc, inbound)");
      return env.Undefined();
    }
    if (!Live(env)) return env.Undefined();
    const auto direction = info[1].As<Napi::Boolean>().Value() ? core::KeyLimitEvent::kInbound
                                                               : core::KeyLimitEvent::kOutbound;
    uint32_t roc = 0;
    if (!ctx_->GetRolloverCounter(static_cast<uint32_t>(ssrc), direction, &roc)) return env.Undefined();
    return Napi::Number::New(env, static_cast<double>(roc));
  }

  Napi::Value ProfileId(const Napi::CallbackInfo& info) {
    if (!Live(info.Env())) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(ctx_->profile()));
  }

  // remoteRtpRoc(ssrc, sequence) -> the rollover counter of the RTP packet
  // just unprotected with these fields, or -1 (no stream for the SSRC).
  Napi::Value RemoteRtpRoc(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    uint32_t ssrc = 0;
    uint32_t sequence = 0;
    if (info.Length() != 2 || napi_get_value_uint32(env, info[0], &ssrc) != napi_ok ||
        napi_get_value_uint32(env, info[1], &sequence) != napi_ok || sequence > 0xffff) {
      ThrowInternalArg(info.Env(), "expected (ssrc, sequence)");
      return info.Env().Undefined();
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    uint32_t roc = 0;
    if (!ctx_->RemoteRtpRoc(ssrc, static_cast<uint16_t>(sequence), &roc)) return Napi::Number::New(env, -1);
    return Napi::Number::New(env, static_cast<double>(roc));
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseNative();
    return info.Env().Undefined();
  }

  // inPlaceHandle() -> External: this session's handle for the env's
  // in-place functions (NativeSrtp.inPlace, InPlaceCall), which take it as
  // their first argument. Each call makes a new External to the same cell
  // (made on first use); TypeScript asks once per session. After close() the
  // functions throw ERR_INVALID_STATE for it, even if this object is gone.
  Napi::Value InPlaceHandle(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    if (!Live(info.Env())) return info.Env().Undefined();
    if (!cell_) {
      if (!InPlaceCell::HasRoom(*addon_->srtp_in_place_cells)) {
        ThrowInternalArg(info.Env(), "too many SRTP sessions with in-place handles in this thread");
        return info.Env().Undefined();
      }
      cell_ = std::make_shared<InPlaceCell>(addon_->srtp_in_place_cells);
      cell_->ctx = ctx_.get();
      cell_->addon = addon_;
      cell_->listener = &listener_;
    }
    // The External's own reference, freed by its (basic) finalizer.
    auto held = std::make_unique<std::shared_ptr<InPlaceCell>>(cell_);
    napi_value external = nullptr;
    // The External's value is the cell's id, not its address (InPlaceCell::Find).
    if (napi_create_external(
            env, reinterpret_cast<void*>(cell_->id),
            [](napi_env, void*, void* hint) { delete static_cast<std::shared_ptr<InPlaceCell>*>(hint); },
            held.get(), &external) != napi_ok) {
      return info.Env().Undefined();  // an exception is pending
    }
    held.release();  // the finalizer owns it now
    return {info.Env(), external};
  }

  // Passed by argument (the per-env Addon outlives every wrapped object).
  Addon* addon_ = nullptr;
  // Allocated by this.
  Unique ctx_;
  // The batch layout as read once from the caller (see Batch).
  std::vector<int32_t> layout_;
  // Called with each key-limit event (see DeliverKeyLimitEvents); weak.
  Napi::FunctionReference listener_;
  // Shared with the Externals InPlaceHandle handed out; made on first use.
  std::shared_ptr<InPlaceCell> cell_;
  // What the context holds, reported to V8 (once the context exists).
  std::optional<ExternalMemory> memory_;
};

}  // namespace

bool ParseSrtpExtras(Napi::Env env, Napi::Value ids, Napi::Value limits, core::SrtpOptions* options) {
  if (!ids.IsUndefined()) {
    void* data = nullptr;
    size_t count = 0;
    if (!GetTypedArray(env, ids, napi_int32_array, &data, &count) || count > core::kMaxEncryptedHeaderIds) {
      return false;
    }
    // Read once into our own vector (core checks range and duplicates).
    const int32_t* values = static_cast<const int32_t*>(data);
    options->encrypted_header_ids.assign(values, values + count);
  }
  if (!limits.IsUndefined()) {
    void* data = nullptr;
    size_t count = 0;
    if (!GetTypedArray(env, limits, napi_float64_array, &data, &count) || count != 4) return false;
    std::array<double, 4> v;
    std::memcpy(v.data(), data, sizeof v);
    for (double x : v) {
      if (!std::isfinite(x) || x < 1 || std::floor(x) != x || x > static_cast<double>(core::kMaxSrtpKeyUses)) {
        return false;
      }
    }
    options->key_limits.srtp_soft = static_cast<uint64_t>(v[0]);
    options->key_limits.srtp_hard = static_cast<uint64_t>(v[1]);
    options->key_limits.srtcp_soft = static_cast<uint64_t>(v[2]);
    options->key_limits.srtcp_hard = static_cast<uint64_t>(v[3]);
  }
  return true;
}

void InitSrtpBinding(Napi::Env env, Napi::Object exports, Addon* addon) {
  Napi::Function ctor = NativeSrtp::Define(env, addon);
  if (ctor.IsEmpty()) return;
  exports.Set("NativeSrtp", ctor);
  addon->srtp_ctor = Napi::Persistent(ctor);
}

bool IsSrtpObject(Napi::Env env, Addon* addon, napi_value value) {
  if (addon->srtp_ctor.IsEmpty()) return false;
  bool is = false;
  return napi_instanceof(env, value, addon->srtp_ctor.Value(), &is) == napi_ok && is;
}

core::SrtpContext* SrtpContextOf(Napi::Env env, napi_value srtp_object) {
  void* wrapped = nullptr;
  if (napi_unwrap(env, srtp_object, &wrapped) != napi_ok || wrapped == nullptr) return nullptr;
  return static_cast<NativeSrtp*>(wrapped)->context();
}

Napi::Object NewSrtpObject(Napi::Env env, Addon* addon, std::unique_ptr<core::SrtpContext> context) {
  // The slot lives on this stack frame for the synchronous constructor call;
  // if the constructor never runs, the context is freed here.
  Unique slot = std::move(context);
  Napi::External<Unique> external = Napi::External<Unique>::New(env, &slot);
  Napi::Object object = addon->srtp_ctor.New({external});
  if (env.IsExceptionPending()) return Napi::Object();
  return object;
}

}  // namespace dtlssrtp::binding
