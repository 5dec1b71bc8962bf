// SPDX-License-Identifier: MIT
// Builds the native fuzz targets (test/fuzz/native/*_fuzzer.cc) together with
// the core classes they drive and the vendored libsrtp, always under
// AddressSanitizer and UndefinedBehaviorSanitizer, in one of two forms:
//   'libfuzzer'  clang with -fsanitize=fuzzer (coverage-guided; `npm run fuzz`)
//   'replay'     any C++ compiler, linked with replay_main.cc, which runs the
//                inputs named on its command line once (the corpus replay
//                test in `npm test`)
// Rebuilds only when a source is newer than the executable.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each native target: its harness and the project sources it links. */
export const nativeTargets = {
  dtls: {
    harness: 'test/fuzz/native/dtls_fuzzer.cc',
    sources: ['native/core/dtls_endpoint.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc'],
    headers: ['native/core/dtls_endpoint.h', 'native/core/certificate.h', 'native/core/ossl.h'],
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

const sanitize = ['-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];

function libsrtpSources() {
  const gyp = fs.readFileSync(path.join(root, 'deps', 'libsrtp.gyp'), 'utf8');
  return [...gyp.matchAll(/'(libsrtp\/[^']+\.c)'/g)].map((m) => path.join(root, 'deps', m[1]));
}

function newest(files) {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/** The first of `candidates` that runs, or undefined. */
export function findTool(candidates) {
  return candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * Builds target `name` ('dtls' | 'srtp' | 'rtpmeta') in `kind` form into `outDir` and
 * returns the executable's path. `cc`/`cxx` are the C and C++ compilers.
 */
export function buildNative(name, { kind, cc, cxx, outDir }) {
  const target = nativeTargets[name];
  const exe = path.join(outDir, `${name}_${kind === 'libfuzzer' ? 'fuzzer' : 'replay'}`);
  const ours = [target.harness, ...target.sources].map((f) => path.join(root, f));
  if (kind === 'replay') ours.push(path.join(root, 'test', 'fuzz', 'native', 'replay_main.cc'));
  const c = target.libsrtp ? libsrtpSources() : [];
  const inputs = [...ours, ...c, ...target.headers.map((f) => path.join(root, f)), fileURLToPath(import.meta.url)];
  if (fs.existsSync(exe) && fs.statSync(exe).mtimeMs > newest(inputs)) return exe;
  fs.mkdirSync(outDir, { recursive: true });
  const includes = [
    `-I${path.join(root, 'native')}`,
    `-I${path.join(root, 'deps', 'libsrtp-config')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'include')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'crypto', 'include')}`,
  ];
  // Instrument the libraries we build (coverage counters) without linking
  // libFuzzer's main into each object; the final link adds it.
  const instrument = kind === 'libfuzzer' ? ['-fsanitize=fuzzer-no-link'] : [];
  const objects = c.map((source) => {
    const object = path.join(outDir, `${kind}-${path.basename(source, '.c')}.o`);
    execFileSync(cc, [...sanitize, ...instrument, '-w', '-DHAVE_CONFIG_H', ...includes, '-c', source, '-o', object]);
    return object;
  });
  execFileSync(cxx, [
    ...sanitize,
    ...(kind === 'libfuzzer' ? ['-fsanitize=fuzzer'] : []),
    '-std=c++17',
    '-Wall',
    '-Wextra',
    '-DHAVE_CONFIG_H',
    '-DOPENSSL_API_COMPAT=30000',
    ...includes,
    ...ours,
    ...objects,
    '-lssl',
    '-lcrypto',
    '-o',
    exe,
  ]);
  return exe;
}
