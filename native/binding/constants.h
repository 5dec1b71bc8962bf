// SPDX-License-Identifier: MIT
#pragma once

// The names the addon gives to the core enums TypeScript needs: the one place
// they are spelled. addon.cc exports them, frozen, as `constants`; lib/*.ts
// derives its tables from that export, and test/native/constants.test.ts
// holds the TypeScript types to it. Each table is checked here against its
// enum (a count, or a switch that -Wswitch checks), so an entry added on the
// C++ side alone fails the build or the test.

#include <cstddef>
#include <cstdint>

#include "core/dtls_endpoint.h"
#include "core/srtp_context.h"

namespace dtlssrtp::binding {

// SRTP protection profiles: our name (the SDP/W3C spelling TypeScript uses),
// OpenSSL's use_srtp name. Lengths and overheads come from core::FindSrtpProfile.
struct SrtpProfileName {
  core::SrtpProfile profile;
  const char* name;
  const char* openssl_name;
};
inline constexpr SrtpProfileName kSrtpProfileNames[] = {
    {core::SrtpProfile::kAesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_SHA1_80"},
    {core::SrtpProfile::kAesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", "SRTP_AES128_CM_SHA1_32"},
    {core::SrtpProfile::kAeadAes128Gcm, "AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM"},
    {core::SrtpProfile::kAeadAes256Gcm, "AEAD_AES_256_GCM", "SRTP_AEAD_AES_256_GCM"},
};
static_assert(sizeof kSrtpProfileNames / sizeof kSrtpProfileNames[0] == core::kSrtpProfileCount,
              "every SRTP profile has a name");

// The error code of each core::SrtpFailure, in enum order (the order of the
// failure counters in core::SrtpStats).
inline constexpr const char* kSrtpFailureCodes[] = {
    "ERR_SRTP_AUTH_FAIL",         // kAuthFail
    "ERR_SRTP_REPLAY_FAIL",       // kReplayFail
    "ERR_SRTP_REPLAY_OLD",        // kReplayOld
    "ERR_SRTP_BAD_PACKET",        // kBadPacket
    "ERR_SRTP_BUFFER_SMALL",      // kBufferTooSmall
    "ERR_SRTP_TOO_MANY_STREAMS",  // kTooManyStreams
    "ERR_SRTP_INTERNAL",          // kInternal
    "ERR_SRTP_KEY_LIMIT",         // kKeyLimit
};
static_assert(sizeof kSrtpFailureCodes / sizeof kSrtpFailureCodes[0] == static_cast<size_t>(core::SrtpFailure::kCount),
              "every SrtpFailure has a code");

// The counters of core::SrtpStats before the failure counters, in index
// order, by the name lib/srtp-session.ts SrtpStats gives them. The failure
// counters follow (named by their code), then these:
inline constexpr const char* kSrtpStatsNames[] = {
    "rtpPacketsProtected",  "rtpBytesProtected",  "rtpPacketsUnprotected",  "rtpBytesUnprotected",
    "rtcpPacketsProtected", "rtcpBytesProtected", "rtcpPacketsUnprotected", "rtcpBytesUnprotected",
    "remoteStreams",
};
static_assert(sizeof kSrtpStatsNames / sizeof kSrtpStatsNames[0] == core::SrtpStats::kFailuresBase,
              "every counter before the failures has a name");
inline constexpr const char* kSrtpStatsNamesAfterFailures[] = {"localStreams"};
static_assert(core::SrtpStats::kLocalStreams ==
                      core::SrtpStats::kFailuresBase + static_cast<size_t>(core::SrtpFailure::kCount) &&
                  sizeof kSrtpStatsNamesAfterFailures / sizeof kSrtpStatsNamesAfterFailures[0] ==
                      core::SrtpStats::kCount - core::SrtpStats::kLocalStreams,
              "every counter after the failures has a name");

// The names NativeDtls info().dropped and TypeScript's DtlsStats.dropped use
// for core::DropReason (kNone has none).
struct DropName {
  core::DropReason reason;
  const char* name;
};
inline constexpr DropName kDropNames[] = {
    {core::DropReason::kMalformed, "malformed"},
    {core::DropReason::kImplausibleSequence, "implausibleSequence"},
    {core::DropReason::kHelloRequest, "helloRequest"},
    {core::DropReason::kOversizedMessage, "oversizedMessage"},
    {core::DropReason::kFutureMessage, "futureMessage"},
    {core::DropReason::kEarlyEpoch, "earlyEpoch"},
    {core::DropReason::kReplayed, "replayed"},
    {core::DropReason::kUnauthenticated, "unauthenticated"},
};
static_assert(sizeof kDropNames / sizeof kDropNames[0] == core::kDropReasonCount - 1, "every drop reason has a name");

// The name of each core::DtlsStatus (the `status` of a NativeDtls step).
// No default: -Wswitch reports a status added without a name.
constexpr const char* DtlsStatusName(core::DtlsStatus status) {
  switch (status) {
    case core::DtlsStatus::kNew: return "new";
    case core::DtlsStatus::kHandshaking: return "handshaking";
    case core::DtlsStatus::kWaitingVerify: return "waitingVerify";
    case core::DtlsStatus::kConnected: return "connected";
    case core::DtlsStatus::kClosed: return "closed";
    case core::DtlsStatus::kFailed: return "failed";
  }
  return nullptr;
}

}  // namespace dtlssrtp::binding
