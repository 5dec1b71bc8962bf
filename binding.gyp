# SPDX-License-Identifier: MIT
{
  'variables': {
    # 1 builds the addon and libsrtp with AddressSanitizer and UBSan (any UB
    # report aborts). Only `npm run test:asan` sets it, through
    # `node-gyp configure -- -Ddtls_srtp_sanitize=1` in a directory of its own
    # (test/asan/run.sh); the default build is unchanged. deps/libsrtp.gyp
    # carries the same switch.
    'dtls_srtp_sanitize%': 0,
  },
  'targets': [
    {
      'target_name': 'dtls_srtp',
      # Every native/**/*.cc, one a line (test/docs/binding-gyp.test.ts checks).
      'sources': [
        'native/addon.cc',
        'native/binding/certificate_binding.cc',
        'native/binding/dtls_binding.cc',
        'native/binding/srtp_binding.cc',
        'native/binding/udp_binding.cc',
        'native/core/certificate.cc',
        'native/core/dtls_context.cc',
        'native/core/dtls_endpoint.cc',
        'native/core/dtls_record.cc',
        'native/core/srtp_context.cc',
        'native/core/udp_socket.cc',
      ],
      'dependencies': [
        '<!(node -p "require(\'node-addon-api\').targets"):node_addon_api',
        'deps/libsrtp.gyp:libsrtp',
      ],
      'include_dirs': ['native'],
      'defines': [
        'NAPI_VERSION=9',
        'NODE_ADDON_API_DISABLE_DEPRECATED',
        'NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED',
        'NODE_ADDON_API_REQUIRE_BASIC_FINALIZERS',
        # While an env terminates (worker.terminate()), every Node-API call
        # that would run JavaScript fails. Without this, node-addon-api turns
        # such a failure into a fatal error that aborts the whole process.
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
        'OPENSSL_API_COMPAT=30000',
        'OPENSSL_NO_DEPRECATED',
      ],
      # No C++ exceptions: node_addon_api (not _except) defines
      # NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS and passes -fno-exceptions.
      'cflags_cc!': ['-std=gnu++17', '-std=gnu++20'],
      'cflags': ['-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'cflags_cc': ['-std=c++17', '-fvisibility=hidden', '-fno-exceptions'],
      'conditions': [
        ['OS=="linux"', {
          # One deliberate OpenSSL: the system's libssl/libcrypto linked statically
          # into the addon and hidden (--exclude-libs), so neither our calls nor
          # libsrtp's can bind to the copy that the node binary exports.
          'libraries': [
            '-Wl,--exclude-libs,ALL',
            '-Wl,-Bstatic', '-lssl', '-lcrypto', '-Wl,-Bdynamic',
            '-ldl', '-lpthread',
          ],
          'ldflags': ['-Wl,--as-needed'],
        }],
        ['OS=="mac"', {
          'xcode_settings': {
            'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
            'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
            'MACOSX_DEPLOYMENT_TARGET': '11.0',
          },
          'libraries': ['-lssl', '-lcrypto'],
        }],
        ['dtls_srtp_sanitize==1', {
          'cflags': ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'],
          'ldflags': ['-fsanitize=address,undefined'],
        }],
      ],
    },
  ],
}
