// SPDX-License-Identifier: MIT
// Node-free test of the batch forms of native/core/srtp_context (STYLE L1),
// built with AddressSanitizer + UBSan by test/native/srtp-batch.test.ts:
// - ErrorQueue::kHeldByCaller leaves the thread's OpenSSL error queue to the
//   caller (an entry already there survives the call), kPerPacket clears it,
//   and SrtpBatchErrorScope clears it when it starts and when it ends;
// - UnprotectRtp's `roc` out-parameter: per SSRC, across a sequence-number
//   wrap, for a late packet from before the wrap, with SSRCs interleaved (so
//   a stream remembered from the previous packet would give the wrong one),
//   and equal to what RemoteRtpRoc reports.
#include <openssl/err.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/srtp_context.h"

#include "check.h"

using dtlssrtp::core::BufferKind;
using dtlssrtp::core::ErrorQueue;
using dtlssrtp::core::SrtpBatchErrorScope;
using dtlssrtp::core::SrtpContext;
using dtlssrtp::core::SrtpOptions;
using dtlssrtp::core::SrtpProfile;

namespace {

constexpr size_t kKeySalt = 28;  // AEAD_AES_128_GCM
constexpr size_t kCapacity = 12 + 20 + 16;

std::unique_ptr<SrtpContext> Make() {
  std::vector<uint8_t> key(kKeySalt);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 13 + 5);
  SrtpOptions options;
  int status = 0;
  auto ctx = SrtpContext::Create(SrtpProfile::kAeadAes128Gcm, key.data(), key.size(), key.data(), key.size(), options,
                                 &status);
  CHECK(ctx != nullptr && status == 0);
  return ctx;
}

// A 20-byte-payload RTP packet in an 8-byte-aligned buffer of kCapacity bytes.
struct Packet {
  alignas(8) uint8_t bytes[kCapacity] = {};
  size_t length = 32;
  Packet(uint32_t ssrc, uint16_t seq) {
    bytes[0] = 0x80;
    bytes[1] = 96;
    bytes[2] = static_cast<uint8_t>(seq >> 8);
    bytes[3] = static_cast<uint8_t>(seq);
    bytes[8] = static_cast<uint8_t>(ssrc >> 24);
    bytes[9] = static_cast<uint8_t>(ssrc >> 16);
    bytes[10] = static_cast<uint8_t>(ssrc >> 8);
    bytes[11] = static_cast<uint8_t>(ssrc);
    for (size_t i = 12; i < length; ++i) bytes[i] = static_cast<uint8_t>(i);
  }
};

void PutError() { ERR_put_error(ERR_LIB_USER, 0, ERR_R_INTERNAL_ERROR, __FILE__, __LINE__); }

void TestErrorQueue() {
  auto tx = Make();
  auto rx = Make();
  ERR_clear_error();
  // kPerPacket: the call clears what it finds.
  {
    Packet p(0x11, 1);
    PutError();
    CHECK(tx->ProtectRtp(p.bytes, p.length, kCapacity) == 48);
    CHECK(ERR_peek_error() == 0);
  }
  // kHeldByCaller: the call leaves the queue alone (the caller's scope owns it).
  {
    Packet p(0x11, 2);
    PutError();
    CHECK(tx->ProtectRtp(p.bytes, p.length, kCapacity, BufferKind::kPrivate, ErrorQueue::kHeldByCaller) == 48);
    CHECK(ERR_peek_error() != 0);
    PutError();
    CHECK(rx->UnprotectRtp(p.bytes, 48, kCapacity, BufferKind::kPrivate, ErrorQueue::kHeldByCaller) == 32);
    CHECK(ERR_peek_error() != 0);
    ERR_clear_error();
  }
  // The scope clears on entry and on exit.
  PutError();
  {
    SrtpBatchErrorScope scope;
    CHECK(ERR_peek_error() == 0);
    Packet p(0x11, 3);
    CHECK(tx->ProtectRtp(p.bytes, p.length, kCapacity, BufferKind::kPrivate, ErrorQueue::kHeldByCaller) == 48);
    PutError();
  }
  CHECK(ERR_peek_error() == 0);
}

void TestRolloverCounter() {
  auto tx = Make();
  auto rx = Make();
  struct Step {
    uint32_t ssrc;
    uint16_t seq;
    uint32_t roc;
  };
  const Step steps[] = {{0x1, 65535, 0}, {0x2, 100, 0},   {0x1, 0, 1},     {0x2, 101, 0},
                        {0x1, 65534, 0}, {0x2, 102, 0},   {0x1, 1, 1},     {0x3, 7, 0},
                        {0x1, 2, 1},     {0x3, 65535, 0}, {0x3, 0, 1},     {0x2, 103, 0}};
  for (const Step& step : steps) {
    Packet p(step.ssrc, step.seq);
    CHECK(tx->ProtectRtp(p.bytes, p.length, kCapacity) == 48);
    uint32_t roc = 0xdead;
    SrtpBatchErrorScope scope;
    CHECK(rx->UnprotectRtp(p.bytes, 48, kCapacity, BufferKind::kPrivate, ErrorQueue::kHeldByCaller, &roc) == 32);
    CHECK(roc == step.roc);
    uint32_t again = 0xdead;
    CHECK(rx->RemoteRtpRoc(step.ssrc, step.seq, &again) && again == step.roc);
  }
  // A packet that fails leaves *roc as it was.
  Packet bad(0x1, 3);
  CHECK(tx->ProtectRtp(bad.bytes, bad.length, kCapacity) == 48);
  bad.bytes[20] ^= 1;
  uint32_t roc = 0xdead;
  CHECK(rx->UnprotectRtp(bad.bytes, 48, kCapacity, BufferKind::kPrivate, ErrorQueue::kPerPacket, &roc) < 0);
  CHECK(roc == 0xdead);
  // An SSRC libsrtp has no stream for.
  CHECK(!rx->RemoteRtpRoc(0x99, 1, &roc));
}

}  // namespace

int main() {
  TestErrorQueue();
  TestRolloverCounter();
  return dtlssrtp::test::Summary();
}
