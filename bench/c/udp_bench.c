/* SPDX-License-Identifier: MIT */
/* Plain-C baseline for bench/udp.ts: two UDP sockets on loopback in one
 * thread, recvmmsg/sendmmsg in batches of 32, the vendored libsrtp (OpenSSL
 * backend) protecting before each send and unprotecting after each receive,
 * in place. The same flow control as the JavaScript paths: WINDOW packets in
 * flight, each received batch sends as many new packets as it delivered.
 * Built and run by bench/udp.ts with the system C compiler:
 *   udp_bench_c PROFILE PAYLOAD PACKETS WARMUP BUFFER
 *     -> one line "packets_per_cpu_second packets_per_wall_second drops"
 * The rates count packets received and unprotected, over the first PACKETS
 * of them after the first WARMUP (a fixed amount of work, not a fixed time:
 * on a loaded machine a time window buys a different amount of CPU each
 * run), against this process's CPU time (all threads) and wall time.
 * BUFFER (bytes, 0 for the system default) is set as SO_RCVBUF and
 * SO_SNDBUF on every socket; `drops` is what the kernel dropped on a full
 * receive buffer (SO_MEMINFO), never counted as delivered.
 *
 * Fan-out mode, the forwarding unit of an SFU:
 *   udp_bench_c fanout PROFILE PAYLOAD PACKETS WARMUP BUFFER PORT... -> the same line
 * A publisher socket sends protected RTP to a forwarding socket; each batch
 * the forwarder receives is unprotected in place, then for every subscriber
 * (a loopback PORT, with an SRTP session of its own) copied once, protected
 * in place and sent with one sendmmsg. The rate counts packets the kernel
 * accepted for subscribers; the subscribers live in a `sinks` process
 * (the same one bench/udp.ts's own fan-out sends to), which reads them and
 * reports its drops, so that a drop is never counted as delivered.
 *
 *   udp_bench_c sinks COUNT BUFFER -> one line of COUNT loopback ports, and
 * when stdin closes, one line "received drops"
 * binds COUNT sockets, reads everything that arrives until stdin closes.
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

#include <linux/sock_diag.h>

enum { kBatch = 32, kWindow = 96, kSlot = 2048, kMaxSubscribers = 256 };

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

/* Counts delivered packets; measures the CPU and wall time of PACKETS of
 * them after WARMUP. */
typedef struct {
  long long warmup, packets, count, start_count;
  double wall_start, cpu_start;
  int measuring;
} Meter;

static long long Drops(int fd);

/* Adds n; returns 1 (and prints the rates, with what the kernel dropped for
 * `fd`) once the measured span is complete. The drops are read only then, as
 * bench/udp.ts reads the native path's once per rep: a getsockopt per batch
 * would be work the native path does not do. */
static int MeterAdd(Meter *m, long long n, int fd) {
  m->count += n;
  if (!m->measuring && m->count >= m->warmup) {
    m->measuring = 1;
    m->start_count = m->count;
    m->wall_start = Now();
    m->cpu_start = CpuNow();
    return 0;
  }
  if (m->measuring && m->count - m->start_count >= m->packets) {
    const double cpu = CpuNow() - m->cpu_start, wall = Now() - m->wall_start;
    const double packets = (double)(m->count - m->start_count);
    printf("%.0f %.0f %lld\n", packets / cpu, packets / wall, Drops(fd));
    fflush(stdout);
    return 1;
  }
  return 0;
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
  policy.window_size = 1024; /* SrtpSession's default replay window */
  srtp_t session = NULL;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) {
    fprintf(stderr, "srtp_create failed\n");
    exit(1);
  }
  return session;
}

static int Bind(struct sockaddr_in *out, int buffer) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) Die("socket");
  if (buffer > 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer) != 0 ||
                     setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer) != 0)) {
    Die("setsockopt");
  }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) Die("bind");
  socklen_t len = sizeof *out;
  if (getsockname(fd, (struct sockaddr *)out, &len) != 0) Die("getsockname");
  return fd;
}

/* What the kernel dropped for this socket (full receive buffer). */
static long long Drops(int fd) {
  uint32_t info[SK_MEMINFO_VARS];
  socklen_t len = sizeof info;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) != 0 || len <= SK_MEMINFO_DROPS * sizeof(uint32_t)) return -1;
  return info[SK_MEMINFO_DROPS];
}

/* Sender state: a plaintext template, a slab the packets are protected in. */
static unsigned char template_packet[kSlot];
static unsigned char send_slab[kBatch][kSlot] __attribute__((aligned(8)));
static unsigned char recv_slab[kBatch][kSlot] __attribute__((aligned(8)));
static uint16_t next_seq = 1;

static void SendMessages(int fd, struct mmsghdr *messages, int ready) {
  int done = 0;
  while (done < ready) {
    int n = sendmmsg(fd, messages + done, (unsigned)(ready - done), 0);
    if (n <= 0) break; /* a full buffer drops the rest, as the native path does */
    done += n;
  }
}

static void Address(struct mmsghdr *message, struct iovec *iov, const struct sockaddr_in *to) {
  memset(message, 0, sizeof *message);
  message->msg_hdr.msg_name = (void *)to;
  message->msg_hdr.msg_namelen = sizeof *to;
  message->msg_hdr.msg_iov = iov;
  message->msg_hdr.msg_iovlen = 1;
}

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
    Address(&messages[ready], &iov[ready], to);
    ++ready;
  }
  SendMessages(fd, messages, ready);
}

/* Sends `count` packets of `plain`, protected for one subscriber; returns how many the kernel accepted. */
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
    Address(&messages[ready], &iov[ready], to);
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

static int recv_lengths[kBatch];

/* One recvmmsg of up to kBatch datagrams into recv_slab (lengths in
 * recv_lengths). Returns how many; 0 when nothing arrived within 5 ms
 * (datagrams were lost: the caller tops the window up); -1 when something
 * is waiting now. */
static int Receive(int fd) {
  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  struct sockaddr_in sources[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    iov[i].iov_base = recv_slab[i];
    iov[i].iov_len = kSlot;
    memset(&messages[i], 0, sizeof messages[i]);
    messages[i].msg_hdr.msg_name = &sources[i];
    messages[i].msg_hdr.msg_namelen = sizeof sources[i];
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  int n = recvmmsg(fd, messages, kBatch, MSG_DONTWAIT, NULL);
  if (n > 0) {
    for (int i = 0; i < n; ++i) recv_lengths[i] = (int)messages[i].msg_len;
    return n;
  }
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 5) == 0 ? 0 : -1;
}

static void FillTemplate(int payload) {
  memset(template_packet, 0, sizeof template_packet);
  template_packet[0] = 0x80;
  template_packet[1] = 111;
  template_packet[8] = 0x12;
  template_packet[9] = 0x34;
  template_packet[10] = 0xab;
  template_packet[11] = 0xcd;
  for (int i = 12; i < 12 + payload; ++i) template_packet[i] = (unsigned char)(i * 7);
}

static int FanOut(const char *profile, int payload, Meter *meter, int buffer, int subscribers, char **ports) {
  if (subscribers < 1 || subscribers > kMaxSubscribers) return 1;
  unsigned char key[64];
  for (size_t i = 0; i < sizeof key; ++i) key[i] = (unsigned char)(i * 37 + 11);
  srtp_t publisher_tx = Create(profile, key, ssrc_any_outbound);
  srtp_t publisher_rx = Create(profile, key, ssrc_any_inbound);
  static srtp_t sessions[kMaxSubscribers];
  static struct sockaddr_in addresses[kMaxSubscribers];
  for (int j = 0; j < subscribers; ++j) {
    key[0] = (unsigned char)j; /* a key of its own per subscriber */
    sessions[j] = Create(profile, key, ssrc_any_outbound);
    memset(&addresses[j], 0, sizeof addresses[j]);
    addresses[j].sin_family = AF_INET;
    addresses[j].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addresses[j].sin_port = htons((uint16_t)atoi(ports[j]));
  }
  struct sockaddr_in publisher_address, forwarder_address;
  int publisher_fd = Bind(&publisher_address, buffer);
  int forwarder_fd = Bind(&forwarder_address, buffer);
  FillTemplate(payload);
  static unsigned char plain[kBatch][kSlot] __attribute__((aligned(8)));
  int lengths[kBatch];
  for (int sent = 0; sent < kWindow; sent += kBatch) SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, kBatch);
  for (;;) {
    const int n = Receive(forwarder_fd);
    if (n <= 0) {
      if (n == 0) SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, kBatch);
      continue;
    }
    /* Unprotect in place, then copy the batch once (the plaintext every subscriber starts from). */
    int count = 0;
    for (int i = 0; i < n; ++i) {
      int length = recv_lengths[i];
      if (srtp_unprotect(publisher_rx, recv_slab[i], &length) != srtp_err_status_ok) continue;
      memcpy(plain[count], recv_slab[i], (size_t)length);
      lengths[count++] = length;
    }
    long long accepted = 0;
    for (int j = 0; j < subscribers; ++j) accepted += FanOutOne(forwarder_fd, sessions[j], &addresses[j], plain, lengths, count);
    if (MeterAdd(meter, accepted, forwarder_fd)) break;
    SendBatch(publisher_fd, publisher_tx, &forwarder_address, payload, n);
  }
  for (int j = 0; j < subscribers; ++j) srtp_dealloc(sessions[j]);
  close(publisher_fd);
  close(forwarder_fd);
  srtp_dealloc(publisher_tx);
  srtp_dealloc(publisher_rx);
  return 0;
}

static int Sinks(int count, int buffer) {
  if (count < 1 || count > kMaxSubscribers) return 1;
  static struct pollfd fds[kMaxSubscribers + 1];
  for (int j = 0; j < count; ++j) {
    struct sockaddr_in a;
    fds[j].fd = Bind(&a, buffer);
    fds[j].events = POLLIN;
    printf("%s%d", j == 0 ? "" : " ", (int)ntohs(a.sin_port));
  }
  printf("\n");
  fflush(stdout);
  fds[count].fd = 0;
  fds[count].events = POLLIN;
  /* Reads every datagram into a small slot (cut: its bytes do not matter). */
  static unsigned char slots[kBatch][64];
  struct mmsghdr messages[kBatch];
  struct iovec iov[kBatch];
  long long received = 0;
  for (;;) {
    if (poll(fds, (nfds_t)count + 1, -1) < 0) continue;
    if (fds[count].revents != 0) {
      char buffer_[64];
      if (read(0, buffer_, sizeof buffer_) <= 0) break;
    }
    for (int j = 0; j < count; ++j) {
      if ((fds[j].revents & POLLIN) == 0) continue;
      for (;;) {
        for (int i = 0; i < kBatch; ++i) {
          iov[i].iov_base = slots[i];
          iov[i].iov_len = sizeof slots[i];
          memset(&messages[i], 0, sizeof messages[i]);
          messages[i].msg_hdr.msg_iov = &iov[i];
          messages[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fds[j].fd, messages, kBatch, MSG_DONTWAIT, NULL);
        if (n <= 0) break;
        received += n;
      }
    }
  }
  long long drops = 0;
  for (int j = 0; j < count; ++j) {
    const long long d = Drops(fds[j].fd);
    if (d > 0) drops += d;
    close(fds[j].fd);
  }
  printf("%lld %lld\n", received, drops);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "sinks") == 0) return Sinks(atoi(argv[2]), atoi(argv[3]));
  const int fanout = argc >= 2 && strcmp(argv[1], "fanout") == 0;
  const int first = fanout ? 2 : 1;
  if (argc < first + 5 || (fanout && argc < first + 6)) {
    fprintf(stderr,
            "usage: udp_bench_c PROFILE PAYLOAD PACKETS WARMUP BUFFER\n"
            "       udp_bench_c fanout PROFILE PAYLOAD PACKETS WARMUP BUFFER PORT...\n"
            "       udp_bench_c sinks COUNT BUFFER\n");
    return 1;
  }
  const char *profile = argv[first];
  const int payload = atoi(argv[first + 1]);
  Meter meter = {atoll(argv[first + 3]), atoll(argv[first + 2]), 0, 0, 0, 0, 0};
  const int buffer = atoi(argv[first + 4]);
  if (payload <= 0 || payload + 12 + 16 > kSlot || meter.packets <= 0 || meter.warmup < 0) return 1;
  if (srtp_init() != srtp_err_status_ok) return 1;
  if (fanout) return FanOut(profile, payload, &meter, buffer, argc - (first + 5), argv + first + 5);

  unsigned char key[64];
  for (size_t i = 0; i < sizeof key; ++i) key[i] = (unsigned char)(i * 37 + 11);
  srtp_t tx = Create(profile, key, ssrc_any_outbound);
  srtp_t rx = Create(profile, key, ssrc_any_inbound);
  struct sockaddr_in tx_address, rx_address;
  int tx_fd = Bind(&tx_address, buffer);
  int rx_fd = Bind(&rx_address, buffer);
  FillTemplate(payload);
  for (int sent = 0; sent < kWindow; sent += kBatch) SendBatch(tx_fd, tx, &rx_address, payload, kBatch);
  for (;;) {
    const int n = Receive(rx_fd);
    if (n <= 0) {
      if (n == 0) SendBatch(tx_fd, tx, &rx_address, payload, kBatch);
      continue;
    }
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      int length = recv_lengths[i];
      if (srtp_unprotect(rx, recv_slab[i], &length) == srtp_err_status_ok) ++ok;
    }
    if (MeterAdd(&meter, ok, rx_fd)) break;
    SendBatch(tx_fd, tx, &rx_address, payload, n);
  }
  close(tx_fd);
  close(rx_fd);
  srtp_dealloc(tx);
  srtp_dealloc(rx);
  return 0;
}
