// SPDX-License-Identifier: MIT
// A small coverage-guided fuzzer for the JavaScript targets
// (dist/test/fuzz/js/<name>.fuzz.js), used because Jazzer.js cannot run on
// this platform (see test/fuzz/README.md). The feedback is edge coverage of
// the modules the target names, instrumented as they load (instrument.mjs):
// an input that makes a branch run, or run a different number of times
// (counts bucketed as libFuzzer does), is kept in the corpus and mutated
// further. Mutations: bit flips, byte edits, inserts, erasures,
// copies, crossover with another corpus entry, dictionary tokens, ASCII
// numbers.
//
// The target runs in a worker thread; the main thread watches a heartbeat and
// ends a run that hangs (saving the input). A thrown error is a finding: the
// input is saved as <artifact-prefix>crash-<sha1> and the exit status is 1.
//
// Usage: node js-fuzz.mjs <target> [options] <corpus-dir>...
//   --time=<s>       run time (default 25)        --runs=<n>  stop after n inputs
//   --timeout=<s>    one input's limit (default 10)
//   --max-len=<n>    longest input (default 4096)
//   --artifact-prefix=<path-prefix>              --seed=<n>  PRNG seed
//   --merge          copy the inputs of the 2nd.. corpus dirs that add coverage
//                    into the 1st, then exit (minimization)
// New inputs are written to the first corpus directory.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { install } from './instrument.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const options = { time: 25, runs: Infinity, timeout: 10, maxLen: 4096, artifactPrefix: './', seed: Date.now() >>> 0, merge: false };
  const dirs = [];
  let target;
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) {
      if (target === undefined) target = arg;
      else dirs.push(arg);
      continue;
    }
    const [, key, value] = m;
    if (key === 'merge') options.merge = true;
    else if (key === 'time') options.time = Number(value);
    else if (key === 'runs') options.runs = Number(value);
    else if (key === 'timeout') options.timeout = Number(value);
    else if (key === 'max-len') options.maxLen = Number(value);
    else if (key === 'artifact-prefix') options.artifactPrefix = value;
    else if (key === 'seed') options.seed = Number(value);
    else throw new Error(`unknown option --${key}`);
  }
  if (target === undefined || dirs.length === 0) throw new Error('usage: js-fuzz.mjs <target> [options] <corpus-dir>...');
  return { target, dirs, options };
}

const sha1 = (data) => createHash('sha1').update(data).digest('hex');

// ---------------------------------------------------------------- main thread
if (isMainThread) {
  const { target, dirs, options } = parseArgs(process.argv.slice(2));
  const shared = new SharedArrayBuffer(12 + options.maxLen);
  // [executions, current input length, ready (the target is loaded)]
  const beat = new Int32Array(shared, 0, 3);
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { target, dirs, options, shared } });
  let last = -1;
  let stalledSince = Date.now();
  let ended = false;
  let armed = false;
  const watch = setInterval(() => {
    const now = Atomics.load(beat, 0);
    // Loading and instrumenting the target is not one input's time.
    if (!armed) {
      if (Atomics.load(beat, 2) === 0) return;
      armed = true;
      last = now;
      stalledSince = Date.now();
      return;
    }
    if (now !== last) {
      last = now;
      stalledSince = Date.now();
      return;
    }
    if (Date.now() - stalledSince < options.timeout * 1000) return;
    const length = Atomics.load(beat, 1);
    const input = Buffer.from(new Uint8Array(shared, 12, length));
    const file = `${options.artifactPrefix}timeout-${sha1(input)}`;
    fs.writeFileSync(file, input);
    console.log(`==js-fuzz== TIMEOUT: one input ran longer than ${options.timeout} s; saved ${file}`);
    ended = true;
    clearInterval(watch);
    void worker.terminate().then(() => process.exit(1));
  }, 250);
  worker.on('exit', (code) => {
    clearInterval(watch);
    if (!ended) process.exitCode = code;
  });
  worker.on('error', (error) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  runWorker(workerData);
}

// --------------------------------------------------------------------- worker
function runWorker({ target: name, dirs, options, shared }) {
  const beat = new Int32Array(shared, 0, 3);
  const current = new Uint8Array(shared, 12, options.maxLen);
  // Every module of the library the target loads is instrumented.
  const libDir = path.join(root, 'dist', 'lib') + path.sep;
  const watched = new Set();
  const { counters, used } = install((file) => file.startsWith(libDir) && watched.add(file) !== undefined);
  const require = createRequire(import.meta.url);
  const { target } = require(path.join(root, 'dist', 'test', 'fuzz', 'js', `${name}.fuzz.js`));
  Atomics.store(beat, 2, 1);

  // xorshift32: reproducible mutation sequences for a given --seed.
  let state = options.seed || 1;
  const rand = (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };

  // A feature is (counter, bucket of its count), as libFuzzer counts them.
  const seen = new Set();
  const covered = new Set(); // counters seen non-zero
  const bucket = (c) => (c <= 3 ? c : c < 8 ? 4 : c < 16 ? 5 : c < 32 ? 6 : c < 128 ? 7 : 8);
  function features() {
    const out = [];
    const n = used();
    for (let i = 0; i < n; i++) {
      const c = counters[i];
      if (c !== 0) out.push(i * 16 + bucket(c));
    }
    return out;
  }

  let executions = 0;
  function execute(input) {
    current.set(input.subarray(0, options.maxLen));
    Atomics.store(beat, 1, Math.min(input.length, options.maxLen));
    counters.fill(0, 0, used());
    try {
      target.fuzz(input);
    } catch (error) {
      const file = `${options.artifactPrefix}crash-${sha1(input)}`;
      fs.writeFileSync(file, input);
      console.log(`==js-fuzz== FINDING in target ${name}: ${error instanceof Error ? error.stack : String(error)}`);
      console.log(`==js-fuzz== input saved as ${file}`);
      process.exit(1);
    }
    executions++;
    Atomics.add(beat, 0, 1);
    let added = 0;
    for (const f of features()) {
      if (seen.has(f)) continue;
      seen.add(f);
      covered.add(f >> 4);
      added++;
    }
    return added;
  }

  function readDir(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, f)))
      .filter((d) => d.length <= options.maxLen);
  }

  const [outDir, ...inDirs] = dirs;
  fs.mkdirSync(outDir, { recursive: true });
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  const status = (what) =>
    console.log(
      `#${executions}\t${what}\tcov: ${covered.size} ft: ${seen.size} corp: ${corpus.length} exec/s: ${Math.round(executions / Math.max(elapsed(), 1e-3))}`,
    );
  const corpus = [];

  if (options.merge) {
    // Keep what the output dir has, then add each input (smallest first) that adds features.
    for (const input of readDir(outDir)) if (execute(input) >= 0) corpus.push(input);
    const inputs = inDirs.flatMap(readDir).sort((a, b) => a.length - b.length);
    let kept = 0;
    for (const input of inputs) {
      if (execute(input) > 0) {
        fs.writeFileSync(path.join(outDir, sha1(input)), input);
        corpus.push(input);
        kept++;
      }
    }
    status('MERGED');
    console.log(`==js-fuzz== merge: ${kept} of ${inputs.length} inputs added coverage`);
    process.exit(0);
  }

  for (const input of [Buffer.alloc(0), ...dirs.flatMap(readDir)]) {
    if (execute(input) > 0 || corpus.length === 0) corpus.push(input);
  }
  status('INITED');
  console.log(`==js-fuzz== ${used()} counters in ${[...watched].map((f) => path.relative(root, f)).join(', ')}`);

  const dictionary = target.dictionary.map((t) => Buffer.from(t, 'latin1'));
  function mutate(input) {
    let out = Buffer.from(input);
    const steps = 1 + rand(4);
    for (let i = 0; i < steps; i++) {
      const at = rand(out.length + 1);
      switch (rand(10)) {
        case 0: // flip a bit
          if (out.length > 0) out[rand(out.length)] ^= 1 << rand(8);
          break;
        case 1: // set a byte
          if (out.length > 0) out[rand(out.length)] = rand(256);
          break;
        case 2: {
          // insert random bytes
          const n = 1 + rand(8);
          const bytes = Buffer.alloc(n);
          for (let j = 0; j < n; j++) bytes[j] = rand(256);
          out = Buffer.concat([out.subarray(0, at), bytes, out.subarray(at)]);
          break;
        }
        case 3: // erase a range
          if (out.length > 0) out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rand(16)))]);
          break;
        case 4: {
          // copy a range of itself elsewhere
          if (out.length === 0) break;
          const from = rand(out.length);
          const piece = out.subarray(from, from + 1 + rand(32));
          out = Buffer.concat([out.subarray(0, at), piece, out.subarray(at)]);
          break;
        }
        case 5: {
          // crossover: splice a piece of another corpus entry
          const other = corpus[rand(corpus.length)];
          if (other.length === 0) break;
          const from = rand(other.length);
          const piece = other.subarray(from, from + 1 + rand(64));
          out = Buffer.concat([out.subarray(0, at), piece, out.subarray(at)]);
          break;
        }
        case 6:
        case 7: {
          // insert or overwrite a dictionary token
          if (dictionary.length === 0) break;
          const token = dictionary[rand(dictionary.length)];
          if (rand(2) === 0 || out.length < token.length) out = Buffer.concat([out.subarray(0, at), token, out.subarray(at)]);
          else token.copy(out, rand(out.length - token.length + 1));
          break;
        }
        case 8: {
          // replace an ASCII number with an interesting one
          const text = out.toString('latin1');
          const numbers = [...text.matchAll(/\d+/g)];
          if (numbers.length === 0) break;
          const m = numbers[rand(numbers.length)];
          const values = ['0', '1', '255', '256', '65535', '65536', '4294967295', '99999999999999999999', String(rand(1000))];
          const v = values[rand(values.length)];
          out = Buffer.concat([out.subarray(0, m.index), Buffer.from(v), out.subarray(m.index + m[0].length)]);
          break;
        }
        default: {
          // shuffle a few bytes
          if (out.length < 2) break;
          const from = rand(out.length - 1);
          const n = Math.min(out.length - from, 2 + rand(6));
          for (let j = n - 1; j > 0; j--) {
            const k = rand(j + 1);
            const t = out[from + j];
            out[from + j] = out[from + k];
            out[from + k] = t;
          }
        }
      }
    }
    return out.length > options.maxLen ? out.subarray(0, options.maxLen) : out;
  }

  let nextReport = 1;
  while (elapsed() < options.time && executions < options.runs) {
    const input = mutate(corpus[rand(corpus.length)]);
    if (execute(input) > 0) {
      corpus.push(input);
      fs.writeFileSync(path.join(outDir, sha1(input)), input);
      status('NEW');
    }
    if (executions >= nextReport) {
      status('pulse');
      nextReport *= 2;
    }
  }
  status('DONE');
  console.log(`stat::number_of_executed_units: ${executions}`);
  console.log(`stat::average_exec_per_sec: ${Math.round(executions / elapsed())}`);
  console.log(`stat::covered_counters: ${covered.size} of ${used()}`);
  console.log(`stat::features: ${seen.size}`);
  process.exit(0);
}
