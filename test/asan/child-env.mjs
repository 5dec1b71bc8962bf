// SPDX-License-Identifier: MIT
// Loaded into every node process of `npm run test:asan` (NODE_OPTIONS=--import).
// The run preloads the ASan runtime (LD_PRELOAD) because node itself is not
// instrumented; node children (test files, examples, GC children) need that too,
// and inherit it. Other programs the tests start (the openssl CLI, the C
// compiler, Chromium, the Node-free core test binaries) must not: GCC and the
// openssl CLI leak by design at exit, and Chromium does not run under a foreign
// allocator. So every child that is not node (or node started by `taskset`) is
// started without LD_PRELOAD.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

function isNode(file) {
  return file === process.execPath || path.basename(String(file)) === 'node';
}

// node itself, or node behind `taskset` (the benchmarks pin their suites to one
// CPU that way): both need the preload.
function startsNode(file, args) {
  if (isNode(file)) return true;
  return path.basename(String(file)) === 'taskset' && Array.isArray(args) && args.some((arg) => isNode(arg));
}

function withoutPreload(env) {
  const copy = { ...(env ?? process.env) };
  delete copy.LD_PRELOAD;
  return copy;
}

// spawn, exec, execFile and fork all end in ChildProcess#spawn with the
// environment already flattened into envPairs.
const { spawn } = childProcess.ChildProcess.prototype;
childProcess.ChildProcess.prototype.spawn = function spawnWithoutPreload(options) {
  if (options !== null && typeof options === 'object' && !startsNode(options.file, options.args) && Array.isArray(options.envPairs)) {
    options = { ...options, envPairs: options.envPairs.filter((pair) => !pair.startsWith('LD_PRELOAD=')) };
  }
  return spawn.call(this, options);
};

// The synchronous forms call the native spawner directly; wrap their exports.
for (const name of ['spawnSync', 'execFileSync']) {
  const original = childProcess[name];
  childProcess[name] = function syncWithoutPreload(file, args, options) {
    if (startsNode(file, args)) return original.call(this, file, args, options);
    if (args == null) {
      args = [];
    } else if (!Array.isArray(args)) {
      options = args;
      args = [];
    }
    return original.call(this, file, args, { ...options, env: withoutPreload(options?.env) });
  };
}
const { execSync } = childProcess;
childProcess.execSync = function execSyncWithoutPreload(command, options) {
  return execSync.call(this, command, { ...options, env: withoutPreload(options?.env) });
};
// ES modules that import these by name see the wrapped functions too.
syncBuiltinESMExports();
