/* SPDX-License-Identifier: MIT */
/* Cross-check for test/native/srtp-header-encryption.test.ts: protects RTP
 * packets with the vendored libsrtp directly, with no code of this package.
 * argv: profile id (1, 2, 7, 8), master key||salt in hex, encrypted IDs as a
 * comma list ("-" for none). stdin: one RTP packet in hex per line. stdout:
 * the SRTP packet in hex per line, or "error <status>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp.h"

static int unhex(const char *text, unsigned char *out, int max) {
  int n = 0;
  while (text[0] != '\0' && text[0] != '\n' && text[1] != '\0') {
    unsigned int byte;
    if (n >= max || sscanf(text, "%2x", &byte) != 1) return -1;
    out[n++] = (unsigned char)byte;
    text += 2;
  }
  return n;
}

int main(int argc, char **argv) {
  static unsigned char key[64];
  static unsigned char packet[4096];
  static char line[8300];
  int ids[255];
  int count = 0;
  srtp_policy_t policy;
  srtp_t session;
  srtp_err_status_t status;
  if (argc != 4 || srtp_init() != srtp_err_status_ok) return 2;
  memset(&policy, 0, sizeof policy);
  switch (atoi(argv[1])) {
    case 1: srtp_crypto_policy_set_rtp_default(&policy.rtp); break;
    case 2: srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp); break;
    case 7: srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp); break;
    case 8: srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp); break;
    default: return 2;
  }
  policy.rtcp = policy.rtp;
  if (unhex(argv[2], key, sizeof key) <= 0) return 2;
  if (strcmp(argv[3], "-") != 0) {
    char *rest = argv[3];
    char *token;
    while ((token = strtok(rest, ",")) != NULL && count < 255) {
      ids[count++] = atoi(token);
      rest = NULL;
    }
    policy.enc_xtn_hdr = ids;
    policy.enc_xtn_hdr_count = count;
  }
  policy.ssrc.type = ssrc_any_outbound;
  policy.key = key;
  policy.window_size = 1024;
  if ((status = srtp_create(&session, &policy)) != srtp_err_status_ok) {
    printf("error %d\n", (int)status);
    return 1;
  }
  while (fgets(line, sizeof line, stdin) != NULL) {
    int i;
    int length = unhex(line, packet, (int)sizeof packet - 64);
    if (length < 12) return 2;
    status = srtp_protect(session, packet, &length);
    if (status != srtp_err_status_ok) {
      printf("error %d\n", (int)status);
      continue;
    }
    for (i = 0; i < length; i++) printf("%02x", packet[i]);
    printf("\n");
  }
  srtp_dealloc(session);
  return 0;
}
