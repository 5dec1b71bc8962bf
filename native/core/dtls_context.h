// SPDX-License-Identifier: MIT
#pragma once

// The OpenSSL context (SSL_CTX) that DTLS endpoints share: one per
// (certificate and key, SRTP profile list). Everything else an endpoint
// needs (role, MTU, timers, cookies, the verify decision) is per SSL, so the
// role and the cookie mode are deliberately not part of the key: a client and
// a server transport with the same certificate share one context.
// Plain C++17 over OpenSSL; no Node-API.
//
// Ownership: a DtlsContext owns its SSL_CTX, which holds its own references
// to the certificate and key, so the caller's Certificate may go first. Each
// endpoint keeps the context alive (std::shared_ptr); it is freed with its
// last endpoint. A DtlsContextCache only observes contexts (weak
// references), so it never keeps one alive and may go before or after them.
// Immutable after Create(): endpoints only call SSL_new() with it, and every
// per-session setting goes on the SSL.
// Thread: a context and its cache belong to the thread that made them (one
// cache per Node environment, i.e. per worker); contexts never cross threads.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/ossl.h"

namespace dtlssrtp::core {

// Largest plaintext handshake message a peer may declare (see the
// pre-filter in dtls_endpoint.cc); also the context's max_cert_list.
constexpr uint32_t kMaxHandshakeMessage = 8 * 1024;

class DtlsContext {
 public:
  // `srtp_profiles`: OpenSSL use_srtp names in preference order, e.g.
  // "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80". nullptr on failure, with
  // the reason in *message and *openssl_errors.
  static std::shared_ptr<const DtlsContext> Create(X509* certificate, EVP_PKEY* private_key,
                                                   const std::string& srtp_profiles, std::string* message,
                                                   std::vector<std::string>* openssl_errors);
  ~DtlsContext() = default;
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;

  // For SSL_new() only (which takes its own reference); never reconfigured,
  // except by EnableKeylog().
  SSL_CTX* ssl_ctx() const { return ctx_.get(); }

  // Registers the key-log callback, from the first endpoint that asks for its
  // key log on (it stays). Not before: with a callback registered, OpenSSL
  // formats a line per secret (hex, a sprintf per byte) for every session of
  // the context, whether any endpoint keeps it or not. The context belongs
  // to one thread (one env), like its sessions.
  void EnableKeylog() const;
  // Whether EnableKeylog() was called (for tests).
  bool keylog_enabled() const;

 private:
  DtlsContext() = default;
  bool Init(X509* certificate, EVP_PKEY* private_key, const std::string& srtp_profiles, std::string* message);

  // Allocated by this.
  SslCtxPtr ctx_;
};

// Finds the live context for (certificate, key, SRTP profiles) or makes one.
// Its users keep it alive: the endpoints, and whatever else the caller makes
// hold it (the binding lets the certificate's JS object hold it, so that
// sessions made one after another reuse it).
// Certificate identity is the X509 and EVP_PKEY objects themselves: while a
// context lives, its SSL_CTX holds references to both, so no other
// certificate can be at those addresses; an entry whose context died is
// replaced. Dead entries are swept when the map doubles, so a transport per
// peer with a fresh certificate each keeps at most about twice the live
// contexts in entries.
class DtlsContextCache {
 public:
  // *created (optional) says whether this call made the context.
  std::shared_ptr<const DtlsContext> Acquire(X509* certificate, EVP_PKEY* private_key,
                                             const std::string& srtp_profiles, std::string* message,
                                             std::vector<std::string>* openssl_errors,
                                             bool* created = nullptr);
  // Entries whose context is alive.
  size_t live() const;
  // Live contexts with the key-log callback registered (for tests).
  size_t keylog_live() const;
  // Entries held, dead ones included (bounded; for tests).
  size_t entries() const { return entries_.size(); }
  // Contexts this cache has made in all (for tests).
  uint64_t created() const { return created_; }

 private:
  using Key = std::tuple<const X509*, const EVP_PKEY*, std::string>;
  static constexpr size_t kMinSweep = 16;

  // Others.
  std::map<Key, std::weak_ptr<const DtlsContext>> entries_;
  size_t sweep_at_ = kMinSweep;
  uint64_t created_ = 0;
};

}  // namespace dtlssrtp::core
