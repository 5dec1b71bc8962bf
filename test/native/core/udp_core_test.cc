// SPDX-License-Identifier: MIT
// Node-free test of core::UdpSocket and the RTP/RTCP readers, built with
// ASan/UBSan by test/native/udp-core.test.ts: address records both ways, the
// RFC 7983 classification, known RTP/RTCP headers, every length of random
// and crafted headers in exact-size heap blocks (an access past the end is a
// sanitizer report), and real loopback sockets: a batch in and out, a
// truncated datagram, an unusable destination, EMSGSIZE and an ICMP port
// unreachable, each counted by kind.

#include <netinet/in.h>
#include <poll.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/udp_socket.h"

#include "check.h"

using namespace dtlssrtp::core;

namespace {

void TestRecords() {
  uint8_t r[kUdpAddressRecordLength];
  CHECK(EncodeUdpAddress("127.0.0.1", 5000, false, r));
  CHECK(r[0] == 4 && r[2] == 0x13 && r[3] == 0x88 && r[4] == 127 && r[7] == 1);
  sockaddr_storage s{};
  CHECK(RecordToSockaddr(r, false, &s) == sizeof(sockaddr_in));
  CHECK(RecordToSockaddr(r, true, &s) == 0);  // an IPv4 record on an IPv6 socket
  uint8_t back[kUdpAddressRecordLength];
  RecordToSockaddr(r, false, &s);
  SockaddrToRecord(s, back);
  CHECK(std::memcmp(r, back, sizeof(r)) == 0);
  CHECK(EncodeUdpAddress("10.1.2.3", 1, true, r));  // mapped on an IPv6 socket
  CHECK(r[0] == 6 && r[14] == 0xff && r[15] == 0xff && r[16] == 10 && r[19] == 3);
  CHECK(EncodeUdpAddress("2001:db8::1", 65535, true, r));
  CHECK(r[0] == 6 && r[4] == 0x20 && r[19] == 1 && r[2] == 0xff && r[3] == 0xff);
  CHECK(!EncodeUdpAddress("2001:db8::1", 1, false, r));
  CHECK(!EncodeUdpAddress("localhost", 1, true, r));
  CHECK(!EncodeUdpAddress("1.2.3.4.5", 1, false, r));
  CHECK(!EncodeUdpAddress("", 1, true, r));
  uint8_t zero[kUdpAddressRecordLength] = {};
  CHECK(RecordToSockaddr(zero, false, &s) == 0 && RecordToSockaddr(zero, true, &s) == 0);
}

void TestReaders() {
  const uint8_t stun[] = {0, 1, 0, 0};
  const uint8_t dtls[] = {22, 254, 253};
  const uint8_t rtcp_rr[] = {0x81, 201, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  // The same header claiming 32 bytes: a length word past the end.
  const uint8_t rtcp_long[] = {0x81, 201, 0, 7, 0xde, 0xad, 0xbe, 0xef};
  CHECK(ClassifyMedia(stun, sizeof(stun)) == MediaKind::kOther);
  CHECK(ClassifyMedia(dtls, sizeof(dtls)) == MediaKind::kOther);
  CHECK(ClassifyMedia(rtcp_rr, sizeof(rtcp_rr)) == MediaKind::kRtcp);
  CHECK(ClassifyMedia(rtcp_rr, 1) == MediaKind::kOther);
  CHECK(ClassifyMedia(nullptr, 0) == MediaKind::kOther);
  RtpFields f;
  CHECK(ReadRtcpFields(rtcp_rr, sizeof(rtcp_rr), &f) && f.ssrc == 0xdeadbeef && f.payload_type == 201);
  CHECK(!ReadRtcpFields(rtcp_long, sizeof(rtcp_long), &f));
  // V=2, P, X, CC=1, M, PT=100, seq 0x0102, ts, ssrc, 1 CSRC, extension of 1 word, 3 payload bytes, 2 padding.
  const uint8_t packet[] = {0xb1, 0xe4, 0x01, 0x02, 0, 0, 0, 9, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 5,
                            0xbe, 0xde, 0, 1, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0, 2};
  CHECK(ClassifyMedia(packet, sizeof(packet)) == MediaKind::kRtp);
  CHECK(ReadRtpFields(packet, sizeof(packet), &f));
  CHECK(f.ssrc == 0x11223344 && f.sequence == 0x0102 && f.payload_type == 100 && f.marker && f.timestamp == 9);
  CHECK(f.extension_offset == 16 && f.payload_offset == 24 && f.payload_length == 3);
  // Every truncation of it, in an exact-size block.
  for (size_t n = 0; n < sizeof(packet); ++n) {
    std::unique_ptr<uint8_t[]> block(new uint8_t[n == 0 ? 1 : n]);
    std::memcpy(block.get(), packet, n);
    RtpFields g;
    ReadRtpFields(block.get(), n, &g);
    ReadRtcpFields(block.get(), n, &g);
    ClassifyMedia(block.get(), n);
  }
  // Padding count 0 or larger than the packet: malformed.
  uint8_t bad[sizeof(packet)];
  std::memcpy(bad, packet, sizeof(packet));
  bad[sizeof(bad) - 1] = 0;
  CHECK(!ReadRtpFields(bad, sizeof(bad), &f));
  bad[sizeof(bad) - 1] = 200;
  CHECK(!ReadRtpFields(bad, sizeof(bad), &f));
  // An extension longer than the packet.
  std::memcpy(bad, packet, sizeof(packet));
  bad[19] = 50;
  CHECK(!ReadRtpFields(bad, sizeof(bad), &f));
  // 200 000 random headers of every length up to 80 bytes, biased to version 2.
  std::mt19937 rng(7);
  for (int round = 0; round < 200000; ++round) {
    const size_t n = rng() % 81;
    std::unique_ptr<uint8_t[]> block(new uint8_t[n == 0 ? 1 : n]);
    for (size_t i = 0; i < n; ++i) block[i] = static_cast<uint8_t>(rng());
    if (n > 0 && (round & 1) == 0) block[0] = static_cast<uint8_t>(0x80 | (block[0] & 0x3f));
    RtpFields g;
    if (ReadRtpFields(block.get(), n, &g)) {
      CHECK(g.payload_offset <= n && g.payload_offset + g.payload_length <= n);
      CHECK(g.extension_offset == 0 || g.extension_offset + 4 <= g.payload_offset);
    }
    ReadRtcpFields(block.get(), n, &g);
    ClassifyMedia(block.get(), n);
  }
}

bool WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 2000) == 1;
}

void TestSockets() {
  uint8_t any[kUdpAddressRecordLength];
  CHECK(EncodeUdpAddress("127.0.0.1", 0, false, any));
  UdpSocket a;
  UdpSocket b;
  CHECK(a.Open(any, false, false, false) == 0);
  CHECK(b.Open(any, false, false, false) == 0);
  // DF on every datagram, the path MTU from ICMP ignored (see Open()).
  int mode = -1;
  socklen_t mode_length = sizeof(mode);
  CHECK(getsockopt(a.fd(), IPPROTO_IP, IP_MTU_DISCOVER, &mode, &mode_length) == 0 && mode == IP_PMTUDISC_PROBE);
  {
    uint8_t any6[kUdpAddressRecordLength];
    CHECK(EncodeUdpAddress("::1", 0, true, any6));
    UdpSocket six;
    CHECK(six.Open(any6, true, false, true) == 0);
    mode = -1;
    CHECK(getsockopt(six.fd(), IPPROTO_IPV6, IPV6_MTU_DISCOVER, &mode, &mode_length) == 0 &&
          mode == IPV6_PMTUDISC_PROBE);
  }
  uint8_t to_b[kUdpAddressRecordLength];
  CHECK(b.LocalAddress(to_b));
  UdpStats stats;
  sockaddr_storage destinations[2];
  socklen_t lengths[2];
  lengths[0] = RecordToSockaddr(to_b, false, &destinations[0]);
  uint8_t v6[kUdpAddressRecordLength];
  CHECK(EncodeUdpAddress("::1", 9, true, v6));
  lengths[1] = RecordToSockaddr(v6, false, &destinations[1]);  // 0: cannot be sent from IPv4
  CHECK(lengths[0] != 0 && lengths[1] == 0);
  std::vector<uint8_t> small(100, 1);
  std::vector<uint8_t> large(300, 2);
  std::vector<uint8_t> huge(70000, 3);
  iovec iov[4] = {{small.data(), small.size()}, {large.data(), large.size()}, {huge.data(), huge.size()},
                  {small.data(), 10}};
  const uint32_t which[4] = {0, 0, 0, 1};
  CHECK(a.SendBatch(iov, 4, destinations, lengths, which, &stats) == 2);
  CHECK(stats.values[UdpStats::kDatagramsSent] == 2);
  CHECK(stats.values[UdpStats::kBytesSent] == 400);
  CHECK(stats.values[UdpStats::kSendMessageTooBig] == 1);
  CHECK(stats.values[UdpStats::kSendFailed] == 1);
  // Receive into 256-byte slots: the 300-byte datagram is truncated, dropped and counted.
  CHECK(WaitReadable(b.fd()));
  std::vector<uint8_t> slots(256 * 8);
  UdpReceived received[8];
  UdpStats in;
  int n = 0;
  for (int tries = 0; tries < 100 && n == 0; ++tries) n = b.ReceiveBatch(slots.data(), 256, 8, received, &in);
  CHECK(n == 1);
  CHECK(received[0].length == 100 && received[0].offset == 0 && slots[0] == 1);
  uint8_t from_a[kUdpAddressRecordLength];
  CHECK(a.LocalAddress(from_a));
  CHECK(std::memcmp(received[0].source, from_a, kUdpAddressRecordLength) == 0);
  CHECK(in.values[UdpStats::kReceiveTruncated] == 1);
  // Nothing more: 0, not an error.
  CHECK(b.ReceiveBatch(slots.data(), 256, 8, received, &in) == 0);
  // A port nobody listens on: the ICMP error is queued (RECVERR) and counted.
  b.Close();
  CHECK(b.ReceiveBatch(slots.data(), 256, 8, received, &in) == 0);  // closed: nothing, no crash
  iovec one = {small.data(), 10};
  CHECK(a.SendBatch(&one, 1, destinations, lengths, nullptr, &stats) == 1);
  pollfd p{a.fd(), 0, 0};
  CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLERR) != 0);
  a.DrainErrors(&stats);
  CHECK(stats.values[UdpStats::kIcmpUnreachable] == 1);
  p.revents = 0;
  CHECK(poll(&p, 1, 0) == 0);  // drained: no POLLERR left to spin on
  a.Close();
  a.Close();
}

}  // namespace

int main() {
  TestRecords();
  TestReaders();
  TestSockets();
  return dtlssrtp::test::Summary();
}
