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
  if (record_layer_) {
    for (const RecordSpan& record : records_) {
      if (status_ != DtlsStatus::kConnected) break;
      ReceiveRecord(record);
    }
    return;
  }
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
    if (record_layer_) {  // the handshake completed with an earlier record of this datagram
      ReceiveRecord(records_[i]);
      continue;
    }
    if (!HandshakeDone() && records_[i].epoch != 0) {
      if (!PeerEpochSwitched() || early_sequences_.size() >= kMaxEarlyRecords) {
        held_back = true;
        continue;
      }
      uint64_t sequence = 0;
      for (size_t b = 5; b < 11; ++b) sequence = (sequence << 8) | input_copy_[records_[i].offset + b];
      early_sequences_.push_back(sequence);
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
  const SSL_CIPHER* cipher = ssl_ ? SSL_get_current_cipher(ssl_.get()) : nullptr;
  // ChaCha20-Poly1305 (RFC 7905): 16-byte tag, no explicit nonce. AES-GCM
  // (RFC 5288), and anything not yet negotiated: 8-byte nonce + 16-byte tag.
  const size_t min_protected = record_layer_ ? record_layer_->min_body()
                               : cipher != nullptr && SSL_CIPHER_get_cipher_nid(cipher) == NID_chacha20_poly1305
                                   ? 16
                                   : 24;
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
  // After the handshake nothing is timed: the last flight is sent again
  // only when the peer asks with its Finished (see ReceiveRecord).
  if (!ssl_) return status_;
  verifier_ = &verifier;
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) FailWith(DtlsFailure::kTimeout);
  verifier_ = nullptr;
  return status_;
}

DtlsStatus DtlsEndpoint::Drive(const Verifier& verifier) {
  verifier_ = &verifier;
  const size_t flight_begin = datagrams_.size();
  if (status_ == DtlsStatus::kHandshaking || status_ == DtlsStatus::kWaitingVerify) DriveHandshake();
  // Application data OpenSSL buffered during the handshake comes out here.
  if (status_ == DtlsStatus::kConnected && ssl_) ReadAppData();
  if (status_ == DtlsStatus::kConnected && ssl_) SwitchToRecordLayer(flight_begin);
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

// At handshake completion the SSL goes (see dtls_record.h for why): what
// the session still asks for is copied out of it, the epoch-1 keys and the
// master secret move to a DtlsRecordLayer, and every later record is ours.
// The replay window starts with every epoch-1 record OpenSSL was handed
// (early_sequences_): the one that completed the handshake, and any OpenSSL
// may have buffered and returned through ReadAppData. A server keeps its
// last flight for a client that missed it. If anything fails, the
// association fails: it never goes on half switched.
void DtlsEndpoint::SwitchToRecordLayer(size_t flight_begin) {
  SSL* ssl = ssl_.get();
  std::unique_ptr<DtlsRecordLayer> layer = DtlsRecordLayer::FromHandshake(ssl, is_server_, next_write_sequence_);
  X509* peer = SSL_get0_peer_certificate(ssl);
  const int der_length = peer == nullptr ? 0 : i2d_X509(peer, nullptr);
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const size_t data_mtu = DTLS_get_data_mtu(ssl);
  if (!layer || der_length <= 0 || cipher == nullptr || data_mtu == 0) {
    FailWith(DtlsFailure::kHandshake);
    return;
  }
  peer_certificate_.resize(static_cast<size_t>(der_length));
  unsigned char* cursor = peer_certificate_.data();
  if (i2d_X509(peer, &cursor) != der_length) {
    FailWith(DtlsFailure::kHandshake);
    return;
  }
  for (uint64_t sequence : early_sequences_) layer->AssumeReceived(sequence);
  std::vector<uint64_t>().swap(early_sequences_);
  // What fits one datagram of our MTU with this layer's framing (OpenSSL's
  // figure, never more).
  max_data_size_ = mtu_ > layer->overhead() ? std::min(data_mtu, mtu_ - layer->overhead()) : 0;
  srtp_profile_id_ = profile == nullptr ? 0 : static_cast<uint16_t>(profile->id);
  cipher_suite_ = SSL_CIPHER_standard_name(cipher);
  if (is_server_) final_flight_.assign(datagrams_.begin() + static_cast<std::ptrdiff_t>(flight_begin), datagrams_.end());
  record_layer_ = std::move(layer);
  ssl_.reset();
  if (!cookie_secret_.empty()) {
    OPENSSL_cleanse(cookie_secret_.data(), cookie_secret_.size());
    std::vector<uint8_t>().swap(cookie_secret_);
  }
}

void DtlsEndpoint::ReceiveRecord(const RecordSpan& span) {
  const uint8_t* bytes = input_copy_.data() + span.offset;
  if (span.epoch == DtlsRecordLayer::kEpoch && !record_layer_->EnsureKeys()) {
    FailWith(DtlsFailure::kHandshake);
    return;
  }
  uint8_t type = 0;
  std::vector<uint8_t> plaintext;
  switch (record_layer_->Unseal(bytes, span.length, &type, &plaintext)) {
    case DtlsRecordLayer::Unsealed::kRecord:
      break;
    case DtlsRecordLayer::Unsealed::kOtherEpoch:
      // Epoch 0: the peer's retransmitted handshake flight, which OpenSSL
      // too discards once the epoch moved on; anything later, counted.
      if (span.epoch != 0) ++dropped_[static_cast<size_t>(DropReason::kEarlyEpoch)];
      return;
    case DtlsRecordLayer::Unsealed::kMalformed:
      ++dropped_[static_cast<size_t>(DropReason::kMalformed)];
      return;
    case DtlsRecordLayer::Unsealed::kReplayed:
      ++dropped_[static_cast<size_t>(DropReason::kReplayed)];
      return;
    case DtlsRecordLayer::Unsealed::kUnauthenticated:
      ++dropped_[static_cast<size_t>(DropReason::kUnauthenticated)];
      return;
  }
  switch (type) {
    case SSL3_RT_APPLICATION_DATA:
      std::vector<std::vector<uint8_t>>().swap(final_flight_);  // the client has finished
      if (!plaintext.empty()) app_data_.push_back(std::move(plaintext));
      return;
    case SSL3_RT_ALERT:
      if (plaintext.size() != 2) {
        ++dropped_[static_cast<size_t>(DropReason::kMalformed)];
        return;
      }
      std::vector<std::vector<uint8_t>>().swap(final_flight_);
      received_alert_ = plaintext[1];
      if (plaintext[1] == SSL3_AD_CLOSE_NOTIFY) {
        // Answer close_notify with ours (RFC 5246 §7.2.1), once.
        if (!close_sent_) {
          close_sent_ = true;
          const uint8_t alert[2] = {SSL3_AL_WARNING, SSL3_AD_CLOSE_NOTIFY};
          if (!SendRecord(SSL3_RT_ALERT, alert, sizeof alert)) return;
        }
        status_ = DtlsStatus::kClosed;
      } else if (plaintext[0] == SSL3_AL_FATAL) {
        received_fatal_ = true;
        FailWith(DtlsFailure::kAlert);
      }
      // Other warnings change nothing (as in OpenSSL).
      return;
    case SSL3_RT_HANDSHAKE:
      // A Finished again: the client did not get our last flight (RFC 6347
      // §4.2.4). It is authenticated and not a replay, so each one is the
      // peer's own retransmission. Anything else (a renegotiation) is ignored.
      if (is_server_ && !final_flight_.empty() && plaintext.size() >= DTLS1_HM_HEADER_LENGTH &&
          plaintext[0] == SSL3_MT_FINISHED) {
        datagrams_.insert(datagrams_.end(), final_flight_.begin(), final_flight_.end());
      }
      return;
    default:
      ++dropped_[static_cast<size_t>(DropReason::kMalformed)];
      return;
  }
}

bool DtlsEndpoint::SendRecord(uint8_t type, const uint8_t* data, size_t length) {
  std::vector<uint8_t> record;
  record.reserve(record_layer_->overhead() + length);
  if (!record_layer_->EnsureKeys() || !record_layer_->Seal(type, data, length, &record)) {
    FailWith(DtlsFailure::kWrite);
    if (failure_errors_.empty()) failure_errors_.emplace_back("DTLS record could not be sealed (sequence numbers exhausted)");
    return false;
  }
  datagrams_.push_back(std::move(record));
  return true;
}

void DtlsEndpoint::FailWith(DtlsFailure failure) {
  status_ = DtlsStatus::kFailed;
  failure_ = failure;
  failure_errors_ = DrainErrors();
}

DtlsEndpoint::SendResult DtlsEndpoint::Send(const uint8_t* data, size_t length) {
  ErrorScope scope;
  if (!Usable() || data == nullptr || length == 0 || length > MaxDataSize()) return SendResult::kRefused;
  // Connected means switched: the record layer seals it. A failure leaves
  // the association unusable (a sequence number is spent), so it ends here.
  return SendRecord(SSL3_RT_APPLICATION_DATA, data, length) ? SendResult::kSent : SendResult::kFailed;
}

void DtlsEndpoint::Close() {
  ErrorScope scope;
  if (status_ == DtlsStatus::kConnected && !close_sent_ && record_layer_) {
    close_sent_ = true;
    const uint8_t alert[2] = {SSL3_AL_WARNING, SSL3_AD_CLOSE_NOTIFY};
    SendRecord(SSL3_RT_ALERT, alert, sizeof alert);
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
  if (status_ == DtlsStatus::kNew || status_ == DtlsStatus::kClosed || status_ == DtlsStatus::kFailed || !ssl_)
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
  return status_ == DtlsStatus::kConnected ? max_data_size_ : 0;
}

uint16_t DtlsEndpoint::SrtpProfileId() const {
  if (!ssl_) return srtp_profile_id_;
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_.get());
  return profile == nullptr ? 0 : static_cast<uint16_t>(profile->id);
}

std::string DtlsEndpoint::CipherSuite() const {
  if (status_ != DtlsStatus::kConnected || cipher_suite_ == nullptr) return std::string();
  return std::string(cipher_suite_);
}

bool DtlsEndpoint::PeerCertificateDer(std::vector<uint8_t>* out) const {
  ErrorScope scope;
  if (!Usable() || peer_certificate_.empty()) return false;
  *out = peer_certificate_;
  return true;
}

bool DtlsEndpoint::ExportKeyingMaterial(const std::string& label, size_t length,
                                        std::vector<uint8_t>* out) const {
  ErrorScope scope;
  OPENSSL_cleanse(out->data(), out->size());
  out->clear();
  if (!Usable() || length == 0 || !record_layer_) return false;
  out->resize(length);
  if (!record_layer_->Export(label, length, out->data())) {
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
  // The record layer that takes over at completion numbers on from the
  // highest epoch-1 record OpenSSL wrote (its Finished, and retransmissions).
  for (size_t offset = 0; offset + DTLS1_RT_HEADER_LENGTH <= static_cast<size_t>(length);) {
    const uint8_t* header = bytes + offset;
    if (((header[3] << 8) | header[4]) == DtlsRecordLayer::kEpoch) {
      uint64_t sequence = 0;
      for (int i = 5; i < 11; ++i) sequence = (sequence << 8) | header[i];
      self->next_write_sequence_ = std::max(self->next_write_sequence_, sequence + 1);
    }
    offset += DTLS1_RT_HEADER_LENGTH + ((static_cast<size_t>(header[11]) << 8) | header[12]);
  }
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
