/* SPDX-License-Identifier: MIT */
/* Plain-C baseline for bench/srtp.ts: the same vendored libsrtp (OpenSSL
 * backend) and the same policies, driven directly in a loop, in place.
 * Built and run by the bench script with the system C compiler:
 *   srtp_bench_c REPS REP_MS   -> lines "profile payload op packets_per_second"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srtp.h"

enum { kStreamShort = 32768, kStreamLong = 16384, kMaxPacket = 1200 + 12 + 16 + 4 };

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int Compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double Median(double *values, int n) {
  qsort(values, (size_t)n, sizeof *values, Compare);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

typedef struct {
  const char *name;
  void (*rtp)(srtp_crypto_policy_t *);
  void (*rtcp)(srtp_crypto_policy_t *);
  size_t key_salt;
} Profile;

static const Profile kProfiles[] = {
    {"AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtcp_default, 30},
    {"AES_CM_128_HMAC_SHA1_32", srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, srtp_crypto_policy_set_rtcp_default,
     30},
    {"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth, 28},
    {"AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth, 44},
};

static srtp_t Create(const Profile *p, unsigned char *key, srtp_ssrc_type_t type) {
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  p->rtp(&policy.rtp);
  p->rtcp(&policy.rtcp);
  policy.ssrc.type = type;
  policy.key = key;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 0;
  srtp_t session = NULL;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) {
    fprintf(stderr, "srtp_create failed\n");
    exit(1);
  }
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

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  double rep_seconds = (argc > 2 ? atof(argv[2]) : 120) / 1000.0;
  if (reps < 1 || reps > 50) reps = 5;
  if (srtp_init() != srtp_err_status_ok) return 1;
  unsigned char key[64];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 7 + 1);
  static const size_t kPayloads[] = {160, 1200};
  double *rates = calloc((size_t)reps, sizeof *rates);
  uint8_t *stream = malloc((size_t)kStreamShort * kMaxPacket);
  uint8_t *work = malloc((size_t)kStreamShort * kMaxPacket);
  int *lengths = malloc(sizeof(int) * kStreamShort);
  if (rates == NULL || stream == NULL || work == NULL || lengths == NULL) return 1;

  for (size_t p = 0; p < sizeof kProfiles / sizeof kProfiles[0]; p++) {
    for (size_t s = 0; s < 2; s++) {
      const size_t payload = kPayloads[s];
      const int count = payload > 500 ? kStreamLong : kStreamShort;
      /* protect: one buffer, rewritten each time (as the TS in-place form) */
      srtp_t tx = Create(&kProfiles[p], key, ssrc_any_outbound);
      uint8_t packet[kMaxPacket], buf[kMaxPacket];
      MakePacket(packet, payload, 0);
      uint32_t seq = 0;
      for (int r = 0; r < reps; r++) {
        long n = 0;
        double start = Now(), elapsed;
        do {
          for (int i = 0; i < 64; i++) {
            ++seq;
            packet[2] = (uint8_t)(seq >> 8);
            packet[3] = (uint8_t)seq;
            memcpy(buf, packet, 12 + payload);
            int len = (int)(12 + payload);
            if (srtp_protect(tx, buf, &len) != srtp_err_status_ok) return 2;
          }
          n += 64;
          elapsed = Now() - start;
        } while (elapsed < rep_seconds);
        rates[r] = (double)n / elapsed;
      }
      printf("%s %zu protect %.0f\n", kProfiles[p].name, payload, Median(rates, reps));
      srtp_dealloc(tx);

      /* unprotect: a stream of distinct packets into a fresh receiver per rep */
      srtp_t sender = Create(&kProfiles[p], key, ssrc_any_outbound);
      for (int i = 0; i < count; i++) {
        uint8_t *slot = stream + (size_t)i * kMaxPacket;
        MakePacket(slot, payload, (uint32_t)(i + 1));
        lengths[i] = (int)(12 + payload);
        if (srtp_protect(sender, slot, &lengths[i]) != srtp_err_status_ok) return 3;
      }
      srtp_dealloc(sender);
      for (int r = 0; r < reps; r++) {
        memcpy(work, stream, (size_t)count * kMaxPacket);
        srtp_t rx = Create(&kProfiles[p], key, ssrc_any_inbound);
        long n = 0;
        double start = Now(), elapsed;
        do {
          for (int i = 0; i < 64; i++, n++) {
            int len = lengths[n];
            if (srtp_unprotect(rx, work + (size_t)n * kMaxPacket, &len) != srtp_err_status_ok) return 4;
          }
          elapsed = Now() - start;
        } while (elapsed < rep_seconds && n + 64 <= count);
        rates[r] = (double)n / elapsed;
        srtp_dealloc(rx);
      }
      printf("%s %zu unprotect %.0f\n", kProfiles[p].name, payload, Median(rates, reps));
    }
  }
  free(rates);
  free(stream);
  free(work);
  free(lengths);
  return 0;
}
