// SPDX-License-Identifier: MIT
// Node-free test of native/core/srtp_context (STYLE L1), built with
// AddressSanitizer + UBSan by test/native/srtp-core.test.ts. Every packet
// lives in a heap block of exactly its capacity, so any read or write past
// the capacity we pass (by our code or by libsrtp) is reported by ASan.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <openssl/err.h>

#include <atomic>
#include <new>
#include <string>
#include <thread>

#include "core/ossl.h"
#include "core/srtp_context.h"

#include "check.h"

using dtlssrtp::core::BufferKind;
using dtlssrtp::core::CleansingAllocator;
using dtlssrtp::core::SrtpContext;
using dtlssrtp::core::SrtpOptions;
using dtlssrtp::core::SrtpProfile;
using dtlssrtp::core::SrtpStats;

namespace {

std::mt19937 rng(12345);

// A heap block of exactly `capacity` bytes, optionally at an odd address
// (one extra byte in front, still nothing behind).
struct Block {
  std::unique_ptr<uint8_t[]> storage;
  uint8_t* data;
  size_t capacity;
  Block(size_t cap, bool unaligned) : storage(new uint8_t[cap + (unaligned ? 1 : 0) + (cap == 0 ? 1 : 0)]),
                                      data(storage.get() + (unaligned ? 1 : 0)), capacity(cap) {}
};

std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc, size_t payload, int csrcs = 0, bool ext = false) {
  std::vector<uint8_t> p(12);
  p[0] = static_cast<uint8_t>(0x80 | (ext ? 0x10 : 0) | csrcs);
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  p[8] = static_cast<uint8_t>(ssrc >> 24);
  p[9] = static_cast<uint8_t>(ssrc >> 16);
  p[10] = static_cast<uint8_t>(ssrc >> 8);
  p[11] = static_cast<uint8_t>(ssrc);
  for (int i = 0; i < csrcs; ++i) p.insert(p.end(), {1, 2, 3, static_cast<uint8_t>(i)});
  if (ext) p.insert(p.end(), {0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00});
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(rng()));
  return p;
}

std::vector<uint8_t> Rtcp(uint32_t ssrc, size_t body) {
  std::vector<uint8_t> p = {0x81, 201, 0, 0, static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  for (size_t i = 0; i < body; ++i) p.push_back(static_cast<uint8_t>(rng()));
  return p;
}

std::unique_ptr<SrtpContext> Make(SrtpProfile profile, const std::vector<uint8_t>& local,
                                  const std::vector<uint8_t>& remote, uint32_t streams = 64) {
  SrtpOptions options;
  options.max_remote_streams = streams;
  int status = 0;
  auto ctx = SrtpContext::Create(profile, local.data(), local.size(), remote.data(), remote.size(), options, &status);
  CHECK(ctx != nullptr && status == 0);
  return ctx;
}

// Protects `packet` into an exact-capacity block; returns the SRTP bytes.
std::vector<uint8_t> Protect(SrtpContext& ctx, const std::vector<uint8_t>& packet, bool rtcp, bool unaligned) {
  const size_t overhead = rtcp ? ctx.info().rtcp_overhead : ctx.info().rtp_overhead;
  Block block(packet.size() + overhead, unaligned);
  std::memcpy(block.data, packet.data(), packet.size());
  int n = rtcp ? ctx.ProtectRtcp(block.data, packet.size(), block.capacity)
               : ctx.ProtectRtp(block.data, packet.size(), block.capacity);
  CHECK(n == static_cast<int>(packet.size() + overhead));
  if (n < 0) return {};
  return std::vector<uint8_t>(block.data, block.data + n);
}

int Unprotect(SrtpContext& ctx, const std::vector<uint8_t>& packet, bool rtcp, bool unaligned,
              std::vector<uint8_t>* out = nullptr) {
  Block block(packet.size(), unaligned);
  if (!packet.empty()) std::memcpy(block.data, packet.data(), packet.size());
  int n = rtcp ? ctx.UnprotectRtcp(block.data, packet.size(), block.capacity)
               : ctx.UnprotectRtp(block.data, packet.size(), block.capacity);
  if (out != nullptr && n >= 0) out->assign(block.data, block.data + n);
  return n;
}

void TestProfile(SrtpProfile profile, size_t key_salt) {
  std::vector<uint8_t> k1(key_salt), k2(key_salt);
  for (auto& b : k1) b = static_cast<uint8_t>(rng());
  for (auto& b : k2) b = static_cast<uint8_t>(rng());
  auto a = Make(profile, k1, k2);
  auto b = Make(profile, k2, k1, 4);
  if (!a || !b) return;

  // Round trips, aligned and not, with CSRCs and extensions.
  for (int i = 0; i < 200; ++i) {
    bool unaligned = (i % 2) == 1;
    auto packet = Rtp(static_cast<uint16_t>(i + 1), 1000 + (i % 3), static_cast<size_t>(rng() % 1300), i % 4,
                      (i % 5) == 0);
    auto srtp = Protect(*a, packet, false, unaligned);
    std::vector<uint8_t> plain;
    CHECK(Unprotect(*b, srtp, false, !unaligned, &plain) == static_cast<int>(packet.size()));
    CHECK(plain == packet);
    auto report = Rtcp(1000 + (i % 3), static_cast<size_t>(rng() % 200));
    auto srtcp = Protect(*a, report, true, unaligned);
    CHECK(Unprotect(*b, srtcp, true, unaligned, &plain) == static_cast<int>(report.size()));
    CHECK(plain == report);
  }

  // A stale OpenSSL error left on this thread by someone else never fails a
  // packet (libsrtp decides on return codes). A failed operation clears it;
  // a successful one on a known stream leaves it to its owner
  // (srtp_error_queue_test.cc).
  {
    ERR_raise(ERR_LIB_USER, 1);
    CHECK(ERR_peek_error() != 0);
    auto srtp = Protect(*a, Rtp(4000, 1000, 50), false, false);
    CHECK(Unprotect(*b, srtp, false, false) == 62);
    CHECK(Unprotect(*b, srtp, false, false) < 0);  // a replay
    CHECK(ERR_peek_error() == 0);
  }

  // One byte short of the overhead: refused, nothing written past capacity.
  {
    auto packet = Rtp(5000, 1000, 100);
    Block block(packet.size() + a->info().rtp_overhead - 1, false);
    std::memcpy(block.data, packet.data(), packet.size());
    CHECK(a->ProtectRtp(block.data, packet.size(), block.capacity) == dtlssrtp::core::kSrtpBufferTooSmall);
    auto report = Rtcp(1000, 16);
    Block rblock(report.size() + a->info().rtcp_overhead - 1, true);
    std::memcpy(rblock.data, report.data(), report.size());
    CHECK(a->ProtectRtcp(rblock.data, report.size(), rblock.capacity) == dtlssrtp::core::kSrtpBufferTooSmall);
  }

  // Stream cap: b accepts at most 4 remote SSRCs (3 are known already).
  {
    int accepted = 0, refused = 0;
    for (uint32_t ssrc = 2000; ssrc < 2010; ++ssrc) {
      int n = Unprotect(*b, Protect(*a, Rtp(1, ssrc, 20), false, false), false, false);
      if (n >= 0) ++accepted;
      if (n == dtlssrtp::core::kSrtpTooManyStreams) ++refused;
    }
    CHECK(accepted == 1 && refused == 9);
    CHECK(b->stats().values[SrtpStats::kRemoteStreams] == 4);
  }

  // Hostile input: random bytes, mutated genuine packets, truncations, all in
  // exact-size blocks. Must never succeed, crash or touch memory outside.
  // A receiver with a large stream cap, so that random SSRCs reach libsrtp.
  auto c = Make(profile, k2, k1, 4096);
  if (!c) return;
  auto genuine = Protect(*a, Rtp(6000, 1000, 300, 2, true), false, false);
  auto genuine_rtcp = Protect(*a, Rtcp(1000, 40), true, false);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> p;
    const bool rtcp = (i % 2) == 1;
    switch (i % 6) {
      case 0:
      case 1: {
        p.resize(rng() % 1600);
        for (auto& x : p) x = static_cast<uint8_t>(rng());
        if (!p.empty() && (i % 4) < 2) p[0] = static_cast<uint8_t>(0x80 | (p[0] & 0x3f));
        break;
      }
      case 2:
      case 3: {
        p = rtcp ? genuine_rtcp : genuine;
        p[rng() % p.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      }
      default: {
        p = rtcp ? genuine_rtcp : genuine;
        p.resize(rng() % p.size());
        if (p.size() > 16 && (i % 3) == 0) {
          p[0] = static_cast<uint8_t>(0x90 | (rng() % 16));  // random CSRC count, X set
          p[14] = static_cast<uint8_t>(rng());
          p[15] = static_cast<uint8_t>(rng());
        }
        break;
      }
    }
    int n = Unprotect(*c, p, rtcp, (i % 7) == 0);
    CHECK(n < 0);
    // Protecting arbitrary bytes with exact capacity must stay in bounds too.
    const size_t overhead = rtcp ? a->info().rtcp_overhead : a->info().rtp_overhead;
    Block block(p.size() + overhead, (i % 5) == 0);
    if (!p.empty()) std::memcpy(block.data, p.data(), p.size());
    n = rtcp ? a->ProtectRtcp(block.data, p.size(), block.capacity) : a->ProtectRtp(block.data, p.size(), block.capacity);
    CHECK(n < 0 || n == static_cast<int>(p.size() + overhead));
  }
  // Oversized datagrams.
  {
    std::vector<uint8_t> big(70000, 0x80);
    CHECK(Unprotect(*c, big, false, false) == dtlssrtp::core::kSrtpBadPacket);
    CHECK(Unprotect(*c, big, true, true) == dtlssrtp::core::kSrtpBadPacket);
  }
  // The genuine packets still decrypt after all that, and nothing else did.
  CHECK(Unprotect(*c, genuine, false, false) >= 0);
  CHECK(Unprotect(*c, genuine_rtcp, true, false) >= 0);
  CHECK(c->stats().values[SrtpStats::kRemoteStreams] == 1);
}

// A base allocator that records, for every block given back, whether it
// was all zeros: CleansingAllocator must wipe before it frees.
size_t wiped_blocks = 0;
size_t unwiped_blocks = 0;
template <typename T>
struct CheckingBase {
  using value_type = T;
  CheckingBase() = default;
  template <typename U>
  CheckingBase(const CheckingBase<U>&) {}
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p);
    bool zero = true;
    for (size_t i = 0; i < n * sizeof(T); ++i) zero = zero && bytes[i] == 0;
    ++(zero ? wiped_blocks : unwiped_blocks);
    std::allocator<T>().deallocate(p, n);
  }
  bool operator==(const CheckingBase&) const { return true; }
  bool operator!=(const CheckingBase&) const { return false; }
};

// Secrets are wiped wherever they lived: on every reallocation as a
// container grows, on destruction, and in a string's in-object buffer.
void TestSecureMemory() {
  {
    std::vector<uint8_t, CleansingAllocator<uint8_t, CheckingBase<uint8_t>>> key;
    for (int i = 0; i < 1000; ++i) key.push_back(static_cast<uint8_t>(0xa5 ^ i));  // grows ~10 times
  }
  {
    std::basic_string<char, std::char_traits<char>, CleansingAllocator<char, CheckingBase<char>>> pem;
    for (int i = 0; i < 100; ++i) pem.append("-----BEGIN PRIVATE KEY-----");
  }
  CHECK(wiped_blocks >= 10);
  CHECK(unwiped_blocks == 0);

  // SecureString: a short secret lives inside the object; its destructor
  // wipes it there too.
  alignas(dtlssrtp::core::SecureString) unsigned char storage[sizeof(dtlssrtp::core::SecureString)];
  auto* text = new (storage) dtlssrtp::core::SecureString();
  text->text().assign("k3y!");
  text->~SecureString();
  CHECK(std::string(reinterpret_cast<const char*>(storage), sizeof storage).find("k3y!") == std::string::npos);

  // ScopedCleanse wipes a plain vector's whole capacity.
  std::vector<uint8_t> material;
  {
    const dtlssrtp::core::ScopedCleanse wipe(&material);
    material.reserve(60);
    material.assign(44, 0x5a);
    material.resize(10);
  }
  bool all_zero = true;
  for (size_t i = 0; i < material.capacity(); ++i) all_zero = all_zero && material.data()[i] == 0;
  CHECK(all_zero);
}

// A packet in shared memory that another thread rewrites (CC/X bits) while
// we unprotect it: with BufferKind::kShared the context reads it once into
// its own memory, so libsrtp (which reads the header again after checking
// it) never reads past the packet. The block is exactly the packet's size,
// so a read past it is an ASan report.
void TestSharedRace(SrtpProfile profile, size_t key_salt) {
  std::vector<uint8_t> k(key_salt, 7);
  auto ctx = Make(profile, k, k);
  if (!ctx) return;
  const size_t length = 12 + 4 + ctx->info().rtp_overhead;
  Block block(length, false);
  std::memset(block.data, 0x33, length);
  block.data[0] = 0x80;
  std::atomic<bool> stop{false};
  volatile uint8_t* first = block.data;
  std::thread writer([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      *first = 0x9f;  // CC = 15 and an extension: a 76-byte header
      *first = 0x80;
    }
  });
  int failed = 0;
  for (int i = 0; i < 200000; ++i) {
    failed += ctx->UnprotectRtp(block.data, length, length, BufferKind::kShared) < 0 ? 1 : 0;
  }
  stop = true;
  writer.join();
  CHECK(failed == 200000);  // garbage never authenticates
}


// Key limits and RFC 6904 options at the core level (under ASan): Create
// refuses bad values; the events queue holds each crossing once; a spent key
// refuses packets with kSrtpKeyLimit; header IDs are copied (the caller's
// vector may go away).
void TestKeyLimitsAndHeaderIds() {
  std::vector<uint8_t> key(30, 7);
  int status = 0;
  const auto create = [&](const SrtpOptions& o) {
    return SrtpContext::Create(SrtpProfile::kAesCm128HmacSha1_80, key.data(), 30, key.data(), 30, o, &status);
  };
  for (const std::vector<int>& ids : std::vector<std::vector<int>>{{0}, {256}, {3, 3}, std::vector<int>(256, 1)}) {
    SrtpOptions o;
    o.encrypted_header_ids = ids;
    CHECK(create(o) == nullptr);
  }
  SrtpOptions bad;
  bad.key_limits.srtp_soft = 10;
  bad.key_limits.srtp_hard = 9;
  CHECK(create(bad) == nullptr);
  bad.key_limits.srtp_soft = 1;
  bad.key_limits.srtp_hard = dtlssrtp::core::kMaxSrtpKeyUses + 1;
  CHECK(create(bad) == nullptr);
  bad.key_limits.srtp_hard = 9;
  bad.key_limits.srtcp_soft = 0;
  CHECK(create(bad) == nullptr);

  SrtpOptions o;
  o.encrypted_header_ids = {1, 2, 255};
  o.key_limits.srtp_soft = 2;
  o.key_limits.srtp_hard = 3;
  auto ctx = create(o);
  CHECK(ctx != nullptr);
  o.encrypted_header_ids.clear();
  o.encrypted_header_ids.shrink_to_fit();
  dtlssrtp::core::KeyLimitEvent events[dtlssrtp::core::kMaxKeyLimitEvents];
  for (uint16_t seq = 0; seq < 6; ++seq) {
    std::vector<uint8_t> packet = Rtp(seq, 0x01020304, 40, 0, true);
    Block block(packet.size() + ctx->info().rtp_overhead, false);
    std::memcpy(block.data, packet.data(), packet.size());
    const int n = ctx->ProtectRtp(block.data, packet.size(), block.capacity);
    CHECK(seq < 3 ? n > 0 : n == dtlssrtp::core::kSrtpKeyLimit);
    CHECK(ctx->HasKeyLimitEvents() == (seq == 1 || seq == 3));
    if (seq == 1 || seq == 3) {
      CHECK(ctx->TakeKeyLimitEvents(events, 8) == 1);
      CHECK(events[0].kind == (seq == 1 ? dtlssrtp::core::KeyLimitEvent::kSoft : dtlssrtp::core::KeyLimitEvent::kHard));
      CHECK(events[0].direction == dtlssrtp::core::KeyLimitEvent::kOutbound && events[0].ssrc == 0x01020304);
    }
  }
  CHECK(ctx->stats().values[SrtpStats::kFailuresBase + static_cast<size_t>(dtlssrtp::core::SrtpFailure::kKeyLimit)] == 3);
  uint32_t roc = 99;
  CHECK(ctx->GetRolloverCounter(0x01020304, dtlssrtp::core::KeyLimitEvent::kOutbound, &roc) && roc == 0);
  CHECK(!ctx->GetRolloverCounter(0x01020304, dtlssrtp::core::KeyLimitEvent::kInbound, &roc));
}

}  // namespace

int main() {
  TestSecureMemory();
  TestSharedRace(SrtpProfile::kAeadAes128Gcm, 28);
  TestSharedRace(SrtpProfile::kAesCm128HmacSha1_80, 30);
  TestProfile(SrtpProfile::kAesCm128HmacSha1_80, 30);
  TestProfile(SrtpProfile::kAesCm128HmacSha1_32, 30);
  TestProfile(SrtpProfile::kAeadAes128Gcm, 28);
  TestProfile(SrtpProfile::kAeadAes256Gcm, 44);
  TestKeyLimitsAndHeaderIds();
  // Bad parameters are refused without allocating anything.
  std::vector<uint8_t> key(30);
  SrtpOptions options;
  int status = 0;
  CHECK(SrtpContext::Create(SrtpProfile::kAesCm128HmacSha1_80, key.data(), 29, key.data(), 30, options, &status) ==
        nullptr);
  CHECK(status < 0);
  options.replay_window = 0x8000;
  CHECK(SrtpContext::Create(SrtpProfile::kAesCm128HmacSha1_80, key.data(), 30, key.data(), 30, options, &status) ==
        nullptr);
  return dtlssrtp::test::Summary();
}
