// SPDX-License-Identifier: MIT
#pragma once

// A non-blocking UDP socket that moves datagrams in batches (Linux
// recvmmsg/sendmmsg), plus the RFC 7983 / RFC 3550 reading the media path
// needs. Plain C++17 and POSIX: no Node-API and no libuv; the binding
// (native/binding/udp_binding.cc) polls the descriptor on Node's loop.
//
// Ownership: a UdpSocket owns its descriptor and closes it in Close() or its
// destructor. It never keeps a pointer to a caller's buffer beyond a call.
// Thread: a UdpSocket belongs to the thread that created it.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dtlssrtp::core {

// An address in the compact form shared with TypeScript (20 bytes):
// [0] family (4 or 6), [1] 0, [2..3] port (big-endian), [4..19] address
// bytes (an IPv4 address in [4..7], the rest zero).
constexpr size_t kUdpAddressRecordLength = 20;

// Parses a numeric IPv4/IPv6 literal (no names, no scope ids) into a record.
// On an IPv6 socket an IPv4 literal becomes its IPv4-mapped IPv6 form; on an
// IPv4 socket an IPv6 literal is refused. Returns false for anything else.
bool EncodeUdpAddress(const char* host, uint16_t port, bool socket_is_ipv6, uint8_t record[kUdpAddressRecordLength]);
// Record -> sockaddr for sendmsg. Returns the sockaddr length, 0 for a
// record that does not fit the socket's family.
socklen_t RecordToSockaddr(const uint8_t record[kUdpAddressRecordLength], bool socket_is_ipv6,
                           sockaddr_storage* out);
void SockaddrToRecord(const sockaddr_storage& address, uint8_t record[kUdpAddressRecordLength]);

// Counters, in this order (the binding copies them into a Float64Array; the
// TypeScript names live in lib/udp-socket.ts, and a test holds both lists
// together through the `statsNames` constant).
struct UdpStats {
  enum Index : size_t {
    kDatagramsReceived,   // delivered to JavaScript
    kBytesReceived,       // their bytes (after unprotecting, for SRTP)
    kBatchesDelivered,    // calls into JavaScript
    kDatagramsSent,       // accepted by the kernel
    kBytesSent,
    kReceiveTruncated,    // larger than the receive slot: dropped
    kSendMessageTooBig,   // EMSGSIZE: dropped
    kSendWouldBlock,      // EAGAIN/EWOULDBLOCK/ENOBUFS: the socket buffer is full, dropped
    kSendFailed,          // any other send errno (EINVAL, EACCES, EPERM, ...): dropped
    kReceiveFailed,       // any other receive errno
    kIcmpUnreachable,     // ICMP port/host/network unreachable reported for a datagram we sent
    kIcmpOther,           // any other ICMP error reported through the error queue
    kSrtpDropped,         // SRTP/SRTCP from a routed source that failed to unprotect
    kProtectFailed,       // packets a send-with-SRTP call could not protect (not sent)
    kReceiveDropped,      // dropped by the kernel on a full receive buffer (SO_MEMINFO; read, not counted)
    kRtcpMalformed,       // SRTCP that authenticated but whose compound packet is malformed: dropped
    kCount,
  };
  double values[kCount] = {};
  void Add(Index index, double by = 1) { values[index] += by; }
};

// One received datagram: where it sits in the caller's slots and who sent it.
struct UdpReceived {
  uint32_t offset;
  uint32_t length;
  uint8_t source[kUdpAddressRecordLength];
};

// How a datagram from a routed source is classified (RFC 7983 §7 first-byte
// ranges; RFC 5761 §4 for RTCP on a muxed port).
enum class MediaKind : uint8_t { kOther, kRtp, kRtcp };
MediaKind ClassifyMedia(const uint8_t* data, size_t length);

// What an SFU routes on, read from a plain RTP packet (after unprotecting).
struct RtpFields {
  uint32_t ssrc = 0;
  uint16_t sequence = 0;
  uint8_t payload_type = 0;
  bool marker = false;
  uint32_t timestamp = 0;
  uint32_t extension_offset = 0;  // offset of the 4-byte extension header; 0 when there is none
  uint32_t payload_offset = 0;    // first payload byte
  uint32_t payload_length = 0;    // payload bytes without RTP padding
};
// False when the packet is not a well-formed RTP packet (version, lengths).
bool ReadRtpFields(const uint8_t* data, size_t length, RtpFields* out);
// RTCP (a plain compound packet, RFC 3550 §6.4 and A.2): walks every packet
// and checks it as lib/rtp.ts's rtcpPackets does (at least 8 bytes, version
// 2, a length word that fits, padding only on the last packet and within
// it). False if any packet is malformed; else the first packet's type (in
// payload_type) and sender SSRC, and `*packets` (if given) the packet count.
bool ReadRtcpFields(const uint8_t* data, size_t length, RtpFields* out, uint32_t* packets = nullptr);

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Creates the descriptor (non-blocking, close-on-exec), sets SO_REUSEPORT
  // if asked (before bind, so two sockets can share one port), IPV6_V6ONLY
  // on IPv6, SO_RCVBUF / SO_SNDBUF when non-zero (the kernel doubles them
  // and caps them at net.core.rmem_max / wmem_max), and the RECVERR option
  // so ICMP errors are queued for counting instead of lost; binds
  // `bind_record`. Returns 0 or -errno.
  int Open(const uint8_t bind_record[kUdpAddressRecordLength], bool ipv6, bool reuse_port, bool ipv6_only,
           int receive_buffer = 0, int send_buffer = 0);
  // Closes the descriptor (idempotent).
  void Close();
  int fd() const { return fd_; }
  bool ipv6() const { return ipv6_; }
  // The bound address as a record; false when closed or on failure.
  bool LocalAddress(uint8_t record[kUdpAddressRecordLength]) const;

  // One recvmmsg of up to `max` datagrams into `slots` (slot i at
  // base + i * slot_size). Truncated datagrams (MSG_TRUNC) are dropped and
  // counted. Returns how many were received into out[0..n) (0 when nothing
  // is waiting), or -errno for a failure other than EAGAIN.
  int ReceiveBatch(uint8_t* base, size_t slot_size, size_t max, UdpReceived* out, UdpStats* stats);

  // Datagrams the kernel dropped for this socket because its receive buffer
  // was full (SO_MEMINFO), or -1 if the kernel does not say.
  double KernelDrops() const;

  // Drains the error queue (ICMP errors), counting each entry. Cheap when empty.
  void DrainErrors(UdpStats* stats);

  // Sends count datagrams (iov[i] to destinations[which[i]], or to
  // destinations[0] when `which` is null) with as few sendmmsg calls as the
  // kernel allows. A datagram the kernel refuses is counted by errno and
  // skipped; EAGAIN/ENOBUFS drops the rest of the batch (the buffer is full;
  // retrying now would spin). A destination of length 0 (not expressible on
  // this socket) is counted as kSendFailed. The caller checks which[i] <
  // its destination count. Returns how many the kernel accepted.
  size_t SendBatch(const iovec* iov, size_t count, const sockaddr_storage* destinations, const socklen_t* lengths,
                   const uint32_t* which, UdpStats* stats);

 private:
  int fd_ = -1;
  bool ipv6_ = false;
  // Scratch reused by every batch (grows to the largest batch, then stays).
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iov_;
  std::vector<sockaddr_storage> sources_;
  std::vector<socklen_t> send_lengths_;
};

}  // namespace dtlssrtp::core
