// SPDX-License-Identifier: MIT
#include "core/dtls_endpoint.h"

#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace dtlssrtp::core {
namespace {

constexpr unsigned int kMaxRtoUs = 60u * 1000u * 1000u;  // RFC 6347 §4.2.4.1
// ---- Pre-filter bounds (before the handshake completes; see Inspect()) ----
// Largest plaintext handshake message accepted, declared length:
// kMaxHandshakeMessage (dtls_context.h), 8 KiB. The largest a WebRTC peer
// sends is its Certificate (one self-signed certificate: about 0.5 KB for
// ECDSA P-256, 0.8 KB for RSA-2048, 1.4 KB for RSA-4096) or a ClientHello
// with a post-quantum key share (about 1.5-2 KB); 8 KiB leaves four times
// that. Also the context's max_cert_list. (OpenSSL's own floor for DTLS
// reassembly is about 17 KiB per message, whatever max_cert_list says.)
// The declared lengths of all distinct plaintext messages (by message_seq)
// of one handshake together: a WebRTC flight sums to 2-7 KB even with
// HelloVerifyRequest and RSA-4096. OpenSSL reassembles each message in a
// buffer of its declared length plus one bit per byte, so this bounds what a
// peer can make a session hold (about 18 KiB plus bookkeeping).
constexpr size_t kHandshakeBudget = 16 * 1024;
// An epoch-0 record more than this above the highest sequence number passed
// so far is dropped. A genuine peer starts at 0 and adds one per record, so
// only a run of more lost records than this (dozens of lost flights) makes a
// genuine jump this large. Safety does not rest on this bound: OpenSSL never
// sees the peer's epoch-0 numbers (Inspect() renumbers them).
constexpr uint64_t kMaxSequenceJump = 256;
// Received-datagram scratch kept between datagrams (larger ones are freed).
constexpr size_t kKeptInputCapacity = 2048;
constexpr size_t kKeptRecordCapacity = 32;
constexpr size_t kCookieLength = 32;
constexpr const char* kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";

DtlsEndpoint* FromSsl(const SSL* ssl) { return static_cast<DtlsEndpoint*>(SSL_get_ex_data(ssl, 0)); }

uint32_t Get24(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
}

// Checks the handshake fragments of one plaintext record against the bounds
// above. `declared` (length + 1 per message_seq, 0 for none) and `total` are
// the caller's working copies: committed only if the whole datagram passes.
DropReason InspectHandshake(const uint8_t* p, size_t n, uint32_t* declared, size_t* total,
                            uint16_t max_message_seq) {
  if (n == 0) return DropReason::kMalformed;
  while (n > 0) {
    if (n < DTLS1_HM_HEADER_LENGTH) return DropReason::kMalformed;
    const uint8_t msg_type = p[0];
    const uint32_t msg_length = Get24(p + 1);
    const uint16_t message_seq = static_cast<uint16_t>((p[4] << 8) | p[5]);
    const uint32_t fragment_offset = Get24(p + 6);
    const uint32_t fragment_length = Get24(p + 9);
    // All three are below 2^24: the sum cannot wrap.
    if (fragment_length > n - DTLS1_HM_HEADER_LENGTH || fragment_offset + fragment_length > msg_length) {
      return DropReason::kMalformed;
    }
    if (msg_type == SSL3_MT_HELLO_REQUEST) return DropReason::kHelloRequest;
    if (msg_length > kMaxHandshakeMessage) return DropReason::kOversizedMessage;
    if (message_seq > max_message_seq) return DropReason::kFutureMessage;
    uint32_t& slot = declared[message_seq];
    if (slot == 0) {
      if (*total + msg_length > kHandshakeBudget) return DropReason::kOversizedMessage;
      slot = msg_length + 1;
      *total += msg_length;
    } else if (slot != msg_length + 1) {
      return DropReason::kMalformed;  // one message, two lengths
    }
    p += DTLS1_HM_HEADER_LENGTH + fragment_length;
    n -= DTLS1_HM_HEADER_LENGTH + fragment_length;
  }
  return DropReason::kNone;
}

}  // namespace

std::unique_ptr<DtlsEndpoint> DtlsEndpoint::Create(const DtlsConfig& config, std::string* message,
                                                   std::vector<std::string>* openssl_errors) {
  ErrorScope scope;
  std::unique_ptr<DtlsEndpoint> endpoint(new DtlsEndpoint());
  if (!endpoint->Init(config, message)) {
    *openssl_errors = DrainErrors();
    return nullptr;
  }
  return endpoint;
}

DtlsEndpoint::~DtlsEndpoint() {
  // SSL_free runs callbacks that may look at `this`; keep them harmless.
  ErrorScope scope;
  verifier_ = nullptr;
  ssl_.reset();
  context_.reset();
  OPENSSL_cleanse(cookie_secret_.data(), cookie_secret_.size());
  for (std::string& line : keylog_) OPENSSL_cleanse(line.data(), line.size());
}

bool DtlsEndpoint::Init(const DtlsConfig& config, std::string* message) {
  is_server_ = config.is_server;
  mtu_ = config.mtu;
  initial_rto_us_ = std::min<uint32_t>(config.initial_rto_ms, kMaxRtoUs / 1000) * 1000u;
  if (!config.context) {
    *message = "A DTLS context is required";
    return false;
  }
  context_ = config.context;
  if (DatagramMethod() == nullptr) {
    *message = "Could not create the datagram BIO method";
    return false;
  }
  if (config.is_server && config.server_cookies) {
    cookie_secret_.resize(kCookieLength);
    if (RAND_bytes(cookie_secret_.data(), static_cast<int>(cookie_secret_.size())) != 1) {
      *message = "Could not generate the cookie secret";
      return false;
    }
  }

  // From here on, settings go on the SSL only: the context is shared.
  ssl_.reset(SSL_new(context_->ssl_ctx()));
  if (!ssl_) {
    *message = "Could not create the DTLS session";
    return false;
  }
  SSL* ssl = ssl_.get();
  if (SSL_set_ex_data(ssl, 0, this) != 1) {
    *message = "Could not attach the endpoint to its session";
    return false;
  }
  if (config.is_server && config.server_cookies) SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
  BIO* bio = BIO_new(DatagramMethod());
  if (bio == nullptr) {
    *message = "Could not create the datagram BIO";
    return false;
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl, bio, bio);                                  // the SSL owns the BIO from here on
  if (SSL_set_mtu(ssl, static_cast<long>(config.mtu)) <= 0) {  // returns the MTU on success
    *message = "The MTU is below what DTLS needs";
    return false;
  }
  DTLS_set_timer_cb(ssl, &DtlsEndpoint::TimerCallback);
  SSL_set_info_callback(ssl, &DtlsEndpoint::InfoCallback);
  if (config.is_server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  return true;
}

// ---- Steps ----

DtlsStatus DtlsEndpoint::Start(const Verifier& verifier) {
  ErrorScope scope;
  if (status_ != DtlsStatus::kNew) return status_;
  status_ = DtlsStatus::kHandshaking;
  return Drive(verifier);
}

DtlsStatus DtlsEndpoint::Receive(const uint8_t* data, size_t length, const Verifier& verifier) {
  ErrorScope scope;
  if (status_ != DtlsStatus::kHandshaking && status_ != DtlsStatus::kConnected) return status_;
  // Shorter than one record header: nothing to read. (OpenSSL would take an
  // empty read for end-of-file and fail the association.)
  if (data == nullptr || length < DTLS1_RT_HEADER_LENGTH) {
    ++dropped_[static_cast<size_t>(DropReason::kMalformed)];
    return status_;
  }
  input_copy_.assign(data, data + length);
  const DropReason reason = Inspect(&records_);
  if (reason != DropReason::kNone) {
    ++dropped_[static_cast<size_t>(reason)];
  } else {
    Deliver(verifier);
  }
  // Kept for the next datagram only while small: a peer's one 64 KiB
  // datagram must not stay with the session. Once the handshake is done,
  // DTLS datagrams are rare (a retransmission, application data, an alert):
  // nothing stays.
  if (input_copy_.capacity() > kKeptInputCapacity || HandshakeDone()) std::vector<uint8_t>().swap(input_copy_);
  if (records_.capacity() > kKeptRecordCapacity || HandshakeDone()) std::vector<RecordSpan>().swap(records_);
  return status_;
}

void DtlsEndpoint::Deliver(const Verifier& verifier) {
  // Before the handshake completes, a next-epoch record reaches OpenSSL only
  // once it has processed the peer's ChangeCipherSpec: until then OpenSSL 3.0
  // buffers such records (up to 100, each with its own ~17 KiB read buffer),
  // and nothing authenticates them yet. So the datagram goes in two parts:
  // its epoch-0 records, then each later record as OpenSSL's state allows.
  // A genuine Finished that overtook its ChangeCipherSpec is dropped here and
  // comes again with the peer's retransmission.
  size_t split = records_.size();
  if (!HandshakeDone()) {
    for (size_t i = 0; i < records_.size(); ++i) {
      if (records_[i].epoch != 0) {
        split = i;
        break;
      }
    }
  }
  if (split > 0) {
    input_ = input_copy_.data();
    input_length_ = split == records_.size() ? input_copy_.size() : records_[split].offset;
    Drive(verifier);
  }
  bool held_back = false;
  for (size_t i = split; i < records_.size(); ++i) {
    if (status_ != DtlsStatus::kHandshaking && status_ != DtlsStatus::kConnected) break;
    if (!HandshakeDone() && records_[i].epoch != 0 && !PeerEpochSwitched()) {
      held_back = true;
      continue;
    }
    input_ = input_copy_.data() + records_[i].offset;
    input_length_ = records_[i].length;
    Drive(verifier);
  }
  if (held_back) ++dropped_[static_cast<size_t>(DropReason::kEarlyEpoch)];
}

bool DtlsEndpoint::PeerEpochSwitched() const {
  const OSSL_HANDSHAKE_STATE state = SSL_get_state(ssl_.get());
  return state == TLS_ST_CR_CHANGE || state == TLS_ST_SR_CHANGE;
}

// The record pre-filter: walks every record of the datagram (copied into
// input_copy_) before OpenSSL sees any, and drops the whole datagram if one
// record is refused. Always refused: bytes that do not form whole records,
// and a protected-epoch record too short to hold the AEAD nonce and tag
// (1..23 bytes for AES-GCM), which OpenSSL 3.0 answers with a fatal
// internal_error alert instead of discarding it.
//
// Before the handshake completes, epoch-0 records are plaintext that anyone
// who can spoof a datagram can forge, and OpenSSL 3.0 mishandles several
// shapes of them (each measured on 3.0.19; see the core test):
// - Any well-formed, non-fatal record (a stray ChangeCipherSpec, a fragment
//   of a future message) enters the epoch-0 replay window: one with sequence
//   number 2^40 makes every genuine record (numbered from 0) a "replay", and
//   one that guesses a small number costs the genuine record with it. So
//   OpenSSL never sees the peer's numbers: each epoch-0 record we pass is
//   renumbered 0, 1, 2, ... here. OpenSSL's epoch-0 replay check protected
//   nothing (the records are unauthenticated; duplicate handshake messages
//   are discarded by message_seq). Records that jump more than
//   kMaxSequenceJump above the highest passed are also dropped and counted;
//   a forger can ratchet that high mark up with several datagrams, but it
//   only decides what is counted, not what OpenSSL accepts.
// - HelloRequest before the ServerHello fails the client (openssl#32363) and
//   at a server before the ClientHello fails it too; we never renegotiate.
// - A record type other than handshake, ChangeCipherSpec or alert, a
//   ChangeCipherSpec other than {1}, a truncated handshake header or a
//   fragment beyond its message or its record: fatal for OpenSSL.
// - Fragments declaring large messages make OpenSSL allocate the declared
//   length (plus a bitmap) per future message_seq, up to ten of them: 720 KiB
//   per session from ten 41-byte fragments. Bounded by kMaxHandshakeMessage,
//   kHandshakeBudget and kMaxMessageSeq.
// What remains: a forged fatal alert, or a forged message with the
// message_seq and length the genuine one will have, still ends or stalls a
// handshake; DTLS 1.2 cannot authenticate epoch 0, and pinning the selected
// ICE path is the defence.
DropReason DtlsEndpoint::Inspect(std::vector<RecordSpan>* records) {
  records->clear();
  const uint8_t* data = input_copy_.data();
  const size_t length = input_copy_.size();
  const bool handshaking = !HandshakeDone();
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  // ChaCha20-Poly1305 (RFC 7905): 16-byte tag, no explicit nonce. AES-GCM
  // (RFC 5288), and anything not yet negotiated: 8-byte nonce + 16-byte tag.
  const size_t min_protected =
      cipher != nullptr && SSL_CIPHER_get_cipher_nid(cipher) == NID_chacha20_poly1305 ? 16 : 24;
  uint64_t highest = epoch0_highest_;
  uint32_t declared[kMaxMessageSeq + 1];
  std::memcpy(declared, declared_, sizeof declared);
  size_t total = declared_total_;
  size_t offset = 0;
  while (offset < length) {
    if (length - offset < DTLS1_RT_HEADER_LENGTH) return DropReason::kMalformed;
    const uint8_t* header = data + offset;
    const uint8_t type = header[0];
    const uint16_t epoch = static_cast<uint16_t>((header[3] << 8) | header[4]);
    uint64_t seq = 0;
    for (int i = 5; i < 11; ++i) seq = (seq << 8) | header[i];
    const size_t body_length = (static_cast<size_t>(header[11]) << 8) | header[12];
    if (body_length > length - offset - DTLS1_RT_HEADER_LENGTH) return DropReason::kMalformed;
    const uint8_t* body = header + DTLS1_RT_HEADER_LENGTH;
    if (epoch != 0 && body_length != 0 && body_length < min_protected) return DropReason::kMalformed;
    if (handshaking && epoch == 0) {
      if (seq > epoch0_highest_ + kMaxSequenceJump) return DropReason::kImplausibleSequence;
      switch (type) {
        case SSL3_RT_CHANGE_CIPHER_SPEC:
          if (body_length != 1 || body[0] != SSL3_MT_CCS) return DropReason::kMalformed;
          break;
        case SSL3_RT_ALERT:
          if (body_length != 2 || (body[0] != SSL3_AL_WARNING && body[0] != SSL3_AL_FATAL)) {
            return DropReason::kMalformed;
          }
          break;
        case SSL3_RT_HANDSHAKE: {
          const DropReason reason = InspectHandshake(body, body_length, declared, &total, kMaxMessageSeq);
          if (reason != DropReason::kNone) return reason;
          break;
        }
        default:
          return DropReason::kMalformed;
      }
      highest = std::max(highest, seq);
    }
    records->push_back({offset, DTLS1_RT_HEADER_LENGTH + body_length, epoch});
    offset += DTLS1_RT_HEADER_LENGTH + body_length;
  }
  if (handshaking) {
    epoch0_highest_ = highest;
    std::memcpy(declared_, declared, sizeof declared_);
    declared_total_ = total;
    for (const RecordSpan& record : *records) {
      if (record.epoch != 0) continue;
      uint64_t renumbered = epoch0_renumbered_++;
      for (int i = 10; i >= 5; --i) {
        input_copy_[record.offset + static_cast<size_t>(i)] = static_cast<uint8_t>(renumbered);
        renumbered >>= 8;
      }
    }
  }
  return DropReason::kNone;
}

DtlsStatus DtlsEndpoint::ContinueHandshake(const Verifier& verifier) {
  ErrorScope scope;
  if (status_ != DtlsStatus::kWaitingVerify) return status_;
  return Drive(verifier);
}

DtlsStatus DtlsEndpoint::HandleTimeout(const Verifier& verifier) {
  ErrorScope scope;
  if (status_ != DtlsStatus::kHandshaking && status_ != DtlsStatus::kWaitingVerify &&
      status_ != DtlsStatus::kConnected) {
    return status_;
  }
  if (status_ == DtlsStatus::kConnected && !RestoreBuffers()) return status_;
  verifier_ = &verifier;
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) FailWith(DtlsFailure::kTimeout);
  verifier_ = nullptr;
  if (status_ == DtlsStatus::kConnected) ReleaseIdleMemory();
  return status_;
}

DtlsStatus DtlsEndpoint::Drive(const Verifier& verifier) {
  verifier_ = &verifier;
  if (status_ == DtlsStatus::kHandshaking || status_ == DtlsStatus::kWaitingVerify) DriveHandshake();
  if (status_ == DtlsStatus::kConnected) ReadAppData();
  if (status_ == DtlsStatus::kConnected) ReleaseIdleMemory();
  // Whatever OpenSSL did not read of the datagram is dropped with it.
  verifier_ = nullptr;
  input_ = nullptr;
  input_length_ = 0;
  return status_;
}

void DtlsEndpoint::DriveHandshake() {
  const int ret = SSL_do_handshake(ssl_.get());
  if (ret == 1) {
    // SSL_VERIFY_FAIL_IF_NO_PEER_CERT makes an unverified completion
    // impossible; refuse it anyway rather than trust that.
    if (!verified_) {
      FailWith(DtlsFailure::kHandshake);
      return;
    }
    status_ = DtlsStatus::kConnected;
    return;
  }
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      status_ = DtlsStatus::kHandshaking;
      return;
    case SSL_ERROR_WANT_RETRY_VERIFY:
      status_ = DtlsStatus::kWaitingVerify;
      return;
    case SSL_ERROR_ZERO_RETURN:
      // close_notify in the middle of the handshake: the peer gave up.
      FailWith(DtlsFailure::kAlert);
      return;
    default:
      FailWith(verify_failure_ != DtlsFailure::kNone ? verify_failure_
               : received_fatal_                     ? DtlsFailure::kAlert
                                                     : DtlsFailure::kHandshake);
      return;
  }
}

void DtlsEndpoint::ReadAppData() {
  // One datagram in, at most a few records out: bounded by the datagram size.
  unsigned char buffer[16384];
  for (;;) {
    const int n = SSL_read(ssl_.get(), buffer, static_cast<int>(sizeof buffer));
    if (n > 0) {
      if (verified_) app_data_.emplace_back(buffer, buffer + n);
      continue;
    }
    switch (SSL_get_error(ssl_.get(), n)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return;
      case SSL_ERROR_ZERO_RETURN:
        // Answer close_notify with ours (RFC 5246 §7.2.1), once.
        if (!close_sent_) {
          close_sent_ = true;
          SSL_shutdown(ssl_.get());
        }
        status_ = DtlsStatus::kClosed;
        return;
      default:
        FailWith(received_fatal_ ? DtlsFailure::kAlert : DtlsFailure::kHandshake);
        return;
    }
  }
}

// A connected association is idle almost all the time (media goes through
// SRTP, not through this SSL), so it holds no record buffers between steps:
// OpenSSL keeps a read and a write buffer of about 17 KiB each after the
// handshake (SSL_MODE_RELEASE_BUFFERS does nothing for DTLS).
// SSL_free_buffers() refuses (0) while a record is pending in them; the next
// step tries again. The cookie secret only ever serves the handshake.
void DtlsEndpoint::ReleaseIdleMemory() {
  // 0 (nothing freed, no error queued): a record is still pending in them.
  if (SSL_free_buffers(ssl_.get()) == 1) {
    buffers_freed_ = true;
    ++idle_buffer_releases_;
  }
  if (!cookie_secret_.empty()) {
    OPENSSL_cleanse(cookie_secret_.data(), cookie_secret_.size());
    std::vector<uint8_t>().swap(cookie_secret_);
  }
}

// OpenSSL 3.0 allocates the record buffers again only on its read path
// (dtls1_read_bytes sets up both); its DTLS record writer assumes the write
// buffer exists, and writing after SSL_free_buffers() dereferences NULL
// (measured on 3.0.19). So before anything that may write a record on a
// connected association (SSL_write, an alert, a retransmission), a one-byte
// peek with nothing to read makes OpenSSL set them up again. False (and the
// association failed) if that fails.
bool DtlsEndpoint::RestoreBuffers() {
  if (!buffers_freed_) return true;
  unsigned char byte = 0;
  const int n = SSL_peek(ssl_.get(), &byte, 1);
  buffers_freed_ = false;
  if (n > 0) return true;
  switch (SSL_get_error(ssl_.get(), n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
    case SSL_ERROR_ZERO_RETURN:
      return true;
    default:
      FailWith(received_fatal_ ? DtlsFailure::kAlert : DtlsFailure::kHandshake);
      return false;
  }
}

void DtlsEndpoint::FailWith(DtlsFailure failure) {
  status_ = DtlsStatus::kFailed;
  failure_ = failure;
  failure_errors_ = DrainErrors();
}

DtlsEndpoint::SendResult DtlsEndpoint::Send(const uint8_t* data, size_t length) {
  ErrorScope scope;
  if (!Usable() || data == nullptr || length == 0 || length > MaxDataSize()) return SendResult::kRefused;
  if (!RestoreBuffers()) return SendResult::kFailed;
  const int n = SSL_write(ssl_.get(), data, static_cast<int>(length));
  if (n == static_cast<int>(length)) {
    ReleaseIdleMemory();
    return SendResult::kSent;
  }
  // Our BIO never asks to retry and the record fits the MTU: whatever made
  // OpenSSL fail leaves the association unusable (its write sequence number
  // may have moved), so it ends here, with OpenSSL's errors.
  FailWith(DtlsFailure::kWrite);
  return SendResult::kFailed;
}

void DtlsEndpoint::Close() {
  ErrorScope scope;
  if (status_ == DtlsStatus::kConnected && !close_sent_ && RestoreBuffers()) {
    close_sent_ = true;
    SSL_shutdown(ssl_.get());
  }
  close_sent_ = true;
  if (status_ != DtlsStatus::kFailed) status_ = DtlsStatus::kClosed;
}

std::vector<std::vector<uint8_t>> DtlsEndpoint::TakeDatagrams() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(datagrams_);
  return out;
}

std::vector<std::vector<uint8_t>> DtlsEndpoint::TakeAppData() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(app_data_);
  return out;
}

void DtlsEndpoint::SetKeylog(bool enabled) {
  keylog_enabled_ = enabled;
  if (enabled) {
    if (context_) context_->EnableKeylog();
    return;
  }
  // Off means off: lines kept but not yet taken are wiped, not handed out later.
  for (std::string& line : keylog_) OPENSSL_cleanse(line.data(), line.size());
  keylog_.clear();
}

void DtlsEndpoint::TakeKeylog(std::vector<std::string>* out) {
  for (std::string& line : *out) OPENSSL_cleanse(line.data(), line.size());
  out->clear();
  out->swap(keylog_);
}

int64_t DtlsEndpoint::NextTimeoutMs() {
  ErrorScope scope;
  if (status_ == DtlsStatus::kNew || status_ == DtlsStatus::kClosed || status_ == DtlsStatus::kFailed)
    return -1;
  struct timeval tv {};
  if (DTLSv1_get_timeout(ssl_.get(), &tv) != 1) return -1;
  return static_cast<int64_t>(tv.tv_sec) * 1000 + (static_cast<int64_t>(tv.tv_usec) + 999) / 1000;
}

bool DtlsEndpoint::AwaitingClientFlight() const {
  return is_server_ && status_ == DtlsStatus::kHandshaking &&
         SSL_get_state(ssl_.get()) == TLS_ST_SW_SRVR_DONE;
}

// ---- Queries ----

size_t DtlsEndpoint::MaxDataSize() const {
  if (status_ != DtlsStatus::kConnected) return 0;
  return DTLS_get_data_mtu(ssl_.get());
}

uint16_t DtlsEndpoint::SrtpProfileId() const {
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_.get());
  return profile == nullptr ? 0 : static_cast<uint16_t>(profile->id);
}

std::string DtlsEndpoint::CipherSuite() const {
  if (status_ != DtlsStatus::kConnected) return std::string();
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  const char* name = cipher == nullptr ? nullptr : SSL_CIPHER_standard_name(cipher);
  return name == nullptr ? std::string() : std::string(name);
}

bool DtlsEndpoint::PeerCertificateDer(std::vector<uint8_t>* out) const {
  ErrorScope scope;
  if (!Usable()) return false;
  X509* peer = SSL_get0_peer_certificate(ssl_.get());
  if (peer == nullptr) return false;
  const int length = i2d_X509(peer, nullptr);
  if (length <= 0) return false;
  out->resize(static_cast<size_t>(length));
  unsigned char* cursor = out->data();
  return i2d_X509(peer, &cursor) == length;
}

bool DtlsEndpoint::ExportKeyingMaterial(const std::string& label, size_t length,
                                        std::vector<uint8_t>* out) const {
  ErrorScope scope;
  OPENSSL_cleanse(out->data(), out->size());
  out->clear();
  if (!Usable() || length == 0) return false;
  out->resize(length);
  if (SSL_export_keying_material(ssl_.get(), out->data(), length, label.data(), label.size(), nullptr, 0,
                                 0) != 1) {
    OPENSSL_cleanse(out->data(), out->size());
    out->clear();
    return false;
  }
  return true;
}

bool DtlsEndpoint::ExportSrtpKeys(size_t key_length, size_t salt_length, std::vector<uint8_t>* local,
                                  std::vector<uint8_t>* remote) const {
  // Every buffer that holds key bytes is sized once, before the first byte
  // goes in, and wiped before it is freed: no reallocation leaves a copy.
  OPENSSL_cleanse(local->data(), local->size());
  OPENSSL_cleanse(remote->data(), remote->size());
  local->clear();
  remote->clear();
  std::vector<uint8_t> material;
  if (SrtpProfileId() == 0 ||
      !ExportKeyingMaterial(kSrtpExporterLabel, 2 * (key_length + salt_length), &material)) {
    return false;
  }
  const uint8_t* client_key = material.data();
  const uint8_t* server_key = client_key + key_length;
  const uint8_t* client_salt = server_key + key_length;
  const uint8_t* server_salt = client_salt + salt_length;
  const uint8_t* local_key = is_server_ ? server_key : client_key;
  const uint8_t* local_salt = is_server_ ? server_salt : client_salt;
  const uint8_t* remote_key = is_server_ ? client_key : server_key;
  const uint8_t* remote_salt = is_server_ ? client_salt : server_salt;
  local->reserve(key_length + salt_length);  // empty: nothing to leave behind
  remote->reserve(key_length + salt_length);
  local->insert(local->end(), local_key, local_key + key_length);
  local->insert(local->end(), local_salt, local_salt + salt_length);
  remote->insert(remote->end(), remote_key, remote_key + key_length);
  remote->insert(remote->end(), remote_salt, remote_salt + salt_length);
  OPENSSL_cleanse(material.data(), material.size());
  return true;
}

// ---- OpenSSL callbacks ----

// One BIO_METHOD for the whole process, built on first use (thread-safe static
// initialisation) and immutable afterwards, so sharing it across threads and
// environments is safe. It must not be made per endpoint: BIO_get_new_index()
// draws from a small process-wide range of type numbers (BIO_TYPE_START..255)
// that newer OpenSSL releases refuse to exceed, and on 3.0 the numbers past 255
// spill into the BIO_TYPE_DESCRIPTOR bits. Never freed: it lives as long as the
// process, like OpenSSL's own built-in methods.
const BIO_METHOD* DtlsEndpoint::DatagramMethod() {
  static const BIO_METHOD* const method = []() -> const BIO_METHOD* {
    ErrorScope scope;
    const int index = BIO_get_new_index();
    if (index <= 0) return nullptr;
    BIO_METHOD* m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "dtls-srtp datagram");
    if (m == nullptr) return nullptr;
    if (BIO_meth_set_write(m, &DtlsEndpoint::BioWrite) != 1 || BIO_meth_set_read(m, &DtlsEndpoint::BioRead) != 1 ||
        BIO_meth_set_ctrl(m, &DtlsEndpoint::BioCtrl) != 1 || BIO_meth_set_create(m, &DtlsEndpoint::BioCreate) != 1 ||
        BIO_meth_set_destroy(m, &DtlsEndpoint::BioDestroy) != 1) {
      BIO_meth_free(m);
      return nullptr;
    }
    return m;
  }();
  return method;
}

int DtlsEndpoint::BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int DtlsEndpoint::BioDestroy(BIO* bio) {
  BIO_set_data(bio, nullptr);
  return 1;
}

// Every write is one record or one buffered flight segment that OpenSSL
// sized to the MTU: it becomes exactly one datagram.
int DtlsEndpoint::BioWrite(BIO* bio, const char* data, int length) {
  auto* self = static_cast<DtlsEndpoint*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self == nullptr || length < 0) return -1;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  self->datagrams_.emplace_back(bytes, bytes + length);
  return length;
}

// Hands out the current datagram once; anything beyond `length` is cut off,
// as a datagram socket would.
int DtlsEndpoint::BioRead(BIO* bio, char* out, int length) {
  auto* self = static_cast<DtlsEndpoint*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self == nullptr || self->input_ == nullptr || self->input_length_ == 0 || length <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const size_t n = std::min(self->input_length_, static_cast<size_t>(length));
  std::memcpy(out, self->input_, n);
  self->input_ = nullptr;
  self->input_length_ = 0;
  return static_cast<int>(n);
}

long DtlsEndpoint::BioCtrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {
  auto* self = static_cast<DtlsEndpoint*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    case BIO_CTRL_DGRAM_GET_MTU:
      return self == nullptr ? 0 : static_cast<long>(self->mtu_);
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:  // our MTU already is the UDP payload size
    case BIO_CTRL_DGRAM_MTU_EXCEEDED:
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:  // timers live in TypeScript
    case BIO_CTRL_DGRAM_SET_MTU:
      return 1;
    default:
      return 0;
  }
}

// Registered on the shared context with no argument: the endpoint is the
// one whose SSL this verification runs for.
int DtlsEndpoint::CertVerify(X509_STORE_CTX* store, void* /*arg*/) {
  const int index = SSL_get_ex_data_X509_STORE_CTX_idx();
  SSL* ssl = index < 0 ? nullptr : static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, index));
  DtlsEndpoint* self = ssl == nullptr ? nullptr : FromSsl(ssl);
  if (self == nullptr) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf == nullptr || self->verifier_ == nullptr || !*self->verifier_) {
    self->verify_failure_ = DtlsFailure::kHandshake;
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  // The peer's ServerHello/ClientHello has been processed by now: refuse a
  // peer that agreed on no SRTP profile before anything else happens.
  if (SSL_get_selected_srtp_profile(ssl) == nullptr) {
    self->verify_failure_ = DtlsFailure::kNoSrtpProfile;
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);  // handshake_failure alert
    return 0;
  }
  // One encoding pass, into a buffer OpenSSL allocates (public data: no cleanse).
  unsigned char* encoded = nullptr;
  const int length = i2d_X509(leaf, &encoded);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> der(
      encoded, [](unsigned char* p) { OPENSSL_free(p); });
  if (length <= 0 || encoded == nullptr) {
    self->verify_failure_ = DtlsFailure::kHandshake;
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  switch ((*self->verifier_)(der.get(), static_cast<size_t>(length))) {
    case VerifyVerdict::kAccept:
      self->verified_ = true;
      X509_STORE_CTX_set_error(store, X509_V_OK);
      return 1;
    case VerifyVerdict::kUnknown:
      // Only a client can pause here (OpenSSL 3); a server has no way to, so
      // it refuses rather than finish unverified. The caller avoids that by
      // holding the client's flight (AwaitingClientFlight).
      // OpenSSL suspends when the callback succeeds with SSL_RETRY_VERIFY set;
      // `verified_` stays false, so completing from here is still refused.
      if (!self->is_server_ && SSL_set_retry_verify(ssl) == 1) return 1;
      self->verify_failure_ = DtlsFailure::kHandshake;
      X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      return 0;
    case VerifyVerdict::kReject:
    default:
      self->verify_failure_ = DtlsFailure::kFingerprint;
      X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);  // bad_certificate alert
      return 0;
  }
}

unsigned int DtlsEndpoint::TimerCallback(SSL* ssl, unsigned int previous_us) {
  DtlsEndpoint* self = FromSsl(ssl);
  if (previous_us == 0) return self == nullptr ? 1000000u : self->initial_rto_us_;
  return previous_us >= kMaxRtoUs / 2 ? kMaxRtoUs : previous_us * 2;
}

void DtlsEndpoint::InfoCallback(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_ALERT) == 0) return;
  DtlsEndpoint* self = FromSsl(ssl);
  if (self == nullptr) return;
  const int level = (ret >> 8) & 0xff;
  const int description = ret & 0xff;
  if ((where & SSL_CB_WRITE) != 0) {
    self->sent_alert_ = description;
  } else {
    self->received_alert_ = description;
    if (level == SSL3_AL_FATAL) self->received_fatal_ = true;
  }
}

// Registered on the shared context once an endpoint of it asked for its key
// log (DtlsContext::EnableKeylog); from then on OpenSSL formats the line for
// every session of the context, and only an endpoint that asked keeps it.
void DtlsEndpoint::KeylogCallback(const SSL* ssl, const char* line) {
  DtlsEndpoint* self = FromSsl(ssl);
  if (self == nullptr || !self->keylog_enabled_ || line == nullptr) return;
  // Reserved first, so that no reallocation leaves a copy of the secret behind.
  std::string kept;
  kept.reserve(std::strlen(line) + 1);
  kept.append(line);
  kept.push_back('\n');
  self->keylog_.push_back(std::move(kept));
}

// The endpoint serves one path, so the cookie need not encode the peer's
// address: a per-endpoint random value proves the client sees our datagrams.
int DtlsEndpoint::CookieGenerate(SSL* ssl, unsigned char* cookie, unsigned int* length) {
  DtlsEndpoint* self = FromSsl(ssl);
  if (self == nullptr || self->cookie_secret_.size() != kCookieLength) return 0;
  std::memcpy(cookie, self->cookie_secret_.data(), kCookieLength);
  *length = static_cast<unsigned int>(kCookieLength);
  return 1;
}

int DtlsEndpoint::CookieVerify(SSL* ssl, const unsigned char* cookie, unsigned int length) {
  DtlsEndpoint* self = FromSsl(ssl);
  if (self == nullptr || length != kCookieLength || self->cookie_secret_.size() != kCookieLength) return 0;
  return CRYPTO_memcmp(cookie, self->cookie_secret_.data(), kCookieLength) == 0 ? 1 : 0;
}

}  // namespace dtlssrtp::core
