// SPDX-License-Identifier: MIT
#include "core/udp_socket.h"

// Linux only (recvmmsg, sendmmsg, the RECVERR error queue); elsewhere the
// TypeScript layer uses node:dgram and this file compiles to nothing.
#if defined(__linux__)

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/sock_diag.h>
#include <netinet/ip.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace dtlssrtp::core {

namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void PutPort(uint8_t record[kUdpAddressRecordLength], uint16_t port) {
  record[2] = static_cast<uint8_t>(port >> 8);
  record[3] = static_cast<uint8_t>(port & 0xff);
}

uint16_t GetPort(const uint8_t record[kUdpAddressRecordLength]) {
  return static_cast<uint16_t>((record[2] << 8) | record[3]);
}

uint16_t Read16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Read32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

bool IsWouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS; }

}  // namespace

bool EncodeUdpAddress(const char* host, uint16_t port, bool socket_is_ipv6,
                      uint8_t record[kUdpAddressRecordLength]) {
  std::memset(record, 0, kUdpAddressRecordLength);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host, &v4) == 1) {
    if (socket_is_ipv6) {
      record[0] = 6;
      std::memcpy(record + 4, kMappedPrefix, sizeof(kMappedPrefix));
      std::memcpy(record + 16, &v4, 4);
    } else {
      record[0] = 4;
      std::memcpy(record + 4, &v4, 4);
    }
  } else if (inet_pton(AF_INET6, host, &v6) == 1) {
    if (!socket_is_ipv6) return false;
    record[0] = 6;
    std::memcpy(record + 4, &v6, 16);
  } else {
    return false;
  }
  PutPort(record, port);
  return true;
}

socklen_t RecordToSockaddr(const uint8_t record[kUdpAddressRecordLength], bool socket_is_ipv6,
                           sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  if (record[0] == 4 && !socket_is_ipv6) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(GetPort(record));
    std::memcpy(&sin->sin_addr, record + 4, 4);
    return sizeof(sockaddr_in);
  }
  if (record[0] == 6 && socket_is_ipv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(GetPort(record));
    std::memcpy(&sin6->sin6_addr, record + 4, 16);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

void SockaddrToRecord(const sockaddr_storage& address, uint8_t record[kUdpAddressRecordLength]) {
  std::memset(record, 0, kUdpAddressRecordLength);
  if (address.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address);
    record[0] = 4;
    PutPort(record, ntohs(sin->sin_port));
    std::memcpy(record + 4, &sin->sin_addr, 4);
  } else if (address.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address);
    record[0] = 6;
    PutPort(record, ntohs(sin6->sin6_port));
    std::memcpy(record + 4, &sin6->sin6_addr, 16);
  }
}

MediaKind ClassifyMedia(const uint8_t* data, size_t length) {
  // RFC 7983: 128..191 is RTP or RTCP; RFC 5761 §4: a second byte of
  // 192..223 is an RTCP packet type (RTP payload types 64..95 are not used
  // on a muxed port).
  if (length < 2 || data[0] < 128 || data[0] > 191) return MediaKind::kOther;
  return (data[1] >= 192 && data[1] <= 223) ? MediaKind::kRtcp : MediaKind::kRtp;
}

bool ReadRtpFields(const uint8_t* data, size_t length, RtpFields* out) {
  if (length < 12 || (data[0] >> 6) != 2) return false;
  const size_t csrc_count = data[0] & 0x0f;
  size_t header = 12 + 4 * csrc_count;
  if (header > length) return false;
  out->marker = (data[1] & 0x80) != 0;
  out->payload_type = data[1] & 0x7f;
  out->sequence = Read16(data + 2);
  out->timestamp = Read32(data + 4);
  out->ssrc = Read32(data + 8);
  out->extension_offset = 0;
  if ((data[0] & 0x10) != 0) {
    if (header + 4 > length) return false;
    const size_t words = Read16(data + header + 2);
    out->extension_offset = static_cast<uint32_t>(header);
    header += 4 + 4 * words;
    if (header > length) return false;
  }
  size_t padding = 0;
  if ((data[0] & 0x20) != 0) {
    padding = data[length - 1];
    if (padding == 0 || header + padding > length) return false;
  }
  out->payload_offset = static_cast<uint32_t>(header);
  out->payload_length = static_cast<uint32_t>(length - header - padding);
  return true;
}

bool ReadRtcpFields(const uint8_t* data, size_t length, RtpFields* out, uint32_t* packets) {
  *out = RtpFields{};
  if (length == 0) return false;
  uint32_t count = 0;
  for (size_t at = 0; at < length;) {
    const size_t left = length - at;
    if (left < 8 || (data[at] >> 6) != 2) return false;
    const size_t packet_length = (static_cast<size_t>(Read16(data + at + 2)) + 1) * 4;
    if (packet_length > left || packet_length < 8) return false;
    if ((data[at] & 0x20) != 0) {
      // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
      if (packet_length != left) return false;
      const size_t padding = data[at + packet_length - 1];
      if (padding == 0 || padding > packet_length - 4) return false;
    }
    at += packet_length;
    ++count;
  }
  out->payload_type = data[1];
  out->ssrc = Read32(data + 4);
  out->payload_offset = 8;
  out->payload_length = static_cast<uint32_t>(length - 8);
  if (packets != nullptr) *packets = count;
  return true;
}

UdpSocket::~UdpSocket() { Close(); }

int UdpSocket::Open(const uint8_t bind_record[kUdpAddressRecordLength], bool ipv6, bool reuse_port,
                    bool ipv6_only, int receive_buffer, int send_buffer) {
  Close();
  ipv6_ = ipv6;
  sockaddr_storage address{};
  const socklen_t address_length = RecordToSockaddr(bind_record, ipv6, &address);
  if (address_length == 0) return -EAFNOSUPPORT;
  const int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int on = 1;
  const int v6only = ipv6_only ? 1 : 0;
  int failure = 0;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) failure = errno;
  if (failure == 0 && ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0) {
    failure = errno;
  }
  if (failure == 0 && receive_buffer > 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer)) != 0) {
    failure = errno;
  }
  if (failure == 0 && send_buffer > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof(send_buffer)) != 0) {
    failure = errno;
  }
  // Without RECVERR Linux discards ICMP errors for unconnected UDP sockets;
  // with it they are queued (and counted by DrainErrors). IPv4-mapped
  // traffic on a dual-stack socket reports through IP_RECVERR.
  if (failure == 0 && setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) != 0 && !ipv6) failure = errno;
  if (failure == 0 && ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on)) != 0) failure = errno;
  // Never fragmented (RFC 8085 §3.2: UDP applications should avoid IP
  // fragmentation; WebRTC sizes its datagrams, about 1200 bytes, to fit):
  // every datagram carries DF, and one larger than the interface MTU fails
  // with EMSGSIZE (counted). PROBE rather than DO: the kernel ignores the
  // path MTU that ICMP "fragmentation needed" reports, so a forged ICMP
  // cannot shrink what we may send. On an unconnected socket, DF also spares
  // each IPv4 datagram the kernel's shared IP-ID generator (an atomic that
  // all cores sending to one address contend on).
  const int probe = IP_PMTUDISC_PROBE;
  if (failure == 0 && setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)) != 0 && !ipv6) {
    failure = errno;
  }
  const int probe6 = IPV6_PMTUDISC_PROBE;
  if (failure == 0 && ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &probe6, sizeof(probe6)) != 0) {
    failure = errno;
  }
  if (failure == 0 && bind(fd, reinterpret_cast<const sockaddr*>(&address), address_length) != 0) failure = errno;
  if (failure != 0) {
    ::close(fd);
    return -failure;
  }
  fd_ = fd;
  return 0;
}

void UdpSocket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool UdpSocket::LocalAddress(uint8_t record[kUdpAddressRecordLength]) const {
  if (fd_ < 0) return false;
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  SockaddrToRecord(address, record);
  return true;
}

int UdpSocket::ReceiveBatch(uint8_t* base, size_t slot_size, size_t max, UdpReceived* out, UdpStats* stats) {
  if (fd_ < 0 || max == 0) return 0;
  if (messages_.size() < max) {
    messages_.resize(max);
    iov_.resize(max);
    sources_.resize(max);
  }
  for (size_t i = 0; i < max; ++i) {
    iov_[i].iov_base = base + i * slot_size;
    iov_[i].iov_len = slot_size;
    msghdr& header = messages_[i].msg_hdr;
    header = msghdr{};
    header.msg_name = &sources_[i];
    header.msg_namelen = sizeof(sockaddr_storage);
    header.msg_iov = &iov_[i];
    header.msg_iovlen = 1;
    messages_[i].msg_len = 0;
  }
  int received;
  do {
    received = recvmmsg(fd_, messages_.data(), static_cast<unsigned int>(max), MSG_DONTWAIT, nullptr);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) return 0;
    // With RECVERR a pending ICMP error is reported once by the next receive;
    // the queued copy is what DrainErrors counts.
    if (error == ECONNREFUSED || error == EHOSTUNREACH || error == ENETUNREACH) {
      DrainErrors(stats);
      return 0;
    }
    stats->Add(UdpStats::kReceiveFailed);
    return -error;
  }
  int kept = 0;
  for (int i = 0; i < received; ++i) {
    const mmsghdr& message = messages_[i];
    // MSG_TRUNC: the datagram was larger than its slot (msg_len is then the
    // slot size, not the datagram's): never deliver a partial datagram.
    if ((message.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
      stats->Add(UdpStats::kReceiveTruncated);
      continue;
    }
    UdpReceived& item = out[kept++];
    item.offset = static_cast<uint32_t>(i * slot_size);
    item.length = message.msg_len;
    SockaddrToRecord(sources_[i], item.source);
  }
  return kept;
}

double UdpSocket::KernelDrops() const {
  if (fd_ < 0) return -1;
  uint32_t info[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof(info);
  if (getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, info, &length) != 0 ||
      length <= SK_MEMINFO_DROPS * sizeof(uint32_t)) {
    return -1;
  }
  return info[SK_MEMINFO_DROPS];
}

void UdpSocket::DrainErrors(UdpStats* stats) {
  if (fd_ < 0) return;
  // Bounded: the kernel caps the error queue by the receive buffer anyway.
  for (int round = 0; round < 256; ++round) {
    alignas(cmsghdr) uint8_t control[512];
    uint8_t data[64];
    iovec iov{data, sizeof(data)};
    sockaddr_storage from{};
    msghdr header{};
    header.msg_name = &from;
    header.msg_namelen = sizeof(from);
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(fd_, &header, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: the queue is empty
    }
    bool counted = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
      const bool is_error = (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR);
      if (!is_error) continue;
      sock_extended_err error{};
      std::memcpy(&error, CMSG_DATA(c), sizeof(error));
      const bool unreachable =
          error.ee_errno == ECONNREFUSED || error.ee_errno == EHOSTUNREACH || error.ee_errno == ENETUNREACH;
      stats->Add(unreachable ? UdpStats::kIcmpUnreachable : UdpStats::kIcmpOther);
      counted = true;
    }
    if (!counted) stats->Add(UdpStats::kIcmpOther);
  }
  // Clear a pending socket error too, so the next receive or send does not
  // report it again.
  int pending = 0;
  socklen_t length = sizeof(pending);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &pending, &length);
}

size_t UdpSocket::SendBatch(const iovec* iov, size_t count, const sockaddr_storage* destinations,
                            const socklen_t* lengths, const uint32_t* which, UdpStats* stats) {
  if (fd_ < 0 || count == 0) return 0;
  if (messages_.size() < count) {
    messages_.resize(count);
    iov_.resize(count);
    sources_.resize(count);
  }
  send_lengths_.resize(std::max(send_lengths_.size(), count));
  for (size_t i = 0; i < count; ++i) {
    const uint32_t d = which == nullptr ? 0 : which[i];
    msghdr& header = messages_[i].msg_hdr;
    header = msghdr{};
    header.msg_name = const_cast<sockaddr_storage*>(&destinations[d]);
    header.msg_namelen = lengths[d];
    header.msg_iov = const_cast<iovec*>(&iov[i]);
    header.msg_iovlen = 1;
    messages_[i].msg_len = 0;
    send_lengths_[i] = lengths[d];
  }
  const socklen_t* address_lengths = send_lengths_.data();
  size_t sent = 0;
  size_t next = 0;
  int pending_error_retries = 0;
  while (next < count) {
    // A destination the record could not express is skipped before the kernel.
    if (address_lengths[next] == 0) {
      stats->Add(UdpStats::kSendFailed);
      ++next;
      continue;
    }
    size_t run = 1;
    while (next + run < count && address_lengths[next + run] != 0) ++run;
    const int n = sendmmsg(fd_, messages_.data() + next, static_cast<unsigned int>(run), MSG_DONTWAIT);
    if (n > 0) {
      for (int i = 0; i < n; ++i) stats->Add(UdpStats::kBytesSent, iov[next + i].iov_len);
      stats->Add(UdpStats::kDatagramsSent, n);
      sent += static_cast<size_t>(n);
      next += static_cast<size_t>(n);
      continue;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (IsWouldBlock(error)) {
      stats->Add(UdpStats::kSendWouldBlock, static_cast<double>(count - next));
      break;
    }
    if (error == ECONNREFUSED || error == EHOSTUNREACH || error == ENETUNREACH) {
      // A pending ICMP error for an earlier datagram, reported by this call:
      // count it (from the queue) and retry the same datagram, a bounded number of times.
      DrainErrors(stats);
      if (++pending_error_retries <= 4) continue;
    }
    stats->Add(error == EMSGSIZE ? UdpStats::kSendMessageTooBig : UdpStats::kSendFailed);
    ++next;
  }
  return sent;
}

}  // namespace dtlssrtp::core

#endif  // defined(__linux__)
