// SPDX-License-Identifier: MIT
// libFuzzer target: core::SrtpContext (vendored libsrtp) with hostile packets,
// for all four profiles, RTP and RTCP.
//
// Input: byte 0 chooses
//   bits 0-1  profile (AES_CM_128_HMAC_SHA1_80, _32, AEAD_AES_128_GCM, _256_GCM)
//   bit 2     RTCP instead of RTP (modes 0 and 1)
//   bits 3-4  mode: 0 unprotect the rest as one packet
//                   1 protect the rest, then unprotect it: must give it back
//                   2 the rest is a sequence of packets, each behind a u16
//                     big-endian header: bit 15 RTCP, bit 14 "protect it
//                     first" (so that it authenticates), bits 0-13 length;
//                     one context unprotects them in turn (replay windows,
//                     ROC estimation, the remote stream table)
//                   3 as 2, with the smallest replay window and 2 remote streams
//   bit 5     place packets at an odd address (the context's aligned copy)
// Fixed keys; local and remote key are the same, so what the context protects
// it can unprotect. A fresh context per input: no state carries over.
// Every packet lives in an exact-size heap block whose size is the capacity we
// pass, so any access outside it is an AddressSanitizer report.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/srtp_context.h"

using dtlssrtp::core::FindSrtpProfile;
using dtlssrtp::core::kMaxPacketLength;
using dtlssrtp::core::kMinReplayWindow;
using dtlssrtp::core::SrtpContext;
using dtlssrtp::core::SrtpOptions;
using dtlssrtp::core::SrtpProfile;
using dtlssrtp::core::SrtpProfileInfo;

namespace {

constexpr uint16_t kProfiles[4] = {0x0001, 0x0002, 0x0007, 0x0008};

// A heap block of exactly `capacity` bytes (no slack): copy in, hand out.
std::unique_ptr<uint8_t[]> Exact(const uint8_t* data, size_t length, size_t capacity) {
  std::unique_ptr<uint8_t[]> block(new uint8_t[capacity == 0 ? 1 : capacity]);
  if (length != 0) std::memcpy(block.get(), data, length);
  return block;
}

std::unique_ptr<SrtpContext> MakeContext(uint16_t id, const SrtpOptions& options) {
  const SrtpProfileInfo* info = FindSrtpProfile(id);
  if (info == nullptr) std::abort();
  std::vector<uint8_t> key(info->key_length + info->salt_length);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x11 * (i + 1));
  int status = 0;
  auto ctx = SrtpContext::Create(static_cast<SrtpProfile>(id), key.data(), key.size(), key.data(),
                                 key.size(), options, &status);
  if (ctx == nullptr) std::abort();  // fixed, valid parameters: must not fail
  return ctx;
}

int Unprotect(SrtpContext* ctx, bool rtcp, const uint8_t* data, size_t length, bool odd) {
  if (odd) {
    // One byte of slack before the packet only; the capacity is exact.
    std::unique_ptr<uint8_t[]> block(new uint8_t[length + 1]);
    if (length != 0) std::memcpy(block.get() + 1, data, length);
    return rtcp ? ctx->UnprotectRtcp(block.get() + 1, length, length)
                : ctx->UnprotectRtp(block.get() + 1, length, length);
  }
  auto block = Exact(data, length, length);
  return rtcp ? ctx->UnprotectRtcp(block.get(), length, length)
              : ctx->UnprotectRtp(block.get(), length, length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const uint16_t id = kProfiles[selector & 3];
  const bool rtcp = (selector & 4) != 0;
  const int mode = (selector >> 3) & 3;
  const bool odd = (selector & 0x20) != 0;
  data += 1;
  size -= 1;
  if (size > kMaxPacketLength + 16) return 0;  // longer than any datagram; checked by the context anyway

  SrtpOptions options;
  if (mode == 3) {
    options.replay_window = kMinReplayWindow;
    options.max_remote_streams = 2;
  }
  auto ctx = MakeContext(id, options);

  if (mode == 0) {
    Unprotect(ctx.get(), rtcp, data, size, odd);
    return 0;
  }
  if (mode == 1) {
    const SrtpProfileInfo& info = ctx->info();
    const size_t capacity = size + (rtcp ? info.rtcp_overhead : info.rtp_overhead);
    auto block = Exact(data, size, capacity);
    const int n =
        rtcp ? ctx->ProtectRtcp(block.get(), size, capacity) : ctx->ProtectRtp(block.get(), size, capacity);
    if (n < 0) return 0;
    if (static_cast<size_t>(n) > capacity) std::abort();
    // What we protected, the same keys must give back unchanged.
    auto copy = Exact(block.get(), static_cast<size_t>(n), static_cast<size_t>(n));
    const int m = rtcp ? ctx->UnprotectRtcp(copy.get(), static_cast<size_t>(n), static_cast<size_t>(n))
                       : ctx->UnprotectRtp(copy.get(), static_cast<size_t>(n), static_cast<size_t>(n));
    if (m != static_cast<int>(size) || std::memcmp(copy.get(), data, size) != 0) std::abort();
    return 0;
  }
  // Modes 2 and 3: a sequence of packets through one context.
  while (size >= 2) {
    const uint16_t header = static_cast<uint16_t>(data[0] << 8 | data[1]);
    data += 2;
    size -= 2;
    const bool is_rtcp = (header & 0x8000) != 0;
    size_t length = header & 0x3fff;
    if (length > size) length = size;
    if ((header & 0x4000) != 0) {
      const SrtpProfileInfo& info = ctx->info();
      const size_t capacity = length + (is_rtcp ? info.rtcp_overhead : info.rtp_overhead);
      auto block = Exact(data, length, capacity);
      const int n = is_rtcp ? ctx->ProtectRtcp(block.get(), length, capacity)
                            : ctx->ProtectRtp(block.get(), length, capacity);
      if (n >= 0) {
        if (static_cast<size_t>(n) > capacity) std::abort();
        auto copy = Exact(block.get(), static_cast<size_t>(n), static_cast<size_t>(n));
        const int m = is_rtcp ? ctx->UnprotectRtcp(copy.get(), static_cast<size_t>(n), static_cast<size_t>(n))
                              : ctx->UnprotectRtp(copy.get(), static_cast<size_t>(n), static_cast<size_t>(n));
        // Replays and surplus streams may be refused; what passes is the original.
        if (m >= 0 && (m != static_cast<int>(length) || std::memcmp(copy.get(), data, length) != 0)) {
          std::abort();
        }
      }
    } else {
      Unprotect(ctx.get(), is_rtcp, data, length, odd);
    }
    data += length;
    size -= length;
  }
  return 0;
}
