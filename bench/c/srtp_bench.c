/* SPDX-License-Identifier: MIT */
/* Plain-C baseline for bench/srtp.ts: the same vendored libsrtp (OpenSSL
 * backend) and the same policies, driven directly in a loop, in place.
 * Built by the bench script with the system C compiler. It measures one case
 * per command, so that the script can interleave the C repetitions with its
 * own (each C repetition runs right after the matching one in Node, under
 * the same load on the machine):
 *   srtp_bench_c                          reads commands from stdin, one a line
 *   srtp_bench_c PROFILE PAYLOAD OP MS    runs one command
 * A command is "PROFILE PAYLOAD OP MS" (OP: protect | unprotect); the answer is
 * one line "packets_per_wall_second packets_per_cpu_second" (or "error ...").
 * protect:   one buffer, the packet copied in and protected there, MS long;
 * unprotect: a stream of distinct protected packets (as bench/srtp.ts makes
 *            them) into a fresh receiver, until MS passed or the stream ends.
 *            The packets to unprotect lie one after the other, each at the
 *            next 8-byte boundary, copied there just before the timing: the
 *            layout of bench/srtp.ts's per-packet Buffer copies (Node packs
 *            small Buffers into a pool, 8-byte aligned). A wider stride
 *            spreads the same packets over more cache lines and pages, which
 *            costs this side cache and TLB misses the other side does not pay.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srtp.h"

enum { kStreamShort = 32768, kStreamLong = 16384, kMaxPayload = 1200, kMaxPacket = kMaxPayload + 12 + 16 + 4 };

static double Clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
  const char *name;
  void (*rtp)(srtp_crypto_policy_t *);
  void (*rtcp)(srtp_crypto_policy_t *);
} Profile;

static const Profile kProfiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtcp_default},
    {"AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, srtp_crypto_policy_set_rtcp_default},
    {"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth},
    {"AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth},
};

static unsigned char key[64];

static srtp_t Create(const Profile *p, srtp_ssrc_type_t type) {
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  p->rtp(&policy.rtp);
  p->rtcp(&policy.rtcp);
  policy.ssrc.type = type;
  policy.key = key;
  policy.window_size = 1024; /* bench/srtp.ts passes the same (REPLAY_WINDOW) */
  policy.allow_repeat_tx = 0;
  srtp_t session = NULL;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) return NULL;
  return session;
}

static void MakePacket(uint8_t *packet, size_t payload, uint32_t seq) {
  packet[0] = 0x80;
  packet[1] = 111;
  packet[2] = (uint8_t)(seq >> 8);
  packet[3] = (uint8_t)seq;
  uint32_t ts = seq * 960;
  packet[4] = (uint8_t)(ts >> 24);
  packet[5] = (uint8_t)(ts >> 16);
  packet[6] = (uint8_t)(ts >> 8);
  packet[7] = (uint8_t)ts;
  packet[8] = 0x12;
  packet[9] = 0x34;
  packet[10] = 0xab;
  packet[11] = 0xcd;
  for (size_t i = 0; i < payload; i++) packet[12 + i] = (uint8_t)(i * 31 + seq);
}

/* The protected stream of the last (profile, payload) asked for, kept
 * between commands: building it is not part of any measurement. */
static uint8_t *stream, *work;
static int *lengths;
static size_t *offsets; /* where packet i lies in work (the dense layout) */
static const Profile *stream_profile;
static size_t stream_payload;

static int Protect(const Profile *p, size_t payload, double seconds, double *wall, double *cpu) {
  srtp_t tx = Create(p, ssrc_any_outbound);
  if (tx == NULL) return 0;
  uint8_t packet[kMaxPacket], buf[kMaxPacket];
  MakePacket(packet, payload, 0);
  uint32_t seq = 0;
  long n = 0;
  double t0 = Clock(CLOCK_MONOTONIC), c0 = Clock(CLOCK_PROCESS_CPUTIME_ID), elapsed;
  do {
    for (int i = 0; i < 64; i++) {
      ++seq;
      packet[2] = (uint8_t)(seq >> 8);
      packet[3] = (uint8_t)seq;
      memcpy(buf, packet, 12 + payload);
      int len = (int)(12 + payload);
      if (srtp_protect(tx, buf, &len) != srtp_err_status_ok) {
        srtp_dealloc(tx);
        return 0;
      }
    }
    n += 64;
    elapsed = Clock(CLOCK_MONOTONIC) - t0;
  } while (elapsed < seconds);
  *cpu = (double)n / (Clock(CLOCK_PROCESS_CPUTIME_ID) - c0);
  *wall = (double)n / elapsed;
  srtp_dealloc(tx);
  return 1;
}

static int Unprotect(const Profile *p, size_t payload, double seconds, double *wall, double *cpu) {
  const int count = payload > 500 ? kStreamLong : kStreamShort;
  if (stream_profile != p || stream_payload != payload) {
    srtp_t sender = Create(p, ssrc_any_outbound);
    if (sender == NULL) return 0;
    for (int i = 0; i < count; i++) {
      uint8_t *slot = stream + (size_t)i * kMaxPacket;
      MakePacket(slot, payload, (uint32_t)(i + 1));
      lengths[i] = (int)(12 + payload);
      if (srtp_protect(sender, slot, &lengths[i]) != srtp_err_status_ok) {
        srtp_dealloc(sender);
        stream_profile = NULL;
        return 0;
      }
    }
    srtp_dealloc(sender);
    stream_profile = p;
    stream_payload = payload;
  }
  size_t at = 0;
  for (int i = 0; i < count; i++) {
    offsets[i] = at;
    memcpy(work + at, stream + (size_t)i * kMaxPacket, (size_t)lengths[i]);
    at += ((size_t)lengths[i] + 7) & ~(size_t)7;
  }
  srtp_t rx = Create(p, ssrc_any_inbound);
  if (rx == NULL) return 0;
  long n = 0;
  double t0 = Clock(CLOCK_MONOTONIC), c0 = Clock(CLOCK_PROCESS_CPUTIME_ID), elapsed;
  do {
    for (int i = 0; i < 64; i++, n++) {
      int len = lengths[n];
      if (srtp_unprotect(rx, work + offsets[n], &len) != srtp_err_status_ok) {
        srtp_dealloc(rx);
        return 0;
      }
    }
    elapsed = Clock(CLOCK_MONOTONIC) - t0;
  } while (elapsed < seconds && n + 64 <= count);
  *cpu = (double)n / (Clock(CLOCK_PROCESS_CPUTIME_ID) - c0);
  *wall = (double)n / elapsed;
  srtp_dealloc(rx);
  return 1;
}

/* Runs one command; prints its answer line. */
static void Command(const char *name, const char *payload_text, const char *op, const char *ms_text) {
  const Profile *p = NULL;
  for (size_t i = 0; i < sizeof kProfiles / sizeof kProfiles[0]; i++) {
    if (strcmp(kProfiles[i].name, name) == 0) p = &kProfiles[i];
  }
  const long payload = strtol(payload_text, NULL, 10);
  const double seconds = atof(ms_text) / 1000.0;
  const int protect = strcmp(op, "protect") == 0;
  double wall = 0, cpu = 0;
  if (p == NULL || payload < 0 || payload > kMaxPayload || !(seconds > 0 && seconds <= 60) ||
      (!protect && strcmp(op, "unprotect") != 0)) {
    printf("error bad command\n");
  } else if (protect ? Protect(p, (size_t)payload, seconds, &wall, &cpu)
                     : Unprotect(p, (size_t)payload, seconds, &wall, &cpu)) {
    printf("%.0f %.0f\n", wall, cpu);
  } else {
    printf("error libsrtp\n");
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (srtp_init() != srtp_err_status_ok) return 1;
  for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 7 + 1);
  stream = malloc((size_t)kStreamShort * kMaxPacket);
  work = malloc((size_t)kStreamShort * kMaxPacket);
  lengths = malloc(sizeof(int) * kStreamShort);
  offsets = malloc(sizeof(size_t) * kStreamShort);
  if (stream == NULL || work == NULL || lengths == NULL || offsets == NULL) return 1;
  if (argc == 5) {
    Command(argv[1], argv[2], argv[3], argv[4]);
  } else {
    char line[256], name[64], payload[16], op[16], ms[16];
    while (fgets(line, sizeof line, stdin) != NULL) {
      if (sscanf(line, "%63s %15s %15s %15s", name, payload, op, ms) == 4) {
        Command(name, payload, op, ms);
      } else {
        printf("error bad command\n");
        fflush(stdout);
      }
    }
  }
  free(stream);
  free(work);
  free(lengths);
  free(offsets);
  return 0;
}
