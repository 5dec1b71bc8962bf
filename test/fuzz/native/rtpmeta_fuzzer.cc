// SPDX-License-Identifier: MIT
// libFuzzer target: the media reader of the native receive path
// (native/core/udp_socket.cc): ClassifyMedia, ReadRtpFields and
// ReadRtcpFields, which run on every datagram from a routed source after it
// unprotected (so on bytes that authenticated but that the peer chose).
//
// Input: the whole input is one datagram. It is copied into an exact-size
// heap block, so any read outside it is an AddressSanitizer report.
// Invariants checked (a violation aborts):
// - RTP: the payload (and the padding it leaves out) lies inside the packet,
//   after the fixed header, the CSRC list and the extension; the extension
//   header, when there is one, sits right after the CSRC list; the fields are
//   those of the header bytes.
// - RTCP: an accepted compound is a whole number of packets, each of them at
//   least 8 bytes with version 2, padding only on the last; the first
//   packet's type and sender SSRC are reported; the same bytes with one more
//   trailing byte (or one byte less) are refused.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/udp_socket.h"

using dtlssrtp::core::ClassifyMedia;
using dtlssrtp::core::MediaKind;
using dtlssrtp::core::ReadRtcpFields;
using dtlssrtp::core::ReadRtpFields;
using dtlssrtp::core::RtpFields;

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

uint32_t Read32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

void CheckRtp(const uint8_t* data, size_t size) {
  RtpFields fields;
  if (!ReadRtpFields(data, size, &fields)) return;
  Check(size >= 12 && (data[0] >> 6) == 2);
  const size_t fixed = 12 + 4 * static_cast<size_t>(data[0] & 0x0f);
  Check(fields.payload_offset >= fixed);
  Check(static_cast<size_t>(fields.payload_offset) + fields.payload_length <= size);
  if ((data[0] & 0x10) != 0) {
    Check(fields.extension_offset == fixed && fixed + 4 <= fields.payload_offset);
  } else {
    Check(fields.extension_offset == 0 && fields.payload_offset == fixed);
  }
  const size_t padding = size - fields.payload_offset - fields.payload_length;
  if ((data[0] & 0x20) != 0) {
    Check(padding == data[size - 1] && padding > 0);
  } else {
    Check(padding == 0);
  }
  Check(fields.ssrc == Read32(data + 8) && fields.timestamp == Read32(data + 4));
  Check(fields.sequence == ((data[2] << 8) | data[3]) && fields.payload_type == (data[1] & 0x7f));
  Check(fields.marker == ((data[1] & 0x80) != 0));
}

void CheckRtcp(const uint8_t* data, size_t size) {
  RtpFields fields;
  uint32_t packets = 0;
  if (!ReadRtcpFields(data, size, &fields, &packets)) return;
  Check(packets >= 1 && size >= 8);
  Check(fields.payload_type == data[1] && fields.ssrc == Read32(data + 4));
  size_t at = 0;
  for (uint32_t i = 0; i < packets; ++i) {
    Check(at + 8 <= size && (data[at] >> 6) == 2);
    const size_t length = ((static_cast<size_t>(data[at + 2]) << 8 | data[at + 3]) + 1) * 4;
    Check(at + length <= size);
    if ((data[at] & 0x20) != 0) Check(i + 1 == packets);
    at += length;
  }
  Check(at == size);
  // One byte more or less is never a whole compound.
  std::vector<uint8_t> longer(data, data + size);
  longer.push_back(0x80);
  Check(!ReadRtcpFields(longer.data(), longer.size(), &fields));
  std::vector<uint8_t> shorter(data, data + size - 1);
  Check(!ReadRtcpFields(shorter.data(), shorter.size(), &fields));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
  // An exact-size block: ASan reports any read past it.
  uint8_t* data = static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
  if (data == nullptr) return 0;
  if (size > 0) std::memcpy(data, input, size);
  const MediaKind kind = ClassifyMedia(data, size);
  if (kind == MediaKind::kOther) {
    Check(size < 2 || data[0] < 128 || data[0] > 191);
  }
  // Both readers on every input, whatever the classification said.
  CheckRtp(data, size);
  CheckRtcp(data, size);
  std::free(data);
  return 0;
}
