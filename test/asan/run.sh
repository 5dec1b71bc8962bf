#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `npm run test:asan [-- <test files or folders under dist/test>]`: builds the
# addon and libsrtp with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ (build/Release stays the release addon) and runs the test suites
# against it with leak detection on. Any sanitizer report from any node process
# fails the run. Extra ASAN_OPTIONS are appended to ours (the last one wins).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here="$root/test/asan"

# node-gyp always builds into ./build of the directory holding binding.gyp, so
# build-asan/addon gets a binding.gyp of its own (a link) plus links to the
# sources. gyp writes the makefiles of dependencies outside that directory
# (deps/ and node_modules/ next to it), which is why it is two levels deep: they
# land in build-asan/, never in build/.
out="$root/build-asan/addon"
mkdir -p "$out"
for f in binding.gyp native deps; do ln -sfn "../../$f" "$out/$f"; done
gyp="$root/node_modules/.bin/node-gyp"
(cd "$out" && "$gyp" configure --silent -- -Ddtls_srtp_sanitize=1 && "$gyp" build --silent -j "${JOBS:-2}")
addon="$out/build/Release/dtls_srtp.node"
readelf -d "$addon" | grep -q 'libasan' || { echo "test:asan: $addon is not built with ASan" >&2; exit 1; }

"$root/node_modules/.bin/tsc" -p tsconfig.test.json

suites=("$@")
if [ "${#suites[@]}" -eq 0 ]; then
  # Every test file except native/*-core (they build and run their own
  # ASan/UBSan binaries in `npm test` already) and native/*-gc (they assert
  # that RSS stays flat, which ASan's quarantine of freed memory defeats).
  mapfile -t suites < <(find dist/test -name '*.test.js' ! -name '*-core.test.js' ! -name '*-gc.test.js' | sort)
fi

# node is not instrumented, so the ASan runtime has to be the first library in
# the process: preload it (the addon pulls in libubsan itself, which may load late).
libasan="$("${CXX:-g++}" -print-file-name=libasan.so)"
[ -f "$libasan" ] || { echo "test:asan: no libasan.so for ${CXX:-g++} (Debian: the libgcc-<version>-dev package)" >&2; exit 1; }

reports="$root/build-asan/reports"
rm -rf "$reports"
mkdir -p "$reports"
supp="$root/build-asan/lsan.supp"
case ":${ASAN_OPTIONS:-}:" in
  *:fast_unwind_on_malloc=0:*) cp "$here/lsan.supp" "$supp" ;;
  *) cat "$here/lsan.supp" "$here/lsan-fast.supp" > "$supp" ;;
esac

# detect_leaks: LeakSanitizer at the exit of every process (explicit; the
#   default on Linux). log_path: one report file per process, so no ASan or
#   leak report is lost in a child's captured stderr or behind an exit status
#   nobody checks.
# Leak stacks are taken the fast way (frame pointers) unless ASAN_OPTIONS has
#   fast_unwind_on_malloc=0: 3 to 10 times slower, but only then do stacks go
#   through OpenSSL, and lsan-fast.supp is left out (see there).
# UBSan: -fno-sanitize-recover=all makes the first report end the process with
#   a failure status; print_stacktrace says where. Its reports go to stderr.
# Nothing else is needed for node and V8: ASan's SIGSEGV handler lets V8 install
#   its own, and stack-use-after-return detection (fake stacks) is off by default.
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1"
export DTLS_SRTP_PREBUILD="$out"   # node-gyp-build loads $DTLS_SRTP_PREBUILD/build/Release/*.node
export NODE_OPTIONS="--import=$here/child-env.mjs${NODE_OPTIONS:+ $NODE_OPTIONS}"
export LD_PRELOAD="$libasan"

loaded="$(node -p "require('./dist/lib/native.js').native.versions().addonObject")"
[ "$loaded" = "$addon" ] || { echo "test:asan: loaded $loaded instead of $addon" >&2; exit 1; }

# Two tests hold the code to real-time limits that a build 3 to 10 times slower
# misses (a 20 ms retransmission timer that must never fire; a child process
# given 20 s); `npm test` runs them. The pattern runs every test whose name, or
# whose suite's name, is not in the list ('<root>' is the runner's own root;
# naming a suite lets its other tests run).
skip='<root>|role from a=setup; application data both ways; DTLS retransmissions counted on a lossy path'
skip+='|timers and hostile input during the handshake'
skip+='|a forgotten transport mid-handshake does not keep the process alive \(unref timer\)'
# This one packs the package and type-checks it with tsc, a long node process
# whose own V8 pages LeakSanitizer reports when it exits mid-collection; it
# checks packaging, not native code, and `npm test` runs it.
skip+='|the packed package resolves its root and each subpath in CommonJS, ESM and TypeScript'
status=0
node --test --test-concurrency=1 --test-name-pattern="^(?!($skip)\$)" "${suites[@]}" || status=$?
unset LD_PRELOAD

if compgen -G "$reports/*" >/dev/null; then
  for f in "$reports"/*; do
    echo "---- $f"
    cat "$f"
  done
  echo "test:asan: sanitizer reports above" >&2
  exit 1
fi
exit "$status"
