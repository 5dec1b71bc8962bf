// SPDX-License-Identifier: MIT
#include "core/certificate.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstring>
#include <ctime>

namespace dtlssrtp::core {
namespace {

constexpr long kBackdateSeconds = 24 * 60 * 60;

void Fail(CertificateError* error, CertificateFailure failure, const char* message) {
  error->failure = failure;
  error->message = message;
  error->openssl_errors = DrainErrors();
}

// OpenSSL would otherwise prompt on the terminal for an encrypted key.
int NoPassword(char*, int, int, void*) { return 0; }

template <typename String>
bool ReadBio(BIO* bio, String* out) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) return false;
  out->reserve(static_cast<size_t>(length));  // one allocation: no stale copy from growing
  out->assign(data, static_cast<size_t>(length));
  return true;
}

// A read-only memory BIO over `text` (no copy; OpenSSL never writes to it).
BioPtr ReadOnlyBio(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT32_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

}  // namespace

std::unique_ptr<Certificate> Certificate::Generate(KeyType type, uint32_t validity_days,
                                                   const std::string& common_name, CertificateError* error) {
  ErrorScope scope;
  EvpPkeyPtr key(type == KeyType::kEcdsaP256
                     ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) {
    Fail(error, CertificateFailure::kGenerate, "Key generation failed");
    return nullptr;
  }
  X509Ptr x509(X509_new());
  BignumPtr serial(BN_new());
  if (!x509 || !serial) {
    Fail(error, CertificateFailure::kGenerate, "Out of memory");
    return nullptr;
  }
  // 63 random bits: a positive INTEGER of at most 8 octets (RFC 5280 §4.1.2.2).
  if (X509_set_version(x509.get(), 2) != 1 ||
      BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x509.get())) == nullptr) {
    Fail(error, CertificateFailure::kGenerate, "Could not set the certificate serial");
    return nullptr;
  }
  if (X509_gmtime_adj(X509_getm_notBefore(x509.get()), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(x509.get()), static_cast<int>(validity_days), 0, nullptr) ==
          nullptr) {
    Fail(error, CertificateFailure::kGenerate, "Could not set the certificate validity");
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(x509.get());
  if (name == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1 ||
      X509_set_issuer_name(x509.get(), name) != 1 || X509_set_pubkey(x509.get(), key.get()) != 1) {
    Fail(error, CertificateFailure::kGenerate, "Could not set the certificate name or key");
    return nullptr;
  }
  if (X509_sign(x509.get(), key.get(), EVP_sha256()) <= 0) {
    Fail(error, CertificateFailure::kGenerate, "Could not sign the certificate");
    return nullptr;
  }
  return std::unique_ptr<Certificate>(new Certificate(std::move(key), std::move(x509)));
}

std::unique_ptr<Certificate> Certificate::FromPem(std::string_view cert_pem, std::string_view key_pem,
                                                  CertificateError* error) {
  ErrorScope scope;
  BioPtr cert_bio = ReadOnlyBio(cert_pem);
  BioPtr key_bio = ReadOnlyBio(key_pem);
  if (!cert_bio || !key_bio) {
    Fail(error, CertificateFailure::kParse, "Out of memory");
    return nullptr;
  }
  X509Ptr x509(PEM_read_bio_X509(cert_bio.get(), nullptr, NoPassword, nullptr));
  if (!x509) {
    Fail(error, CertificateFailure::kParse, "Expected a PEM certificate");
    return nullptr;
  }
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr));
  if (!key) {
    Fail(error, CertificateFailure::kParse, "Expected an unencrypted PEM private key");
    return nullptr;
  }
  const int base = EVP_PKEY_get_base_id(key.get());
  bool supported = false;
  if (base == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t group_length = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &group_length) == 1) {
      supported = std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "secp384r1") == 0;
    }
  } else if (base == EVP_PKEY_RSA) {
    supported = EVP_PKEY_get_bits(key.get()) >= 2048;
  }
  if (!supported) {
    Fail(error, CertificateFailure::kUnsupportedAlgorithm,
         "Expected an ECDSA P-256/P-384 or RSA (at least 2048 bits) key");
    return nullptr;
  }
  if (X509_check_private_key(x509.get(), key.get()) != 1) {
    Fail(error, CertificateFailure::kParse, "The private key does not match the certificate");
    return nullptr;
  }
  return std::unique_ptr<Certificate>(new Certificate(std::move(key), std::move(x509)));
}

bool Certificate::CertificatePem(std::string* out) const {
  ErrorScope scope;
  BioPtr bio(BIO_new(BIO_s_mem()));
  return bio && PEM_write_bio_X509(bio.get(), x509_.get()) == 1 && ReadBio(bio.get(), out);
}

bool Certificate::PrivateKeyPem(SecureString* out) const {
  ErrorScope scope;
  // BIO_s_secmem: a memory BIO whose buffer OpenSSL clears whenever it
  // grows or is freed (and takes from the secure heap if the application
  // set one up), so the PEM leaves no copy behind in OpenSSL's memory.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  return bio && PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
         ReadBio(bio.get(), &out->text());
}

bool Certificate::Der(std::vector<uint8_t>* out) const {
  ErrorScope scope;
  const int length = i2d_X509(x509_.get(), nullptr);
  if (length <= 0) return false;
  out->resize(static_cast<size_t>(length));
  unsigned char* cursor = out->data();
  if (i2d_X509(x509_.get(), &cursor) != length) {
    out->clear();
    return false;
  }
  return true;
}

bool Certificate::NotAfter(int64_t* seconds) const {
  ErrorScope scope;
  struct tm tm_value;
  std::memset(&tm_value, 0, sizeof tm_value);
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x509_.get()), &tm_value) != 1) return false;
  *seconds = static_cast<int64_t>(timegm(&tm_value));
  return true;
}

}  // namespace dtlssrtp::core
