// SPDX-License-Identifier: MIT
//
// NativeUdp: a UDP socket polled on Node's own event loop, moving datagrams
// in batches with recvmmsg/sendmmsg, optionally unprotecting SRTP in place
// for registered sources and protecting it on the way out.
//
// Why a uv_poll_t on our own descriptor rather than libuv's uv_udp_t with
// UV_UDP_RECVMMSG (Node 20 ships libuv 1.46, which has it):
// - uv_udp_t calls its read callback once per datagram and, in recvmmsg mode,
//   gives each datagram a 64 KiB slot of a buffer of at least 128 KiB and
//   reads up to 32 x 20 datagrams per readiness event. We want one call into
//   JavaScript per batch, slots sized for media (so a batch of 32 fits in
//   64 KiB), and a bounded amount of work per loop turn; with our own
//   recvmmsg the kernel writes straight into the buffer JavaScript reads, the
//   batch size is ours, and a level-triggered poll simply comes back next
//   turn if more is waiting, so timers, DTLS and other sockets never starve.
// - uv_udp_send allocates and queues a request per datagram; uv_udp_try_send
//   is one sendmsg per datagram. A batch must leave in one sendmmsg, so we
//   would call it on the descriptor anyway, beside libuv's own queue.
// - ICMP errors: Linux drops them for unconnected UDP sockets unless
//   IP_RECVERR is set, and with it set the error queue keeps the descriptor
//   in POLLERR until read with MSG_ERRQUEUE, which uv_udp_t never does (it
//   would spin). We drain and count the queue.
// - SO_REUSEPORT must be set before bind; with uv_udp_t we would create the
//   descriptor ourselves and uv_udp_open it anyway.
// The cost is that this path is Linux-only; elsewhere lib/udp-socket.ts uses
// node:dgram behind the same API.
//
// Thread: a NativeUdp belongs to the JS thread (main or worker) that created
// it and runs on that thread's loop; no thread of its own.
// Ownership: the NativeUdp owns its core::UdpSocket (the descriptor), the
// receive buffers (two ArrayBuffers it keeps referenced) and a PollState,
// which outlives it until libuv's close callback frees it. While open it
// holds a strong reference to its own JS object (an open socket is never
// garbage), released by close().

#include <napi.h>

#include "addon.h"
#include "binding/registry.h"
#include "binding/typed_array.h"

#if defined(__linux__)
#include <uv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/srtp_context.h"
#include "core/udp_socket.h"

namespace dtlssrtp::binding {
namespace {

using core::kUdpAddressRecordLength;
using core::UdpStats;

// Uint32 words per received datagram in the meta array (lib/udp-socket.ts
// reads the same layout through the `metaStride` constant).
constexpr size_t kMetaStride = 16;
enum MetaField : size_t {
  kMetaOffset = 0,
  kMetaLength = 1,
  kMetaKind = 2,
  kMetaRoute = 3,
  kMetaAddress = 4,  // 20 bytes: words 4..8
  kMetaSsrc = 9,
  kMetaSequence = 10,  // sequence | payload type << 16 | marker << 23 (RTCP: packet type << 16)
  kMetaTimestamp = 11,
  kMetaExtensionOffset = 12,
  kMetaPayloadOffset = 13,
  kMetaPayloadLength = 14,
  kMetaRoc = 15,  // RTP: the packet's rollover counter (extended sequence = roc << 16 | sequence)
};
// kMetaKind values.
enum DatagramKind : uint32_t { kUnregistered = 0, kRouted = 1, kRtp = 2, kRtcp = 3 };
constexpr uint32_t kNoRoute = 0xffffffff;
constexpr size_t kMaxBatch = 1024;
constexpr size_t kMaxSlot = 65536;
// SO_RCVBUF / SO_SNDBUF requests (bytes); the kernel caps them further.
constexpr double kMaxSocketBuffer = 1 << 30;

constexpr const char* kStatsNames[UdpStats::kCount] = {
    "datagramsReceived", "bytesReceived",   "batchesDelivered", "datagramsSent",   "bytesSent",
    "receiveTruncated",  "sendMessageTooBig", "sendWouldBlock", "sendFailed",      "receiveFailed",
    "icmpUnreachable",   "icmpOther",       "srtpDropped",      "protectFailed",   "receiveDropped",
    "rtcpMalformed",
};

using AddressKey = std::array<uint8_t, kUdpAddressRecordLength>;
struct AddressKeyHash {
  size_t operator()(const AddressKey& key) const {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (uint8_t b : key) h = (h ^ b) * 1099511628211ULL;
    return static_cast<size_t>(h);
  }
};

bool GetCount(napi_env env, napi_value value, double max, size_t* out) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || !std::isfinite(number) || number < 0 ||
      std::floor(number) != number || number > max) {
    return false;
  }
  *out = static_cast<size_t>(number);
  return true;
}

bool GetBool(napi_env env, napi_value value, bool* out) { return napi_get_value_bool(env, value, out) == napi_ok; }

class NativeUdp;

// Lives from open() until libuv's close callback, which may run after the
// NativeUdp is gone (GC) or while the env is being torn down.
struct PollState {
  uv_poll_t poll;
  NativeUdp* owner = nullptr;
  // Set while the env's async cleanup hook waits for this handle to close.
  napi_async_cleanup_hook_handle hook = nullptr;
  bool hook_fired = false;
};

class NativeUdp : public Napi::ObjectWrap<NativeUdp> {
 public:
  static Napi::Function Define(Napi::Env env) {
    Napi::Array names = Napi::Array::New(env, UdpStats::kCount);
    for (size_t i = 0; i < UdpStats::kCount; ++i) names.Set(static_cast<uint32_t>(i), kStatsNames[i]);
    return DefineClass(env, "NativeUdp",
                       {
                           InstanceMethod<&NativeUdp::Open>("open"),
                           InstanceMethod<&NativeUdp::Data>("data"),
                           InstanceMethod<&NativeUdp::Meta>("meta"),
                           InstanceMethod<&NativeUdp::LocalAddress>("localAddress"),
                           InstanceMethod<&NativeUdp::SendBatch>("sendBatch"),
                           InstanceMethod<&NativeUdp::SendSrtpBatch>("sendSrtpBatch"),
                           InstanceMethod<&NativeUdp::AddRoute>("addRoute"),
                           InstanceMethod<&NativeUdp::RemoveRoute>("removeRoute"),
                           InstanceMethod<&NativeUdp::GetStats>("getStats"),
                           InstanceMethod<&NativeUdp::SetRef>("setRef"),
                           InstanceMethod<&NativeUdp::Close>("close"),
                           StaticValue("statsNames", names),
                           StaticValue("metaStride", Napi::Number::New(env, static_cast<double>(kMetaStride))),
                       });
  }

  // new NativeUdp(onBatch: (count: number) => void)
  explicit NativeUdp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeUdp>(info) {
    Napi::Env env = info.Env();
    env_ = env;
    addon_ = env.GetInstanceData<Addon>();
    if (info.Length() != 1 || !info[0].IsFunction()) {
      ThrowInternalArg(env, "NativeUdp expects (onBatch)");
      return;
    }
    on_batch_ = Napi::Persistent(info[0].As<Napi::Function>());
  }

  // Basic finalizer (GC safety net): closes the descriptor, runs no JS. An
  // open socket holds a reference to itself, so this runs only after
  // close() or at env teardown, when that reference is going away with the
  // object (so it is not released here).
  ~NativeUdp() override {
    self_referenced_ = false;
    CloseNative();
  }

  // Stops polling and closes the descriptor now (the port is free when this
  // returns); libuv frees the poll handle on its next turn. Idempotent.
  void CloseNative() {
    PollState* state = state_;
    state_ = nullptr;
    if (state != nullptr) {
      state->owner = nullptr;
      if (!state->hook_fired && state->hook != nullptr) {
        napi_remove_async_cleanup_hook(state->hook);
        state->hook = nullptr;
      }
      // uv_close stops the watcher synchronously (epoll_ctl DEL), so the
      // descriptor can be closed right after, before its number is reused.
      uv_close(reinterpret_cast<uv_handle_t*>(&state->poll), &NativeUdp::OnClosed);
    }
    socket_.Close();
    // Nothing is delivered any more: release the callback, the receive
    // buffers (JavaScript keeps its own views) and the routed sessions.
    on_batch_.Reset();
    data_ref_.Reset();
    meta_ref_.Reset();
    routes_.clear();
    route_keys_.clear();
    if (self_referenced_) {
      self_referenced_ = false;
      Unref();
    }
  }

 private:
  static void OnClosed(uv_handle_t* handle) {
    auto* state = static_cast<PollState*>(handle->data);
    if (state->hook_fired && state->hook != nullptr) napi_remove_async_cleanup_hook(state->hook);
    delete state;
  }

  // The env is going away (worker terminate, process exit): close now and let
  // Node wait for libuv's close callback (which removes the hook).
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
    auto* state = static_cast<PollState*>(arg);
    state->hook_fired = true;
    state->hook = handle;
    if (state->owner != nullptr) {
      state->owner->CloseNative();
    } else {
      uv_close(reinterpret_cast<uv_handle_t*>(&state->poll), &NativeUdp::OnClosed);
    }
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* state = static_cast<PollState*>(handle->data);
    if (state->owner != nullptr) state->owner->OnReadable(state, status);
  }

  bool Live(Napi::Env env) {
    if (state_ != nullptr) return true;
    addon_->ThrowError(env, ErrorKind::kInvalidState, "ERR_INVALID_STATE", "UDP socket is closed");
    return false;
  }

  // open(bindRecord: Uint8Array(20), ipv6, reusePort, ipv6Only, slotSize, batchSize, batchesPerTurn,
  //      receiveBufferSize, sendBufferSize) -> 0 or -errno
  Napi::Value Open(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    void* record = nullptr;
    size_t record_length = 0;
    bool ipv6 = false;
    bool reuse_port = false;
    bool ipv6_only = false;
    size_t slot = 0;
    size_t batch = 0;
    size_t turns = 0;
    size_t receive_buffer = 0;
    size_t send_buffer = 0;
    if (info.Length() != 9 || !GetTypedArray(env, info[0], napi_uint8_array, &record, &record_length) ||
        record_length < kUdpAddressRecordLength || !GetBool(env, info[1], &ipv6) ||
        !GetBool(env, info[2], &reuse_port) || !GetBool(env, info[3], &ipv6_only) ||
        !GetCount(env, info[4], kMaxSlot, &slot) || slot < 64 || !GetCount(env, info[5], kMaxBatch, &batch) ||
        batch < 1 || !GetCount(env, info[6], 1024, &turns) || turns < 1 ||
        !GetCount(env, info[7], kMaxSocketBuffer, &receive_buffer) ||
        !GetCount(env, info[8], kMaxSocketBuffer, &send_buffer)) {
      ThrowInternalArg(info.Env(),
                       "NativeUdp.open expects (record, ipv6, reusePort, ipv6Only, slot, batch, turns, "
                       "receiveBuffer, sendBuffer)");
      return info.Env().Undefined();
    }
    if (state_ != nullptr || socket_.fd() >= 0) {
      ThrowInternalArg(info.Env(), "NativeUdp.open called twice");
      return info.Env().Undefined();
    }
    uint8_t bind_record[kUdpAddressRecordLength];
    std::memcpy(bind_record, record, kUdpAddressRecordLength);
    const int status = socket_.Open(bind_record, ipv6, reuse_port, ipv6_only, static_cast<int>(receive_buffer),
                                    static_cast<int>(send_buffer));
    if (status != 0) return Napi::Number::New(info.Env(), status);
    // Slots stay 8-byte aligned: libsrtp wants 32-bit aligned packets.
    slot_ = (slot + 7) & ~static_cast<size_t>(7);
    batch_ = batch;
    turns_ = turns;
    Napi::ArrayBuffer data = Napi::ArrayBuffer::New(info.Env(), slot_ * batch_);
    Napi::ArrayBuffer meta = Napi::ArrayBuffer::New(info.Env(), kMetaStride * 4 * batch_);
    data_ref_ = Napi::Persistent(data);
    meta_ref_ = Napi::Persistent(meta);
    received_.resize(batch_);
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      socket_.Close();
      return Napi::Number::New(info.Env(), -EINVAL);
    }
    auto* state = new PollState();
    if (uv_poll_init_socket(loop, &state->poll, socket_.fd()) != 0) {
      delete state;
      socket_.Close();
      return Napi::Number::New(info.Env(), -EINVAL);
    }
    state->poll.data = state;
    state->owner = this;
    state_ = state;
    napi_add_async_cleanup_hook(env, &NativeUdp::OnEnvCleanup, state, &state->hook);
    uv_poll_start(&state->poll, UV_READABLE, &NativeUdp::OnPoll);
    Ref();
    self_referenced_ = true;
    return Napi::Number::New(info.Env(), 0);
  }

  Napi::Value Data(const Napi::CallbackInfo& info) {
    if (data_ref_.IsEmpty()) return info.Env().Undefined();
    return data_ref_.Value();
  }
  Napi::Value Meta(const Napi::CallbackInfo& info) {
    if (meta_ref_.IsEmpty()) return info.Env().Undefined();
    return meta_ref_.Value();
  }

  // localAddress(out: Uint8Array(20)) -> boolean
  Napi::Value LocalAddress(const Napi::CallbackInfo& info) {
    void* out = nullptr;
    size_t length = 0;
    if (info.Length() != 1 || !GetTypedArray(info.Env(), info[0], napi_uint8_array, &out, &length) ||
        length < kUdpAddressRecordLength) {
      ThrowInternalArg(info.Env(), "expected (Uint8Array(20))");
      return info.Env().Undefined();
    }
    uint8_t record[kUdpAddressRecordLength];
    const bool ok = socket_.LocalAddress(record);
    if (ok) std::memcpy(out, record, kUdpAddressRecordLength);
    return Napi::Boolean::New(info.Env(), ok);
  }

  // Reads (records: Uint8Array, destinationCount, which: Uint32Array |
  // undefined) into sockaddrs and a private copy of `which` (read once).
  bool ReadDestinations(napi_env env, napi_value records_value, napi_value count_value, napi_value which_value,
                        size_t packets) {
    void* records = nullptr;
    size_t records_length = 0;
    size_t count = 0;
    if (!GetTypedArray(env, records_value, napi_uint8_array, &records, &records_length) ||
        !GetCount(env, count_value, kMaxBatch, &count) || count < 1 ||
        count * kUdpAddressRecordLength > records_length) {
      return false;
    }
    destinations_.resize(std::max(destinations_.size(), count));
    destination_lengths_.resize(std::max(destination_lengths_.size(), count));
    for (size_t d = 0; d < count; ++d) {
      uint8_t record[kUdpAddressRecordLength];
      std::memcpy(record, static_cast<uint8_t*>(records) + d * kUdpAddressRecordLength, kUdpAddressRecordLength);
      destination_lengths_[d] = core::RecordToSockaddr(record, socket_.ipv6(), &destinations_[d]);
    }
    napi_valuetype type;
    if (napi_typeof(env, which_value, &type) != napi_ok) return false;
    has_which_ = type != napi_undefined;
    if (!has_which_) return true;
    void* which = nullptr;
    size_t which_length = 0;
    if (!GetTypedArray(env, which_value, napi_uint32_array, &which, &which_length) || which_length < packets) {
      return false;
    }
    which_.resize(std::max(which_.size(), packets));
    if (packets > 0) std::memcpy(which_.data(), which, packets * sizeof(uint32_t));
    for (size_t i = 0; i < packets; ++i) {
      if (which_[i] >= count) return false;
    }
    return true;
  }

  // sendBatch(packets: Uint8Array[], count, records: Uint8Array, destinationCount,
  //           which: Uint32Array | undefined) -> datagrams the kernel accepted
  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    bool is_array = false;
    uint32_t array_length = 0;
    size_t count = 0;
    if (info.Length() != 5 || napi_is_array(env, info[0], &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, info[0], &array_length) != napi_ok ||
        !GetCount(env, info[1], static_cast<double>(array_length), &count) ||
        !ReadDestinations(env, info[2], info[3], info[4], count)) {
      ThrowInternalArg(info.Env(), "expected (Uint8Array[], count, records, destinationCount, which?)");
      return info.Env().Undefined();
    }
    iov_.resize(std::max(iov_.size(), count));
    for (size_t i = 0; i < count; ++i) {
      napi_value element;
      void* data = nullptr;
      size_t length = 0;
      if (napi_get_element(env, info[0], static_cast<uint32_t>(i), &element) != napi_ok ||
          !GetTypedArray(env, element, napi_uint8_array, &data, &length)) {
        ThrowInternalArg(info.Env(), "sendBatch: every packet must be a Uint8Array");
        return info.Env().Undefined();
      }
      iov_[i].iov_base = data;
      iov_[i].iov_len = length;
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    const size_t sent = socket_.SendBatch(iov_.data(), count, destinations_.data(), destination_lengths_.data(),
                                          has_which_ ? which_.data() : nullptr, &stats_);
    return Napi::Number::New(info.Env(), static_cast<double>(sent));
  }

  // sendSrtpBatch(srtp: NativeSrtp, rtcp: boolean, buffer: Uint8Array, layout: Int32Array,
  //               count, results: Int32Array, records, destinationCount, which?)
  //   -> datagrams the kernel accepted; results[i] = protected length or a negative SRTP result
  Napi::Value SendSrtpBatch(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    bool rtcp = false;
    void* data = nullptr;
    size_t size = 0;
    core::BufferKind kind = core::BufferKind::kPrivate;
    void* layout_data = nullptr;
    size_t layout_length = 0;
    void* results_data = nullptr;
    size_t results_length = 0;
    size_t count = 0;
    if (info.Length() != 9 || !IsSrtpObject(info.Env(), addon_, info[0]) || !GetBool(env, info[1], &rtcp) ||
        !GetTypedArray(env, info[2], napi_uint8_array, &data, &size, &kind) ||
        !GetTypedArray(env, info[3], napi_int32_array, &layout_data, &layout_length) ||
        !GetCount(env, info[4], kMaxBatch, &count) ||
        !GetTypedArray(env, info[5], napi_int32_array, &results_data, &results_length) || count > results_length ||
        count * 3 > layout_length || !ReadDestinations(env, info[6], info[7], info[8], count)) {
      ThrowInternalArg(info.Env(),
                       "expected (NativeSrtp, rtcp, Uint8Array, Int32Array layout, count, Int32Array results, "
                       "records, destinationCount, which?)");
      return info.Env().Undefined();
    }
    // The layout is read once into our own memory (it may be shared).
    layout_.resize(std::max(layout_.size(), 3 * count));
    if (count > 0) std::memcpy(layout_.data(), layout_data, 3 * count * sizeof(int32_t));
    for (size_t i = 0; i < count; ++i) {
      const int64_t offset = layout_[3 * i];
      const int64_t length = layout_[3 * i + 1];
      const int64_t capacity = layout_[3 * i + 2];
      if (offset < 0 || length < 0 || capacity < length || offset + capacity > static_cast<int64_t>(size)) {
        ThrowInternalArg(info.Env(), "batch layout entry outside the buffer");
        return info.Env().Undefined();
      }
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    core::SrtpContext* ctx = SrtpContextOf(info.Env(), info[0]);
    if (ctx == nullptr) {
      addon_->ThrowError(info.Env(), ErrorKind::kInvalidState, "ERR_INVALID_STATE", "SRTP session is closed");
      return info.Env().Undefined();
    }
    uint8_t* base = static_cast<uint8_t*>(data);
    int32_t* results = static_cast<int32_t*>(results_data);
    iov_.resize(std::max(iov_.size(), count));
    compact_which_.resize(std::max(compact_which_.size(), count));
    size_t ready = 0;
    // One error-queue check for the batch, not two per packet.
    core::SrtpBatchErrorScope errors;
    for (size_t i = 0; i < count; ++i) {
      uint8_t* packet = base + layout_[3 * i];
      const size_t length = static_cast<size_t>(layout_[3 * i + 1]);
      const size_t capacity = static_cast<size_t>(layout_[3 * i + 2]);
      const int result = rtcp ? ctx->ProtectRtcp(packet, length, capacity, kind, core::ErrorQueue::kHeldByCaller)
                              : ctx->ProtectRtp(packet, length, capacity, kind, core::ErrorQueue::kHeldByCaller);
      results[i] = result;
      if (result < 0) {
        stats_.Add(UdpStats::kProtectFailed);
        continue;
      }
      iov_[ready].iov_base = packet;
      iov_[ready].iov_len = static_cast<size_t>(result);
      compact_which_[ready] = has_which_ ? which_[i] : 0;
      ++ready;
    }
    const size_t sent = socket_.SendBatch(iov_.data(), ready, destinations_.data(), destination_lengths_.data(),
                                          compact_which_.data(), &stats_);
    return Napi::Number::New(info.Env(), static_cast<double>(sent));
  }

  // addRoute(record: Uint8Array(20), srtp: NativeSrtp | null) -> route id, or -1 if the source is routed already
  Napi::Value AddRoute(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    void* record = nullptr;
    size_t length = 0;
    napi_valuetype type = napi_undefined;
    if (info.Length() != 2 || !GetTypedArray(env, info[0], napi_uint8_array, &record, &length) ||
        length < kUdpAddressRecordLength || napi_typeof(env, info[1], &type) != napi_ok ||
        (type != napi_null && !IsSrtpObject(info.Env(), addon_, info[1]))) {
      ThrowInternalArg(info.Env(), "expected (Uint8Array(20), NativeSrtp | null)");
      return info.Env().Undefined();
    }
    if (!Live(info.Env())) return info.Env().Undefined();
    AddressKey key;
    std::memcpy(key.data(), record, kUdpAddressRecordLength);
    if (routes_.count(key) != 0) return Napi::Number::New(info.Env(), -1);
    const uint32_t id = next_route_id_++;
    Route& route = routes_[key];
    route.id = id;
    if (type != napi_null) route.srtp = Napi::Persistent(info[1].As<Napi::Object>());
    route_keys_[id] = key;
    return Napi::Number::New(info.Env(), static_cast<double>(id));
  }

  // removeRoute(id) -> boolean
  Napi::Value RemoveRoute(const Napi::CallbackInfo& info) {
    size_t id = 0;
    if (info.Length() != 1 || !GetCount(info.Env(), info[0], 0xfffffffe, &id)) {
      ThrowInternalArg(info.Env(), "expected (routeId)");
      return info.Env().Undefined();
    }
    auto it = route_keys_.find(static_cast<uint32_t>(id));
    if (it == route_keys_.end()) return Napi::Boolean::New(info.Env(), false);
    routes_.erase(it->second);
    route_keys_.erase(it);
    return Napi::Boolean::New(info.Env(), true);
  }

  // getStats(out: Float64Array(statsNames.length))
  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    void* data = nullptr;
    size_t length = 0;
    if (info.Length() != 1 || !GetTypedArray(info.Env(), info[0], napi_float64_array, &data, &length) ||
        length < UdpStats::kCount) {
      ThrowInternalArg(info.Env(), "expected Float64Array for stats");
      return info.Env().Undefined();
    }
    std::memcpy(data, stats_.values, sizeof(stats_.values));
    // Kept by the kernel, read on demand (0 once closed or where it is not reported).
    const double drops = socket_.KernelDrops();
    if (drops > 0) static_cast<double*>(data)[UdpStats::kReceiveDropped] = drops;
    return info.Env().Undefined();
  }

  // setRef(ref: boolean): whether the open socket keeps the loop alive.
  Napi::Value SetRef(const Napi::CallbackInfo& info) {
    bool on = true;
    if (info.Length() != 1 || !GetBool(info.Env(), info[0], &on)) {
      ThrowInternalArg(info.Env(), "expected (boolean)");
      return info.Env().Undefined();
    }
    if (state_ != nullptr) {
      auto* handle = reinterpret_cast<uv_handle_t*>(&state_->poll);
      if (on) {
        uv_ref(handle);
      } else {
        uv_unref(handle);
      }
    }
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseNative();
    return info.Env().Undefined();
  }

  // Classifies datagrams from routed sources, unprotecting SRTP/SRTCP in
  // place, and writes the meta array. Drops (and counts) failed SRTP.
  // Returns how many datagrams the batch delivers.
  size_t Prepare(size_t received, uint8_t* data, uint32_t* meta) {
    size_t kept = 0;
    ++generation_;
    // One error-queue check for the batch, not two per packet.
    core::SrtpBatchErrorScope errors;
    // The route of the previous datagram: a batch mostly comes from one
    // source. (Routes cannot change during a batch: no JavaScript runs.)
    Route* last_route = nullptr;
    const uint8_t* last_source = nullptr;
    for (size_t i = 0; i < received; ++i) {
      const core::UdpReceived& item = received_[i];
      uint8_t* packet = data + item.offset;
      uint32_t length = item.length;
      uint32_t* m = meta + kept * kMetaStride;
      uint32_t kind = kUnregistered;
      uint32_t route_id = kNoRoute;
      core::RtpFields fields;
      uint32_t roc = 0;
      Route* found = nullptr;
      if (last_source != nullptr && std::memcmp(last_source, item.source, kUdpAddressRecordLength) == 0) {
        found = last_route;
      } else if (!routes_.empty()) {
        AddressKey key;
        std::memcpy(key.data(), item.source, kUdpAddressRecordLength);
        auto it = routes_.find(key);
        found = it == routes_.end() ? nullptr : &it->second;
        last_route = found;
        last_source = item.source;
      }
      if (found != nullptr) {
        Route& route = *found;
        route_id = route.id;
        kind = kRouted;
        core::SrtpContext* ctx = ResolveRoute(&route);
        const core::MediaKind media =
            ctx == nullptr ? core::MediaKind::kOther : core::ClassifyMedia(packet, length);
        if (media != core::MediaKind::kOther) {
          const bool is_rtcp = media == core::MediaKind::kRtcp;
          const int result =
              is_rtcp ? ctx->UnprotectRtcp(packet, length, slot_, core::BufferKind::kPrivate,
                                           core::ErrorQueue::kHeldByCaller)
                      : ctx->UnprotectRtp(packet, length, slot_, core::BufferKind::kPrivate,
                                          core::ErrorQueue::kHeldByCaller, &roc);
          if (result < 0) {
            stats_.Add(UdpStats::kSrtpDropped);
            continue;
          }
          length = static_cast<uint32_t>(result);
          kind = is_rtcp ? kRtcp : kRtp;
          if (is_rtcp) {
            // Authentic, but a compound no RTCP reader should walk: drop it here.
            if (!core::ReadRtcpFields(packet, length, &fields)) {
              stats_.Add(UdpStats::kRtcpMalformed);
              continue;
            }
          } else if (!core::ReadRtpFields(packet, length, &fields)) {
            // libsrtp authenticated it, yet it does not parse (e.g. bad
            // padding): deliver it, with no routing fields.
            fields = core::RtpFields{};
            roc = 0;
          }
        }
      }
      m[kMetaOffset] = item.offset;
      m[kMetaLength] = length;
      m[kMetaKind] = kind;
      m[kMetaRoute] = route_id;
      std::memcpy(m + kMetaAddress, item.source, kUdpAddressRecordLength);
      m[kMetaSsrc] = fields.ssrc;
      m[kMetaSequence] = static_cast<uint32_t>(fields.sequence) |
                         (static_cast<uint32_t>(fields.payload_type) << 16) | (fields.marker ? (1u << 23) : 0u);
      m[kMetaTimestamp] = fields.timestamp;
      m[kMetaExtensionOffset] = fields.extension_offset;
      m[kMetaPayloadOffset] = fields.payload_offset;
      m[kMetaPayloadLength] = fields.payload_length;
      m[kMetaRoc] = roc;
      stats_.Add(UdpStats::kBytesReceived, length);
      ++kept;
    }
    stats_.Add(UdpStats::kDatagramsReceived, static_cast<double>(kept));
    return kept;
  }

  struct Route {
    uint32_t id = 0;
    Napi::ObjectReference srtp;
    // The context as resolved for batch `generation` (JS may close the
    // session between batches, never during one).
    core::SrtpContext* ctx = nullptr;
    uint64_t generation = 0;
  };

  core::SrtpContext* ResolveRoute(Route* route) {
    if (route->srtp.IsEmpty()) return nullptr;
    if (route->generation != generation_) {
      route->generation = generation_;
      route->ctx = SrtpContextOf(Napi::Env(env_), route->srtp.Value());
    }
    return route->ctx;
  }

  // The poll callback: at most turns_ batches of batch_ datagrams, one call
  // into JavaScript each; if more is waiting the level-triggered poll comes
  // back on the next loop turn.
  void OnReadable(PollState* state, int status) {
    napi_env env = env_;
    if (status < 0) {
      // POLLERR (an ICMP error is queued): libuv stopped the watcher.
      socket_.DrainErrors(&stats_);
      uv_poll_start(&state->poll, UV_READABLE, &NativeUdp::OnPoll);
    }
    napi_handle_scope scope = nullptr;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    for (size_t turn = 0; turn < turns_; ++turn) {
      if (state->owner != this) break;
      if (data_ref_.IsEmpty() || meta_ref_.IsEmpty()) break;
      napi_value data_buffer = data_ref_.Value();
      napi_value meta_buffer = meta_ref_.Value();
      void* data = nullptr;
      void* meta = nullptr;
      size_t data_length = 0;
      size_t meta_length = 0;
      // Someone may have transferred (detached) a buffer: then stop, never
      // write to freed memory.
      if (data_buffer == nullptr || meta_buffer == nullptr ||
          napi_get_arraybuffer_info(env, data_buffer, &data, &data_length) != napi_ok ||
          napi_get_arraybuffer_info(env, meta_buffer, &meta, &meta_length) != napi_ok || data == nullptr ||
          meta == nullptr || data_length < slot_ * batch_ || meta_length < kMetaStride * 4 * batch_) {
        stats_.Add(UdpStats::kReceiveFailed);
        CloseNative();
        break;
      }
      const int received =
          socket_.ReceiveBatch(static_cast<uint8_t*>(data), slot_, batch_, received_.data(), &stats_);
      if (received <= 0) break;
      const size_t count = Prepare(static_cast<size_t>(received), static_cast<uint8_t*>(data),
                                   static_cast<uint32_t*>(meta));
      if (count == 0) continue;
      stats_.Add(UdpStats::kBatchesDelivered);
      if (!Deliver(env, count)) break;
      // The callback may have closed this socket (and released the last
      // reference to it): `this` may be gone, `state` is not.
      if (state->owner != this) break;
    }
    napi_close_handle_scope(env, scope);
  }

  // Calls onBatch(count) as a top-level callback (microtasks and nextTick
  // run after it). An exception it throws becomes an uncaught exception, as
  // a throwing 'message' listener of node:dgram would. False when the env
  // can no longer run JavaScript.
  bool Deliver(napi_env env, size_t count) {
    napi_value global = nullptr;
    napi_value argument = nullptr;
    if (on_batch_.IsEmpty()) return false;
    napi_value callback = on_batch_.Value();
    if (callback == nullptr || napi_get_global(env, &global) != napi_ok ||
        napi_create_uint32(env, static_cast<uint32_t>(count), &argument) != napi_ok) {
      return false;
    }
    napi_value result = nullptr;
    const napi_status status = napi_make_callback(env, nullptr, global, callback, 1, &argument, &result);
    if (status == napi_ok) return true;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value error = nullptr;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
      return true;
    }
    return false;
  }

  // Passed by argument (the per-env Addon outlives every wrapped object).
  Addon* addon_ = nullptr;
  napi_env env_ = nullptr;
  // Allocated by this.
  core::UdpSocket socket_;
  PollState* state_ = nullptr;
  Napi::FunctionReference on_batch_;
  Napi::Reference<Napi::ArrayBuffer> data_ref_;
  Napi::Reference<Napi::ArrayBuffer> meta_ref_;
  std::unordered_map<AddressKey, Route, AddressKeyHash> routes_;
  std::unordered_map<uint32_t, AddressKey> route_keys_;
  // Others.
  size_t slot_ = 0;
  size_t batch_ = 0;
  size_t turns_ = 1;
  uint32_t next_route_id_ = 0;
  uint64_t generation_ = 0;
  bool self_referenced_ = false;
  bool has_which_ = false;
  UdpStats stats_;
  // Scratch reused by every call (grows to the largest batch, then stays).
  std::vector<core::UdpReceived> received_;
  std::vector<sockaddr_storage> destinations_;
  std::vector<socklen_t> destination_lengths_;
  std::vector<uint32_t> which_;
  std::vector<uint32_t> compact_which_;
  std::vector<iovec> iov_;
  std::vector<int32_t> layout_;
};

}  // namespace

void InitUdpBinding(Napi::Env env, Napi::Object exports, Addon* addon) {
  exports.Set("NativeUdp", NativeUdp::Define(env));
}

}  // namespace dtlssrtp::binding

#else  // !defined(__linux__)

namespace dtlssrtp::binding {

// No NativeUdp: lib/udp-socket.ts falls back to node:dgram.
void InitUdpBinding(Napi::Env env, Napi::Object exports, Addon* addon) {}

}  // namespace dtlssrtp::binding

#endif  // defined(__linux__)
