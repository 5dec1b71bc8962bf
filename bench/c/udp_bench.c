/* SPDX-License-Identifier: MIT */
/* Plain-C baseline for bench/udp.ts: two UDP sockets on loopback in one
 * thread, recvmmsg/sendmmsg in batches of 32, the vendored libsrtp (OpenSSL
 * backend) protecting before each send and unprotecting after each receive,
 * in place. The same flow control as the JavaScript paths: WINDOW packets in
 * flight, each received batch sends as many new packets as it delivered.
 * Built and run by bench/udp.ts with the system C compiler:
 *   udp_bench_c PROFILE PAYLOAD MS  -> one line "packets_per_cpu_second packets_per_second"
 * (packets received and unprotected per second of this process's CPU time,
 * and per second of wall time, measured after a warm-up).
 *
 * Fan-out mode, the forwarding unit of an SFU:
 *   udp_bench_c fanout PROFILE PAYLOAD MS SUBSCRIBERS -> the same line
 * A publisher socket sends protected RTP to a forwarding socket; each batch
 * the forwarder receives is unprotected in place, then for every subscriber
 * (a socket of its own, with an SRTP session of its own) copied once,
 * protected in place and sent with one sendmmsg. The rate counts packets the
 * kernel accepted for subscribers (the subscribers never read: a full
 * receive queue drops at the kernel, as a slow subscriber does).
 *
 *   udp_bench_c sinks COUNT -> one line of COUNT loopback ports
 * binds COUNT sockets that are never read, for bench/udp.ts's own fan-out
 * (a socket on Node's loop would be read), and holds them until stdin closes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "srtp.h"

enum { kBatch = 32, kWindow = 96, kSlot = 2048, kWarmupMs = 50 };

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double CpuNow(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void Die(const char *what) {
  perror(what);
  exit(1);
}

static srtp_t Create(const char *profile, const unsigned char *key, srtp_ssrc_type_t type) {
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (strcmp(profile, "AEAD_AES_128_GCM") == 0) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else if (strcmp(profile, "AES_CM_128_HMAC_SHA1_80") == 0) {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
  } else {
    fprintf(stderr, "unknown profile %s\n", profile);
    exit(1);
  }
  policy.ssrc.type = type;
  policy.key = (unsigned char *)key;
  policy.window_size = 1024;
  srtp_t session = NULL;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) {
    fprintf(stderr, "srtp_create failed\n");
    exit(1);
  }
  return session;
}

static int Bind(struct sockaddr_in *out) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) Die("socket");
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) Die("bind");
  socklen_t len = sizeof *out;
  if (getsockname(fd, (struct sockaddr *)out, &len) != 0) Die("getsockname");
  return fd;
}

/* Sender state: a plaintext template, a slab the packets are protected in. */
static unsigned char template_packet[kSlot];
static unsigned char send_slab[kBatch][kSlot] __attribute__((aligned(8)));
static unsigned char recv_slab[kBatch][kSlot] __attribute__((aligned(8)));
static uint16_t next_seq = 1;

static void SendBatch(int fd, srtp_t tx, const struct sockaddr_in *to, int payload, int count) {
  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  int ready = 0;
  for (int i = 0; i < count; ++i) {
    memcpy(send_slab[i], template_packet, (size_t)(12 + payload));
    send_slab[i][2] = (unsigned char)(next_seq >> 8);
    send_slab[i][3] = (unsigned char)(next_seq & 0xff);
    ++next_seq;
    int length = 12 + payload;
    if (srtp_protect(tx, send_slab[i], &length) != srtp_err_status_ok) continue;
    iov[ready].iov_base = send_slab[i];
    iov[ready].iov_len = (size_t)length;
    memset(&messages[ready], 0, sizeof messages[ready]);
    messages[ready].msg_hdr.msg_name = (void *)to;
    messages[ready].msg_hdr.msg_namelen = sizeof *to;
    messages[ready].msg_hdr.msg_iov = &iov[ready];
    messages[ready].msg_hdr.msg_iovlen = 1;
    ++ready;
  }
  int done = 0;
  while (done < ready) {
    int n = sendmmsg(fd, messages + done, (unsigned)(ready - done), 0);
    if (n <= 0) break; /* a full buffer drops the rest, as the native path does */
    done += n;
  }
}

enum { kMaxSubscribers = 256 };

/* Sends `count` packets of `slab` (already laid out), protected for one subscriber. */
static long long FanOutOne(int fd, srtp_t session, const struct sockaddr_in *to, unsigned char (*plain)[kSlot],
                           const int *lengths, int count) {
  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  int ready = 0;
  for (int i = 0; i < count; ++i) {
    memcpy(send_slab[i], plain[i], (size_t)lengths[i]);
    int length = lengths[i];
    if (srtp_protect(session, send_slab[i], &length) != srtp_err_status_ok) continue;
    iov[ready].iov_base = send_slab[i];
    iov[ready].iov_len = (size_t)length;
    memset(&messages[ready], 0, sizeof messages[ready]);
    messages[ready].msg_hdr.msg_name = (void *)to;
    messages[ready].msg_hdr.msg_namelen = sizeof *to;
    messages[ready].msg_hdr.msg_iov = &iov[ready];
    messages[ready].msg_hdr.msg_iovlen = 1;
    ++ready;
  }
  int done = 0;
  while (done < ready) {
    int n = sendmmsg(fd, messages + done, (unsigned)(ready - done), 0);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

static int FanOut(const char *profile, int payload, double seconds, int subscribers) {
  if (subscribers < 1 || subscribers > kMaxSubscribers) return 1;
  unsigned char key[64];
  for (size_t i = 0; i < sizeof key; ++i) key[i] = (unsigned char)(i * 37 + 11);
  srtp_t publisher_tx = Create(profile, key, ssrc_any_outbound);
  srtp_t publisher_rx = Create(profile, key, ssrc_any_inbound);
  static srtp_t sessions[kMaxSubscribers];
  static struct sockaddr_in addresses[kMaxSubscribers];
  static int fds[kMaxSubscribers];
  for (int j = 0; j < subscribers; ++j) {
    key[0] = (unsigned char)j; /* a key of its own per subscriber */
    sessions[j] = Create(profile, key, ssrc_any_outbound);
    fds[j] = Bind(&addresses[j]);
  }
  struct sockaddr_in publisher_address, forwarder_address;
  int publisher_fd = Bind(&publisher_address);
  int forwarder_fd = Bind(&forwarder_address);
  memset(template_packet, 0, sizeof template_packet);
  template_packet[0] = 0x80;
  template_packet[1] = 111;
  template_packet[11] = 0x01;
  for (int i = 12; i < 12 + payload; ++i) template_packet[i] = (unsigned char)(i * 7);

  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  struct sockaddr_in sources[kBatch];
  static unsigned char plain[kBatch][kSlot] __attribute__((aligned(8)));
  int lengths[kBatch];
  long long delivered = 0, window_start = 0;
  double start = Now(), measure_start = 0, cpu_start = 0;
  int measuring = 0;
  for (int sent = 0; sent < kWindow; sent += kBatch) SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, kBatch);
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i].iov_base = recv_slab[i];
      iov[i].iov_len = kSlot;
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_name = &sources[i];
      messages[i].msg_hdr.msg_namelen = sizeof sources[i];
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(forwarder_fd, messages, kBatch, MSG_DONTWAIT, NULL);
    if (n <= 0) {
      struct pollfd p = {forwarder_fd, POLLIN, 0};
      if (poll(&p, 1, 5) == 0) SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, kBatch);
      continue;
    }
    /* Unprotect in place, then copy the batch once (the plaintext every subscriber starts from). */
    int count = 0;
    for (int i = 0; i < n; ++i) {
      int length = (int)messages[i].msg_len;
      if (srtp_unprotect(publisher_rx, recv_slab[i], &length) != srtp_err_status_ok) continue;
      memcpy(plain[count], recv_slab[i], (size_t)length);
      lengths[count++] = length;
    }
    for (int j = 0; j < subscribers; ++j) delivered += FanOutOne(forwarder_fd, sessions[j], &addresses[j], plain, lengths, count);
    double now = Now();
    if (!measuring && now - start >= kWarmupMs / 1000.0) {
      measuring = 1;
      measure_start = now;
      cpu_start = CpuNow();
      window_start = delivered;
    }
    if (measuring && now - measure_start >= seconds) {
      const double packets = (double)(delivered - window_start);
      printf("%.0f %.0f\n", packets / (CpuNow() - cpu_start), packets / (now - measure_start));
      break;
    }
    SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, n);
  }
  for (int j = 0; j < subscribers; ++j) {
    close(fds[j]);
    srtp_dealloc(sessions[j]);
  }
  close(publisher_fd);
  close(forwarder_fd);
  srtp_dealloc(publisher_tx);
  srtp_dealloc(publisher_rx);
  return 0;
}

static int Sinks(int count) {
  if (count < 1 || count > kMaxSubscribers) return 1;
  for (int j = 0; j < count; ++j) {
    struct sockaddr_in a;
    Bind(&a);
    printf("%s%d", j == 0 ? "" : " ", (int)ntohs(a.sin_port));
  }
  printf("\n");
  fflush(stdout);
  char buffer[64];
  while (read(0, buffer, sizeof buffer) > 0) {
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "sinks") == 0) return Sinks(atoi(argv[2]));
  if (argc >= 6 && strcmp(argv[1], "fanout") == 0) {
    const int payload = atoi(argv[3]);
    if (payload <= 0 || payload + 12 + 16 > kSlot) return 1;
    if (srtp_init() != srtp_err_status_ok) return 1;
    return FanOut(argv[2], payload, atof(argv[4]) / 1000.0, atoi(argv[5]));
  }
  if (argc < 4) {
    fprintf(stderr, "usage: udp_bench_c PROFILE PAYLOAD MS, or udp_bench_c fanout PROFILE PAYLOAD MS SUBSCRIBERS\n");
    return 1;
  }
  const char *profile = argv[1];
  const int payload = atoi(argv[2]);
  const double seconds = atof(argv[3]) / 1000.0;
  if (payload <= 0 || payload + 12 + 16 > kSlot) return 1;
  if (srtp_init() != srtp_err_status_ok) return 1;
  unsigned char key[64];
  for (size_t i = 0; i < sizeof key; ++i) key[i] = (unsigned char)(i * 37 + 11);
  srtp_t tx = Create(profile, key, ssrc_any_outbound);
  srtp_t rx = Create(profile, key, ssrc_any_inbound);

  struct sockaddr_in tx_address, rx_address;
  int tx_fd = Bind(&tx_address);
  int rx_fd = Bind(&rx_address);
  memset(template_packet, 0, sizeof template_packet);
  template_packet[0] = 0x80;
  template_packet[1] = 111;
  template_packet[8] = 0x12;
  template_packet[9] = 0x34;
  template_packet[10] = 0xab;
  template_packet[11] = 0xcd;
  for (int i = 12; i < 12 + payload; ++i) template_packet[i] = (unsigned char)(i * 7);

  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  struct sockaddr_in sources[kBatch];
  long long received = 0, window_start = 0;
  double start = Now(), measure_start = 0, cpu_start = 0;
  int measuring = 0;
  for (int sent = 0; sent < kWindow; sent += kBatch) SendBatch(tx_fd, tx, &rx_address, payload, kBatch);
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i].iov_base = recv_slab[i];
      iov[i].iov_len = kSlot;
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_name = &sources[i];
      messages[i].msg_hdr.msg_namelen = sizeof sources[i];
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(rx_fd, messages, kBatch, MSG_DONTWAIT, NULL);
    if (n <= 0) {
      struct pollfd p = {rx_fd, POLLIN, 0};
      /* Nothing arrived within 5 ms: datagrams were lost; top the window up. */
      if (poll(&p, 1, 5) == 0) SendBatch(tx_fd, tx, &rx_address, payload, kBatch);
      continue;
    }
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      int length = (int)messages[i].msg_len;
      if (srtp_unprotect(rx, recv_slab[i], &length) == srtp_err_status_ok) ++ok;
    }
    received += ok;
    double now = Now();
    if (!measuring && now - start >= kWarmupMs / 1000.0) {
      measuring = 1;
      measure_start = now;
      cpu_start = CpuNow();
      window_start = received;
    }
    if (measuring && now - measure_start >= seconds) {
      const double packets = (double)(received - window_start);
      printf("%.0f %.0f\n", packets / (CpuNow() - cpu_start), packets / (now - measure_start));
      break;
    }
    SendBatch(tx_fd, tx, &rx_address, payload, n);
  }
  close(tx_fd);
  close(rx_fd);
  srtp_dealloc(tx);
  srtp_dealloc(rx);
  return 0;
}
