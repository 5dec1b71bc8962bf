// SPDX-License-Identifier: MIT
// The one harness for Node-free native programs under AddressSanitizer and
// UndefinedBehaviorSanitizer: the core tests (test/native/*-core.test.ts),
// the fuzz targets and their corpus replay (test/fuzz/build.mjs). It owns the
// sanitizer flags, the vendored libsrtp source list, the rebuild-when-stale
// rule and the sanitizer options a run gets. (`npm run test:asan`, run.sh in
// this folder, is the other half: the addon itself, built by node-gyp with
// binding.gyp's `dtls_srtp_sanitize` flags, under node.)
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Compile and link flags of every sanitized build (the first UB report ends the program). */
export const sanitizeFlags = ['-g', '-O1', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];

/**
 * What a sanitized program runs with: stop at the first report, with a stack,
 * and report leaks at exit. Added to the caller's environment.
 */
export const sanitizerEnv = {
  ASAN_OPTIONS: 'abort_on_error=0:halt_on_error=1:detect_leaks=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
};

const includes = [
  `-I${path.join(root, 'native')}`,
  `-I${path.join(root, 'deps', 'libsrtp-config')}`,
  `-I${path.join(root, 'deps', 'libsrtp', 'include')}`,
  `-I${path.join(root, 'deps', 'libsrtp', 'crypto', 'include')}`,
];

/** The vendored libsrtp's C sources, as deps/libsrtp.gyp lists them. */
export function libsrtpSources() {
  const gyp = fs.readFileSync(path.join(root, 'deps', 'libsrtp.gyp'), 'utf8');
  return [...gyp.matchAll(/'(libsrtp\/[^']+\.c)'/g)].map((m) => path.join(root, 'deps', m[1]));
}

/** The first of `candidates` that runs, or undefined. */
export function findTool(candidates) {
  return candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
}

function newest(files) {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/**
 * Builds `exe` (a path) from C++ `sources` (paths relative to the project
 * root) under ASan + UBSan, unless it is newer than every source, header
 * and this file. Options:
 *   headers     header paths (relative) whose change forces a rebuild
 *   libsrtp     also compile and link the vendored libsrtp
 *   openssl     link -lssl -lcrypto
 *   cc, cxx     compilers (default cc, c++)
 *   libsrtpFlags  extra flags for the libsrtp objects (e.g. fuzzer instrumentation)
 *   programFlags  extra flags for the program's own compile-and-link step
 *   objectPrefix  prefix of libsrtp object names (several builds may share a folder)
 * Returns `exe`.
 */
export function buildSanitized(exe, sources, options = {}) {
  const { headers = [], libsrtp = false, openssl = false, cc = 'cc', cxx = 'c++', libsrtpFlags = [], programFlags = [], objectPrefix = '' } = options;
  const ours = sources.map((f) => path.join(root, f));
  const c = libsrtp ? libsrtpSources() : [];
  const inputs = [...ours, ...c, ...headers.map((f) => path.join(root, f)), fileURLToPath(import.meta.url)];
  if (fs.existsSync(exe) && fs.statSync(exe).mtimeMs > newest(inputs)) return exe;
  const outDir = path.dirname(exe);
  fs.mkdirSync(outDir, { recursive: true });
  const objects = c.map((source) => {
    const object = path.join(outDir, `${objectPrefix}${path.basename(source, '.c')}.o`);
    execFileSync(cc, [...sanitizeFlags, ...libsrtpFlags, '-w', '-DHAVE_CONFIG_H', ...includes, '-c', source, '-o', object]);
    return object;
  });
  execFileSync(cxx, [
    ...sanitizeFlags,
    ...programFlags,
    '-std=c++17',
    '-Wall',
    '-Wextra',
    '-DHAVE_CONFIG_H',
    '-DOPENSSL_API_COMPAT=30000',
    ...includes,
    ...ours,
    ...objects,
    ...(openssl ? ['-lssl', '-lcrypto'] : []),
    '-pthread',
    '-o',
    exe,
  ]);
  return exe;
}

/** Runs a sanitized program (synchronously) with {@link sanitizerEnv}; returns spawnSync's result. */
export function runSanitized(exe, args = []) {
  return spawnSync(exe, args, { encoding: 'utf8', env: { ...process.env, ...sanitizerEnv } });
}
