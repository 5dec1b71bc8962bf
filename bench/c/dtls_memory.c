/* SPDX-License-Identifier: MIT */
/* What OpenSSL keeps per connected DTLS session, by allocation site: N
 * client+server pairs with the settings of dtls_bench.c (shared SSL_CTX per
 * role), each handshake completed and kept, then SSL_free_buffers() on both
 * sides as a connected DtlsEndpoint does between steps. OpenSSL's allocations
 * made while the sessions are set up are counted through
 * CRYPTO_set_mem_functions (this program's own OpenSSL; a test tool, not the
 * addon), and the bytes still live are printed per session (one side) and
 * per file:line, largest first.
 *   cc -O2 bench/c/dtls_memory.c -lssl -lcrypto -o dtls_memory && ./dtls_memory 1000
 */
#define DTLS_BENCH_NO_MAIN
#pragma GCC diagnostic ignored "-Wunused-function" /* the timing loop of dtls_bench.c */
#include "dtls_bench.c"

#include <malloc.h>

typedef struct {
  const char *file; /* NULL: not counted (made before or after the sessions) */
  int line;
  size_t size;
} Header;

enum { kMaxSites = 4096 };
typedef struct {
  const char *file;
  int line;
  long long bytes;
  long long blocks;
} Site;

static Site sites[kMaxSites];
static int site_count, counting;

static Site *SiteOf(const char *file, int line) {
  for (int i = 0; i < site_count; i++) {
    if (sites[i].line == line && sites[i].file == file) return &sites[i];
  }
  if (site_count == kMaxSites) return &sites[0];
  sites[site_count].file = file;
  sites[site_count].line = line;
  return &sites[site_count++];
}

static void Count(Header *h, const char *file, int line, size_t size) {
  h->size = size;
  h->file = counting ? file : NULL;
  h->line = line;
  if (h->file == NULL) return;
  Site *s = SiteOf(file, line);
  s->bytes += (long long)size;
  s->blocks++;
}

static void Uncount(const Header *h) {
  if (h->file == NULL) return;
  Site *s = SiteOf(h->file, h->line);
  s->bytes -= (long long)h->size;
  s->blocks--;
}

/* The header keeps max_align_t alignment for what OpenSSL stores after it. */
enum { kHeaderSpace = (sizeof(Header) + 15) / 16 * 16 };

static void *Malloc(size_t size, const char *file, int line) {
  char *block = malloc(kHeaderSpace + size);
  if (block == NULL) return NULL;
  Count((Header *)block, file, line, size);
  return block + kHeaderSpace;
}

static void Free(void *p, const char *file, int line) {
  (void)file;
  (void)line;
  if (p == NULL) return;
  char *block = (char *)p - kHeaderSpace;
  Uncount((Header *)block);
  free(block);
}

static void *Realloc(void *p, size_t size, const char *file, int line) {
  if (p == NULL) return Malloc(size, file, line);
  if (size == 0) {
    Free(p, file, line);
    return NULL;
  }
  char *block = (char *)p - kHeaderSpace;
  Header old = *(Header *)block;
  char *moved = realloc(block, kHeaderSpace + size);
  if (moved == NULL) return NULL;
  Uncount(&old);
  Count((Header *)moved, file, line, size);
  return moved + kHeaderSpace;
}

static int ByBytes(const void *a, const void *b) {
  const long long x = ((const Site *)a)->bytes, y = ((const Site *)b)->bytes;
  return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 1000;
  if (n <= 0 || CRYPTO_set_mem_functions(Malloc, Realloc, Free) != 1) Die("usage: dtls_memory PAIRS");
  method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bench datagram");
  if (method == NULL || BIO_meth_set_write(method, BioWrite) != 1 || BIO_meth_set_read(method, BioRead) != 1 ||
      BIO_meth_set_ctrl(method, BioCtrl) != 1 || BIO_meth_set_create(method, BioCreate) != 1) {
    Die("BIO method");
  }
  Bench b;
  memset(&b, 0, sizeof b);
  for (int i = 0; i < 2; i++) {
    MakeIdentity(&b.key[i], &b.cert[i], b.digest[i]);
    b.shared[i] = MakeContext(b.cert[i], b.key[i]);
  }
  Side *sides = calloc(2 * (size_t)n, sizeof(Side));
  SSL **kept = calloc(2 * (size_t)n, sizeof(SSL *));
  if (sides == NULL || kept == NULL) Die("out of memory");
  const struct mallinfo2 before = mallinfo2();
  counting = 1;
  for (int k = 0; k < n; k++) {
    to_client.head = to_client.count = to_server.head = to_server.count = 0;
    Side *client = &sides[2 * k], *server = &sides[2 * k + 1];
    *client = (Side){&to_client, &to_server, b.digest[1]};
    *server = (Side){&to_server, &to_client, b.digest[0]};
    SSL *c = MakeSession(b.shared[0], client, 0);
    SSL *s = MakeSession(b.shared[1], server, 1);
    int c_done = Step(c), s_done = 0;
    for (int round = 0; round < 50 && !(c_done && s_done && to_client.count == 0 && to_server.count == 0); round++) {
      if (to_server.count > 0) s_done = Step(s);
      if (to_client.count > 0) c_done = Step(c);
    }
    if (!c_done || !s_done || SSL_free_buffers(c) != 1 || SSL_free_buffers(s) != 1) Die("handshake");
    kept[2 * k] = c;
    kept[2 * k + 1] = s;
  }
  counting = 0;
  const struct mallinfo2 after = mallinfo2();
  qsort(sites, (size_t)site_count, sizeof(Site), ByBytes);
  long long live = 0, blocks = 0;
  for (int i = 0; i < site_count; i++) {
    live += sites[i].bytes;
    blocks += sites[i].blocks;
  }
  const double sessions = 2.0 * n;
  printf("per connected session (one side), %d pairs: OpenSSL keeps %.0f B in %.1f blocks; C heap in use %.0f B "
         "(with malloc's and this program's headers)\n",
         n, live / sessions, blocks / sessions, (double)(after.uordblks - before.uordblks) / sessions);
  for (int i = 0; i < site_count && i < 25; i++) {
    if (sites[i].bytes != 0) {
      printf("%9.0f B %5.1f blocks  %s:%d\n", sites[i].bytes / sessions, sites[i].blocks / sessions, sites[i].file,
             sites[i].line);
    }
  }
  for (int i = 0; i < 2 * n; i++) SSL_free(kept[i]);
  return 0;
}
