// SPDX-License-Identifier: MIT
#pragma once

// One side of a DTLS 1.2 association over a datagram path that this class
// never touches: the caller feeds each received datagram to Receive() and
// sends each datagram that TakeDatagrams() returns. Plain C++17 over OpenSSL;
// no Node-API, no I/O, no timers (NextTimeoutMs() says when HandleTimeout()
// is due), no threads.
//
// Ownership: a DtlsEndpoint owns its SSL and the one BIO (read and write
// side) through which OpenSSL sees the path, and shares its DtlsContext (the
// SSL_CTX with the certificate and key) with the other endpoints of that
// certificate; the last one frees it. At handshake completion the SSL is
// freed and a DtlsRecordLayer (owned) carries application data and alerts
// from then on (dtls_record.h says why and what it covers). Nothing an endpoint does changes the
// shared context: every per-session setting and callback target is on the SSL.
// Thread: an endpoint belongs to the thread that created it (as its context).
//
// Security invariant, enforced here and not only by the caller: until the
// peer certificate was accepted by the Verifier (`verified`), no keying
// material is exported, no SRTP keys leave, no application data is returned
// and the peer certificate is not handed out.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dtls_context.h"
#include "core/dtls_record.h"
#include "core/ossl.h"

namespace dtlssrtp::core {

// The caller's decision about the peer certificate (DER), asked synchronously
// from inside the handshake.
enum class VerifyVerdict { kAccept, kReject, kUnknown };

enum class DtlsStatus {
  kNew = 0,
  kHandshaking = 1,
  kWaitingVerify = 2,  // client paused (SSL_set_retry_verify) until ContinueHandshake
  kConnected = 3,
  kClosed = 4,  // close_notify received (or sent by Close)
  kFailed = 5,
};

enum class DtlsFailure {
  kNone = 0,
  kHandshake = 1,
  kFingerprint = 2,
  kNoSrtpProfile = 3,
  kAlert = 4,
  kTimeout = 5,
  kWrite = 6,  // SSL_write failed on a connected association
};

// Why the record pre-filter dropped a datagram before OpenSSL saw it. Before
// the handshake completes, OpenSSL 3.0 lets one spoofed, unauthenticated
// epoch-0 record poison its replay window, fail the handshake or hold
// memory; these are the shapes refused (see Inspect() in the .cc).
enum class DropReason {
  kNone = 0,
  // Not a sequence of whole, well-formed records for this stage: a protected
  // record too short for its AEAD nonce and tag, bytes after the last record,
  // a truncated or self-inconsistent handshake fragment header, a
  // ChangeCipherSpec other than {1}, an alert that is not two bytes, or an
  // epoch-0 record other than handshake/CCS/alert during the handshake.
  kMalformed,
  // Epoch-0 record sequence number far beyond any seen from this peer.
  kImplausibleSequence,
  // HelloRequest (handshake type 0): we never renegotiate.
  kHelloRequest,
  // Declared handshake message length above the per-message bound, or the
  // peer's distinct messages together above the per-handshake budget.
  kOversizedMessage,
  // message_seq beyond any a DTLS 1.2 WebRTC handshake uses.
  kFutureMessage,
  // A next-epoch record before OpenSSL processed the peer's ChangeCipherSpec
  // (OpenSSL would buffer it, with a whole read buffer, until then).
  // Or, after the handshake, a record of an epoch past 1 (we never renegotiate).
  kEarlyEpoch,
  // After the handshake (counted per record): an epoch-1 record whose
  // sequence number was already received or is older than the replay window.
  kReplayed,
  // After the handshake (counted per record): an epoch-1 record whose AEAD
  // tag does not verify under the peer's keys.
  kUnauthenticated,
};
constexpr size_t kDropReasonCount = 9;

struct DtlsConfig {
  // Certificate, key, SRTP profiles and the fixed DTLS settings; shared with
  // other endpoints (see DtlsContextCache), kept alive by this endpoint.
  std::shared_ptr<const DtlsContext> context;
  bool is_server = false;
  size_t mtu = 1200;  // largest datagram we write
  uint32_t initial_rto_ms = 1000;
  bool server_cookies = false;  // server only: HelloVerifyRequest before any state
};

using Verifier = std::function<VerifyVerdict(const uint8_t* der, size_t length)>;

class DtlsEndpoint {
 public:
  // nullptr on failure, with the reason in *message and *openssl_errors.
  static std::unique_ptr<DtlsEndpoint> Create(const DtlsConfig& config, std::string* message,
                                              std::vector<std::string>* openssl_errors);
  ~DtlsEndpoint();
  DtlsEndpoint(const DtlsEndpoint&) = delete;
  DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

  // Each step returns the new status; datagrams to send and application
  // data received accumulate until taken. `verifier` is called (at most once
  // per step) while the step runs and is not kept afterwards.
  DtlsStatus Start(const Verifier& verifier);
  // Reads the datagram only during this call (never keeps the pointer).
  DtlsStatus Receive(const uint8_t* data, size_t length, const Verifier& verifier);
  DtlsStatus HandleTimeout(const Verifier& verifier);
  // Resumes a client paused in kWaitingVerify (asks the verifier again).
  DtlsStatus ContinueHandshake(const Verifier& verifier);
  // Encrypts one application-data record. kRefused (nothing written, status
  // unchanged) unless connected and verified with 1 <= length <=
  // MaxDataSize(): that is misuse. kFailed when SSL_write itself fails: the
  // association is then failed (kWrite, with the OpenSSL errors).
  enum class SendResult { kSent, kRefused, kFailed };
  SendResult Send(const uint8_t* data, size_t length);
  // Sends close_notify once (only after a completed handshake), then the
  // endpoint is closed. Idempotent.
  void Close();

  std::vector<std::vector<uint8_t>> TakeDatagrams();
  std::vector<std::vector<uint8_t>> TakeAppData();

  // Key log (debugging only: a line decrypts the session). Off by default;
  // while on, each secret OpenSSL derives for this session is kept as one
  // NSS Key Log Format line ("CLIENT_RANDOM <hex> <hex>\n") until taken.
  // The callback sits on the shared context and finds its endpoint through
  // the SSL, so enabling it here affects this session only. Disabling it
  // wipes the lines not taken yet.
  void SetKeylog(bool enabled);
  bool HasKeylog() const { return !keylog_.empty(); }
  // Moves the pending lines into *out (cleared first). The caller wipes them.
  void TakeKeylog(std::vector<std::string>* out);

  // Milliseconds until HandleTimeout is due; -1 when no timer runs.
  int64_t NextTimeoutMs();
  // Server: has sent its flight (ServerHelloDone) and reads nothing of the
  // client's next flight yet. The caller may hold datagrams here until it
  // can judge the client certificate, which OpenSSL cannot pause for.
  bool AwaitingClientFlight() const;

  DtlsStatus status() const { return status_; }
  DtlsFailure failure() const { return failure_; }
  bool verified() const { return verified_; }
  // Last alert description sent/received (RFC 5246 §7.2), -1 if none.
  int sent_alert() const { return sent_alert_; }
  int received_alert() const { return received_alert_; }
  const std::vector<std::string>& failure_errors() const { return failure_errors_; }
  // Datagrams the record pre-filter dropped before OpenSSL saw them, by
  // reason (index: DropReason; kNone stays 0).
  uint64_t dropped(DropReason reason) const { return dropped_[static_cast<size_t>(reason)]; }
  // Whether the SSL was freed and our own record layer carries the
  // association (from handshake completion on; see SwitchToRecordLayer).
  bool ssl_released() const { return !ssl_ && record_layer_ != nullptr; }

  // Largest application-data payload whose record fits the MTU; 0 before connected.
  size_t MaxDataSize() const;
  // Negotiated use_srtp profile id (RFC 5764 §4.1.2), 0 if none.
  uint16_t SrtpProfileId() const;
  // IANA name of the negotiated cipher suite; empty before connected.
  std::string CipherSuite() const;

  // Refuse (false) unless connected and verified.
  bool PeerCertificateDer(std::vector<uint8_t>* out) const;
  bool ExportKeyingMaterial(const std::string& label, size_t length, std::vector<uint8_t>* out) const;
  // RFC 5764 §4.2: splits EXTRACTOR-dtls_srtp output (client_key|server_key|
  // client_salt|server_salt) into our (local) and the peer's (remote)
  // key||salt, by our role.
  bool ExportSrtpKeys(size_t key_length, size_t salt_length, std::vector<uint8_t>* local,
                      std::vector<uint8_t>* remote) const;

 private:
  DtlsEndpoint() = default;
  bool Init(const DtlsConfig& config, std::string* message);
  DtlsStatus Drive(const Verifier& verifier);
  // Highest message_seq of a plaintext handshake message a DTLS 1.2 WebRTC
  // handshake uses (server: HelloVerifyRequest 0 .. ServerHelloDone 5).
  static constexpr uint16_t kMaxMessageSeq = 7;
  // One whole record of the current datagram (offset into input_copy_).
  struct RecordSpan {
    size_t offset;
    size_t length;  // header included
    uint16_t epoch;
  };
  DropReason Inspect(std::vector<RecordSpan>* records);
  // Hands the inspected datagram to OpenSSL (see Receive()).
  void Deliver(const Verifier& verifier);
  bool HandshakeDone() const { return status_ == DtlsStatus::kConnected || status_ == DtlsStatus::kClosed; }
  bool PeerEpochSwitched() const;
  void DriveHandshake();
  void ReadAppData();
  void FailWith(DtlsFailure failure);
  // At handshake completion: keeps what the session still needs, hands the
  // records to a DtlsRecordLayer and frees the SSL (see the .cc).
  // `flight_begin`: index in datagrams_ of this step's first datagram.
  void SwitchToRecordLayer(size_t flight_begin);
  // One record of a datagram after the switch.
  void ReceiveRecord(const RecordSpan& record);
  // A record to send after the switch; false (and the association failed) if it cannot be sealed.
  bool SendRecord(uint8_t type, const uint8_t* data, size_t length);
  bool Usable() const { return status_ == DtlsStatus::kConnected && verified_; }

  // OpenSSL callbacks (C linkage shims find `this` via app data / BIO data).
  static const BIO_METHOD* DatagramMethod();
  static int BioWrite(BIO* bio, const char* data, int length);
  static int BioRead(BIO* bio, char* out, int length);
  static long BioCtrl(BIO* bio, int cmd, long num, void* ptr);
  static int BioCreate(BIO* bio);
  static int BioDestroy(BIO* bio);
  static int CertVerify(X509_STORE_CTX* store, void* arg);
  static unsigned int TimerCallback(SSL* ssl, unsigned int previous_us);
  static void InfoCallback(const SSL* ssl, int where, int ret);
  static void KeylogCallback(const SSL* ssl, const char* line);
  static int CookieGenerate(SSL* ssl, unsigned char* cookie, unsigned int* length);
  static int CookieVerify(SSL* ssl, const unsigned char* cookie, unsigned int length);

  // Test seam: the Node-free core test reaches the SSL through this.
  friend class DtlsEndpointTestPeer;
  // Registers CertVerify and the cookie callbacks on the shared SSL_CTX.
  friend class DtlsContext;

  // Shared with the other endpoints of this certificate (declared before
  // ssl_, so the SSL goes first).
  std::shared_ptr<const DtlsContext> context_;
  // Allocated by this (the datagram BIO's method is process-wide, see
  // DatagramMethod()). Freed at handshake completion, when record_layer_
  // takes over.
  SslPtr ssl_;
  std::unique_ptr<DtlsRecordLayer> record_layer_;

  // Passed by argument, valid only during one step.
  const Verifier* verifier_ = nullptr;
  const uint8_t* input_ = nullptr;
  size_t input_length_ = 0;

  // Others.
  bool is_server_ = false;
  size_t mtu_ = 1200;
  uint32_t initial_rto_us_ = 1000000;
  std::vector<uint8_t> cookie_secret_;
  DtlsStatus status_ = DtlsStatus::kNew;
  DtlsFailure failure_ = DtlsFailure::kNone;
  DtlsFailure verify_failure_ = DtlsFailure::kNone;
  bool verified_ = false;
  bool close_sent_ = false;
  int sent_alert_ = -1;
  int received_alert_ = -1;
  bool received_fatal_ = false;
  uint64_t dropped_[kDropReasonCount] = {};
  // Epoch-1 sequence numbers OpenSSL wrote (BioWrite): the record layer goes on from the next.
  uint64_t next_write_sequence_ = 0;
  // Epoch-1 records handed to OpenSSL before the handshake completed (the
  // Finished, application data it may have buffered, forgeries): the record
  // layer treats them as received. Bounded by kMaxEarlyRecords.
  static constexpr size_t kMaxEarlyRecords = 16;
  std::vector<uint64_t> early_sequences_;
  // What the session needs from the SSL once it is gone.
  size_t max_data_size_ = 0;
  uint16_t srtp_profile_id_ = 0;
  const char* cipher_suite_ = nullptr;  // OpenSSL's static cipher table
  std::vector<uint8_t> peer_certificate_;  // DER, verified
  // Server: our last flight (ChangeCipherSpec, Finished) as sent, for a
  // client that missed it and sends its Finished again. Dropped once the
  // client's first other epoch-1 record shows that it finished too.
  std::vector<std::vector<uint8_t>> final_flight_;
  // The received datagram, copied once: the caller's buffer is read exactly
  // once, and epoch-0 sequence numbers are rewritten here (see Receive()).
  std::vector<uint8_t> input_copy_;
  std::vector<RecordSpan> records_;
  // Pre-filter state, before the handshake completes.
  uint64_t epoch0_highest_ = 0;    // highest epoch-0 sequence number passed
  uint64_t epoch0_renumbered_ = 0;  // next sequence number OpenSSL sees in epoch 0
  // Declared length + 1 of each message_seq passed (0: none yet).
  uint32_t declared_[kMaxMessageSeq + 1] = {};
  size_t declared_total_ = 0;
  std::vector<std::string> failure_errors_;
  std::vector<std::vector<uint8_t>> datagrams_;
  std::vector<std::vector<uint8_t>> app_data_;
  bool keylog_enabled_ = false;
  std::vector<std::string> keylog_;  // secret: wiped when taken or freed
};

}  // namespace dtlssrtp::core
