// SPDX-License-Identifier: MIT
#pragma once

// SRTP/SRTCP protection over the vendored libsrtp (OpenSSL crypto backend).
// Plain C++17: no Node-API. One SrtpContext serves every SSRC of a transport
// (libsrtp any-SSRC policies): an outbound stream template for what we
// protect (local key) and an inbound stream template for what we unprotect
// (remote key). libsrtp allows one template per srtp_t, so the context owns
// two srtp_t sessions, one per direction.
//
// Ownership: the context owns both srtp_t and its scratch buffer; it never
// keeps a pointer to a caller's buffer beyond the call. libsrtp holds one
// stream per SSRC in each direction; both counts are capped (SrtpOptions).
// Thread: an SrtpContext belongs to the thread that created it; libsrtp's
// process-wide init runs once (std::call_once) and srtp_shutdown never runs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace dtlssrtp::core {

// RFC 5764 §4.1.2 / RFC 7714 §14.2 protection-profile identifiers, the same
// numbers OpenSSL reports in SRTP_PROTECTION_PROFILE::id.
enum class SrtpProfile : uint16_t {
  kAesCm128HmacSha1_80 = 0x0001,
  kAesCm128HmacSha1_32 = 0x0002,
  kAeadAes128Gcm = 0x0007,
  kAeadAes256Gcm = 0x0008,
};

struct SrtpProfileInfo {
  SrtpProfile profile;
  size_t key_length;     // master key bytes
  size_t salt_length;    // master salt bytes
  size_t rtp_overhead;   // bytes srtp_protect appends (the RTP auth tag)
  size_t rtcp_overhead;  // bytes srtp_protect_rtcp appends (E flag + index + RTCP tag)
};

// nullptr for an unknown id.
const SrtpProfileInfo* FindSrtpProfile(uint16_t id);
// How many profiles FindSrtpProfile knows (native/binding/constants.h names each).
constexpr size_t kSrtpProfileCount = 4;

// libsrtp's replay window bounds for RTP (srtp_stream_init accepts
// 64 <= window_size < 0x8000). SRTCP uses libsrtp's fixed 128-packet window.
constexpr uint32_t kMinReplayWindow = 64;
constexpr uint32_t kMaxReplayWindow = 0x7fff;
constexpr uint32_t kMaxRemoteStreamsLimit = 4096;
constexpr uint32_t kMaxLocalStreamsLimit = 65536;

// The largest packet (protected form, tag included) any operation accepts:
// a UDP datagram cannot be larger. Longer input is kSrtpBadPacket.
constexpr size_t kMaxPacketLength = 65535;

// RFC 3711 §9.2: a master key protects at most 2^48 SRTP or 2^31 SRTCP
// packets. The soft limits default to libsrtp's margin (2^16 packets before
// the hard limit).
constexpr uint64_t kMaxSrtpKeyUses = uint64_t{1} << 48;
constexpr uint64_t kMaxSrtcpKeyUses = uint64_t{1} << 31;
constexpr uint64_t kKeySoftMargin = uint64_t{1} << 16;

// Per master key and direction: after `*_soft` packets the context raises a
// soft key-limit event once; after `*_hard` packets it refuses every further
// packet of that kind (kSrtpKeyLimit) and raises a hard event once.
// 1 <= soft <= hard <= the RFC 3711 maximum.
struct SrtpKeyLimits {
  uint64_t srtp_soft = kMaxSrtpKeyUses - kKeySoftMargin;
  uint64_t srtp_hard = kMaxSrtpKeyUses;
  uint64_t srtcp_soft = kMaxSrtcpKeyUses - kKeySoftMargin;
  uint64_t srtcp_hard = kMaxSrtcpKeyUses;
};

// RFC 6904 extension IDs: 1..14 in the one-byte form, 1..255 in the two-byte
// form (RFC 8285); at most this many distinct IDs.
constexpr size_t kMaxEncryptedHeaderIds = 255;

struct SrtpOptions {
  // libsrtp replay window (packets): kMinReplayWindow .. kMaxReplayWindow.
  uint32_t replay_window = 1024;
  // Remote SSRCs with their own replay/ROC state: 1 .. kMaxRemoteStreamsLimit.
  // Packets from further SSRCs are dropped and counted (kSrtpTooManyStreams)
  // before libsrtp sees them, so libsrtp never allocates a stream for them.
  uint32_t max_remote_streams = 64;
  // Local SSRCs we protect for: 1 .. kMaxLocalStreamsLimit. libsrtp clones
  // a stream (about 0.5 KiB) for each new SSRC it protects, so without a cap
  // a sender that cycles SSRCs grows the context without bound. Packets for
  // further SSRCs fail (kSrtpTooManyStreams) before libsrtp sees them. The
  // default leaves room for an SFU forwarding hundreds of tracks (media,
  // RTX and FEC SSRCs) on one transport at under 1 MiB per context.
  uint32_t max_local_streams = 1024;
  // RFC 6904: IDs of the RTP header extensions whose values are encrypted,
  // in both directions (libsrtp enc_xtn_hdr). Each 1..255, distinct, at most
  // kMaxEncryptedHeaderIds. Empty: no header-extension encryption.
  std::vector<int> encrypted_header_ids;
  SrtpKeyLimits key_limits;
};

// Whether the caller's buffer can change while a call runs (memory of a
// SharedArrayBuffer that another thread may write). A shared packet is
// copied into the context's own memory once, checked and processed there,
// and the result copied back: neither our checks nor libsrtp (which reads
// header fields again after validating them) ever read a field twice from
// memory that can change under them.
enum class BufferKind : uint8_t { kPrivate, kShared };

// Results of packet operations: >= 0 is the new packet length; a negative
// value is -(libsrtp srtp_err_status_t) or one of these (all below -1000).
constexpr int kSrtpBufferTooSmall = -1001;  // capacity < length + the profile's overhead
constexpr int kSrtpBadPacket = -1002;       // structurally invalid (pre-checked here)
constexpr int kSrtpTooManyStreams = -1003;  // new SSRC beyond max_remote_streams / max_local_streams
constexpr int kSrtpKeyLimit = -1004;        // the master key reached its hard limit (SrtpKeyLimits)

// What a result means, for counting and for the error code the caller sees.
enum class SrtpFailure : uint8_t {
  kAuthFail,        // ERR_SRTP_AUTH_FAIL
  kReplayFail,      // ERR_SRTP_REPLAY_FAIL
  kReplayOld,       // ERR_SRTP_REPLAY_OLD
  kBadPacket,       // ERR_SRTP_BAD_PACKET
  kBufferTooSmall,  // ERR_SRTP_BUFFER_SMALL
  kTooManyStreams,  // ERR_SRTP_TOO_MANY_STREAMS
  kInternal,        // ERR_SRTP_INTERNAL (any other libsrtp status)
  kKeyLimit,        // ERR_SRTP_KEY_LIMIT (kSrtpKeyLimit, libsrtp key_expired)
  kCount,
};

// Classifies a negative result. Structural problems libsrtp reports itself
// (bad_param, parse_err) are kBadPacket; cant_check (an SRTCP packet whose
// E flag says "not encrypted", which our policies never accept) is kAuthFail.
SrtpFailure ClassifySrtpResult(int result);

// Counters kept by the context, in this order (the binding copies them into
// a Float64Array). Bytes count the RTP/RTCP (plaintext) side of each packet.
struct SrtpStats {
  enum Index : size_t {
    kRtpProtectedPackets,
    kRtpProtectedBytes,
    kRtpUnprotectedPackets,
    kRtpUnprotectedBytes,
    kRtcpProtectedPackets,
    kRtcpProtectedBytes,
    kRtcpUnprotectedPackets,
    kRtcpUnprotectedBytes,
    kRemoteStreams,
    kFailuresBase,  // followed by one counter per SrtpFailure
    // Local SSRCs with their own libsrtp stream (at most max_local_streams).
    // After the failure counters so that the earlier indices stay put.
    kLocalStreams = kFailuresBase + static_cast<size_t>(SrtpFailure::kCount),
    kCount,
  };
  double values[kCount] = {};
};

// A key-usage limit crossed (SrtpKeyLimits). Each (kind, direction,
// protocol) is raised at most once per context, so at most
// kMaxKeyLimitEvents are ever pending.
struct KeyLimitEvent {
  enum Kind : uint8_t { kSoft, kHard };
  enum Direction : uint8_t { kOutbound, kInbound };
  enum Protocol : uint8_t { kSrtp, kSrtcp };
  Kind kind;
  Direction direction;
  Protocol protocol;
  uint32_t ssrc;  // host order: the packet that crossed the limit
};
constexpr size_t kMaxKeyLimitEvents = 8;

// Who keeps the thread's OpenSSL error queue clean around a packet
// operation (STYLE E5):
// - kPerPacket (the default): the operation itself; after a libsrtp call
//   that failed or made a stream (a new SSRC) it peeks at the queue and
//   clears it when it finds an entry. A successful call on a known stream
//   leaves no entry (see Impl::Run) and skips the look: an entry left by
//   someone else before the call stays for its owner (every ErrorScope
//   clears on entry, and the packet path never reads the queue).
// - kHeldByCaller: the caller holds an SrtpBatchErrorScope around a whole
//   batch of operations (on any contexts of this thread), which does the
//   same once per batch. A batch of 32 packets then peeks 2 times, not 64.
//   libsrtp decides on return codes only, never on the queue, so an entry
//   left by one packet cannot change the outcome of the next.
enum class ErrorQueue : uint8_t { kPerPacket, kHeldByCaller };

// Clears the thread's OpenSSL error queue when it is created and when it goes
// out of scope, paying for ERR_clear_error only when ERR_peek_error finds
// an entry (on the packet path: never). Hold one around a batch of packet
// operations called with ErrorQueue::kHeldByCaller; no JavaScript or other
// OpenSSL work may run inside it.
class SrtpBatchErrorScope {
 public:
  SrtpBatchErrorScope();
  ~SrtpBatchErrorScope();
  SrtpBatchErrorScope(const SrtpBatchErrorScope&) = delete;
  SrtpBatchErrorScope& operator=(const SrtpBatchErrorScope&) = delete;
};

class SrtpContext {
 public:
  // key_salt buffers hold master key || master salt for the profile.
  // Returns nullptr and sets *status (a negative result code) on failure:
  // -srtp_err_status_bad_param for wrong lengths or options.
  static std::unique_ptr<SrtpContext> Create(SrtpProfile profile, const uint8_t* local_key_salt,
                                             size_t local_length, const uint8_t* remote_key_salt,
                                             size_t remote_length, const SrtpOptions& options, int* status);
  ~SrtpContext();
  SrtpContext(const SrtpContext&) = delete;
  SrtpContext& operator=(const SrtpContext&) = delete;

  // In place on buf[0, length); buf has `capacity` bytes. Never reads or
  // writes outside buf[0, capacity), even when `kind` is kShared and the
  // bytes change during the call. Protect needs capacity >= length +
  // rtp_overhead (rtcp_overhead for RTCP). Every call counts into stats().
  // A failed unprotect never leaves unauthenticated plaintext in buf (AES-GCM
  // decrypts before it checks the tag): the bytes after the RTP header (the
  // 8-byte RTCP header) are either the received ones or zeros.
  // `queue`: see ErrorQueue. UnprotectRtp with a non-null `roc` sets *roc,
  // on success, to the accepted packet's rollover counter (RFC 3711 §3.3.1),
  // read from the stream libsrtp has just used (as RemoteRtpRoc does, without
  // looking the stream up again for a run of packets of one SSRC).
  int ProtectRtp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind = BufferKind::kPrivate,
                 ErrorQueue queue = ErrorQueue::kPerPacket);
  int UnprotectRtp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind = BufferKind::kPrivate,
                   ErrorQueue queue = ErrorQueue::kPerPacket, uint32_t* roc = nullptr);
  int ProtectRtcp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind = BufferKind::kPrivate,
                  ErrorQueue queue = ErrorQueue::kPerPacket);
  int UnprotectRtcp(uint8_t* buf, size_t length, size_t capacity, BufferKind kind = BufferKind::kPrivate,
                    ErrorQueue queue = ErrorQueue::kPerPacket);

  // Key-limit events raised since the last take, oldest first. Cheap to ask
  // on every packet path; taking empties the queue.
  bool HasKeyLimitEvents() const;
  size_t TakeKeyLimitEvents(KeyLimitEvent* out, size_t capacity);

  // The rollover counter (RFC 3711 §3.3.1) libsrtp holds for `ssrc` (host
  // order) in one direction; false if libsrtp has no stream for it yet.
  bool GetRolloverCounter(uint32_t ssrc, KeyLimitEvent::Direction direction, uint32_t* roc) const;

  // The rollover counter (RFC 3711 §3.3.1) of the RTP packet with this SSRC
  // and sequence number that UnprotectRtp has just accepted: libsrtp's own
  // index estimate for it (the packet lies within the replay window, less
  // than 2^15 behind the highest index, so the estimate is exact). False when
  // libsrtp has no stream for the SSRC.
  bool RemoteRtpRoc(uint32_t ssrc, uint16_t sequence, uint32_t* roc) const;

  SrtpProfile profile() const;
  const SrtpProfileInfo& info() const;
  const SrtpStats& stats() const;

  // (Implementation: see srtp_context.cc.)
  struct Impl;

 private:
  explicit SrtpContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtlssrtp::core
