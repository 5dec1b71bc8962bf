// SPDX-License-Identifier: MIT
#pragma once

// DTLS 1.2 records after the handshake, without OpenSSL's SSL object.
//
// Once a handshake has completed, all a DTLS 1.2 association still does is
// protect application data and alerts under the epoch-1 keys, check the
// replay window, and (server) answer a peer that missed our last flight. An
// OpenSSL 3.0 SSL kept for that holds about 40 KiB per session for its
// life (its handshake buffer alone is 16-21 KiB and there is no public way to
// free it), which is most of what a connected transport costs. So a
// DtlsEndpoint takes the secrets of the finished handshake from its SSL
// once (FromHandshake), frees the SSL, and carries on with this: the master
// secret (for RFC 5705 exporters and the record keys), a replay window and,
// from the first record sealed or opened, two AEAD contexts - under 2 KiB.
// The record keys are derived on first use (EnsureKeys): a media-only
// association never sends a DTLS record after the handshake, so it never
// pays for them (the PRF and two AEAD key schedules, and 2 KiB per endpoint).
//
// Only the AEAD suites the DTLS context offers are covered (RFC 5288
// AES-GCM with an 8-byte explicit nonce, RFC 7905 ChaCha20-Poly1305 with the
// sequence number XORed into the IV); records are laid out as RFC 6347
// §4.1 says, with the AEAD additional data of RFC 5246 §6.2.3.3.
// Plain C++17 over OpenSSL's EVP API; no Node-API, no I/O.
//
// Ownership: owns its cipher contexts and secrets; wipes the secrets when
// destroyed. Thread: belongs to its endpoint's thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/ossl.h"

namespace dtlssrtp::core {

struct EvpCipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxDeleter>;

// RFC 6347 §4.1.2.6: the 64 most recent sequence numbers, as a bitmap below
// the highest authenticated one. Plus the numbers of records OpenSSL may have
// accepted before this layer took over (see DtlsRecordLayer::AssumeReceived):
// kept apart, so that an unauthenticated one never moves the window.
class ReplayWindow {
 public:
  bool Fresh(uint64_t sequence) const;
  // After the record authenticated.
  void Accept(uint64_t sequence);
  void AssumeReceived(uint64_t sequence) { assumed_.push_back(sequence); }

 private:
  static constexpr uint64_t kSize = 64;
  uint64_t highest_ = 0;
  uint64_t bits_ = 0;  // bit i: highest_ - i was received
  bool any_ = false;
  std::vector<uint64_t> assumed_;
};

class DtlsRecordLayer {
 public:
  // The epoch of every record after a full DTLS 1.2 handshake (we never
  // renegotiate).
  static constexpr uint16_t kEpoch = 1;
  static constexpr uint64_t kMaxSequence = (uint64_t{1} << 48) - 1;
  static constexpr size_t kHeaderLength = 13;
  static constexpr size_t kMaxPlaintext = 16384;  // 2^14, RFC 6347 §4.1 / RFC 5246 §6.2.1

  enum class Unsealed {
    kRecord,           // *type and *plaintext set
    kOtherEpoch,       // not epoch 1 (nothing checked beyond the header)
    kMalformed,        // not a well-formed epoch-1 AEAD record
    kReplayed,         // its sequence number was seen (or is older than the window)
    kUnauthenticated,  // the AEAD tag does not verify
  };

  // From a connected `ssl` (its handshake finished, the suite one of ours):
  // keeps the master secret, the randoms and the suite's parameters. `next_write_sequence`: the first epoch-1 sequence
  // number OpenSSL did not use. nullptr when the suite is not an AEAD one
  // this layer knows or OpenSSL fails (its errors are left queued).
  static std::unique_ptr<DtlsRecordLayer> FromHandshake(SSL* ssl, bool is_server, uint64_t next_write_sequence);
  ~DtlsRecordLayer();
  DtlsRecordLayer(const DtlsRecordLayer&) = delete;
  DtlsRecordLayer& operator=(const DtlsRecordLayer&) = delete;

  // Derives the epoch-1 keys (RFC 5246 §6.3) and makes the AEAD contexts,
  // once; Seal and Unseal need them. False if OpenSSL fails (its errors are
  // left queued); the caller ends the association.
  bool EnsureKeys();
  // Appends one protected record (header included) to *out. False when the
  // sequence numbers are exhausted (RFC 6347 §4.1: the association must
  // end) or OpenSSL fails; a sequence number is used up either way.
  bool Seal(uint8_t type, const uint8_t* data, size_t length, std::vector<uint8_t>* out);
  // `record`: one whole record, header included, read only during the call.
  // *plaintext is replaced (and wiped first) only on kRecord. Call
  // EnsureKeys() first (kUnauthenticated without keys).
  Unsealed Unseal(const uint8_t* record, size_t length, uint8_t* type, std::vector<uint8_t>* plaintext);
  // A record OpenSSL was handed before this layer existed: its number is
  // treated as received, without moving the window (it was not
  // authenticated here). Bounded by the caller.
  void AssumeReceived(uint64_t sequence) { window_.AssumeReceived(sequence); }

  // RFC 5705 exporter without context, as SSL_export_keying_material: the
  // labels TLS itself uses are refused. `out` must hold `length` bytes.
  bool Export(const std::string& label, size_t length, uint8_t* out) const;

  // Bytes a record adds to its plaintext (header, explicit nonce, tag).
  size_t overhead() const { return kHeaderLength + explicit_nonce_length_ + kTagLength; }
  // Shortest body a protected record can have.
  size_t min_body() const { return explicit_nonce_length_ + kTagLength; }

 private:
  // Test seam: the Node-free core test reaches the keys' users through this.
  friend class DtlsEndpointTestPeer;
  static constexpr size_t kTagLength = 16;
  static constexpr size_t kRandomLength = 32;  // SSL3_RANDOM_SIZE
  DtlsRecordLayer() = default;
  bool Init(SSL* ssl);
  // Fills `nonce` (12 bytes) for the record whose header (and, for AES-GCM,
  // explicit nonce) `record` points at.
  void Nonce(const uint8_t* fixed_iv, const uint8_t* record, uint8_t* nonce) const;

  // Allocated by this.
  EvpCipherCtxPtr write_;
  EvpCipherCtxPtr read_;

  // Others (secrets are wiped by the destructor).
  const EVP_MD* prf_digest_ = nullptr;  // OpenSSL's static legacy method: not owned
  const EVP_CIPHER* aead_ = nullptr;    // likewise
  size_t key_length_ = 0;
  bool is_server_ = false;
  size_t explicit_nonce_length_ = 0;    // 8 for AES-GCM, 0 for ChaCha20-Poly1305
  size_t fixed_iv_length_ = 0;          // 4 for AES-GCM, 12 for ChaCha20-Poly1305
  uint8_t write_iv_[12] = {};
  uint8_t read_iv_[12] = {};
  uint8_t master_[48] = {};
  size_t master_length_ = 0;
  uint8_t client_random_[kRandomLength] = {};
  uint8_t server_random_[kRandomLength] = {};
  uint64_t next_write_ = 0;
  ReplayWindow window_;
};

}  // namespace dtlssrtp::core
