# SPDX-License-Identifier: MIT
# Builds the vendored libsrtp (deps/libsrtp, upstream tree as released) as a
# static library with its OpenSSL crypto backend. See deps/README.md.
{
  'variables': {
    # Set to 1 by the sanitizer build (see ../binding.gyp).
    'dtls_srtp_sanitize%': 0,
  },
  'targets': [
    {
      'target_name': 'libsrtp',
      'type': 'static_library',
      'standalone_static_library': 1,
      'include_dirs': [
        'libsrtp-config',
        'libsrtp/include',
        'libsrtp/crypto/include',
      ],
      'defines': ['HAVE_CONFIG_H'],
      'cflags': ['-fPIC', '-fvisibility=hidden', '-O3', '-w'],
      'xcode_settings': { 'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES', 'OTHER_CFLAGS': ['-w'] },
      'sources': [
        'libsrtp/srtp/srtp.c',
        'libsrtp/crypto/cipher/cipher.c',
        'libsrtp/crypto/cipher/cipher_test_cases.c',
        'libsrtp/crypto/cipher/null_cipher.c',
        'libsrtp/crypto/cipher/aes_icm_ossl.c',
        'libsrtp/crypto/cipher/aes_gcm_ossl.c',
        'libsrtp/crypto/hash/auth.c',
        'libsrtp/crypto/hash/auth_test_cases.c',
        'libsrtp/crypto/hash/null_auth.c',
        'libsrtp/crypto/hash/hmac_ossl.c',
        'libsrtp/crypto/kernel/alloc.c',
        'libsrtp/crypto/kernel/crypto_kernel.c',
        'libsrtp/crypto/kernel/err.c',
        'libsrtp/crypto/kernel/key.c',
        'libsrtp/crypto/math/datatypes.c',
        'libsrtp/crypto/replay/rdb.c',
        'libsrtp/crypto/replay/rdbx.c',
      ],
      'conditions': [
        ['dtls_srtp_sanitize==1', {
          'cflags': ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'],
        }],
      ],
      'direct_dependent_settings': {
        'include_dirs': ['libsrtp-config', 'libsrtp/include', 'libsrtp/crypto/include'],
        'defines': ['HAVE_CONFIG_H'],
      },
    },
  ],
}
