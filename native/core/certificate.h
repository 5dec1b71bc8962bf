// SPDX-License-Identifier: MIT
#pragma once

// A DTLS identity: a private key and its self-signed X.509 certificate.
// Plain C++17 over OpenSSL; no Node-API.
//
// Ownership: a Certificate owns one EVP_PKEY and one X509. DTLS endpoints
// take their own references (SSL_CTX_use_certificate / _PrivateKey up-ref),
// so a Certificate may be dropped while endpoints built from it live on.
// Thread: immutable after construction; Generate runs on a worker thread and
// touches nothing but its arguments and the object it returns.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ossl.h"

namespace dtlssrtp::core {

enum class KeyType { kEcdsaP256, kRsa2048 };

// Why a factory failed: maps onto CertificateError codes.
enum class CertificateFailure { kNone, kParse, kUnsupportedAlgorithm, kGenerate };

struct CertificateError {
  CertificateFailure failure = CertificateFailure::kNone;
  std::string message;
  std::vector<std::string> openssl_errors;
};

class Certificate {
 public:
  // Generates a key of `type` and a self-signed certificate with a random
  // 64-bit positive serial, subject = issuer = CN=`common_name`, valid from
  // one day before now (peer clock skew) for `validity_days` days.
  static std::unique_ptr<Certificate> Generate(KeyType type, uint32_t validity_days,
                                               const std::string& common_name, CertificateError* error);

  // Parses a PEM certificate and its PEM private key (PKCS#8 or traditional,
  // unencrypted). The key must match the certificate and be P-256/P-384
  // ECDSA or RSA of at least 2048 bits. Reads both in place (no copy).
  static std::unique_ptr<Certificate> FromPem(std::string_view cert_pem, std::string_view key_pem,
                                              CertificateError* error);

  // Both return false (and leave *out empty) only on an OpenSSL failure.
  bool CertificatePem(std::string* out) const;
  // The private key as PKCS#8 PEM, into memory that is wiped when freed
  // (OpenSSL's buffer too).
  bool PrivateKeyPem(SecureString* out) const;
  bool Der(std::vector<uint8_t>* out) const;
  // notAfter as seconds since the Unix epoch; false if it cannot be read.
  bool NotAfter(int64_t* seconds) const;

  X509* x509() const { return x509_.get(); }
  EVP_PKEY* key() const { return key_.get(); }

 private:
  Certificate(EvpPkeyPtr key, X509Ptr x509) : key_(std::move(key)), x509_(std::move(x509)) {}

  // Allocated by this.
  EvpPkeyPtr key_;
  X509Ptr x509_;
};

}  // namespace dtlssrtp::core
