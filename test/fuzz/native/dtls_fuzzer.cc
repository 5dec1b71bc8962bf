// SPDX-License-Identifier: MIT
// libFuzzer target: core::DtlsEndpoint fed hostile datagrams in both roles,
// during the handshake and after it.
//
// Every input builds two endpoints, the target and a real peer (verifiers
// accept; certificates are made once per process), and starts both. Byte 0:
//   bit 0     the target is the DTLS server (else the client)
//   bit 1     complete a real handshake first ("after"), else begin at once
//   bit 2     the server sends a HelloVerifyRequest (cookies)
//   bit 3     small MTU (300): fragmented handshake messages
//   bits 4-5  use_srtp lists: 0 both "AEAD_AES_128_GCM:AES128_CM_SHA1_80";
//             1 both all four profiles; 2 no profile in common; 3 the peer
//             offers AEAD_AES_256_GCM only
// The rest is a program of operations (op = byte % 11):
//   0 raw datagram (u16 big-endian length, bytes) to the target
//   1 deliver the peer's next datagram to the target
//   2 deliver everything the target wrote to the peer
//   3 the peer's next datagram with one byte changed (u16 offset, u8 xor)
//   4 the peer's next datagram cut to u16 length
//   5 HandleTimeout on both
//   6 the peer sends application data (u8 length, bytes)
//   7 the peer closes (close_notify)
//   8 re-deliver the peer's datagram number u8 (of all it ever wrote)
//   9 the target sends application data (u8 length, bytes)
//  10 the target closes
// A fresh pair per input keeps inputs reproducible: an association cannot be
// snapshotted, and one kept across inputs would carry state (replay window,
// sequence numbers, a fatal alert) from one input into the next.
// Invariants checked (abort = finding): no keying material, peer certificate
// or application data before the peer certificate was verified; application
// data the target returns is exactly what the peer sent.
// Each datagram is passed in an exact-size heap block, so an overread is an
// AddressSanitizer report.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/certificate.h"
#include "core/dtls_context.h"
#include "core/dtls_endpoint.h"

using dtlssrtp::core::Certificate;
using dtlssrtp::core::CertificateError;
using dtlssrtp::core::DtlsConfig;
using dtlssrtp::core::DtlsEndpoint;
using dtlssrtp::core::DtlsStatus;
using dtlssrtp::core::KeyType;
using dtlssrtp::core::Verifier;
using dtlssrtp::core::VerifyVerdict;

namespace {

using Datagram = std::vector<uint8_t>;

// Made once per process (key generation dominates otherwise).
struct Identities {
  std::unique_ptr<Certificate> client;
  std::unique_ptr<Certificate> server;
  // Shared by every endpoint of the process, as one Node env shares them.
  dtlssrtp::core::DtlsContextCache contexts;
};

Identities* identities = nullptr;

const char* const kProfileLists[4][2] = {
    // {target's list, peer's list}
    {"SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"},
    {"SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32",
     "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"},
    {"SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM"},
    {"SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_256_GCM"},
};

std::unique_ptr<DtlsEndpoint> Make(bool server, bool cookies, size_t mtu, const char* profiles) {
  const Certificate& cert = server ? *identities->server : *identities->client;
  DtlsConfig config;
  config.is_server = server;
  config.mtu = mtu;
  config.server_cookies = server && cookies;
  std::string message;
  std::vector<std::string> errors;
  config.context = identities->contexts.Acquire(cert.x509(), cert.key(), profiles, &message, &errors);
  if (config.context == nullptr) std::abort();
  auto endpoint = DtlsEndpoint::Create(config, &message, &errors);
  if (endpoint == nullptr) std::abort();  // valid configuration: must not fail
  return endpoint;
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return size_ == 0; }
  uint8_t Byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  uint16_t U16() {
    const uint16_t high = Byte();
    return static_cast<uint16_t>(high << 8 | Byte());
  }
  // Up to `length` bytes (fewer at the end of the input).
  Datagram Bytes(size_t length) {
    if (length > size_) length = size_;
    Datagram out(data_, data_ + length);
    data_ += length;
    size_ -= length;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

struct Harness {
  std::unique_ptr<DtlsEndpoint> target;
  std::unique_ptr<DtlsEndpoint> peer;
  Verifier accept = [](const uint8_t*, size_t) { return VerifyVerdict::kAccept; };
  std::deque<Datagram> from_peer;    // written by the peer, not yet delivered
  std::deque<Datagram> from_target;  // written by the target, not yet delivered
  std::vector<Datagram> peer_log;    // everything the peer ever wrote
  std::set<Datagram> peer_sent;      // application data the peer sent
  bool target_gate_checked = false;

  void Collect() {
    for (auto& d : peer->TakeDatagrams()) {
      if (peer_log.size() < 256) peer_log.push_back(d);
      from_peer.push_back(std::move(d));
    }
    for (auto& d : target->TakeDatagrams()) from_target.push_back(std::move(d));
    // The peer's received data is not under test; drop it.
    peer->TakeAppData();
    CheckTarget();
  }

  void ToTarget(const Datagram& d) {
    std::unique_ptr<uint8_t[]> block(new uint8_t[d.empty() ? 1 : d.size()]);
    if (!d.empty()) std::memcpy(block.get(), d.data(), d.size());
    target->Receive(block.get(), d.size(), accept);
    Collect();
  }

  void DeliverTargetToPeer() {
    while (!from_target.empty()) {
      Datagram d = std::move(from_target.front());
      from_target.pop_front();
      peer->Receive(d.data(), d.size(), accept);
    }
    Collect();
  }

  bool NextFromPeer(Datagram* d) {
    if (from_peer.empty()) return false;
    *d = std::move(from_peer.front());
    from_peer.pop_front();
    return true;
  }

  // The security invariant, checked after every step.
  void CheckTarget() {
    std::vector<uint8_t> out;
    if (!target->verified()) {
      if (target->ExportKeyingMaterial("EXTRACTOR-dtls_srtp", 60, &out)) std::abort();
      if (target->PeerCertificateDer(&out)) std::abort();
    }
    for (auto& data : target->TakeAppData()) {
      if (!target->verified()) std::abort();
      if (peer_sent.count(data) == 0) std::abort();  // data the peer never sent
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  identities = new Identities();
  CertificateError error;
  identities->client = Certificate::Generate(KeyType::kEcdsaP256, 30, "fuzz-client", &error);
  identities->server = Certificate::Generate(KeyType::kEcdsaP256, 30, "fuzz-server", &error);
  if (identities->client == nullptr || identities->server == nullptr) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 65536) return 0;
  Reader in(data, size);
  const uint8_t selector = in.Byte();
  const bool target_is_server = (selector & 1) != 0;
  const bool after = (selector & 2) != 0;
  const bool cookies = (selector & 4) != 0;
  const size_t mtu = (selector & 8) != 0 ? 300 : 1200;
  const char* const* lists = kProfileLists[(selector >> 4) & 3];

  Harness h;
  h.target = Make(target_is_server, cookies, mtu, lists[0]);
  h.peer = Make(!target_is_server, cookies, mtu, lists[1]);
  // The server first, so that the client's hello finds it listening.
  if (target_is_server) {
    h.target->Start(h.accept);
    h.peer->Start(h.accept);
  } else {
    h.peer->Start(h.accept);
    h.target->Start(h.accept);
  }
  h.Collect();

  if (after) {
    for (int round = 0; round < 32 && (!h.from_peer.empty() || !h.from_target.empty()); ++round) {
      Datagram d;
      while (h.NextFromPeer(&d)) h.ToTarget(d);
      h.DeliverTargetToPeer();
    }
    // Without a common SRTP profile the handshake fails by design.
    const bool connected = h.target->status() == DtlsStatus::kConnected;
    if (((selector >> 4) & 3) != 2 && !connected) std::abort();
  }

  while (!in.empty()) {
    Datagram d;
    switch (in.Byte() % 11) {
      case 0:
        d = in.Bytes(in.U16());
        h.ToTarget(d);
        break;
      case 1:
        if (h.NextFromPeer(&d)) h.ToTarget(d);
        break;
      case 2:
        h.DeliverTargetToPeer();
        break;
      case 3: {
        const uint16_t offset = in.U16();
        const uint8_t x = in.Byte();
        if (h.NextFromPeer(&d)) {
          if (!d.empty()) d[offset % d.size()] ^= x;
          h.ToTarget(d);
        }
        break;
      }
      case 4: {
        const uint16_t length = in.U16();
        if (h.NextFromPeer(&d)) {
          if (length < d.size()) d.resize(length);
          h.ToTarget(d);
        }
        break;
      }
      case 5:
        h.target->HandleTimeout(h.accept);
        h.peer->HandleTimeout(h.accept);
        h.Collect();
        break;
      case 6: {
        d = in.Bytes(in.Byte());
        if (h.peer->Send(d.data(), d.size()) == DtlsEndpoint::SendResult::kSent) h.peer_sent.insert(d);
        h.Collect();
        break;
      }
      case 7:
        h.peer->Close();
        h.Collect();
        break;
      case 8: {
        const uint8_t index = in.Byte();
        if (!h.peer_log.empty()) h.ToTarget(h.peer_log[index % h.peer_log.size()]);
        break;
      }
      case 9:
        d = in.Bytes(in.Byte());
        h.target->Send(d.data(), d.size());
        h.Collect();
        break;
      default:
        h.target->Close();
        h.Collect();
        break;
    }
  }

  // Whatever state the target ended in, its queries must be safe.
  h.target->NextTimeoutMs();
  h.target->AwaitingClientFlight();
  h.target->MaxDataSize();
  h.target->SrtpProfileId();
  h.target->CipherSuite();
  std::vector<uint8_t> local, remote;
  if (h.target->ExportSrtpKeys(16, 14, &local, &remote) && !h.target->verified()) std::abort();
  h.CheckTarget();
  return 0;
}
