// SPDX-License-Identifier: MIT
#include "core/srtp_context.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/ossl.h"
#include "srtp.h"
#include "srtp_priv.h"  // srtp_get_stream: the stream's replay database (ROC)

namespace dtlssrtp::core {
namespace {

// RTP tag: 10 bytes (HMAC-SHA1-80), 4 (HMAC-SHA1-32), 16 (GCM). SRTCP adds
// the 4-byte E flag + index, and keeps an 80-bit tag for the _32 profile
// (RFC 5764 §4.1.2: SRTCP_AUTH_TAG_LENGTH is 80 bits for both CM profiles).
constexpr std::array<SrtpProfileInfo, 4> kProfiles = {{
    {SrtpProfile::kAesCm128HmacSha1_80, 16, 14, 10, 4 + 10},
    {SrtpProfile::kAesCm128HmacSha1_32, 16, 14, 4, 4 + 10},
    {SrtpProfile::kAeadAes128Gcm, 16, 12, 16, 4 + 16},
    {SrtpProfile::kAeadAes256Gcm, 32, 12, 16, 4 + 16},
}};
static_assert(kProfiles.size() == kSrtpProfileCount, "kSrtpProfileCount counts kProfiles");

constexpr size_t kRtpHeaderLength = 12;
constexpr size_t kRtcpHeaderLength = 8;
// The scratch buffer for unaligned packets holds the largest packet plus
// the largest overhead, rounded to whole 64-bit words.
constexpr size_t kScratchWords = (kMaxPacketLength + 32 + 7) / 8;

// libsrtp's process-wide crypto kernel. Initialised once; never shut down,
// because another environment (worker) may still be using it.
srtp_err_status_t InitLibsrtpOnce() {
  static std::once_flag once;
  static srtp_err_status_t result = srtp_err_status_init_fail;
  std::call_once(once, [] {
    ErrorScope errors;
    result = srtp_init();
  });
  return result;
}

// The per-packet form of ErrorScope, after a libsrtp call that may have
// left an entry: the thread's OpenSSL error queue is empty after it, as after
// any of ours. Only the way out is checked: the packet path never reads the
// queue (it reports libsrtp's status), so an entry that was there before
// cannot be taken for this call's. A look (ERR_peek_error: OpenSSL's init
// check and thread-local lookup) costs about 200 instructions, ERR_clear_error
// (every queue slot) more, so it clears only when the look finds an entry.
void ClearPacketErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

struct SrtpDeleter {
  void operator()(srtp_ctx_t* session) const {
    if (session == nullptr) return;
    ErrorScope errors;
    // srtp_dealloc only fails on a corrupted session; there is nothing a
    // destructor could do about it, and the memory is released either way.
    srtp_err_status_t status = srtp_dealloc(session);
    static_cast<void>(status);
  }
};
using SrtpPtr = std::unique_ptr<srtp_ctx_t, SrtpDeleter>;

uint32_t HostSsrc(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

uint32_t ReadU32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof value);  // network order kept: only compared
  return value;
}

// Header (fixed part, CSRCs, extension) fits in the packet before `trailer`
// bytes of SRTP tag; version 2. Sets *header_length to the header's size.
bool RtpStructureOk(const uint8_t* p, size_t length, size_t trailer, size_t* header_length) {
  if (length < kRtpHeaderLength + trailer) return false;
  if ((p[0] >> 6) != 2) return false;
  const size_t available = length - trailer;
  size_t header = kRtpHeaderLength + 4 * static_cast<size_t>(p[0] & 0x0f);
  if (header > available) return false;
  if ((p[0] & 0x10) != 0) {
    if (header + 4 > available) return false;
    const size_t words = (static_cast<size_t>(p[header + 2]) << 8) | p[header + 3];
    header += 4 + 4 * words;
    if (header > available) return false;
  }
  *header_length = header;
  return true;
}

bool RtcpStructureOk(const uint8_t* p, size_t length, size_t trailer, size_t* header_length) {
  if (length < kRtcpHeaderLength + trailer) return false;
  *header_length = kRtcpHeaderLength;
  return (p[0] >> 6) == 2;
}

enum class Op { kProtectRtp, kUnprotectRtp, kProtectRtcp, kUnprotectRtcp };

bool SetCryptoPolicies(SrtpProfile profile, srtp_policy_t* policy) {
  switch (profile) {
    case SrtpProfile::kAesCm128HmacSha1_80:
      srtp_crypto_policy_set_rtp_default(&policy->rtp);
      srtp_crypto_policy_set_rtcp_default(&policy->rtcp);
      return true;
    case SrtpProfile::kAesCm128HmacSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy->rtp);
      srtp_crypto_policy_set_rtcp_default(&policy->rtcp);  // 80-bit SRTCP tag
      return true;
    case SrtpProfile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
      return true;
    case SrtpProfile::kAeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtcp);
      return true;
  }
  return false;
}

// Creates one direction's libsrtp session with a wildcard-SSRC template.
srtp_err_status_t CreateSession(const SrtpProfileInfo& info, srtp_ssrc_type_t direction,
                                const uint8_t* key_salt, size_t length, uint32_t window,
                                std::vector<int>* encrypted_header_ids, SrtpPtr* out) {
  // libsrtp reads key || salt through a non-const pointer; give it our own
  // copy, wiped on every way out (libsrtp wipes its own copies).
  struct KeyCopy {
    std::array<uint8_t, 64> bytes{};
    ~KeyCopy() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  } key;
  if (length > key.bytes.size()) return srtp_err_status_bad_param;
  std::memcpy(key.bytes.data(), key_salt, length);

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (!SetCryptoPolicies(info.profile, &policy)) return srtp_err_status_bad_param;
  policy.ssrc.type = direction;
  policy.ssrc.value = 0;
  policy.key = key.bytes.data();
  policy.window_size = window;
  // Never re-protect the same (SSRC, sequence number): with AES-GCM a
  // repeated index is a nonce reuse that reveals the GHASH key and allows
  // forgeries, and with AES-CM two different payloads under one index leak
  // their XOR. Retransmissions go through RTX (RFC 4588), as WebRTC does.
  policy.allow_repeat_tx = 0;
  // RFC 6904 (libsrtp copies the list into each stream). For the AEAD
  // profiles libsrtp encrypts with AES-CM under the same derived header key.
  if (!encrypted_header_ids->empty()) {
    policy.enc_xtn_hdr = encrypted_header_ids->data();
    policy.enc_xtn_hdr_count = static_cast<int>(encrypted_header_ids->size());
  }
  policy.next = nullptr;

  srtp_t session = nullptr;
  srtp_err_status_t status;
  {
    ErrorScope errors;
    status = srtp_create(&session, &policy);
  }
  if (status != srtp_err_status_ok) {
    // srtp_create frees the session itself when it fails part-way.
    return status;
  }
  out->reset(session);
  return srtp_err_status_ok;
}

bool KeyLimitsOk(const SrtpKeyLimits& limits) {
  return limits.srtp_soft >= 1 && limits.srtp_soft <= limits.srtp_hard && limits.srtp_hard <= kMaxSrtpKeyUses &&
         limits.srtcp_soft >= 1 && limits.srtcp_soft <= limits.srtcp_hard && limits.srtcp_hard <= kMaxSrtcpKeyUses;
}

bool HeaderIdsOk(const std::vector<int>& ids) {
  if (ids.size() > kMaxEncryptedHeaderIds) return false;
  std::array<bool, 256> seen{};
  for (int id : ids) {
    if (id < 1 || id > 255 || seen[static_cast<size_t>(id)]) return false;
    seen[static_cast<size_t>(id)] = true;
  }
  return true;
}

}  // namespace

const SrtpProfileInfo* FindSrtpProfile(uint16_t id) {
  for (const SrtpProfileInfo& info : kProfiles) {
    if (static_cast<uint16_t>(info.profile) == id) return &info;
  }
  return nullptr;
}

SrtpFailure ClassifySrtpResult(int result) {
  switch (result) {
    case -srtp_err_status_auth_fail:
    case -srtp_err_status_cant_check:
      return SrtpFailure::kAuthFail;
    case -srtp_err_status_replay_fail:
      return SrtpFailure::kReplayFail;
    case -srtp_err_status_replay_old:
      return SrtpFailure::kReplayOld;
    case -srtp_err_status_bad_param:
    case -srtp_err_status_parse_err:
    case kSrtpBadPacket:
      return SrtpFailure::kBadPacket;
    case kSrtpBufferTooSmall:
      return SrtpFailure::kBufferTooSmall;
    case kSrtpTooManyStreams:
      return SrtpFailure::kTooManyStreams;
    case kSrtpKeyLimit:
    case -srtp_err_status_key_expired:
      return SrtpFailure::kKeyLimit;
    default:
      return SrtpFailure::kInternal;
  }
}

struct SrtpContext::Impl {
  // Allocated by this.
  const SrtpProfileInfo* info = nullptr;
  SrtpPtr tx;  // outbound: ssrc_any_outbound template, local key
  SrtpPtr rx;  // inbound: ssrc_any_inbound template, remote key
  // Remote SSRCs that authenticated at least once, sorted. libsrtp holds
  // exactly one stream for each (cloned from the template on success).
  std::vector<uint32_t> remote_ssrcs;
  uint32_t max_remote_streams = 0;
  // Local SSRCs libsrtp was asked to protect for, sorted. libsrtp clones the
  // outbound template for a new SSRC before it processes the packet, so an
  // SSRC counts from its first call on, whatever the call's outcome.
  std::vector<uint32_t> local_ssrcs;
  uint32_t max_local_streams = 0;
  // 8-byte-aligned copy area for packets whose address is not 4-byte aligned
  // (libsrtp reads headers and XORs keystream through uint32_t pointers) and
  // for packets in shared memory. Allocated on first use: Node's own Buffers
  // are aligned and private.
  std::unique_ptr<uint64_t[]> scratch;
  SrtpStats stats;
  // Key usage per [direction][protocol] (KeyLimitEvent enums) and the
  // limits per protocol; packets that libsrtp processed successfully count.
  uint64_t key_uses[2][2] = {};
  uint64_t soft_limit[2] = {};
  uint64_t hard_limit[2] = {};
  // Which (kind, direction, protocol) was raised (bit kind*4+direction*2+protocol),
  // and the events not yet taken (each is raised once: never more than 8).
  uint8_t raised = 0;
  std::array<KeyLimitEvent, kMaxKeyLimitEvents> events{};
  size_t event_count = 0;

  void Raise(KeyLimitEvent::Kind kind, KeyLimitEvent::Direction direction, KeyLimitEvent::Protocol protocol,
             uint32_t ssrc) {
    const uint8_t bit = static_cast<uint8_t>(1u << (kind * 4 + direction * 2 + protocol));
    if ((raised & bit) != 0 || event_count >= events.size()) return;
    raised |= bit;
    events[event_count++] = KeyLimitEvent{kind, direction, protocol, ssrc};
  }

  static bool Known(const std::vector<uint32_t>& ssrcs, uint32_t ssrc) {
    return std::binary_search(ssrcs.begin(), ssrcs.end(), ssrc);
  }
  static void Add(std::vector<uint32_t>* ssrcs, uint32_t ssrc) {
    auto at = std::lower_bound(ssrcs->begin(), ssrcs->end(), ssrc);
    if (at != ssrcs->end() && *at == ssrc) return;
    ssrcs->insert(at, ssrc);
  }
  void AddRemote(uint32_t ssrc) {
    Add(&remote_ssrcs, ssrc);
    stats.values[SrtpStats::kRemoteStreams] = static_cast<double>(remote_ssrcs.size());
  }
  void AddLocal(uint32_t ssrc) {
    Add(&local_ssrcs, ssrc);
    stats.values[SrtpStats::kLocalStreams] = static_cast<double>(local_ssrcs.size());
  }

  int Fail(int result) {
    stats.values[SrtpStats::kFailuresBase + static_cast<size_t>(ClassifySrtpResult(result))] += 1;
    return result;
  }

  // The inbound stream RolloverCounterOf used last, and its SSRC (network
  // order). libsrtp keeps a stream until the session is deallocated (this
  // context never removes one), so the pointer stays valid.
  srtp_stream_t roc_stream = nullptr;
  uint32_t roc_ssrc = 0;

  // The rollover counter of the RTP packet with this SSRC (network order)
  // and sequence number that srtp_unprotect has just accepted: libsrtp's own
  // index estimate for it (the packet lies within the replay window, less
  // than 2^15 behind the highest index, so the estimate is exact).
  bool RolloverCounterOf(uint32_t ssrc, uint16_t sequence, uint32_t* roc) {
    if (roc_stream == nullptr || roc_ssrc != ssrc) {
      const srtp_stream_t stream = srtp_get_stream(rx.get(), ssrc);
      if (stream == nullptr) return false;
      roc_stream = stream;
      roc_ssrc = ssrc;
    }
    srtp_xtd_seq_num_t index = 0;
    srtp_rdbx_estimate_index(&roc_stream->rtp_rdbx, &index, sequence);
    *roc = static_cast<uint32_t>(index >> 16);
    return true;
  }

  // One instance per operation: `op` is a constant in each, so the
  // branches on it fold away (the per-packet path tests only the packet).
  template <Op op>
  int Run(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue, uint32_t* roc = nullptr);
};

template <Op op>
int SrtpContext::Impl::Run(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue,
                           uint32_t* roc) {
  const bool protect = op == Op::kProtectRtp || op == Op::kProtectRtcp;
  const bool rtp = op == Op::kProtectRtp || op == Op::kUnprotectRtp;
  const size_t overhead = rtp ? info->rtp_overhead : info->rtcp_overhead;

  if (capacity < length) return Fail(kSrtpBufferTooSmall);
  // (A null buf has capacity 0, so length 0: the structure check rejects it
  // before any byte is read.)
  if (length > kMaxPacketLength || (protect && length + overhead > kMaxPacketLength)) {
    return Fail(kSrtpBadPacket);
  }

  // Work on our own aligned copy when libsrtp cannot use the caller's
  // memory directly (unaligned), or must not (shared: it could change
  // between our checks and libsrtp's reads). Every check below reads `data`.
  uint8_t* data = buf;
  const bool copy = kind == BufferKind::kShared || (reinterpret_cast<uintptr_t>(buf) & 3) != 0;
  if (copy && length > 0) {
    if (!scratch) scratch.reset(new uint64_t[kScratchWords]);
    // Bounded above: length + overhead <= kMaxPacketLength + 32.
    data = reinterpret_cast<uint8_t*>(scratch.get());
    std::memcpy(data, buf, length);
  }

  const size_t trailer = protect ? 0 : overhead;
  size_t header_length = 0;
  if (!(rtp ? RtpStructureOk(data, length, trailer, &header_length)
            : RtcpStructureOk(data, length, trailer, &header_length))) {
    return Fail(kSrtpBadPacket);
  }
  // libsrtp 2.x appends the trailer at buf + length without knowing the
  // buffer's size: the room must be there before the call.
  if (protect && capacity - length < overhead) return Fail(kSrtpBufferTooSmall);

  const uint32_t ssrc = ReadU32(data + (rtp ? 8 : 4));
  const uint32_t host_ssrc = HostSsrc(data + (rtp ? 8 : 4));
  const auto direction = protect ? KeyLimitEvent::kOutbound : KeyLimitEvent::kInbound;
  const auto protocol = rtp ? KeyLimitEvent::kSrtp : KeyLimitEvent::kSrtcp;
  uint64_t& uses = key_uses[direction][protocol];
  // Never a silent wrap: once the key is spent, nothing more is protected
  // or accepted under it (RFC 3711 §9.2); a new key (DTLS restart) is the remedy.
  if (uses >= hard_limit[protocol]) {
    Raise(KeyLimitEvent::kHard, direction, protocol, host_ssrc);
    return Fail(kSrtpKeyLimit);
  }
  const bool known = Known(protect ? local_ssrcs : remote_ssrcs, ssrc);
  if (!known) {
    const size_t streams = protect ? local_ssrcs.size() : remote_ssrcs.size();
    if (streams >= (protect ? max_local_streams : max_remote_streams)) return Fail(kSrtpTooManyStreams);
  }

  int len = static_cast<int>(length);
  srtp_err_status_t status;
  switch (op) {
    case Op::kProtectRtp: status = srtp_protect(tx.get(), data, &len); break;
    case Op::kUnprotectRtp: status = srtp_unprotect(rx.get(), data, &len); break;
    case Op::kProtectRtcp: status = srtp_protect_rtcp(tx.get(), data, &len); break;
    case Op::kUnprotectRtcp: status = srtp_unprotect_rtcp(rx.get(), data, &len); break;
    default: status = srtp_err_status_bad_param; break;
  }
  // The error queue after the call (kHeldByCaller: the caller's
  // SrtpBatchErrorScope does this once per batch). Only a call that failed,
  // or that made a stream (a new SSRC: libsrtp allocates it and keys its
  // cipher and MAC contexts, which may fetch OpenSSL algorithms), can have
  // left an entry. A successful call on a known stream runs only OpenSSL
  // cipher and MAC updates on contexts keyed before, and those raise no
  // error when they succeed; libsrtp checks the result of each of them but
  // AES-GCM's EVP_Cipher, whose failure paths raise nothing either (OpenSSL
  // 3.0 providers/implementations/ciphers/ciphercommon_gcm.c). So that call
  // skips the look (test/native/core/srtp_error_queue_test.cc holds this for
  // every profile, direction and protocol).
  if (queue == ErrorQueue::kPerPacket && (status != srtp_err_status_ok || !known)) ClearPacketErrors();
  if (protect && !known) AddLocal(ssrc);
  if (status != srtp_err_status_ok) {
    // AES-GCM decrypts in place before it checks the tag: never leave what
    // it produced for a packet that failed. (A copied packet failed in our
    // memory; the caller's still holds what was received.)
    if (!protect && !copy) std::memset(buf + header_length, 0, length - header_length);
    if (status == srtp_err_status_key_expired) {
      Raise(KeyLimitEvent::kHard, direction, protocol, host_ssrc);
    }
    return Fail(-static_cast<int>(status));
  }
  // Defence in depth: a result outside what we reserved would be a libsrtp
  // bug; never report (or copy) more than the caller's buffer holds.
  if (len < 0 || static_cast<size_t>(len) > capacity ||
      (protect && static_cast<size_t>(len) != length + overhead)) {
    if (!protect && !copy) std::memset(buf + header_length, 0, length - header_length);
    return Fail(-static_cast<int>(srtp_err_status_fail));
  }
  // The header is authenticated and (private or copied) cannot change now.
  if (roc != nullptr && op == Op::kUnprotectRtp &&
      !RolloverCounterOf(ssrc, static_cast<uint16_t>((data[2] << 8) | data[3]), roc)) {
    *roc = 0;
  }
  if (copy) std::memcpy(buf, data, static_cast<size_t>(len));

  if (!protect && !known) AddRemote(ssrc);
  if (++uses == soft_limit[protocol]) Raise(KeyLimitEvent::kSoft, direction, protocol, host_ssrc);
  const size_t base = rtp ? (protect ? SrtpStats::kRtpProtectedPackets : SrtpStats::kRtpUnprotectedPackets)
                          : (protect ? SrtpStats::kRtcpProtectedPackets : SrtpStats::kRtcpUnprotectedPackets);
  stats.values[base] += 1;
  stats.values[base + 1] += static_cast<double>(protect ? length : static_cast<size_t>(len));
  return len;
}

std::unique_ptr<SrtpContext> SrtpContext::Create(SrtpProfile profile, const uint8_t* local_key_salt,
                                                 size_t local_length, const uint8_t* remote_key_salt,
                                                 size_t remote_length, const SrtpOptions& options,
                                                 int* status) {
  int ignored;
  if (status == nullptr) status = &ignored;
  const SrtpProfileInfo* info = FindSrtpProfile(static_cast<uint16_t>(profile));
  const size_t key_salt = info == nullptr ? 0 : info->key_length + info->salt_length;
  if (info == nullptr || local_key_salt == nullptr || remote_key_salt == nullptr ||
      local_length != key_salt || remote_length != key_salt || options.replay_window < kMinReplayWindow ||
      options.replay_window > kMaxReplayWindow || options.max_remote_streams < 1 ||
      options.max_remote_streams > kMaxRemoteStreamsLimit || options.max_local_streams < 1 ||
      options.max_local_streams > kMaxLocalStreamsLimit || !KeyLimitsOk(options.key_limits) ||
      !HeaderIdsOk(options.encrypted_header_ids)) {
    *status = -srtp_err_status_bad_param;
    return nullptr;
  }
  srtp_err_status_t init = InitLibsrtpOnce();
  if (init != srtp_err_status_ok) {
    *status = -static_cast<int>(init);
    return nullptr;
  }

  auto impl = std::make_unique<Impl>();
  impl->info = info;
  impl->max_remote_streams = options.max_remote_streams;
  impl->max_local_streams = options.max_local_streams;
  impl->soft_limit[KeyLimitEvent::kSrtp] = options.key_limits.srtp_soft;
  impl->hard_limit[KeyLimitEvent::kSrtp] = options.key_limits.srtp_hard;
  impl->soft_limit[KeyLimitEvent::kSrtcp] = options.key_limits.srtcp_soft;
  impl->hard_limit[KeyLimitEvent::kSrtcp] = options.key_limits.srtcp_hard;
  std::vector<int> header_ids = options.encrypted_header_ids;  // libsrtp takes a non-const int*
  srtp_err_status_t result = CreateSession(*info, ssrc_any_outbound, local_key_salt, local_length,
                                           options.replay_window, &header_ids, &impl->tx);
  if (result == srtp_err_status_ok) {
    result = CreateSession(*info, ssrc_any_inbound, remote_key_salt, remote_length, options.replay_window,
                           &header_ids, &impl->rx);
  }
  if (result != srtp_err_status_ok) {
    *status = -static_cast<int>(result);
    return nullptr;
  }
  *status = 0;
  return std::unique_ptr<SrtpContext>(new SrtpContext(std::move(impl)));
}

SrtpContext::SrtpContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SrtpContext::~SrtpContext() = default;

SrtpBatchErrorScope::SrtpBatchErrorScope() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}
SrtpBatchErrorScope::~SrtpBatchErrorScope() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

int SrtpContext::ProtectRtp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue) {
  return impl_->Run<Op::kProtectRtp>(buf, length, capacity, kind, queue);
}
int SrtpContext::UnprotectRtp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue,
                              uint32_t* roc) {
  return impl_->Run<Op::kUnprotectRtp>(buf, length, capacity, kind, queue, roc);
}
int SrtpContext::ProtectRtcp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue) {
  return impl_->Run<Op::kProtectRtcp>(buf, length, capacity, kind, queue);
}
int SrtpContext::UnprotectRtcp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind, ErrorQueue queue) {
  return impl_->Run<Op::kUnprotectRtcp>(buf, length, capacity, kind, queue);
}

bool SrtpContext::HasKeyLimitEvents() const { return impl_->event_count != 0; }

size_t SrtpContext::TakeKeyLimitEvents(KeyLimitEvent* out, size_t capacity) {
  const size_t n = std::min(capacity, impl_->event_count);
  std::copy(impl_->events.begin(), impl_->events.begin() + static_cast<std::ptrdiff_t>(n), out);
  std::copy(impl_->events.begin() + static_cast<std::ptrdiff_t>(n),
            impl_->events.begin() + static_cast<std::ptrdiff_t>(impl_->event_count), impl_->events.begin());
  impl_->event_count -= n;
  return n;
}

bool SrtpContext::GetRolloverCounter(uint32_t ssrc, KeyLimitEvent::Direction direction, uint32_t* roc) const {
  srtp_ctx_t* session = direction == KeyLimitEvent::kOutbound ? impl_->tx.get() : impl_->rx.get();
  uint32_t value = 0;
  srtp_err_status_t status;
  {
    ErrorScope errors;
    status = srtp_get_stream_roc(session, ssrc, &value);
  }
  if (status != srtp_err_status_ok) return false;
  *roc = value;
  return true;
}

bool SrtpContext::RemoteRtpRoc(uint32_t ssrc, uint16_t sequence, uint32_t* roc) const {
  if (!impl_->rx) return false;
  // libsrtp keys streams by the SSRC as it sits in the packet (network order).
  const uint8_t bytes[4] = {static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  uint32_t wire = 0;
  std::memcpy(&wire, bytes, sizeof(wire));
  return impl_->RolloverCounterOf(wire, sequence, roc);
}

SrtpProfile SrtpContext::profile() const { return impl_->info->profile; }
const SrtpProfileInfo& SrtpContext::info() const { return *impl_->info; }
const SrtpStats& SrtpContext::stats() const { return impl_->stats; }

}  // namespace dtlssrtp::core
