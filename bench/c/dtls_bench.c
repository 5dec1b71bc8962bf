/* SPDX-License-Identifier: MIT */
/* Plain-C baseline for bench/dtls.ts: full DTLS 1.2 handshakes of a client
 * and a server in one process, in memory, with the OpenSSL settings that
 * core::DtlsEndpoint uses (DTLS 1.2 only, the same cipher list, groups,
 * options, max_cert_list, use_srtp list, MTU 1200, peer certificate required
 * in both roles, a verify callback that hashes the peer's DER with SHA-256
 * and compares it with the expected fingerprint, a timer and an info
 * callback) over a minimal datagram BIO that keeps datagram boundaries;
 * each side ends with a close_notify, as a transport's close() sends one.
 * ECDSA P-256 certificates are made once, outside the timing.
 * Built and run by the bench script with the system C compiler:
 *   dtls_bench_c MODE REPS REP_MS
 * -> one line per rep: "handshakes_per_wall_second handshakes_per_cpu_second"
 * MODE "shared": one SSL_CTX per role, made once (SSL_new per handshake);
 * MODE "per-session": a new SSL_CTX for every endpoint (SSL_CTX_new per SSL).
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CIPHERS                                                 \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define GROUPS "X25519:P-256"
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"
enum { kMtu = 1200, kQueue = 64, kMaxDatagram = 2048 };

static void Die(const char *what) {
  fprintf(stderr, "dtls_bench_c: %s\n", what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static double Clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- A datagram queue per direction, and a BIO that writes to the peer's
 * queue and reads from its own, one datagram per call. ---- */
typedef struct {
  unsigned char data[kQueue][kMaxDatagram];
  int length[kQueue];
  int head, count;
} Queue;

typedef struct {
  Queue *in;
  Queue *out;
  const unsigned char *expected; /* SHA-256 of the peer's DER */
} Side;

static int BioWrite(BIO *bio, const char *data, int length) {
  Side *side = BIO_get_data(bio);
  Queue *q = side->out;
  BIO_clear_retry_flags(bio);
  if (q->count == kQueue || length > kMaxDatagram) return -1;
  int slot = (q->head + q->count) % kQueue;
  memcpy(q->data[slot], data, (size_t)length);
  q->length[slot] = length;
  q->count++;
  return length;
}

static int BioRead(BIO *bio, char *out, int length) {
  Side *side = BIO_get_data(bio);
  Queue *q = side->in;
  BIO_clear_retry_flags(bio);
  if (q->count == 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  int n = q->length[q->head] < length ? q->length[q->head] : length;
  memcpy(out, q->data[q->head], (size_t)n);
  q->head = (q->head + 1) % kQueue;
  q->count--;
  return n;
}

static long BioCtrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)bio;
  (void)num;
  (void)ptr;
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    case BIO_CTRL_DGRAM_GET_MTU:
      return kMtu;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
    case BIO_CTRL_DGRAM_SET_MTU:
      return 1;
    default:
      return 0;
  }
}

static int BioCreate(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static BIO_METHOD *method;

/* ---- Callbacks, as the endpoint registers them. ---- */
static int CertVerify(X509_STORE_CTX *store, void *arg) {
  (void)arg;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  Side *side = SSL_get_ex_data(ssl, 0);
  X509 *leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf == NULL || SSL_get_selected_srtp_profile(ssl) == NULL) return 0;
  unsigned char *der = NULL;
  int length = i2d_X509(leaf, &der);
  if (length <= 0) return 0;
  unsigned char digest[32];
  unsigned int digest_length = 0;
  int ok = EVP_Digest(der, (size_t)length, digest, &digest_length, EVP_sha256(), NULL) == 1 &&
           CRYPTO_memcmp(digest, side->expected, 32) == 0;
  OPENSSL_free(der);
  X509_STORE_CTX_set_error(store, ok ? X509_V_OK : X509_V_ERR_CERT_REJECTED);
  return ok;
}

static unsigned int TimerCallback(SSL *ssl, unsigned int previous_us) {
  (void)ssl;
  return previous_us == 0 ? 1000000u : previous_us * 2;
}

static int alerts;
static void InfoCallback(const SSL *ssl, int where, int ret) {
  (void)ssl;
  if ((where & SSL_CB_ALERT) && (ret & 0xff) != SSL_AD_CLOSE_NOTIFY) alerts++;
}

/* ---- Identity and context. ---- */
static void MakeIdentity(EVP_PKEY **key, X509 **cert, unsigned char digest[32]) {
  *key = EVP_EC_gen("P-256");
  *cert = X509_new();
  if (*key == NULL || *cert == NULL) Die("key generation");
  X509_NAME *name = X509_NAME_new();
  if (X509_set_version(*cert, 2) != 1 || ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(*cert), -86400) == NULL ||
      X509_gmtime_adj(X509_getm_notAfter(*cert), 30L * 86400) == NULL || name == NULL ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0) != 1 ||
      X509_set_subject_name(*cert, name) != 1 || X509_set_issuer_name(*cert, name) != 1 ||
      X509_set_pubkey(*cert, *key) != 1 || X509_sign(*cert, *key, EVP_sha256()) <= 0) {
    Die("certificate");
  }
  X509_NAME_free(name);
  unsigned int n = 0;
  if (X509_digest(*cert, EVP_sha256(), digest, &n) != 1 || n != 32) Die("digest");
}

static SSL_CTX *MakeContext(X509 *cert, EVP_PKEY *key) {
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    Die("context");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_max_cert_list(ctx, 8192);
  if (SSL_CTX_set_cipher_list(ctx, CIPHERS) != 1 || SSL_CTX_set1_groups_list(ctx, GROUPS) != 1 ||
      SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) != 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    Die("context settings");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(ctx, CertVerify, NULL);
  return ctx;
}

static SSL *MakeSession(SSL_CTX *ctx, Side *side, int server) {
  SSL *ssl = SSL_new(ctx);
  BIO *bio = BIO_new(method);
  if (ssl == NULL || bio == NULL || SSL_set_ex_data(ssl, 0, side) != 1) Die("session");
  BIO_set_data(bio, side);
  SSL_set_bio(ssl, bio, bio);
  if (SSL_set_mtu(ssl, kMtu) <= 0) Die("mtu");
  DTLS_set_timer_cb(ssl, TimerCallback);
  SSL_set_info_callback(ssl, InfoCallback);
  if (server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  return ssl;
}

static int Step(SSL *ssl) {
  int ret = SSL_do_handshake(ssl);
  if (ret == 1) return 1;
  int error = SSL_get_error(ssl, ret);
  if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) Die("handshake");
  return 0;
}

typedef struct {
  X509 *cert[2];
  EVP_PKEY *key[2];
  unsigned char digest[2][32];
  SSL_CTX *shared[2]; /* NULL in per-session mode */
} Bench;

static Queue to_client, to_server;

/* One full handshake; client 0, server 1. */
static void Handshake(Bench *b) {
  SSL_CTX *own[2] = {NULL, NULL};
  SSL_CTX *ctx[2];
  for (int i = 0; i < 2; i++) {
    if (b->shared[i] != NULL) {
      ctx[i] = b->shared[i];
    } else {
      own[i] = MakeContext(b->cert[i], b->key[i]);
      ctx[i] = own[i];
    }
  }
  to_client.head = to_client.count = to_server.head = to_server.count = 0;
  Side client = {&to_client, &to_server, b->digest[1]};
  Side server = {&to_server, &to_client, b->digest[0]};
  SSL *c = MakeSession(ctx[0], &client, 0);
  SSL *s = MakeSession(ctx[1], &server, 1);
  int c_done = Step(c), s_done = 0;
  for (int round = 0; round < 50 && !(c_done && s_done && to_client.count == 0 && to_server.count == 0); round++) {
    if (to_server.count > 0) s_done = Step(s);
    if (to_client.count > 0) c_done = Step(c);
  }
  if (!c_done || !s_done || SSL_get_selected_srtp_profile(c) == NULL) Die("handshake did not complete");
  /* Each side closes as DtlsTransport.close() does: one close_notify, not
   * awaited (0: sent, the peer's not received). */
  if (SSL_shutdown(c) < 0 || SSL_shutdown(s) < 0) Die("close_notify");
  SSL_free(c);
  SSL_free(s);
  SSL_CTX_free(own[0]);
  SSL_CTX_free(own[1]);
}

#ifndef DTLS_BENCH_NO_MAIN /* dtls_memory.c reuses everything above */
int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: dtls_bench_c shared|per-session REPS REP_MS\n");
    return 2;
  }
  int shared = strcmp(argv[1], "shared") == 0;
  int reps = atoi(argv[2]);
  double rep_s = atof(argv[3]) / 1000.0;
  method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bench datagram");
  if (method == NULL || BIO_meth_set_write(method, BioWrite) != 1 || BIO_meth_set_read(method, BioRead) != 1 ||
      BIO_meth_set_ctrl(method, BioCtrl) != 1 || BIO_meth_set_create(method, BioCreate) != 1) {
    Die("BIO method");
  }
  Bench b;
  memset(&b, 0, sizeof b);
  for (int i = 0; i < 2; i++) {
    MakeIdentity(&b.key[i], &b.cert[i], b.digest[i]);
    if (shared) b.shared[i] = MakeContext(b.cert[i], b.key[i]);
  }
  for (int i = 0; i < 20; i++) Handshake(&b); /* warm-up */
  for (int rep = 0; rep < reps; rep++) {
    int n = 0;
    double t0 = Clock(CLOCK_MONOTONIC), cpu0 = Clock(CLOCK_PROCESS_CPUTIME_ID), t;
    do {
      Handshake(&b);
      n++;
      t = Clock(CLOCK_MONOTONIC);
    } while (t - t0 < rep_s);
    printf("%.1f %.1f\n", n / (t - t0), n / (Clock(CLOCK_PROCESS_CPUTIME_ID) - cpu0));
  }
  if (alerts != 0) Die("unexpected alerts");
  for (int i = 0; i < 2; i++) {
    SSL_CTX_free(b.shared[i]);
    X509_free(b.cert[i]);
    EVP_PKEY_free(b.key[i]);
  }
  BIO_meth_free(method);
  return 0;
}
#endif
