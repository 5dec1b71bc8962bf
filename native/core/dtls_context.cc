// SPDX-License-Identifier: MIT
#include "core/dtls_context.h"

#include <openssl/srtp.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/dtls_endpoint.h"

namespace dtlssrtp::core {
namespace {

// DTLS 1.2 with ECDHE and AEAD only (RFC 8827 §6.5 / RFC 7525); ChaCha20 is
// kept where this OpenSSL has it.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256";

}  // namespace

std::shared_ptr<const DtlsContext> DtlsContext::Create(X509* certificate, EVP_PKEY* private_key,
                                                       const std::string& srtp_profiles, std::string* message,
                                                       std::vector<std::string>* openssl_errors) {
  ErrorScope scope;
  std::shared_ptr<DtlsContext> context(new DtlsContext());
  if (!context->Init(certificate, private_key, srtp_profiles, message)) {
    *openssl_errors = DrainErrors();
    return nullptr;
  }
  return context;
}

// Everything here is the same for every session of this certificate; what
// differs per session (role, MTU, timer and info callbacks, the cookie
// exchange option, the endpoint the callbacks find) is set on the SSL by
// DtlsEndpoint::Init. The callbacks registered here find their endpoint
// through the SSL, never through an argument fixed on the context.
bool DtlsContext::Init(X509* certificate, EVP_PKEY* private_key, const std::string& srtp_profiles,
                       std::string* message) {
  if (certificate == nullptr || private_key == nullptr) {
    *message = "A certificate and its private key are required";
    return false;
  }
  ctx_.reset(SSL_CTX_new(DTLS_method()));
  if (!ctx_) {
    *message = "Could not create the DTLS context";
    return false;
  }
  SSL_CTX* ctx = ctx_.get();
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    *message = "Could not restrict the context to DTLS 1.2";
    return false;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_max_cert_list(ctx, static_cast<long>(kMaxHandshakeMessage));
  if (SSL_CTX_set_cipher_list(ctx, kCipherList) != 1) {
    *message = "Could not set the cipher suites";
    return false;
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    *message = "Could not set the key-exchange groups";
    return false;
  }
  // Returns 0 on success (sic).
  if (srtp_profiles.empty() || SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles.c_str()) != 0) {
    *message = "Could not set the SRTP protection profiles";
    return false;
  }
  if (SSL_CTX_use_certificate(ctx, certificate) != 1 || SSL_CTX_use_PrivateKey(ctx, private_key) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    *message = "Could not use the certificate and private key";
    return false;
  }
  // A peer certificate is required in both roles; whether it is acceptable is
  // decided by the fingerprint check alone (self-signed by design, RFC 8827).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &DtlsEndpoint::CertVerify, nullptr);
  // Used only by sessions with SSL_OP_COOKIE_EXCHANGE (set per SSL); each
  // endpoint has its own secret.
  SSL_CTX_set_cookie_generate_cb(ctx, &DtlsEndpoint::CookieGenerate);
  SSL_CTX_set_cookie_verify_cb(ctx, &DtlsEndpoint::CookieVerify);
  // No key-log callback yet: EnableKeylog() registers it when first needed.
  return true;
}

void DtlsContext::EnableKeylog() const {
  // Keeps nothing unless the session's endpoint enabled its key log.
  SSL_CTX_set_keylog_callback(ctx_.get(), &DtlsEndpoint::KeylogCallback);
}

bool DtlsContext::keylog_enabled() const { return SSL_CTX_get_keylog_callback(ctx_.get()) != nullptr; }

std::shared_ptr<const DtlsContext> DtlsContextCache::Acquire(X509* certificate, EVP_PKEY* private_key,
                                                             const std::string& srtp_profiles,
                                                             std::string* message,
                                                             std::vector<std::string>* openssl_errors,
                                                             bool* created) {
  if (created != nullptr) *created = false;
  Key key(certificate, private_key, srtp_profiles);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    std::shared_ptr<const DtlsContext> live = found->second.lock();
    if (live) return live;
  }
  std::shared_ptr<const DtlsContext> context =
      DtlsContext::Create(certificate, private_key, srtp_profiles, message, openssl_errors);
  if (!context) return nullptr;
  ++created_;
  if (created != nullptr) *created = true;
  if (found != entries_.end()) {
    found->second = context;
    return context;
  }
  if (entries_.size() >= sweep_at_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expired() ? entries_.erase(it) : std::next(it);
    }
    sweep_at_ = std::max(kMinSweep, 2 * entries_.size());
  }
  entries_.emplace(std::move(key), context);
  return context;
}

size_t DtlsContextCache::live() const {
  size_t n = 0;
  for (const auto& entry : entries_) n += entry.second.expired() ? 0 : 1;
  return n;
}

size_t DtlsContextCache::keylog_live() const {
  size_t n = 0;
  for (const auto& entry : entries_) {
    const std::shared_ptr<const DtlsContext> context = entry.second.lock();
    n += context && context->keylog_enabled() ? 1 : 0;
  }
  return n;
}

}  // namespace dtlssrtp::core
