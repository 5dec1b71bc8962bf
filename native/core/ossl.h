// SPDX-License-Identifier: MIT
#pragma once

// RAII owners for OpenSSL objects and the error-queue discipline every call
// into OpenSSL follows: clear before (ErrorScope), drain into strings after.
// Plain C++17 over OpenSSL; no Node-API here (usable from native unit tests).

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
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

// An allocator that wipes (OPENSSL_cleanse) every block before it returns it:
// on destruction, and on every reallocation as a container grows, so no
// stale copy of a secret is left in freed memory. `Base` does the real
// allocation (std::allocator; tests substitute one that checks the wipe).
template <typename T, typename Base = std::allocator<T>>
class CleansingAllocator {
 public:
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = CleansingAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };

  CleansingAllocator() = default;
  template <typename U, typename B>
  CleansingAllocator(const CleansingAllocator<U, B>&) noexcept {}  // NOLINT(runtime/explicit)

  T* allocate(size_t n) { return Base().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    Base().deallocate(p, n);
  }

  template <typename U, typename B>
  bool operator==(const CleansingAllocator<U, B>&) const noexcept {
    return true;
  }
  template <typename U, typename B>
  bool operator!=(const CleansingAllocator<U, B>&) const noexcept {
    return false;
  }
};

// Bytes of a secret (SRTP master key || salt, exported keying material).
using SecureBytes = std::vector<uint8_t, CleansingAllocator<uint8_t>>;

// Text of a secret (a private-key PEM). The allocator wipes heap blocks; the
// destructor also wipes the in-object small-string buffer. Reserve the
// final size before appending, so the text never lives in that small buffer
// and then moves.
class SecureString {
 public:
  using Storage = std::basic_string<char, std::char_traits<char>, CleansingAllocator<char>>;
  SecureString() = default;
  ~SecureString() { OPENSSL_cleanse(&text_[0], text_.capacity()); }
  SecureString(const SecureString&) = delete;
  SecureString& operator=(const SecureString&) = delete;

  Storage& text() { return text_; }
  const Storage& text() const { return text_; }
  const char* data() const { return text_.data(); }
  size_t size() const { return text_.size(); }

 private:
  Storage text_;
};

// Wipes a plain std::vector's whole capacity when the scope ends, for APIs
// that fill a std::vector<uint8_t>* with a secret. Reserve the final size
// first: a vector that reallocates frees its old block unwiped.
class ScopedCleanse {
 public:
  explicit ScopedCleanse(std::vector<uint8_t>* bytes) : bytes_(bytes) {}
  ~ScopedCleanse() {
    if (bytes_->capacity() > 0) OPENSSL_cleanse(bytes_->data(), bytes_->capacity());
  }
  ScopedCleanse(const ScopedCleanse&) = delete;
  ScopedCleanse& operator=(const ScopedCleanse&) = delete;

 private:
  std::vector<uint8_t>* bytes_;
};

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
