// SPDX-License-Identifier: MIT
// Node-free test of core::DtlsEndpoint and core::Certificate, built with
// ASan/UBSan by test/native/dtls-core.test.ts: handshakes, the fingerprint
// gate, the client pause, the RFC 5764 key split, refusals before
// verification, and thousands of mutated, truncated and random datagrams
// (each in an exact-size heap block) fed at every stage of the handshake and
// after it. Any out-of-bounds access is a sanitizer report.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/certificate.h"
#include "core/dtls_endpoint.h"

using dtlssrtp::core::Certificate;
using dtlssrtp::core::CertificateError;
using dtlssrtp::core::DtlsConfig;
using dtlssrtp::core::DtlsEndpoint;
using dtlssrtp::core::DtlsFailure;
using dtlssrtp::core::DtlsStatus;
using dtlssrtp::core::KeyType;
using dtlssrtp::core::Verifier;
using dtlssrtp::core::VerifyVerdict;

static int failures = 0;
#define CHECK(cond)                                               \
  do {                                                            \
    if (!(cond)) {                                                \
      std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

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

std::unique_ptr<DtlsEndpoint> Make(const Certificate& c, bool server, size_t mtu = 1200,
                                   uint32_t rto_ms = 1000) {
  DtlsConfig config;
  config.is_server = server;
  config.certificate = c.x509();
  config.private_key = c.key();
  config.srtp_profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
  config.mtu = mtu;
  config.initial_rto_ms = rto_ms;
  std::string message;
  std::vector<std::string> errors;
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
  CHECK(!p.client->Send(reinterpret_cast<const uint8_t*>("x"), 1));
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
  CHECK(p.client->Send(payload.data(), payload.size()));
  CHECK(!p.client->Send(payload.data(), max + 1));
  for (auto& d : p.client->TakeDatagrams()) {
    CHECK(d.size() <= mtu);
    Feed(p.server.get(), d, p.server_verifier);
  }
  auto got = p.server->TakeAppData();
  CHECK(got.size() == 1 && got[0] == payload);
  // Hostile records after the handshake: dropped, the association survives.
  CHECK(p.client->Send(payload.data(), 10));
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
  CertificateError error;
  auto c = Certificate::Generate(KeyType::kEcdsaP256, 30, "client", &error);
  auto s = Certificate::Generate(KeyType::kEcdsaP256, 30, "server", &error);
  auto other = Certificate::Generate(KeyType::kEcdsaP256, 30, "other", &error);
  auto rsa = Certificate::Generate(KeyType::kRsa2048, 30, "rsa", &error);
  CHECK(c && s && other && rsa);
  if (!c || !s || !other || !rsa) return 1;
  TestHandshake(*c, *s, 1200);
  TestHandshake(*rsa, *s, 500);
  TestMismatch(*c, *s, *other);
  TestClientPause(*c, *s);
  TestServerRefusesUnknown(*c, *s);
  TestNoise(*c, *s);
  TestBioTypeNumbersNotConsumed(*c);
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
  std::printf("ok (%d failures)\n", failures);
  return failures == 0 ? 0 : 1;
}
