/* SPDX-License-Identifier: MIT */
/* Hand-written configuration for building the vendored libsrtp from gyp
 * (deps/libsrtp.gyp) instead of its autoconf/meson scripts. Values match what
 * libsrtp's meson.build sets for crypto-library=openssl on a Linux/macOS host. */
#ifndef DTLS_SRTP_LIBSRTP_CONFIG_H
#define DTLS_SRTP_LIBSRTP_CONFIG_H

#define PACKAGE_NAME "libsrtp2"
#define PACKAGE_VERSION "2.7.0"
#define PACKAGE_STRING "libsrtp2 2.7.0"

/* Crypto comes from OpenSSL's EVP interface (AES-NI, AES-GCM); libsrtp's
 * built-in AES and SHA-1 are never compiled. */
#define OPENSSL 1
#define GCM 1
#define USE_EXTERNAL_CRYPTO 1

#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_UNISTD_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_SOCKET_H 1
#define HAVE_NETINET_IN_H 1
#define HAVE_ARPA_INET_H 1
#define HAVE_INT8_T 1
#define HAVE_INT16_T 1
#define HAVE_INT32_T 1
#define HAVE_UINT8_T 1
#define HAVE_UINT16_T 1
#define HAVE_UINT32_T 1
#define HAVE_UINT64_T 1
#define HAVE_INET_PTON 1
#define HAVE_USLEEP 1
#define SIZEOF_UNSIGNED_LONG 8
#define SIZEOF_UNSIGNED_LONG_LONG 8

#if defined(__x86_64__) || defined(__i386__)
#define CPU_CISC 1
#define HAVE_X86 1
#else
#define CPU_RISC 1
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WORDS_BIGENDIAN 1
#endif

#endif
