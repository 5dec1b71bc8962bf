// SPDX-License-Identifier: MIT
// Node-free test of the OpenSSL error-queue rule of native/core/srtp_context
// on the per-packet path (ErrorQueue::kPerPacket), built with AddressSanitizer
// + UBSan by test/native/srtp-error-queue.test.ts:
// - no packet operation leaves an entry of its own: after every successful
//   call (every profile, RTP and RTCP, both directions, new and known SSRCs,
//   aligned, unaligned and shared buffers, RFC 6904 header encryption) the
//   queue is as empty as before it;
// - only a call that failed or made a stream looks at the queue (and clears
//   what it finds); a successful call on a known stream skips the look, so
//   an entry someone else left stays for its owner.
#include <openssl/err.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/srtp_context.h"

#include "check.h"

using dtlssrtp::core::BufferKind;
using dtlssrtp::core::SrtpContext;
using dtlssrtp::core::SrtpOptions;
using dtlssrtp::core::SrtpProfile;

namespace {

std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc, size_t payload, bool ext) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(ext ? 0x90 : 0x80), 96, static_cast<uint8_t>(seq >> 8),
                            static_cast<uint8_t>(seq), 0, 0, 0, 1, static_cast<uint8_t>(ssrc >> 24),
                            static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  if (ext) p.insert(p.end(), {0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00});
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(i * 7 + seq));
  return p;
}

std::vector<uint8_t> Rtcp(uint32_t ssrc) {
  std::vector<uint8_t> p = {0x81, 201, 0, 7, static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  p.resize(p.size() + 24, 0x5a);
  return p;
}

std::unique_ptr<SrtpContext> Make(SrtpProfile profile, const std::vector<uint8_t>& local,
                                  const std::vector<uint8_t>& remote, bool header_encryption) {
  SrtpOptions options;
  if (header_encryption) options.encrypted_header_ids = {1};
  int status = 0;
  auto ctx = SrtpContext::Create(profile, local.data(), local.size(), remote.data(), remote.size(), options, &status);
  CHECK(ctx != nullptr && status == 0);
  return ctx;
}

// One packet operation on a copy of `packet` with room for the trailer, at an
// aligned or odd address, as private or shared memory; *out gets the result.
int Run(SrtpContext& ctx, bool protect, bool rtcp, const std::vector<uint8_t>& packet, int layout,
        std::vector<uint8_t>* out) {
  const size_t room = 64;
  std::vector<uint64_t> storage((packet.size() + room + 16) / 8);
  uint8_t* data = reinterpret_cast<uint8_t*>(storage.data()) + (layout == 1 ? 1 : 0);
  const size_t capacity = packet.size() + room;
  std::memcpy(data, packet.data(), packet.size());
  const BufferKind kind = layout == 2 ? BufferKind::kShared : BufferKind::kPrivate;
  int n;
  if (protect) {
    n = rtcp ? ctx.ProtectRtcp(data, packet.size(), capacity, kind) : ctx.ProtectRtp(data, packet.size(), capacity, kind);
  } else {
    n = rtcp ? ctx.UnprotectRtcp(data, packet.size(), capacity, kind)
             : ctx.UnprotectRtp(data, packet.size(), capacity, kind);
  }
  if (n >= 0 && out != nullptr) out->assign(data, data + n);
  return n;
}

void TestNoEntryOfItsOwn(SrtpProfile profile, size_t key_salt, bool header_encryption) {
  std::vector<uint8_t> k1(key_salt, 0x11), k2(key_salt, 0x22);
  auto a = Make(profile, k1, k2, header_encryption);
  auto b = Make(profile, k2, k1, header_encryption);
  if (!a || !b) return;
  ERR_clear_error();
  int clean = 0;
  int calls = 0;
  for (uint32_t ssrc = 1000; ssrc < 1004; ++ssrc) {  // each SSRC new on its first packet
    for (uint16_t seq = 1; seq <= 40; ++seq) {
      const int layout = seq % 3;  // aligned, odd address, shared
      const auto packet = Rtp(seq, ssrc, 20 + seq, header_encryption);
      std::vector<uint8_t> srtp;
      std::vector<uint8_t> plain;
      CHECK(Run(*a, true, false, packet, layout, &srtp) > 0);
      clean += ERR_peek_error() == 0;
      CHECK(Run(*b, false, false, srtp, 2 - layout, &plain) == static_cast<int>(packet.size()));
      clean += ERR_peek_error() == 0;
      CHECK(plain == packet);
      const auto report = Rtcp(ssrc);
      CHECK(Run(*a, true, true, report, layout, &srtp) > 0);
      clean += ERR_peek_error() == 0;
      CHECK(Run(*b, false, true, srtp, layout, &plain) == static_cast<int>(report.size()));
      clean += ERR_peek_error() == 0;
      CHECK(plain == report);
      calls += 4;
    }
  }
  CHECK(clean == calls);
}

void TestWhoLooks(SrtpProfile profile, size_t key_salt) {
  std::vector<uint8_t> k1(key_salt, 0x33), k2(key_salt, 0x44);
  auto a = Make(profile, k1, k2, false);
  auto b = Make(profile, k2, k1, false);
  if (!a || !b) return;
  std::vector<uint8_t> srtp;
  std::vector<uint8_t> srtcp;
  ERR_clear_error();
  // A new SSRC in each direction (a stream made): looked, cleared.
  ERR_raise(ERR_LIB_USER, 1);
  CHECK(Run(*a, true, false, Rtp(1, 7, 50, false), 0, &srtp) > 0);
  CHECK(ERR_peek_error() == 0);
  ERR_raise(ERR_LIB_USER, 2);
  CHECK(Run(*b, false, false, srtp, 0, nullptr) > 0);
  CHECK(ERR_peek_error() == 0);
  // Known streams, successful calls: no look, the entry stays for its owner.
  ERR_raise(ERR_LIB_USER, 3);
  CHECK(Run(*a, true, false, Rtp(2, 7, 50, false), 0, &srtp) > 0);
  CHECK(Run(*b, false, false, srtp, 0, nullptr) > 0);
  CHECK(Run(*a, true, true, Rtcp(7), 0, &srtcp) > 0);
  CHECK(Run(*b, false, true, srtcp, 0, nullptr) > 0);
  CHECK(ERR_GET_REASON(ERR_peek_error()) == 3);
  // A failed call (a replay): looked, cleared.
  CHECK(Run(*b, false, false, srtp, 0, nullptr) < 0);
  CHECK(ERR_peek_error() == 0);
  ERR_raise(ERR_LIB_USER, 4);
  srtcp.back() ^= 1;  // a forged tag
  CHECK(Run(*b, false, true, srtcp, 0, nullptr) < 0);
  CHECK(ERR_peek_error() == 0);
}

}  // namespace

int main() {
  TestNoEntryOfItsOwn(SrtpProfile::kAesCm128HmacSha1_80, 30, false);
  TestNoEntryOfItsOwn(SrtpProfile::kAesCm128HmacSha1_80, 30, true);
  TestNoEntryOfItsOwn(SrtpProfile::kAesCm128HmacSha1_32, 30, false);
  TestNoEntryOfItsOwn(SrtpProfile::kAeadAes128Gcm, 28, false);
  TestNoEntryOfItsOwn(SrtpProfile::kAeadAes128Gcm, 28, true);
  TestNoEntryOfItsOwn(SrtpProfile::kAeadAes256Gcm, 44, false);
  TestNoEntryOfItsOwn(SrtpProfile::kAeadAes256Gcm, 44, true);
  TestWhoLooks(SrtpProfile::kAesCm128HmacSha1_80, 30);
  TestWhoLooks(SrtpProfile::kAeadAes128Gcm, 28);
  return dtlssrtp::test::Summary();
}
