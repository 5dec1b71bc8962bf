// SPDX-License-Identifier: MIT
#pragma once

// RAII owners for OpenSSL objects and the error-queue discipline every call
// into OpenSSL follows: clear before (ErrorScope), drain into strings after.
// Plain C++17 over OpenSSL; no Node-API here (usable from native unit tests).

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace dtlssrtp::core {

struct SslDeleter {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct SslCtxDeleter {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct BioMethodDeleter {
  void operator()(BIO_METHOD* p) const { BIO_meth_free(p); }
};
struct BignumDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

using SslPtr = std::unique_ptr<SSL, SslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BioMethodPtr = std::unique_ptr<BIO_METHOD, BioMethodDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

// Removes every entry from this thread's OpenSSL error queue and returns them
// as human-readable strings ("error:0A000086:SSL routines::certificate verify failed").
inline std::vector<std::string> DrainErrors() {
  std::vector<std::string> out;
  unsigned long code;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
    out.emplace_back(buf);
  }
  return out;
}

// Clears the error queue on entry and on exit, so that a stale entry left by
// any earlier call (ours, libsrtp's, or another addon's on this thread) can
// never be mistaken for the result of the call in between. Callers that want
// the entries call DrainErrors() before the scope ends.
class ErrorScope {
 public:
  ErrorScope() { ERR_clear_error(); }
  ~ErrorScope() { ERR_clear_error(); }
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;
};

}  // namespace dtlssrtp::core
