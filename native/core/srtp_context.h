// SPDX-License-Identifier: MIT
#pragma once

// SRTP/SRTCP protection over the vendored libsrtp (OpenSSL crypto backend).
// Plain C++17: no Node-API. One SrtpContext serves every SSRC of a transport
// (libsrtp any-SSRC policies): an outbound stream for what we protect and an
// inbound stream template for what we unprotect.
//
// Thread: an SrtpContext belongs to the thread that created it; libsrtp's
// process-wide init runs once (std::call_once) and srtp_shutdown never runs.

#include <cstddef>
#include <cstdint>
#include <memory>

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
  size_t key_length;   // master key bytes
  size_t salt_length;  // master salt bytes
};

// nullptr for an unknown id.
const SrtpProfileInfo* FindSrtpProfile(uint16_t id);

struct SrtpOptions {
  // libsrtp replay window (packets): 64 .. 0x8000 (libsrtp's bounds).
  uint32_t replay_window = 1024;
  // Remote SSRCs with their own replay/ROC state; packets from further SSRCs
  // are dropped and counted (kSrtpTooManyStreams), never allocated.
  uint32_t max_remote_streams = 64;
};

// Results of packet operations: >= 0 is the new packet length; a negative
// value is -(libsrtp srtp_err_status_t) or one of these (all below -1000).
constexpr int kSrtpBufferTooSmall = -1001;  // capacity < length + max overhead
constexpr int kSrtpBadPacket = -1002;       // structurally invalid (pre-checked here)
constexpr int kSrtpTooManyStreams = -1003;  // new remote SSRC beyond max_remote_streams

class SrtpContext {
 public:
  // key_salt buffers hold master key || master salt for the profile.
  // Returns nullptr and sets *status (a negative result code) on failure.
  static std::unique_ptr<SrtpContext> Create(SrtpProfile profile, const uint8_t* local_key_salt,
                                             size_t local_length, const uint8_t* remote_key_salt,
                                             size_t remote_length, const SrtpOptions& options, int* status);
  ~SrtpContext();
  SrtpContext(const SrtpContext&) = delete;
  SrtpContext& operator=(const SrtpContext&) = delete;

  // In place on buf[0, length); buf has `capacity` bytes. Never reads or
  // writes outside buf[0, capacity).
  int ProtectRtp(uint8_t* buf, size_t length, size_t capacity);
  int UnprotectRtp(uint8_t* buf, size_t length, size_t capacity);
  int ProtectRtcp(uint8_t* buf, size_t length, size_t capacity);
  int UnprotectRtcp(uint8_t* buf, size_t length, size_t capacity);

  SrtpProfile profile() const;

  // (Implementation: see srtp_context.cc.)
  struct Impl;

 private:
  explicit SrtpContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dtlssrtp::core
