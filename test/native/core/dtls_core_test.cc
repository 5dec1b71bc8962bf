// SPDX-License-Identifier: MIT
// Node-free test of core::DtlsEndpoint and core::Certificate, built with
// ASan/UBSan by test/native/dtls-core.test.ts: handshakes, the fingerprint
// gate, the client pause, the RFC 5764 key split, refusals before
// verification, and thousands of mutated, truncated and random datagrams
// (each in an exact-size heap block) fed at every stage of the handshake and
// after it. Any out-of-bounds access is a sanitizer report. Also: forged
// plaintext records OpenSSL 3.0 mishandles before the handshake completes
// (each shape must be dropped, counted, and the handshake must complete), an
// SSL_write failure, and the memory a peer can make a session hold, counted
// over 1,000 sessions with OpenSSL's allocator replaced (set
// DTLS_MEMORY_SESSIONS to change the number). And the shared SSL_CTX: one per
// (certificate, SRTP profiles) whatever the role, MTU or cookie mode, each
// session's verdict and settings its own, freed with its last endpoint, a
// bounded cache, and the memory an idle endpoint saves.

#include <malloc.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/certificate.h"
#include "core/dtls_context.h"
#include "core/dtls_endpoint.h"

#include "check.h"

using dtlssrtp::core::Certificate;
using dtlssrtp::core::CertificateError;
using dtlssrtp::core::DropReason;
using dtlssrtp::core::DtlsConfig;
using dtlssrtp::core::DtlsContext;
using dtlssrtp::core::DtlsContextCache;
using dtlssrtp::core::DtlsEndpoint;
using dtlssrtp::core::DtlsFailure;
using dtlssrtp::core::DtlsStatus;
using dtlssrtp::core::KeyType;
using dtlssrtp::core::Verifier;
using dtlssrtp::core::VerifyVerdict;

using dtlssrtp::test::failures;

namespace {

std::mt19937 rng(12345);

std::vector<uint8_t> DerOf(const Certificate& c) {
  std::vector<uint8_t> der;
  c.Der(&der);
  return der;
}

Verifier Expect(const std::vector<uint8_t>& der) {
  return [der](const uint8_t* data, size_t length) {
    return length == der.size() && std::memcmp(data, der.data(), length) == 0 ? VerifyVerdict::kAccept
                                                                              : VerifyVerdict::kReject;
  };
}

constexpr const char* kProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

// The contexts every endpoint of this test shares, as one Node env's are.
DtlsContextCache contexts;

std::unique_ptr<DtlsEndpoint> Make(const Certificate& c, bool server, size_t mtu = 1200,
                                   uint32_t rto_ms = 1000, bool cookies = false,
                                   const char* profiles = kProfiles) {
  std::string message;
  std::vector<std::string> errors;
  DtlsConfig config;
  config.context = contexts.Acquire(c.x509(), c.key(), profiles, &message, &errors);
  CHECK(config.context != nullptr);
  config.is_server = server;
  config.mtu = mtu;
  config.initial_rto_ms = rto_ms;
  config.server_cookies = cookies;
  auto endpoint = DtlsEndpoint::Create(config, &message, &errors);
  CHECK(endpoint != nullptr);
  return endpoint;
}

// Feeds `data` from an exact-size heap block, so reading past it is caught.
DtlsStatus Feed(DtlsEndpoint* e, const std::vector<uint8_t>& data, const Verifier& v) {
  std::unique_ptr<uint8_t[]> block(new uint8_t[data.empty() ? 1 : data.size()]);
  if (!data.empty()) std::memcpy(block.get(), data.data(), data.size());
  return e->Receive(block.get(), data.size(), v);
}

std::vector<uint8_t> Mutate(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out = in;
  switch (rng() % 6) {
    case 0:  // flip a few bytes
      for (int i = 0; i < 1 + static_cast<int>(rng() % 4) && !out.empty(); ++i)
        out[rng() % out.size()] ^= 1u << (rng() % 8);
      break;
    case 1:  // truncate
      out.resize(out.empty() ? 0 : rng() % out.size());
      break;
    case 2:  // extend with junk
      for (int i = 0; i < static_cast<int>(rng() % 64); ++i) out.push_back(static_cast<uint8_t>(rng()));
      break;
    case 3:  // corrupt a length field in the record or handshake header
      if (out.size() > 24) {
        out[11 + (rng() % 2)] = static_cast<uint8_t>(rng());
        out[14 + (rng() % 10)] = static_cast<uint8_t>(rng());
      }
      break;
    case 4:  // random datagram with a DTLS 1.2 record header
      out.assign(13 + rng() % 300, 0);
      for (auto& b : out) b = static_cast<uint8_t>(rng());
      out[0] = static_cast<uint8_t>(20 + rng() % 4);
      out[1] = 0xfe;
      out[2] = 0xfd;
      break;
    default:  // empty or a single byte
      out.assign(rng() % 2, static_cast<uint8_t>(rng()));
      break;
  }
  return out;
}

// Datagrams that cannot parse as records at all: truncated inside a record,
// too short, or carrying a wrong version. DTLS must drop these silently.
std::vector<uint8_t> Unparsable(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out = in;
  switch (rng() % 3) {
    case 0:
      out.resize(out.size() > 14 ? 13 + rng() % (out.size() - 14) : 0);  // header intact, body cut short
      if (out.size() >= 13) out[11] = out[12] = 0xff;                    // record claims more than arrives
      break;
    case 1:
      out.resize(rng() % 13);  // shorter than a record header
      break;
    default:
      out[1] = 0x03;  // a TLS, not DTLS, version
      out[2] = 0x03;
      break;
  }
  return out;
}

struct Pair {
  std::unique_ptr<DtlsEndpoint> client;
  std::unique_ptr<DtlsEndpoint> server;
  Verifier client_verifier;
  Verifier server_verifier;
};

// Moves datagrams both ways until nothing moves. With `noise`, every real
// datagram is preceded by that many mutated copies of itself.
void Pump(Pair* p, int noise = 0, bool parsable = true) {
  for (int round = 0; round < 50; ++round) {
    auto to_server = p->client->TakeDatagrams();
    auto to_client = p->server->TakeDatagrams();
    if (to_server.empty() && to_client.empty()) return;
    for (auto& d : to_server) {
      for (int i = 0; i < noise; ++i)
        Feed(p->server.get(), parsable ? Mutate(d) : Unparsable(d), p->server_verifier);
      Feed(p->server.get(), d, p->server_verifier);
    }
    for (auto& d : to_client) {
      for (int i = 0; i < noise; ++i)
        Feed(p->client.get(), parsable ? Mutate(d) : Unparsable(d), p->client_verifier);
      Feed(p->client.get(), d, p->client_verifier);
    }
  }
}

Pair NewPair(const Certificate& c, const Certificate& s, size_t mtu = 1200, uint32_t rto_ms = 1000) {
  Pair p;
  p.client = Make(c, false, mtu, rto_ms);
  p.server = Make(s, true, mtu, rto_ms);
  p.client_verifier = Expect(DerOf(s));
  p.server_verifier = Expect(DerOf(c));
  return p;
}

void TestHandshake(const Certificate& c, const Certificate& s, size_t mtu) {
  Pair p = NewPair(c, s, mtu);
  // Nothing is usable before the handshake.
  std::vector<uint8_t> out;
  CHECK(!p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &out));
  CHECK(p.client->Send(reinterpret_cast<const uint8_t*>("x"), 1) == DtlsEndpoint::SendResult::kRefused);
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kConnected);
  CHECK(p.server->status() == DtlsStatus::kConnected);
  CHECK(p.client->verified() && p.server->verified());
  CHECK(p.client->SrtpProfileId() == 7);
  std::vector<uint8_t> a, b;
  CHECK(p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &a));
  CHECK(p.server->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &b));
  CHECK(a == b && a.size() == 56);
  // RFC 5764 §4.2 split: client_key|server_key|client_salt|server_salt.
  std::vector<uint8_t> cl, cr, sl, sr;
  CHECK(p.client->ExportSrtpKeys(16, 12, &cl, &cr));
  CHECK(p.server->ExportSrtpKeys(16, 12, &sl, &sr));
  CHECK(cl == sr && cr == sl && cl != cr);
  CHECK(std::memcmp(cl.data(), a.data(), 16) == 0 && std::memcmp(cl.data() + 16, a.data() + 32, 12) == 0);
  // Application data, at the largest size that fits.
  const size_t max = p.client->MaxDataSize();
  CHECK(max > 0 && max < mtu);
  std::vector<uint8_t> payload(max, 0x5a);
  CHECK(p.client->Send(payload.data(), payload.size()) == DtlsEndpoint::SendResult::kSent);
  CHECK(p.client->Send(payload.data(), max + 1) == DtlsEndpoint::SendResult::kRefused);
  for (auto& d : p.client->TakeDatagrams()) {
    CHECK(d.size() <= mtu);
    Feed(p.server.get(), d, p.server_verifier);
  }
  auto got = p.server->TakeAppData();
  CHECK(got.size() == 1 && got[0] == payload);
  // Hostile records after the handshake: dropped, the association survives.
  CHECK(p.client->Send(payload.data(), 10) == DtlsEndpoint::SendResult::kSent);
  auto record = p.client->TakeDatagrams();
  for (int i = 0; i < 3000; ++i) Feed(p.server.get(), Mutate(record[0]), p.server_verifier);
  CHECK(p.server->status() == DtlsStatus::kConnected);
  // Forged plaintext records after the handshake: a fatal alert and a
  // close_notify in epoch 0 (and in epoch 1 without valid protection) are
  // ignored - they would otherwise let anyone who can spoof a datagram end
  // the association.
  // Protected-epoch records too short for the AEAD nonce and tag: OpenSSL
  // itself would answer them with a fatal internal_error; the pre-filter drops them.
  for (uint8_t type : {20, 21, 22, 23}) {
    for (uint8_t length = 1; length < 24; ++length) {
      std::vector<uint8_t> forged = {type, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 1, 0, 0, length};
      forged.resize(13 + length, 0x41);
      Feed(p.server.get(), forged, p.server_verifier);
    }
  }
  CHECK(p.server->status() == DtlsStatus::kConnected);
  CHECK(p.server->sent_alert() < 0);
  for (uint16_t epoch : {0, 1}) {
    for (uint8_t level_description : {0x00, 0x28}) {
      std::vector<uint8_t> alert = {21,
                                    0xfe,
                                    0xfd,
                                    0,
                                    static_cast<uint8_t>(epoch),
                                    0,
                                    0,
                                    0,
                                    0,
                                    0,
                                    99,
                                    0,
                                    2,
                                    static_cast<uint8_t>(level_description == 0 ? 1 : 2),
                                    level_description};
      Feed(p.server.get(), alert, p.server_verifier);
      CHECK(p.server->status() == DtlsStatus::kConnected);
    }
  }
  Feed(p.server.get(), record[0], p.server_verifier);
  CHECK(p.server->TakeAppData().size() == 1);
  // close_notify.
  p.client->Close();
  p.client->Close();
  auto bye = p.client->TakeDatagrams();
  CHECK(bye.size() == 1);
  Feed(p.server.get(), bye[0], p.server_verifier);
  CHECK(p.server->status() == DtlsStatus::kClosed);
  CHECK(!p.server->ExportKeyingMaterial("x", 16, &out));
}

void TestMismatch(const Certificate& c, const Certificate& s, const Certificate& other) {
  Pair p = NewPair(c, s);
  p.client_verifier = Expect(DerOf(other));
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kFailed);
  CHECK(p.client->failure() == DtlsFailure::kFingerprint);
  CHECK(p.client->sent_alert() == 42);
  CHECK(p.server->status() == DtlsStatus::kFailed);
  CHECK(p.server->failure() == DtlsFailure::kAlert);
  CHECK(p.server->received_alert() == 42);
  std::vector<uint8_t> out, l, r;
  CHECK(!p.client->verified());
  CHECK(!p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &out));
  CHECK(!p.client->ExportSrtpKeys(16, 12, &l, &r));
  CHECK(!p.client->PeerCertificateDer(&out));
}

void TestClientPause(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s);
  const Verifier unknown = [](const uint8_t*, size_t) { return VerifyVerdict::kUnknown; };
  const Verifier accept = p.client_verifier;
  p.client_verifier = unknown;
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kWaitingVerify);
  CHECK(!p.client->verified());
  std::vector<uint8_t> out;
  CHECK(!p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &out));
  // Still undecided: stays paused.
  CHECK(p.client->ContinueHandshake(unknown) == DtlsStatus::kWaitingVerify);
  p.client_verifier = accept;
  p.client->ContinueHandshake(accept);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kConnected);
  CHECK(p.server->status() == DtlsStatus::kConnected);
}

void TestServerRefusesUnknown(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s);
  p.server_verifier = [](const uint8_t*, size_t) { return VerifyVerdict::kUnknown; };
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  // A server cannot pause, so it refuses rather than finish unverified.
  CHECK(p.server->status() == DtlsStatus::kFailed);
  CHECK(!p.server->verified());
}

void TestNoise(const Certificate& c, const Certificate& s) {
  // Mutated copies before every real datagram, many seeds: must never crash
  // or read out of bounds, and an unverified endpoint never exports. Parsable
  // forgeries of plaintext (epoch 0) handshake records can abort a handshake:
  // DTLS cannot authenticate them (ICE path pinning is the defence), so only
  // safety is asserted here.
  int completed = 0;
  for (int run = 0; run < 60; ++run) {
    Pair p = NewPair(c, s, 500);
    p.server->Start(p.server_verifier);
    p.client->Start(p.client_verifier);
    Pump(&p, 4);
    for (int t = 0; t < 3 && p.client->status() != DtlsStatus::kConnected; ++t) {
      p.client->HandleTimeout(p.client_verifier);
      p.server->HandleTimeout(p.server_verifier);
      Pump(&p, 1);
    }
    if (p.client->status() == DtlsStatus::kConnected) ++completed;
    std::vector<uint8_t> out;
    if (!p.client->verified()) CHECK(!p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &out));
    if (!p.server->verified()) CHECK(!p.server->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &out));
  }
  std::printf("mutated noise: %d/60 handshakes completed\n", completed);
  // Unparsable datagrams never fail an association: every handshake
  // completes. (OpenSSL may still let such a datagram cost a flight, e.g. a
  // later record in it marks a sequence number as seen; the retransmission
  // timer recovers, so the timers run here.)
  int clean = 0;
  for (int run = 0; run < 60; ++run) {
    Pair p = NewPair(c, s, 500, 1);
    p.server->Start(p.server_verifier);
    p.client->Start(p.client_verifier);
    Pump(&p, 4, false);
    for (int t = 0; t < 30 && (p.client->status() == DtlsStatus::kHandshaking ||
                               p.server->status() == DtlsStatus::kHandshaking);
         ++t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      p.client->HandleTimeout(p.client_verifier);
      p.server->HandleTimeout(p.server_verifier);
      Pump(&p, 4, false);
    }
    CHECK(p.client->status() != DtlsStatus::kFailed && p.server->status() != DtlsStatus::kFailed);
    if (p.client->status() == DtlsStatus::kConnected && p.server->status() == DtlsStatus::kConnected) ++clean;
  }
  std::printf("unparsable noise: %d/60 handshakes completed\n", clean);
  CHECK(clean == 60);
}

// ---- Freed memory must not hold key bytes ----
// Every C++ heap block freed while `watch` is set is scanned for it before it
// goes back to the allocator (a test program may replace operator delete).
struct Watch {
  const uint8_t* bytes = nullptr;
  size_t length = 0;
  int found = 0;
} watch;
// C++ heap bytes live (for the memory bound; OpenSSL's are counted apart).
size_t live_cxx_bytes = 0;

void ScanFreed(void* p) {
  if (p == nullptr || watch.bytes == nullptr) return;
  const size_t n = malloc_usable_size(p);
  const auto* block = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i + watch.length <= n; ++i) {
    if (std::memcmp(block + i, watch.bytes, watch.length) == 0) {
      ++watch.found;
      return;
    }
  }
}

}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  live_cxx_bytes += malloc_usable_size(p);
  return p;
}
void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  ScanFreed(p);
  live_cxx_bytes -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

// ---- Forged plaintext records before the handshake completes ----

std::vector<uint8_t> Record(uint8_t type, uint16_t epoch, uint64_t seq, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> r = {type, 0xfe, 0xfd, static_cast<uint8_t>(epoch >> 8), static_cast<uint8_t>(epoch)};
  for (int i = 5; i >= 0; --i) r.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  r.push_back(static_cast<uint8_t>(body.size() >> 8));
  r.push_back(static_cast<uint8_t>(body.size()));
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

void Put24(std::vector<uint8_t>* v, uint32_t x) {
  v->push_back(static_cast<uint8_t>(x >> 16));
  v->push_back(static_cast<uint8_t>(x >> 8));
  v->push_back(static_cast<uint8_t>(x));
}

// One handshake fragment (RFC 6347 §4.2.2 header) with `body` bytes after
// it (fragment_length unless given).
std::vector<uint8_t> Fragment(uint8_t msg_type, uint32_t msg_length, uint16_t message_seq, uint32_t offset,
                              uint32_t fragment_length, size_t body = SIZE_MAX) {
  std::vector<uint8_t> f = {msg_type};
  Put24(&f, msg_length);
  f.push_back(static_cast<uint8_t>(message_seq >> 8));
  f.push_back(static_cast<uint8_t>(message_seq));
  Put24(&f, offset);
  Put24(&f, fragment_length);
  f.resize(f.size() + (body == SIZE_MAX ? fragment_length : body), 0x42);
  return f;
}

// A handshake in lock-step rounds without timers, so nothing a forged record
// costs can be made good by a retransmission. Round 0 carries the
// ClientHello to the server, 1 the server's flight to the client, 2 the
// client's flight to the server, 3 the server's CCS/Finished to the client.
// Before round `at`, `forged` is fed to the victim.
Pair RunInjected(const Certificate& c, const Certificate& s, bool victim_is_server, int at,
                 const std::vector<std::vector<uint8_t>>& forged) {
  Pair p = NewPair(c, s);
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  for (int round = 0; round < 8; ++round) {
    const bool to_server = round % 2 == 0;
    DtlsEndpoint* target = to_server ? p.server.get() : p.client.get();
    const Verifier& v = to_server ? p.server_verifier : p.client_verifier;
    auto datagrams = to_server ? p.client->TakeDatagrams() : p.server->TakeDatagrams();
    if (round == at && to_server == victim_is_server) {
      for (auto& f : forged) Feed(target, f, v);
    }
    for (auto& d : datagrams) Feed(target, d, v);
  }
  return p;
}

const char* StatusName(DtlsStatus s) {
  switch (s) {
    case DtlsStatus::kConnected:
      return "connected";
    case DtlsStatus::kFailed:
      return "failed";
    case DtlsStatus::kHandshaking:
      return "stalled";
    default:
      return "other";
  }
}

int forged_cases = 0;

// The handshake completes in both roles and the victim counted exactly one
// drop for `reason` (or, with DropReason::kNone, none at all).
void ExpectSurvives(const char* what, const Pair& p, bool victim_is_server, DropReason reason,
                    uint64_t drops = 1) {
  ++forged_cases;
  const DtlsEndpoint& victim = victim_is_server ? *p.server : *p.client;
  const bool ok = p.client->status() == DtlsStatus::kConnected &&
                  p.server->status() == DtlsStatus::kConnected &&
                  (reason == DropReason::kNone || victim.dropped(reason) == drops);
  if (!ok) {
    std::printf("FAIL forged %s: client %s, server %s, drops of reason %d: %llu\n", what,
                StatusName(p.client->status()), StatusName(p.server->status()), static_cast<int>(reason),
                static_cast<unsigned long long>(reason == DropReason::kNone ? 0 : victim.dropped(reason)));
    ++failures;
  }
}

void TestForgedRecords(const Certificate& c, const Certificate& s) {
  struct Point {
    bool server;
    int at;
    const char* name;
  };
  const Point points[] = {{false, 1, "client before ServerHello"},
                          {false, 3, "client before the server's CCS"},
                          {true, 0, "server before ClientHello"},
                          {true, 2, "server before the client's flight"}};
  const uint64_t big[] = {1000, 5000, uint64_t{1} << 20, uint64_t{1} << 40};
  char what[160];
  for (const Point& pt : points) {
    // Replay-window poisoning: a stray CCS or a fragment of a future message
    // with a large record sequence number.
    for (uint64_t seq : big) {
      std::snprintf(what, sizeof what, "%s: CCS, seq %llu", pt.name, static_cast<unsigned long long>(seq));
      ExpectSurvives(what, RunInjected(c, s, pt.server, pt.at, {Record(20, 0, seq, {1})}), pt.server,
                     DropReason::kImplausibleSequence);
      std::snprintf(what, sizeof what, "%s: future fragment, seq %llu", pt.name,
                    static_cast<unsigned long long>(seq));
      ExpectSurvives(what,
                     RunInjected(c, s, pt.server, pt.at, {Record(22, 0, seq, Fragment(11, 100, 5, 10, 10))}),
                     pt.server, DropReason::kImplausibleSequence);
    }
    // HelloRequest (openssl#32363 at a client before the ServerHello).
    for (uint16_t message_seq : {1, 2, 5}) {
      std::snprintf(what, sizeof what, "%s: HelloRequest, message_seq %u", pt.name, message_seq);
      const auto hello_request = Record(22, 0, 40, Fragment(0, 0, message_seq, 0, 0));
      ExpectSurvives(what, RunInjected(c, s, pt.server, pt.at, {hello_request}), pt.server,
                     DropReason::kHelloRequest);
    }
    // Shapes OpenSSL 3.0 answers with a fatal alert.
    const std::vector<std::vector<uint8_t>> fatal = {
        Record(23, 0, 40, std::vector<uint8_t>(30, 1)),      // application data in epoch 0
        Record(24, 0, 40, std::vector<uint8_t>(30, 1)),      // heartbeat
        Record(25, 0, 40, std::vector<uint8_t>(30, 1)),      // unassigned content type
        Record(20, 0, 40, {2}),                              // CCS other than {1}
        Record(22, 0, 40, Fragment(11, 10, 1, 5, 10)),       // fragment beyond its message
        Record(22, 0, 40, Fragment(11, 100, 2, 0, 50, 20)),  // fragment beyond its record
        Record(22, 0, 40, {11, 0, 0}),                       // handshake header cut short
    };
    for (size_t i = 0; i < fatal.size(); ++i) {
      std::snprintf(what, sizeof what, "%s: fatal shape %zu", pt.name, i);
      ExpectSurvives(what, RunInjected(c, s, pt.server, pt.at, {fatal[i]}), pt.server,
                     DropReason::kMalformed);
    }
    std::snprintf(what, sizeof what, "%s: message_seq 9", pt.name);
    ExpectSurvives(what,
                   RunInjected(c, s, pt.server, pt.at, {Record(22, 0, 40, Fragment(11, 100, 9, 10, 10))}),
                   pt.server, DropReason::kFutureMessage);
    std::snprintf(what, sizeof what, "%s: declared length 65536", pt.name);
    ExpectSurvives(what,
                   RunInjected(c, s, pt.server, pt.at, {Record(22, 0, 40, Fragment(1, 65536, 6, 16, 16))}),
                   pt.server, DropReason::kOversizedMessage);
    std::snprintf(what, sizeof what, "%s: epoch-1 handshake record", pt.name);
    ExpectSurvives(what,
                   RunInjected(c, s, pt.server, pt.at, {Record(22, 1, 1, std::vector<uint8_t>(40, 1))}),
                   pt.server, DropReason::kEarlyEpoch);
  }
  // A forger may ratchet the counted high mark up with many datagrams, each
  // within the jump bound, and guess the genuine peer's small numbers: the
  // records pass the bound, yet OpenSSL never sees their numbers (renumbered),
  // so nothing genuine becomes a replay.
  for (const Point& pt : points) {
    std::vector<std::vector<uint8_t>> ratchet;
    for (uint64_t seq = 0; seq <= 64 * 256; seq += 256) ratchet.push_back(Record(20, 0, seq, {1}));
    for (uint64_t seq = 0; seq < 8; ++seq) ratchet.push_back(Record(20, 0, seq, {1}));
    std::snprintf(what, sizeof what, "%s: ratcheting and colliding CCS records", pt.name);
    // A stray CCS where OpenSSL expects one is taken for the peer's (harmless:
    // the genuine Finished still decrypts), so only the outcome is checked.
    ExpectSurvives(what, RunInjected(c, s, pt.server, pt.at, ratchet), pt.server, DropReason::kNone);
  }
  std::printf("forged records: %d cases\n", forged_cases);
}

// Datagrams that carry the genuine flight with gaps in the sequence numbers
// (loss of up to the jump bound) and a whole flight in one datagram still
// complete; a gap beyond the bound is counted.
void TestGenuineGaps(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s);
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kConnected && p.server->status() == DtlsStatus::kConnected);
  CHECK(p.client->dropped(DropReason::kImplausibleSequence) == 0);
  CHECK(p.server->dropped(DropReason::kImplausibleSequence) == 0);
  CHECK(p.client->dropped(DropReason::kEarlyEpoch) == 0 && p.server->dropped(DropReason::kEarlyEpoch) == 0);
  // A server whose first 200 records were lost (its epoch-0 numbers start at
  // 200) and that packs each flight into one datagram, as browsers do: its
  // CCS and Finished then share a datagram, which the pre-filter splits.
  Pair q = NewPair(c, s);
  q.server->Start(q.server_verifier);
  q.client->Start(q.client_verifier);
  for (int round = 0; round < 8; ++round) {
    for (auto& d : q.client->TakeDatagrams()) Feed(q.server.get(), d, q.server_verifier);
    std::vector<uint8_t> flight;
    for (auto& d : q.server->TakeDatagrams()) {
      for (size_t off = 0; off + 13 <= d.size(); off += 13 + ((d[off + 11] << 8) | d[off + 12])) {
        if (d[off + 3] != 0 || d[off + 4] != 0) continue;  // epoch 1: authenticated, untouched
        uint64_t seq = 0;
        for (size_t i = 5; i < 11; ++i) seq = (seq << 8) | d[off + i];
        seq += 200;
        for (size_t i = 10; i >= 5; --i, seq >>= 8) d[off + i] = static_cast<uint8_t>(seq);
      }
      flight.insert(flight.end(), d.begin(), d.end());
    }
    if (!flight.empty()) Feed(q.client.get(), flight, q.client_verifier);
  }
  CHECK(q.client->status() == DtlsStatus::kConnected && q.server->status() == DtlsStatus::kConnected);
  CHECK(q.client->dropped(DropReason::kImplausibleSequence) == 0);
  CHECK(q.client->dropped(DropReason::kEarlyEpoch) == 0);
  // Beyond the bound: counted (this peer would have to lose 300 records).
  Pair r = NewPair(c, s);
  r.server->Start(r.server_verifier);
  r.client->Start(r.client_verifier);
  for (auto& d : r.client->TakeDatagrams()) Feed(r.server.get(), d, r.server_verifier);
  for (auto& d : r.server->TakeDatagrams()) {
    d[8] = 1;  // + 2^16
    Feed(r.client.get(), d, r.client_verifier);
  }
  CHECK(r.client->dropped(DropReason::kImplausibleSequence) > 0);
}

}  // namespace

namespace dtlssrtp::core {
class DtlsEndpointTestPeer {
 public:
  static SSL* Ssl(DtlsEndpoint* e) { return e->ssl_.get(); }
  static DtlsRecordLayer* Layer(DtlsEndpoint* e) { return e->record_layer_.get(); }
  static void SetNextWriteSequence(DtlsEndpoint* e, uint64_t sequence) { e->record_layer_->next_write_ = sequence; }
  static void ForgetReceived(DtlsEndpoint* e) { e->record_layer_->window_ = ReplayWindow(); }
  // A record sealed with `e`'s keys, as its peer would receive it.
  static std::vector<uint8_t> Seal(DtlsEndpoint* e, uint8_t type, std::vector<uint8_t> plaintext) {
    std::vector<uint8_t> out;
    CHECK(e->record_layer_->EnsureKeys());
    CHECK(e->record_layer_->Seal(type, plaintext.data(), plaintext.size(), &out));
    return out;
  }
  static size_t FinalFlightSize(DtlsEndpoint* e) { return e->final_flight_.size(); }
  static std::vector<std::vector<uint8_t>> FinalFlight(DtlsEndpoint* e) { return e->final_flight_; }
};
}  // namespace dtlssrtp::core

namespace {

// Sending fails (and the association ends, kWrite) when the epoch-1
// sequence numbers are spent (RFC 6347 §4.1: never wrap); misuse is refused
// without changing anything.
void TestSendFailure(const Certificate& c, const Certificate& s) {
  using dtlssrtp::core::DtlsEndpointTestPeer;
  using dtlssrtp::core::DtlsRecordLayer;
  Pair p = NewPair(c, s);
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kConnected);
  const uint8_t byte = 'x';
  std::vector<uint8_t> too_big(p.client->MaxDataSize() + 1, 1);
  CHECK(p.client->Send(too_big.data(), too_big.size()) == DtlsEndpoint::SendResult::kRefused);
  CHECK(p.client->Send(&byte, 0) == DtlsEndpoint::SendResult::kRefused);
  CHECK(p.client->status() == DtlsStatus::kConnected);
  DtlsEndpointTestPeer::SetNextWriteSequence(p.client.get(), DtlsRecordLayer::kMaxSequence);
  CHECK(p.client->Send(&byte, 1) == DtlsEndpoint::SendResult::kSent);  // the last number is still usable
  auto last = p.client->TakeDatagrams();
  CHECK(last.size() == 1 && last[0][5] == 0xff && last[0][10] == 0xff);
  Feed(p.server.get(), last[0], p.server_verifier);
  CHECK(p.server->TakeAppData().size() == 1);
  CHECK(p.client->Send(&byte, 1) == DtlsEndpoint::SendResult::kFailed);
  CHECK(p.client->status() == DtlsStatus::kFailed);
  CHECK(p.client->failure() == DtlsFailure::kWrite);
  CHECK(!p.client->failure_errors().empty());
  CHECK(p.client->TakeDatagrams().empty());
  CHECK(ERR_peek_error() == 0);  // the error queue is left clean
  CHECK(p.client->Send(&byte, 1) == DtlsEndpoint::SendResult::kRefused);
  std::vector<uint8_t> l, r;
  CHECK(!p.client->ExportSrtpKeys(16, 12, &l, &r) && l.empty() && r.empty());
}

// ExportSrtpKeys leaves no copy of a key or salt in memory it frees (before:
// assign(key) then insert(salt) reallocated and freed a block with the key).
void TestKeysWiped(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s);
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  Pump(&p);
  CHECK(p.client->status() == DtlsStatus::kConnected);
  std::vector<uint8_t> material;
  CHECK(p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &material));
  uint8_t pieces[4][16];  // client_key, server_key, client_salt, server_salt (first 12 bytes)
  std::memcpy(pieces[0], material.data(), 16);
  std::memcpy(pieces[1], material.data() + 16, 16);
  std::memcpy(pieces[2], material.data() + 32, 12);
  std::memcpy(pieces[3], material.data() + 44, 12);
  OPENSSL_cleanse(material.data(), material.size());
  for (int piece = 0; piece < 4; ++piece) {
    for (DtlsEndpoint* e : {p.client.get(), p.server.get()}) {
      watch = Watch{pieces[piece], piece < 2 ? size_t{16} : size_t{12}, 0};
      {
        std::vector<uint8_t> local, remote;
        CHECK(e->ExportSrtpKeys(16, 12, &local, &remote));
        OPENSSL_cleanse(local.data(), local.size());  // as the caller does
        OPENSSL_cleanse(remote.data(), remote.size());
      }
      CHECK(watch.found == 0);
      watch = Watch{};
    }
  }
  OPENSSL_cleanse(pieces, sizeof pieces);
}

// ---- Memory a peer can make a session hold before the handshake completes ----

// Counting allocator for OpenSSL (installed first thing in main, before any
// OpenSSL call; a test program may do that, the addon never does).
size_t live_bytes = 0;
constexpr size_t kPrefix = 16;  // keeps malloc's alignment
void* CountingMalloc(size_t n, const char*, int) {
  auto* p = static_cast<uint8_t*>(std::malloc(n + kPrefix));
  if (p == nullptr) return nullptr;
  std::memcpy(p, &n, sizeof n);
  live_bytes += n;
  return p + kPrefix;
}
void CountingFree(void* q, const char*, int) {
  if (q == nullptr) return;
  uint8_t* p = static_cast<uint8_t*>(q) - kPrefix;
  size_t n;
  std::memcpy(&n, p, sizeof n);
  live_bytes -= n;
  std::free(p);
}
void* CountingRealloc(void* q, size_t n, const char* file, int line) {
  if (q == nullptr) return CountingMalloc(n, file, line);
  if (n == 0) {
    CountingFree(q, file, line);
    return nullptr;
  }
  uint8_t* p = static_cast<uint8_t*>(q) - kPrefix;
  size_t old;
  std::memcpy(&old, p, sizeof old);
  auto* grown = static_cast<uint8_t*>(std::realloc(p, n + kPrefix));
  if (grown == nullptr) return nullptr;
  std::memcpy(grown, &n, sizeof n);
  live_bytes = live_bytes - old + n;
  return grown + kPrefix;
}

// Heap bytes live now: OpenSSL's and ours (the endpoint's own buffers).
size_t LiveBytes() { return live_bytes + live_cxx_bytes; }

// Sessions at their idle point before the handshake completes (a server
// that answered one ClientHello and waits for the client's second flight; a
// client that sent its ClientHello), then `attack` fed to each; returns the
// extra heap bytes (OpenSSL's and the endpoint's) per session, and the idle
// bytes in *idle.
double ExtraPerSession(const Certificate& c, const Certificate& s, bool server, int sessions,
                       const std::vector<std::vector<uint8_t>>& attack, double* idle) {
  const Verifier any = [](const uint8_t*, size_t) { return VerifyVerdict::kUnknown; };
  auto client = Make(c, false);
  client->Start(any);
  const auto hello = client->TakeDatagrams();
  std::vector<std::unique_ptr<DtlsEndpoint>> victims;
  victims.reserve(static_cast<size_t>(sessions));
  const size_t before = LiveBytes();
  for (int i = 0; i < sessions; ++i) {
    victims.push_back(Make(server ? s : c, server));
    victims.back()->Start(any);
    if (server) {
      for (auto& d : hello) Feed(victims.back().get(), d, any);
    }
    victims.back()->TakeDatagrams();
  }
  const size_t idle_bytes = LiveBytes();
  for (auto& victim : victims) {
    for (auto& d : attack) Feed(victim.get(), d, any);
    victim->TakeDatagrams();
    CHECK(victim->status() == DtlsStatus::kHandshaking);
  }
  const size_t attacked = LiveBytes();
  *idle = static_cast<double>(idle_bytes - before) / sessions;
  return (static_cast<double>(attacked) - static_cast<double>(idle_bytes)) / sessions;
}

void TestMemoryBound(const Certificate& c, const Certificate& s) {
  const char* env = std::getenv("DTLS_MEMORY_SESSIONS");
  const int sessions = env != nullptr ? std::atoi(env) : 1000;
  struct Shape {
    std::string name;
    std::vector<std::vector<uint8_t>> datagrams;
  };
  std::vector<Shape> shapes;
  // The idle server expects message_seq 1 next, the client 0; OpenSSL buffers
  // fragments of the expected message_seq and the ten after it, each in a
  // buffer of the declared length plus a bitmap.
  for (uint32_t declared : {65536u, 16384u, 4096u}) {
    Shape shape;
    shape.name = "ten 41-byte ClientHello fragments declaring " + std::to_string(declared);
    for (uint16_t seq = 1; seq <= 10; ++seq) {
      shape.datagrams.push_back(Record(22, 0, seq, Fragment(1, declared, seq, 16, 16)));
    }
    shapes.push_back(shape);
  }
  {
    // Largest messages our bounds let through, as many as they allow.
    Shape shape{"message_seq 1..7 declaring 8192 each", {}};
    for (uint16_t seq = 1; seq <= 7; ++seq) {
      shape.datagrams.push_back(Record(22, 0, seq, Fragment(11, 8192, seq, 16, 16)));
    }
    shapes.push_back(shape);
  }
  {
    Shape shape{"message_seq 1..7 declaring 2300 each (fills the budget)", {}};
    for (uint16_t seq = 1; seq <= 7; ++seq) {
      shape.datagrams.push_back(Record(22, 0, seq, Fragment(11, 2300, seq, 16, 16)));
    }
    shapes.push_back(shape);
  }
  {
    Shape shape{"100 epoch-1 handshake records", {}};
    for (uint64_t seq = 0; seq < 100; ++seq) {
      shape.datagrams.push_back(Record(22, 1, seq, std::vector<uint8_t>(48, 7)));
    }
    shapes.push_back(shape);
  }
  {
    // One datagram as large as UDP allows, of 5041 empty epoch-1 records:
    // the endpoint's own scratch for it must not stay.
    Shape shape{"one 65533-byte datagram of 5041 records", {{}}};
    for (int i = 0; i < 5041; ++i) {
      const auto r = Record(22, 1, static_cast<uint64_t>(i), {});
      shape.datagrams[0].insert(shape.datagrams[0].end(), r.begin(), r.end());
    }
    shapes.push_back(shape);
  }
  for (const bool server : {true, false}) {
    for (const Shape& shape : shapes) {
      double idle = 0;
      const double extra = ExtraPerSession(c, s, server, sessions, shape.datagrams, &idle);
      std::printf("memory over %d %s sessions: idle %.0f B/session; %s: %+.0f B/session\n", sessions,
                  server ? "server" : "client", idle, shape.name.c_str(), extra);
      CHECK(extra <= 32 * 1024);
    }
  }
}


}  // namespace

namespace {

// ---- The shared SSL_CTX ----

SSL_CTX* CtxOf(DtlsEndpoint* e) { return SSL_get_SSL_CTX(dtlssrtp::core::DtlsEndpointTestPeer::Ssl(e)); }

bool Handshake(Pair* p) {
  p->server->Start(p->server_verifier);
  p->client->Start(p->client_verifier);
  Pump(p);
  return p->client->status() == DtlsStatus::kConnected && p->server->status() == DtlsStatus::kConnected;
}

// Endpoints of one certificate and profile list share one SSL_CTX, whatever
// their role, MTU or cookie mode; another certificate or profile list never
// does; a session's settings and verdicts stay its own; the context lives as
// long as its last endpoint and no longer.
void TestSharedContext(const Certificate& c, const Certificate& s, const Certificate& other) {
  std::vector<std::unique_ptr<DtlsEndpoint>> many;
  for (int i = 0; i < 8; ++i) many.push_back(Make(c, i % 2 == 0, i % 3 == 0 ? 500 : 1200, 1000, i % 4 == 0));
  SSL_CTX* shared = CtxOf(many[0].get());
  for (auto& e : many) CHECK(CtxOf(e.get()) == shared);
  auto by_other = Make(other, false);
  auto by_profiles = Make(c, false, 1200, 1000, false, "SRTP_AES128_CM_SHA1_80");
  CHECK(CtxOf(by_other.get()) != shared);
  CHECK(CtxOf(by_profiles.get()) != shared && CtxOf(by_profiles.get()) != CtxOf(by_other.get()));
  const uint64_t options = SSL_CTX_get_options(shared);
  const int verify_mode = SSL_CTX_get_verify_mode(shared);

  // Handshakes between endpoints on one context (client and server both of
  // certificate c), with a HelloVerifyRequest, with a 500-byte MTU, and with
  // a pair on the same contexts whose verifier rejects, interleaved: each
  // verdict reaches its own endpoint only.
  Pair same;
  same.client = Make(c, false);
  same.server = Make(c, true, 500, 1000, true);
  same.client_verifier = same.server_verifier = Expect(DerOf(c));
  Pair rejected = NewPair(c, s);
  rejected.client_verifier = Expect(DerOf(other));
  CHECK(CtxOf(same.client.get()) == shared && CtxOf(same.server.get()) == shared);
  CHECK(CtxOf(rejected.client.get()) == shared);
  same.server->Start(same.server_verifier);
  same.client->Start(same.client_verifier);
  rejected.server->Start(rejected.server_verifier);
  rejected.client->Start(rejected.client_verifier);
  for (int round = 0; round < 50; ++round) {
    bool moved = false;
    for (Pair* p : {&same, &rejected}) {
      auto to_server = p->client->TakeDatagrams();
      auto to_client = p->server->TakeDatagrams();
      moved = moved || !to_server.empty() || !to_client.empty();
      for (auto& d : to_server) Feed(p->server.get(), d, p->server_verifier);
      for (auto& d : to_client) Feed(p->client.get(), d, p->client_verifier);
    }
    if (!moved) break;
  }
  CHECK(same.client->status() == DtlsStatus::kConnected && same.server->status() == DtlsStatus::kConnected);
  CHECK(same.server->MaxDataSize() > 0 && same.server->MaxDataSize() < 500);
  CHECK(rejected.client->status() == DtlsStatus::kFailed);
  CHECK(rejected.client->failure() == DtlsFailure::kFingerprint);
  CHECK(rejected.server->failure() == DtlsFailure::kAlert);
  // Nothing a session did changed the shared context.
  CHECK(SSL_CTX_get_options(shared) == options && (options & SSL_OP_COOKIE_EXCHANGE) == 0);
  CHECK(SSL_CTX_get_verify_mode(shared) == verify_mode);
  CHECK(SSL_CTX_sess_number(shared) == 0);

  // One endpoint outlives the others on its context, and still completes a
  // handshake; the context goes with it.
  std::string message;
  std::vector<std::string> errors;
  std::weak_ptr<const DtlsContext> weak = contexts.Acquire(c.x509(), c.key(), kProfiles, &message, &errors);
  CHECK(!weak.expired());
  Pair last = NewPair(c, s);
  same = Pair();
  rejected = Pair();
  many.clear();
  CHECK(!weak.expired() && CtxOf(last.client.get()) == shared);
  CHECK(Handshake(&last));
  const size_t live = contexts.live();
  last.client.reset();
  CHECK(weak.expired());
  CHECK(contexts.live() == live - 1);
  last = Pair();

  // A refused profile list makes no context and no entry.
  const size_t entries = contexts.entries();
  CHECK(!contexts.Acquire(c.x509(), c.key(), "SRTP_NONE", &message, &errors));
  CHECK(!message.empty() && contexts.entries() == entries);
  CHECK(ERR_peek_error() == 0);
}

// A transport per peer with a fresh certificate each: contexts are freed
// with their endpoints and the cache's entries stay bounded.
void TestContextCacheBounded() {
  DtlsContextCache cache;
  std::vector<std::shared_ptr<const DtlsContext>> held;
  std::string message;
  std::vector<std::string> errors;
  size_t most = 0;
  for (int i = 0; i < 120; ++i) {
    CertificateError error;
    auto cert = Certificate::Generate(KeyType::kEcdsaP256, 1, "peer", &error);
    CHECK(cert != nullptr);
    if (!cert) return;
    auto context = cache.Acquire(cert->x509(), cert->key(), kProfiles, &message, &errors);
    CHECK(context != nullptr);
    CHECK(cache.Acquire(cert->x509(), cert->key(), kProfiles, &message, &errors) == context);
    if (i % 4 == 0) held.push_back(context);  // every fourth stays in use
    most = std::max(most, cache.entries());
    CHECK(cache.entries() <= 2 * cache.live() + 16);
  }
  CHECK(cache.live() == held.size());
  std::printf("context cache: 120 certificates, %zu in use, at most %zu entries\n", held.size(), most);
  held.clear();
  CHECK(cache.live() == 0);
}

// Heap bytes (OpenSSL's and ours) of an endpoint that was created and not
// started, per endpoint over `n`, with a context shared by all of them or
// one context each (as before contexts were shared); and that everything is
// given back when the last endpoint goes.
void TestIdleEndpointMemory(const Certificate& c) {
  constexpr int n = 200;
  std::string message;
  std::vector<std::string> errors;
  double per[2] = {0, 0};
  for (int own = 0; own < 2; ++own) {
    DtlsContextCache cache;
    const size_t before = LiveBytes();
    {
      std::vector<std::unique_ptr<DtlsEndpoint>> endpoints;
      for (int i = 0; i < n; ++i) {
        DtlsConfig config;
        config.context = own != 0 ? DtlsContext::Create(c.x509(), c.key(), kProfiles, &message, &errors)
                                  : cache.Acquire(c.x509(), c.key(), kProfiles, &message, &errors);
        config.is_server = i % 2 == 0;
        endpoints.push_back(DtlsEndpoint::Create(config, &message, &errors));
        CHECK(endpoints.back() != nullptr);
      }
      per[own] = static_cast<double>(LiveBytes() - before) / n;
    }
    cache = DtlsContextCache();
    CHECK(LiveBytes() == before);
  }
  std::printf("memory of an idle endpoint (not started), over %d: %.0f B with a shared context, %.0f B with its own\n",
              n, per[0], per[1]);
  CHECK(per[0] + 8 * 1024 < per[1]);
}

}  // namespace

namespace {

// ---- What a connected association holds while idle ----
// Heap bytes (OpenSSL's and the endpoint's) per connected endpoint, over
// `n` client+server pairs on shared contexts, after the handshake and after
// an application-data record each way: the SSL is freed at completion and
// our record layer holds two AEAD contexts, the secrets, the peer's
// certificate and a replay window. Everything goes back at the end.
// Measured on OpenSSL 3.0.19 (ECDSA P-256, AES-GCM): about 3.7 KB (about
// 39 KB while the SSL was kept with its record buffers freed between
// steps, 73 KB before that).
constexpr double kConnectedEndpointBound = 6 * 1024;
void TestConnectedEndpointMemory(const Certificate& c, const Certificate& s) {
  constexpr int n = 100;
  // Keep the shared contexts alive across the measurement.
  auto keep_c = Make(c, false);
  auto keep_s = Make(s, true);
  std::vector<Pair> pairs(n);
  const size_t before = LiveBytes();
  for (Pair& p : pairs) {
    p = NewPair(c, s);
    CHECK(Handshake(&p));
  }
  const double connected = static_cast<double>(LiveBytes() - before) / (2 * n);
  const uint8_t message[100] = {1, 2, 3};
  for (Pair& p : pairs) {
    CHECK(p.client->Send(message, sizeof message) == DtlsEndpoint::SendResult::kSent);
    CHECK(p.server->Send(message, sizeof message) == DtlsEndpoint::SendResult::kSent);
    Pump(&p);
    CHECK(p.client->TakeAppData().size() == 1 && p.server->TakeAppData().size() == 1);
    CHECK(p.client->ssl_released() && p.server->ssl_released());
  }
  const double after_data = static_cast<double>(LiveBytes() - before) / (2 * n);
  std::printf("memory of a connected endpoint, over %d pairs: %.0f B after the handshake, %.0f B after data\n", n,
              connected, after_data);
  CHECK(connected <= kConnectedEndpointBound);
  CHECK(after_data <= kConnectedEndpointBound);
  pairs.clear();
  CHECK(LiveBytes() == before);
}

}  // namespace

// ---- Our record layer after the handshake ----

namespace {
using dtlssrtp::core::DtlsEndpointTestPeer;
using dtlssrtp::core::DtlsRecordLayer;

// The epoch-1 records of `datagrams` (as OpenSSL wrote them during the handshake).
std::vector<std::vector<uint8_t>> Epoch1Records(const std::vector<std::vector<uint8_t>>& datagrams) {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& d : datagrams) {
    for (size_t offset = 0; offset + 13 <= d.size();) {
      const size_t length = 13 + ((static_cast<size_t>(d[offset + 11]) << 8) | d[offset + 12]);
      if (offset + length > d.size()) break;
      if (d[offset + 3] == 0 && d[offset + 4] == 1) out.emplace_back(d.begin() + offset, d.begin() + offset + length);
      offset += length;
    }
  }
  return out;
}

// Handshake with the client offering only `cipher`; every datagram kept.
void TestRecordLayerSuite(const Certificate& c, const Certificate& s, const char* cipher, const char* name) {
  Pair p = NewPair(c, s);
  CHECK(SSL_set_cipher_list(DtlsEndpointTestPeer::Ssl(p.client.get()), cipher) == 1);
  std::vector<std::vector<uint8_t>> from_client, from_server;
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  for (int round = 0; round < 50; ++round) {
    auto to_server = p.client->TakeDatagrams();
    auto to_client = p.server->TakeDatagrams();
    if (to_server.empty() && to_client.empty()) break;
    for (auto& d : to_server) Feed(p.server.get(), d, p.server_verifier);
    for (auto& d : to_client) Feed(p.client.get(), d, p.client_verifier);
    from_client.insert(from_client.end(), to_server.begin(), to_server.end());
    from_server.insert(from_server.end(), to_client.begin(), to_client.end());
  }
  CHECK(p.client->status() == DtlsStatus::kConnected && p.server->status() == DtlsStatus::kConnected);
  CHECK(p.client->ssl_released() && p.server->ssl_released());
  CHECK(p.client->CipherSuite() == name && p.server->CipherSuite() == name);
  // The keys we derived are OpenSSL's: each side opens the peer's Finished
  // exactly as OpenSSL sealed it during the handshake.
  for (auto [e, records] : {std::pair{p.client.get(), Epoch1Records(from_server)},
                            std::pair{p.server.get(), Epoch1Records(from_client)}}) {
    CHECK(records.size() == 1);
    if (records.empty()) continue;
    uint8_t type = 0;
    std::vector<uint8_t> plaintext;
    DtlsRecordLayer* layer = DtlsEndpointTestPeer::Layer(e);
    CHECK(layer->EnsureKeys());
    CHECK(layer->Unseal(records[0].data(), records[0].size(), &type, &plaintext) ==
          DtlsRecordLayer::Unsealed::kReplayed);  // OpenSSL took it: never again
    DtlsEndpointTestPeer::ForgetReceived(e);
    CHECK(layer->Unseal(records[0].data(), records[0].size(), &type, &plaintext) == DtlsRecordLayer::Unsealed::kRecord);
    CHECK(type == 22 && plaintext.size() == 12 + 12 && plaintext[0] == 20);  // Finished, 12-byte verify_data
  }
  // Application data both ways, at the largest size and at one byte; the
  // record fits the MTU.
  const size_t max = p.client->MaxDataSize();
  CHECK(max + DtlsEndpointTestPeer::Layer(p.client.get())->overhead() == 1200);
  for (size_t size : {max, size_t{1}}) {
    std::vector<uint8_t> payload(size, static_cast<uint8_t>(size));
    for (auto [from, to, verifier] : {std::tuple{p.client.get(), p.server.get(), &p.server_verifier},
                                      std::tuple{p.server.get(), p.client.get(), &p.client_verifier}}) {
      CHECK(from->Send(payload.data(), payload.size()) == DtlsEndpoint::SendResult::kSent);
      auto sent = from->TakeDatagrams();
      CHECK(sent.size() == 1 && sent[0].size() <= 1200);
      Feed(to, sent[0], *verifier);
      auto got = to->TakeAppData();
      CHECK(got.size() == 1 && got[0] == payload);
    }
  }
  std::vector<uint8_t> a, b;
  CHECK(p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &a));
  CHECK(p.server->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &b));
  CHECK(a == b);
  // Labels TLS itself uses are refused, as by SSL_export_keying_material.
  CHECK(!p.client->ExportKeyingMaterial("key expansion", 16, &a));
  CHECK(!p.client->ExportKeyingMaterial("master secret", 16, &a));
  CHECK(ERR_peek_error() == 0);
}

// Replays, forgeries and malformed records after the handshake: dropped
// and counted per record; what is genuine still arrives.
void TestRecordLayerHostile(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s);
  CHECK(Handshake(&p));
  DtlsEndpoint* server = p.server.get();
  auto send = [&p](uint8_t tag) {
    const uint8_t message[3] = {tag, 0x55, 0xaa};
    CHECK(p.client->Send(message, sizeof message) == DtlsEndpoint::SendResult::kSent);
    auto d = p.client->TakeDatagrams();
    CHECK(d.size() == 1);
    return d.empty() ? std::vector<uint8_t>() : d[0];
  };
  auto feed = [&p, server](const std::vector<uint8_t>& d) { Feed(server, d, p.server_verifier); };
  auto r1 = send(1), r2 = send(2), r3 = send(3);
  feed(r3);
  feed(r1);
  feed(r2);
  CHECK(server->TakeAppData().size() == 3);  // reordered within the window
  feed(r1);
  feed(r3);
  CHECK(server->TakeAppData().empty() && server->dropped(DropReason::kReplayed) == 2);
  std::vector<std::vector<uint8_t>> many;
  for (int i = 0; i < 70; ++i) many.push_back(send(static_cast<uint8_t>(i)));
  feed(many.back());
  feed(many[0]);   // 69 behind: older than the window
  feed(many[10]);  // 59 behind: inside it
  auto got = server->TakeAppData();
  CHECK(got.size() == 2 && got[0][0] == 69 && got[1][0] == 10);
  CHECK(server->dropped(DropReason::kReplayed) == 3);
  // Any bit of the body, the sequence number or the type changed: the tag fails.
  auto f = send(9);
  for (size_t i = 13; i < f.size(); ++i) {
    auto g = f;
    g[i] ^= 0x01;
    feed(g);
  }
  const uint64_t flipped = f.size() - 13;
  CHECK(server->dropped(DropReason::kUnauthenticated) == flipped);
  for (size_t i : {size_t{0}, size_t{10}}) {
    auto g = f;
    g[i] ^= i == 0 ? 0x03 : 0x40;  // application data -> handshake; another sequence number
    feed(g);
  }
  CHECK(server->dropped(DropReason::kUnauthenticated) == flipped + 2);
  CHECK(server->TakeAppData().empty());
  feed(f);  // the genuine record after all that
  CHECK(server->TakeAppData().size() == 1);
  // Other epochs and framing.
  auto g = send(10);
  g[4] = 2;  // epoch 2: never entered
  feed(g);
  CHECK(server->dropped(DropReason::kEarlyEpoch) == 1);
  g[4] = 0;  // epoch 0 (a late handshake record): ignored, as OpenSSL does
  feed(g);
  g[4] = 1;
  g[2] = 0xfe;  // not DTLS 1.2
  feed(g);
  const uint64_t malformed = server->dropped(DropReason::kMalformed);
  CHECK(malformed == 1);
  CHECK(server->TakeAppData().empty());
  // Authenticated records of other kinds: a warning alert is noted and
  // ignored, an alert of three bytes or an unknown type is malformed, a
  // renegotiation attempt is ignored, a fatal alert ends the association.
  feed(DtlsEndpointTestPeer::Seal(p.client.get(), 21, {1, 100}));
  CHECK(server->status() == DtlsStatus::kConnected && server->received_alert() == 100);
  feed(DtlsEndpointTestPeer::Seal(p.client.get(), 21, {1, 0, 0}));
  feed(DtlsEndpointTestPeer::Seal(p.client.get(), 30, {1}));
  CHECK(server->dropped(DropReason::kMalformed) == malformed + 2);
  feed(DtlsEndpointTestPeer::Seal(p.client.get(), 22, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(server->status() == DtlsStatus::kConnected && server->TakeDatagrams().empty());
  feed(DtlsEndpointTestPeer::Seal(p.client.get(), 21, {2, 40}));
  CHECK(server->status() == DtlsStatus::kFailed && server->failure() == DtlsFailure::kAlert);
  CHECK(server->received_alert() == 40);
  CHECK(ERR_peek_error() == 0);
}

// The server's last flight (ChangeCipherSpec, Finished) is lost: the
// client's retransmitted flight reaches a server whose SSL is gone, which
// sends the same flight again; the client completes. The kept flight goes
// with the client's first application data.
void TestLostFinalFlight(const Certificate& c, const Certificate& s) {
  Pair p = NewPair(c, s, 1200, 10);
  p.server = Make(s, true);  // the server's timer at 1 s: only the client's is short
  p.server->Start(p.server_verifier);
  p.client->Start(p.client_verifier);
  for (int round = 0; round < 50 && p.server->status() != DtlsStatus::kConnected; ++round) {
    for (auto& d : p.client->TakeDatagrams()) Feed(p.server.get(), d, p.server_verifier);
    if (p.server->status() == DtlsStatus::kConnected) break;
    for (auto& d : p.server->TakeDatagrams()) Feed(p.client.get(), d, p.client_verifier);
  }
  CHECK(p.server->status() == DtlsStatus::kConnected && p.server->ssl_released());
  CHECK(p.client->status() == DtlsStatus::kHandshaking);
  // (With a 10 ms timer the client may have sent its flight twice already,
  // and the server answered each Finished: the same flight each time.)
  const auto lost = p.server->TakeDatagrams();
  const auto flight = DtlsEndpointTestPeer::FinalFlight(p.server.get());
  auto repeats_flight = [&flight](const std::vector<std::vector<uint8_t>>& datagrams) {
    bool same = !flight.empty() && !datagrams.empty() && datagrams.size() % flight.size() == 0;
    for (size_t i = 0; same && i < datagrams.size(); ++i) same = datagrams[i] == flight[i % flight.size()];
    return same;
  };
  CHECK(repeats_flight(lost));
  CHECK(flight.size() == 1 && flight[0][0] == 20);  // ChangeCipherSpec and Finished, one datagram  CHECK(p.server->NextTimeoutMs() == -1);  // nothing timed after the handshake
  for (int i = 0; i < 400 && p.client->NextTimeoutMs() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  p.client->HandleTimeout(p.client_verifier);
  const auto again = p.client->TakeDatagrams();
  CHECK(!again.empty());
  for (auto& d : again) Feed(p.server.get(), d, p.server_verifier);
  const auto resent = p.server->TakeDatagrams();
  CHECK(repeats_flight(resent));
  for (auto& d : resent) Feed(p.client.get(), d, p.client_verifier);
  CHECK(p.client->status() == DtlsStatus::kConnected && p.client->ssl_released());
  std::vector<uint8_t> a, b;
  CHECK(p.client->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &a));
  CHECK(p.server->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 56, &b));
  CHECK(a == b);
  // The same retransmission again is a replay: nothing is sent.
  for (auto& d : again) Feed(p.server.get(), d, p.server_verifier);
  CHECK(p.server->TakeDatagrams().empty());
  const uint8_t hello[2] = {'h', 'i'};
  CHECK(p.client->Send(hello, sizeof hello) == DtlsEndpoint::SendResult::kSent);
  for (auto& d : p.client->TakeDatagrams()) Feed(p.server.get(), d, p.server_verifier);
  CHECK(p.server->TakeAppData().size() == 1);
  CHECK(DtlsEndpointTestPeer::FinalFlightSize(p.server.get()) == 0);
  // close_notify both ways after the switch.
  p.server->Close();
  auto bye = p.server->TakeDatagrams();
  CHECK(bye.size() == 1);
  Feed(p.client.get(), bye[0], p.client_verifier);
  CHECK(p.client->status() == DtlsStatus::kClosed && p.client->received_alert() == 0);
  CHECK(p.client->TakeDatagrams().size() == 1);  // its answer
}

}  // namespace

// The datagram BIO method is made once per process: endpoints must not each
// draw a BIO type number (a small process-wide range, BIO_TYPE_START..255).
void TestBioTypeNumbersNotConsumed(const Certificate& c) {
  const int before = BIO_get_new_index();
  for (int i = 0; i < 200; ++i) {
    auto e = Make(c, i % 2 == 0);
    CHECK(e != nullptr);
  }
  const int after = BIO_get_new_index();
  CHECK(after - before <= 2);
}

int main() {
  // Before any OpenSSL call: count what OpenSSL allocates.
  if (CRYPTO_set_mem_functions(&CountingMalloc, &CountingRealloc, &CountingFree) != 1) {
    std::printf("FAIL could not install the counting allocator\n");
    return 1;
  }
  CertificateError error;
  auto c = Certificate::Generate(KeyType::kEcdsaP256, 30, "client", &error);
  auto s = Certificate::Generate(KeyType::kEcdsaP256, 30, "server", &error);
  auto other = Certificate::Generate(KeyType::kEcdsaP256, 30, "other", &error);
  auto rsa = Certificate::Generate(KeyType::kRsa2048, 30, "rsa", &error);
  CHECK(c && s && other && rsa);
  if (!c || !s || !other || !rsa) return 1;
  TestForgedRecords(*c, *s);
  TestGenuineGaps(*c, *s);
  TestSendFailure(*c, *s);
  TestKeysWiped(*c, *s);
  TestMemoryBound(*c, *s);
  TestHandshake(*c, *s, 1200);
  TestHandshake(*rsa, *s, 500);
  TestMismatch(*c, *s, *other);
  TestClientPause(*c, *s);
  TestServerRefusesUnknown(*c, *s);
  TestNoise(*c, *s);
  TestBioTypeNumbersNotConsumed(*c);
  TestSharedContext(*c, *s, *other);
  TestContextCacheBounded();
  TestIdleEndpointMemory(*c);
  TestConnectedEndpointMemory(*c, *s);
  TestRecordLayerSuite(*c, *s, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  TestRecordLayerSuite(*c, *s, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  TestRecordLayerSuite(*c, *s, "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  TestRecordLayerSuite(*rsa, *s, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  TestRecordLayerHostile(*c, *s);
  TestLostFinalFlight(*c, *s);
  // Certificates: PEM round trip and refusals.
  std::string cert_pem;
  dtlssrtp::core::SecureString key_pem;
  CHECK(c->CertificatePem(&cert_pem) && c->PrivateKeyPem(&key_pem));
  auto back = Certificate::FromPem(cert_pem, key_pem.text(), &error);
  CHECK(back && DerOf(*back) == DerOf(*c));
  dtlssrtp::core::SecureString other_key;
  CHECK(other->PrivateKeyPem(&other_key));
  CertificateError mismatch;
  CHECK(!Certificate::FromPem(cert_pem, other_key.text(), &mismatch));
  CHECK(mismatch.failure == dtlssrtp::core::CertificateFailure::kParse);
  for (int i = 0; i < 500; ++i) {
    std::vector<uint8_t> bytes(cert_pem.begin(), cert_pem.end());
    bytes = Mutate(bytes);
    CertificateError e;
    Certificate::FromPem(std::string(bytes.begin(), bytes.end()), key_pem.text(), &e);
  }
  return dtlssrtp::test::Summary();
}
