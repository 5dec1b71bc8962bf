// SPDX-License-Identifier: MIT
// Builds the native fuzz targets (test/fuzz/native/*_fuzzer.cc) together with
// the core classes they drive and the vendored libsrtp, always under
// AddressSanitizer and UndefinedBehaviorSanitizer, in one of two forms:
//   'libfuzzer'  clang with -fsanitize=fuzzer (coverage-guided; `npm run fuzz`)
//   'replay'     any C++ compiler, linked with replay_main.cc, which runs the
//                inputs named on its command line once (the corpus replay
//                test in `npm test`)
// Rebuilds only when a source is newer than the executable.
// The sanitizer setup itself is test/asan/native-harness.mjs, shared with
// the core tests.
import * as path from 'node:path';
import { buildSanitized, findTool, root, runSanitized, sanitizerEnv } from '../asan/native-harness.mjs';

export { findTool, root, runSanitized, sanitizerEnv };

/** Each native target: its harness and the project sources it links. */
export const nativeTargets = {
  dtls: {
    harness: 'test/fuzz/native/dtls_fuzzer.cc',
    sources: ['native/core/dtls_endpoint.cc', 'native/core/dtls_record.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc'],
    headers: ['native/core/dtls_endpoint.h', 'native/core/dtls_record.h', 'native/core/certificate.h', 'native/core/ossl.h'],
    libsrtp: false,
  },
  srtp: {
    harness: 'test/fuzz/native/srtp_fuzzer.cc',
    sources: ['native/core/srtp_context.cc'],
    headers: ['native/core/srtp_context.h', 'native/core/ossl.h'],
    libsrtp: true,
  },
  rtpmeta: {
    harness: 'test/fuzz/native/rtpmeta_fuzzer.cc',
    sources: ['native/core/udp_socket.cc'],
    headers: ['native/core/udp_socket.h'],
    libsrtp: false,
  },
};

/**
 * Builds target `name` ('dtls' | 'srtp' | 'rtpmeta') in `kind` form into `outDir` and
 * returns the executable's path. `cc`/`cxx` are the C and C++ compilers.
 */
export function buildNative(name, { kind, cc, cxx, outDir }) {
  const target = nativeTargets[name];
  const exe = path.join(outDir, `${name}_${kind === 'libfuzzer' ? 'fuzzer' : 'replay'}`);
  const sources = [target.harness, ...target.sources];
  if (kind === 'replay') sources.push('test/fuzz/native/replay_main.cc');
  // libFuzzer: instrument the libraries we build (coverage counters) without
  // linking libFuzzer's main into each object; the final link adds it.
  return buildSanitized(exe, sources, {
    headers: [...target.headers, 'test/fuzz/build.mjs'],
    libsrtp: target.libsrtp,
    openssl: true,
    cc,
    cxx,
    libsrtpFlags: kind === 'libfuzzer' ? ['-fsanitize=fuzzer-no-link'] : [],
    programFlags: kind === 'libfuzzer' ? ['-fsanitize=fuzzer'] : [],
    objectPrefix: `${kind}-`,
  });
}
