// SPDX-License-Identifier: MIT
#include "core/dtls_record.h"

#include <openssl/obj_mac.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace dtlssrtp::core {
namespace {

constexpr uint8_t kVersionMajor = 0xfe;  // DTLS 1.2 on the wire: {254, 253}
constexpr uint8_t kVersionMinor = 0xfd;
constexpr size_t kNonceLength = 12;

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

struct Piece {
  const void* data;
  size_t length;
};

// HMAC (RFC 2104) with the key's inner and outer pads hashed once, so that
// each MAC is two context copies and two finals over the same digest.
class Hmac {
 public:
  // False if OpenSSL fails or the key is longer than the digest's block (the
  // only key here is a 48-byte master secret: SHA-256 and SHA-384 blocks
  // are 64 and 128 bytes).
  bool Init(const EVP_MD* digest, const uint8_t* key, size_t key_length) {
    const int block = EVP_MD_get_block_size(digest);
    size_ = EVP_MD_get_size(digest);
    if (block <= 0 || block > kMaxBlock || size_ <= 0 || size_ > kMaxSize || key_length > static_cast<size_t>(block)) {
      return false;
    }
    inner_.reset(EVP_MD_CTX_new());
    outer_.reset(EVP_MD_CTX_new());
    work_.reset(EVP_MD_CTX_new());
    if (!inner_ || !outer_ || !work_) return false;
    uint8_t pad[kMaxBlock];
    bool ok = true;
    for (const auto& [ctx, byte] : {std::pair{inner_.get(), uint8_t{0x36}}, std::pair{outer_.get(), uint8_t{0x5c}}}) {
      std::memset(pad, byte, static_cast<size_t>(block));
      for (size_t i = 0; i < key_length; ++i) pad[i] ^= key[i];
      ok = ok && EVP_DigestInit_ex(ctx, digest, nullptr) == 1 && EVP_DigestUpdate(ctx, pad, static_cast<size_t>(block)) == 1;
    }
    OPENSSL_cleanse(pad, sizeof pad);
    return ok;
  }
  size_t size() const { return static_cast<size_t>(size_); }
  // mac = HMAC(key, a || b); `mac` holds size() bytes and may alias `a`.
  bool Mac(Piece a, Piece b, uint8_t* mac) {
    uint8_t inner[kMaxSize];
    unsigned int n = 0;
    const bool ok = EVP_MD_CTX_copy_ex(work_.get(), inner_.get()) == 1 &&
                    EVP_DigestUpdate(work_.get(), a.data, a.length) == 1 &&
                    (b.length == 0 || EVP_DigestUpdate(work_.get(), b.data, b.length) == 1) &&
                    EVP_DigestFinal_ex(work_.get(), inner, &n) == 1 && n == size() &&
                    EVP_MD_CTX_copy_ex(work_.get(), outer_.get()) == 1 &&
                    EVP_DigestUpdate(work_.get(), inner, n) == 1 && EVP_DigestFinal_ex(work_.get(), mac, &n) == 1 &&
                    n == size();
    OPENSSL_cleanse(inner, sizeof inner);
    return ok;
  }
  // The copies hold key-derived state: wiped by EVP_MD_CTX_free (OpenSSL
  // clears digest contexts when it frees them).

 private:
  static constexpr int kMaxBlock = 128;
  static constexpr int kMaxSize = 64;
  EvpMdCtxPtr inner_;
  EvpMdCtxPtr outer_;
  EvpMdCtxPtr work_;
  int size_ = 0;
};

// The TLS 1.2 PRF (RFC 5246 §5) with `digest`: P_hash(secret, seed), where
// seed is the pieces in order (a label and the randoms: at most 320 bytes,
// with the binding's 256-byte limit on exporter labels):
// A(0) = seed, A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) || seed)...
// Written on EVP digests rather than OpenSSL's TLS1-PRF KDF, which costs
// about 61,000 instructions per 40-byte derive through its provider layers.
bool Prf(const EVP_MD* digest, const uint8_t* secret, size_t secret_length, std::initializer_list<Piece> pieces,
         uint8_t* out, size_t length) {
  uint8_t seed[512];
  size_t seed_length = 0;
  for (const Piece& piece : pieces) {
    if (piece.length > sizeof seed - seed_length) return false;
    std::memcpy(seed + seed_length, piece.data, piece.length);
    seed_length += piece.length;
  }
  Hmac hmac;
  if (!hmac.Init(digest, secret, secret_length)) return false;
  uint8_t a[64];
  uint8_t chunk[64];
  bool ok = hmac.Mac({seed, seed_length}, {nullptr, 0}, a);  // A(1)
  for (size_t done = 0; ok && done < length;) {
    ok = hmac.Mac({a, hmac.size()}, {seed, seed_length}, chunk);
    const size_t n = std::min(hmac.size(), length - done);
    if (ok) std::memcpy(out + done, chunk, n);
    done += n;
    if (ok && done < length) ok = hmac.Mac({a, hmac.size()}, {nullptr, 0}, a);  // A(i+1)
  }
  OPENSSL_cleanse(a, sizeof a);
  OPENSSL_cleanse(chunk, sizeof chunk);
  if (!ok) OPENSSL_cleanse(out, length);
  return ok;
}

void Put48(uint8_t* p, uint64_t value) {
  for (int i = 5; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

uint64_t Get48(const uint8_t* p) {
  uint64_t value = 0;
  for (int i = 0; i < 6; ++i) value = (value << 8) | p[i];
  return value;
}

// RFC 5246 §6.2.3.3: seq_num (epoch || sequence) || type || version || plaintext length.
void AdditionalData(const uint8_t* header, size_t plaintext_length, uint8_t* aad) {
  std::memcpy(aad, header + 3, 8);
  aad[8] = header[0];
  aad[9] = kVersionMajor;
  aad[10] = kVersionMinor;
  aad[11] = static_cast<uint8_t>(plaintext_length >> 8);
  aad[12] = static_cast<uint8_t>(plaintext_length);
}

}  // namespace

// ---- Replay window ----

bool ReplayWindow::Fresh(uint64_t sequence) const {
  if (std::find(assumed_.begin(), assumed_.end(), sequence) != assumed_.end()) return false;
  if (!any_ || sequence > highest_) return true;
  const uint64_t age = highest_ - sequence;
  return age < kSize && (bits_ & (uint64_t{1} << age)) == 0;
}

void ReplayWindow::Accept(uint64_t sequence) {
  if (!any_) {
    any_ = true;
    highest_ = sequence;
    bits_ = 1;
  } else if (sequence > highest_) {
    const uint64_t shift = sequence - highest_;
    bits_ = shift >= kSize ? 1 : (bits_ << shift) | 1;
    highest_ = sequence;
  } else {
    bits_ |= uint64_t{1} << (highest_ - sequence);
  }
  // Assumed numbers the window now rejects by age need no entry any more.
  if (!assumed_.empty() && highest_ >= kSize) {
    const uint64_t floor = highest_ - kSize + 1;
    assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(), [floor](uint64_t s) { return s < floor; }),
                   assumed_.end());
  }
}

// ---- Record layer ----

std::unique_ptr<DtlsRecordLayer> DtlsRecordLayer::FromHandshake(SSL* ssl, bool is_server,
                                                                uint64_t next_write_sequence) {
  std::unique_ptr<DtlsRecordLayer> layer(new DtlsRecordLayer());
  layer->next_write_ = next_write_sequence;
  layer->is_server_ = is_server;
  if (!layer->Init(ssl)) return nullptr;
  return layer;
}

DtlsRecordLayer::~DtlsRecordLayer() {
  OPENSSL_cleanse(write_iv_, sizeof write_iv_);
  OPENSSL_cleanse(read_iv_, sizeof read_iv_);
  OPENSSL_cleanse(master_, sizeof master_);
}

bool DtlsRecordLayer::Init(SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const SSL_SESSION* session = SSL_get_session(ssl);
  if (cipher == nullptr || session == nullptr) return false;
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
      aead_ = EVP_aes_128_gcm();
      key_length_ = 16;
      fixed_iv_length_ = 4;
      explicit_nonce_length_ = 8;
      break;
    case NID_aes_256_gcm:
      aead_ = EVP_aes_256_gcm();
      key_length_ = 32;
      fixed_iv_length_ = 4;
      explicit_nonce_length_ = 8;
      break;
    case NID_chacha20_poly1305:
      aead_ = EVP_chacha20_poly1305();
      key_length_ = 32;
      fixed_iv_length_ = 12;
      explicit_nonce_length_ = 0;
      break;
    default:
      return false;  // not a suite the DTLS context offers
  }
  prf_digest_ = SSL_CIPHER_get_handshake_digest(cipher);
  if (aead_ == nullptr || prf_digest_ == nullptr) return false;
  master_length_ = SSL_SESSION_get_master_key(session, master_, sizeof master_);
  if (master_length_ != sizeof master_) return false;
  return SSL_get_client_random(ssl, client_random_, kRandomLength) == kRandomLength &&
         SSL_get_server_random(ssl, server_random_, kRandomLength) == kRandomLength;
}

bool DtlsRecordLayer::EnsureKeys() {
  if (write_ && read_) return true;
  const size_t key_length = key_length_;
  const bool is_server = is_server_;
  const EVP_CIPHER* aead = aead_;
  // RFC 5246 §6.3, AEAD (no MAC keys): client_write_key | server_write_key |
  // client_write_IV | server_write_IV.
  uint8_t block[2 * 32 + 2 * 12];
  const size_t block_length = 2 * key_length + 2 * fixed_iv_length_;
  static constexpr char kLabel[] = "key expansion";
  bool ok = Prf(prf_digest_, master_, master_length_,
                {{kLabel, sizeof kLabel - 1}, {server_random_, kRandomLength}, {client_random_, kRandomLength}}, block,
                block_length);
  if (ok) {
    const uint8_t* client_key = block;
    const uint8_t* server_key = block + key_length;
    const uint8_t* client_iv = server_key + key_length;
    const uint8_t* server_iv = client_iv + fixed_iv_length_;
    std::memcpy(write_iv_, is_server ? server_iv : client_iv, fixed_iv_length_);
    std::memcpy(read_iv_, is_server ? client_iv : server_iv, fixed_iv_length_);
    EvpCipherCtxPtr write(EVP_CIPHER_CTX_new());
    EvpCipherCtxPtr read(EVP_CIPHER_CTX_new());
    ok = write && read &&
         EVP_CipherInit_ex(write.get(), aead, nullptr, is_server ? server_key : client_key, nullptr, 1) == 1 &&
         EVP_CipherInit_ex(read.get(), aead, nullptr, is_server ? client_key : server_key, nullptr, 0) == 1 &&
         EVP_CIPHER_CTX_get_iv_length(write.get()) == static_cast<int>(kNonceLength) &&
         EVP_CIPHER_CTX_get_iv_length(read.get()) == static_cast<int>(kNonceLength);
    if (ok) {
      write_ = std::move(write);
      read_ = std::move(read);
    }
  }
  OPENSSL_cleanse(block, sizeof block);
  return ok;
}

void DtlsRecordLayer::Nonce(const uint8_t* fixed_iv, const uint8_t* record, uint8_t* nonce) const {
  if (explicit_nonce_length_ == 8) {
    // RFC 5288 §3: salt (4) || the record's explicit nonce (8).
    std::memcpy(nonce, fixed_iv, 4);
    std::memcpy(nonce + 4, record + kHeaderLength, 8);
    return;
  }
  // RFC 7905 §2: the 64-bit epoch || sequence, left-padded, XORed into the IV.
  std::memcpy(nonce, fixed_iv, kNonceLength);
  for (size_t i = 0; i < 8; ++i) nonce[4 + i] ^= record[3 + i];
}

bool DtlsRecordLayer::Seal(uint8_t type, const uint8_t* data, size_t length, std::vector<uint8_t>* out) {
  if (!write_ || next_write_ > kMaxSequence || length > kMaxPlaintext) return false;
  const uint64_t sequence = next_write_++;
  const size_t body = explicit_nonce_length_ + length + kTagLength;
  const size_t start = out->size();
  out->resize(start + kHeaderLength + body);
  uint8_t* record = out->data() + start;
  record[0] = type;
  record[1] = kVersionMajor;
  record[2] = kVersionMinor;
  record[3] = static_cast<uint8_t>(kEpoch >> 8);
  record[4] = static_cast<uint8_t>(kEpoch);
  Put48(record + 5, sequence);
  record[11] = static_cast<uint8_t>(body >> 8);
  record[12] = static_cast<uint8_t>(body);
  // The explicit nonce is the record's own epoch || sequence, unique per key.
  if (explicit_nonce_length_ == 8) std::memcpy(record + kHeaderLength, record + 3, 8);
  uint8_t aad[13];
  AdditionalData(record, length, aad);
  uint8_t nonce[kNonceLength];
  Nonce(write_iv_, record, nonce);
  uint8_t* ciphertext = record + kHeaderLength + explicit_nonce_length_;
  int n = 0;
  int tail = 0;
  const bool ok = EVP_CipherInit_ex(write_.get(), nullptr, nullptr, nullptr, nonce, 1) == 1 &&
                  EVP_CipherUpdate(write_.get(), nullptr, &n, aad, sizeof aad) == 1 &&
                  (length == 0 || (EVP_CipherUpdate(write_.get(), ciphertext, &n, data, static_cast<int>(length)) == 1 &&
                                   n == static_cast<int>(length))) &&
                  EVP_CipherFinal_ex(write_.get(), ciphertext + length, &tail) == 1 && tail == 0 &&
                  EVP_CIPHER_CTX_ctrl(write_.get(), EVP_CTRL_AEAD_GET_TAG, kTagLength, ciphertext + length) == 1;
  OPENSSL_cleanse(nonce, sizeof nonce);
  if (!ok) out->resize(start);
  return ok;
}

DtlsRecordLayer::Unsealed DtlsRecordLayer::Unseal(const uint8_t* record, size_t length, uint8_t* type,
                                                  std::vector<uint8_t>* plaintext) {
  if (length < kHeaderLength) return Unsealed::kMalformed;
  const uint16_t epoch = static_cast<uint16_t>((record[3] << 8) | record[4]);
  if (epoch != kEpoch) return Unsealed::kOtherEpoch;
  const size_t body = (static_cast<size_t>(record[11]) << 8) | record[12];
  if (record[1] != kVersionMajor || record[2] != kVersionMinor || body != length - kHeaderLength ||
      body < min_body() || body - min_body() > kMaxPlaintext) {
    return Unsealed::kMalformed;
  }
  const uint64_t sequence = Get48(record + 5);
  if (!window_.Fresh(sequence)) return Unsealed::kReplayed;
  if (!read_) return Unsealed::kUnauthenticated;
  const size_t plaintext_length = body - min_body();
  uint8_t aad[13];
  AdditionalData(record, plaintext_length, aad);
  uint8_t nonce[kNonceLength];
  Nonce(read_iv_, record, nonce);
  const uint8_t* ciphertext = record + kHeaderLength + explicit_nonce_length_;
  std::vector<uint8_t> out(plaintext_length);
  int n = 0;
  int tail = 0;
  const bool ok =
      EVP_CipherInit_ex(read_.get(), nullptr, nullptr, nullptr, nonce, 0) == 1 &&
      EVP_CipherUpdate(read_.get(), nullptr, &n, aad, sizeof aad) == 1 &&
      (plaintext_length == 0 ||
       (EVP_CipherUpdate(read_.get(), out.data(), &n, ciphertext, static_cast<int>(plaintext_length)) == 1 &&
        n == static_cast<int>(plaintext_length))) &&
      EVP_CIPHER_CTX_ctrl(read_.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength,
                          const_cast<uint8_t*>(ciphertext + plaintext_length)) == 1 &&
      EVP_CipherFinal_ex(read_.get(), out.data() + n, &tail) == 1 && tail == 0;
  OPENSSL_cleanse(nonce, sizeof nonce);
  if (!ok) {
    // The tag did not verify: what was decrypted is not the peer's and goes.
    OPENSSL_cleanse(out.data(), out.size());
    return Unsealed::kUnauthenticated;
  }
  window_.Accept(sequence);
  *type = record[0];
  OPENSSL_cleanse(plaintext->data(), plaintext->size());
  plaintext->swap(out);
  return Unsealed::kRecord;
}

bool DtlsRecordLayer::Export(const std::string& label, size_t length, uint8_t* out) const {
  // As OpenSSL's tls1_export_keying_material: label || client_random ||
  // server_random, refused when it begins with a label TLS itself uses.
  std::vector<uint8_t> seed(label.begin(), label.end());
  seed.insert(seed.end(), client_random_, client_random_ + kRandomLength);
  seed.insert(seed.end(), server_random_, server_random_ + kRandomLength);
  for (const char* reserved : {TLS_MD_CLIENT_FINISH_CONST, TLS_MD_SERVER_FINISH_CONST, TLS_MD_MASTER_SECRET_CONST,
                               TLS_MD_EXTENDED_MASTER_SECRET_CONST, TLS_MD_KEY_EXPANSION_CONST}) {
    const size_t n = std::strlen(reserved);
    if (seed.size() >= n && std::memcmp(seed.data(), reserved, n) == 0) return false;
  }
  return length > 0 && Prf(prf_digest_, master_, master_length_, {{seed.data(), seed.size()}}, out, length);
}

}  // namespace dtlssrtp::core
