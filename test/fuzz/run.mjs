// SPDX-License-Identifier: MIT
// `npm run fuzz`: builds the fuzz targets and runs each for a bounded time,
// starting from the committed corpus (test/fuzz/corpus/<target>), then prints
// per target executions per second and coverage. Exits 1 if any target found
// something (the input is kept under .fuzz/artifacts/), 2 if the tools are
// missing.
//
//   node test/fuzz/run.mjs [--time=<s>] [--native | --js] [--merge] [--seed] [target...]
//     --time=<s>  seconds per target (default $FUZZ_SECONDS or 25)
//     --native    only the libFuzzer targets (dtls, srtp, rtpmeta), built with clang
//                 under ASan+UBSan; --js only the JavaScript targets
//     --merge     afterwards, minimize what the run found together with the
//                 committed corpus back into test/fuzz/corpus/<target>
//     --seed      first regenerate the seed inputs (handshake recordings,
//                 protected packets, libsrtp's corpus, STUN/SDP samples) and
//                 merge them into the committed corpora; no fuzzing unless
//                 --time is given
// The compiled TypeScript (dist/) must be current: the npm scripts run tsc first.
// Work files (builds, new inputs, logs, artifacts) go to .fuzz/ (git-ignored).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildNative, findTool, root } from './build.mjs';

const NATIVE = ['dtls', 'srtp', 'rtpmeta'];
const JS = ['stun', 'demux', 'sdp', 'fingerprint', 'rtp'];
// Longest input per target (bytes).
const MAX_LEN = { dtls: 4096, srtp: 4096, rtpmeta: 1500, stun: 1500, demux: 64, sdp: 16384, fingerprint: 512, rtp: 1500 };

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const timeArg = args.find((a) => a.startsWith('--time='));
const seconds = Number(timeArg?.slice('--time='.length) ?? process.env.FUZZ_SECONDS ?? 25);
const named = args.filter((a) => !a.startsWith('--'));
let targets = named.length > 0 ? named : [...(flag('js') ? [] : NATIVE), ...(flag('native') ? [] : JS)];
for (const t of targets) if (!NATIVE.includes(t) && !JS.includes(t)) throw new Error(`unknown target ${t}`);
if (!(seconds > 0)) throw new Error('--time must be a positive number of seconds');

const work = path.join(root, '.fuzz');
const dir = (...parts) => path.join(work, ...parts);
const committed = (t) => path.join(root, 'test', 'fuzz', 'corpus', t);
for (const d of ['build', 'logs', 'artifacts', 'seeds']) fs.mkdirSync(dir(d), { recursive: true });

let cc;
let cxx;
if (targets.some((t) => NATIVE.includes(t))) {
  cxx = findTool(['clang++-14', 'clang++']);
  cc = findTool(['clang-14', 'clang']);
  if (cxx === undefined || cc === undefined) {
    console.error('The native fuzz targets need clang with libFuzzer (Debian: apt-get install clang-14 libclang-rt-14-dev).');
    process.exit(2);
  }
}

/** Runs a command, keeps its output in `log`, resolves with { code, output }. */
function run(command, argv, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString();
      fs.writeFileSync(log, output);
      resolve({ code, output });
    });
  });
}

function lastMatch(text, re) {
  let m;
  let last;
  while ((m = re.exec(text)) !== null) last = m;
  return last;
}

/** Replaces the committed corpus of `t` with a minimized union of `inputs` dirs. */
async function merge(t, inputs, exe) {
  const fresh = dir('merge', t);
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.mkdirSync(fresh, { recursive: true });
  const sources = inputs.filter((d) => fs.existsSync(d));
  const log = dir('logs', `${t}-merge.log`);
  const r = NATIVE.includes(t)
    ? await run(exe, ['-merge=1', `-max_len=${MAX_LEN[t]}`, fresh, ...sources], log)
    : await run(process.execPath, [path.join(root, 'test', 'fuzz', 'js-fuzz.mjs'), t, '--merge', `--max-len=${MAX_LEN[t]}`, fresh, ...sources], log);
  if (r.code !== 0) throw new Error(`merging ${t} failed; see ${log}`);
  fs.rmSync(committed(t), { recursive: true, force: true });
  fs.cpSync(fresh, committed(t), { recursive: true });
  const files = fs.readdirSync(committed(t));
  const bytes = files.reduce((n, f) => n + fs.statSync(path.join(committed(t), f)).size, 0);
  console.log(`${t}: corpus minimized to ${files.length} inputs, ${(bytes / 1024).toFixed(1)} KiB`);
}

function seed(t) {
  const out = dir('seeds', t);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  if (t === 'dtls') {
    const exe = dir('build', 'dtls_seeds');
    execFileSync(cxx, [
      '-O1',
      '-std=c++17',
      '-DOPENSSL_API_COMPAT=30000',
      `-I${path.join(root, 'native')}`,
      ...['native/core/dtls_endpoint.cc', 'native/core/dtls_record.cc', 'native/core/dtls_context.cc', 'native/core/certificate.cc', 'test/fuzz/native/dtls_seeds.cc'].map((f) => path.join(root, f)),
      '-lssl',
      '-lcrypto',
      '-o',
      exe,
    ]);
    execFileSync(exe, [out], { stdio: 'inherit' });
  } else if (t === 'srtp') {
    execFileSync(process.execPath, [path.join(root, 'test', 'fuzz', 'seeds-srtp.mjs'), out], { stdio: 'inherit' });
  } else if (t === 'rtpmeta' || t === 'rtp') {
    // Plain RTP and RTCP: the same seeds for the native and the TypeScript readers.
    execFileSync(process.execPath, [path.join(root, 'test', 'fuzz', 'seeds-rtp.mjs'), out], { stdio: 'inherit' });
  } else {
    const all = dir('seeds', 'js-all');
    execFileSync(process.execPath, [path.join(root, 'test', 'fuzz', 'seeds-js.mjs'), all], { stdio: 'inherit' });
    fs.cpSync(path.join(all, t), out, { recursive: true });
  }
  return out;
}

const results = [];
let failed = false;
for (const t of targets) {
  const exe = NATIVE.includes(t) ? buildNative(t, { kind: 'libfuzzer', cc, cxx, outDir: dir('build') }) : undefined;
  if (flag('seed')) {
    await merge(t, [committed(t), seed(t)], exe);
    if (timeArg === undefined) continue;
  }
  const scratch = dir('corpus', t);
  fs.mkdirSync(scratch, { recursive: true });
  const log = dir('logs', `${t}.log`);
  const prefix = dir('artifacts', `${t}-`);
  console.log(`${t}: fuzzing for ${seconds} s ...`);
  const r = NATIVE.includes(t)
    ? await run(
        exe,
        [
          `-max_total_time=${seconds}`,
          '-print_final_stats=1',
          '-timeout=20',
          `-max_len=${MAX_LEN[t]}`,
          `-artifact_prefix=${prefix}`,
          scratch,
          committed(t),
        ],
        log,
      )
    : await run(
        process.execPath,
        [path.join(root, 'test', 'fuzz', 'js-fuzz.mjs'), t, `--time=${seconds}`, '--timeout=10', `--max-len=${MAX_LEN[t]}`, `--artifact-prefix=${prefix}`, scratch, committed(t)],
        log,
      );
  const execs = lastMatch(r.output, /stat::number_of_executed_units:\s+(\d+)/g)?.[1] ?? '?';
  const rate = lastMatch(r.output, /stat::average_exec_per_sec:\s+(\d+)/g)?.[1] ?? '?';
  const cov = lastMatch(r.output, /cov: (\d+) ft: (\d+)/g);
  const counters = lastMatch(r.output, /stat::covered_counters: (\d+) of (\d+)/g);
  const coverage = NATIVE.includes(t)
    ? `cov ${cov?.[1] ?? '?'} edges, ft ${cov?.[2] ?? '?'} features`
    : `cov ${counters?.[1] ?? '?'} of ${counters?.[2] ?? '?'} branch counters, ft ${cov?.[2] ?? '?'} features`;
  const ok = r.code === 0;
  if (!ok) {
    failed = true;
    const artifact = lastMatch(r.output, /(?:Test unit written to|input saved as|saved) (\S+)/g)?.[1];
    console.log(`${t}: FINDING (exit ${r.code}); input: ${artifact ?? 'see the log'}; log: ${path.relative(root, log)}`);
    console.log(r.output.split('\n').slice(-40).join('\n'));
  }
  results.push({ t, ok, line: `${t.padEnd(12)} ${ok ? 'ok     ' : 'FINDING'} ${execs} execs, ${rate} exec/s, ${coverage}` });
  if (ok && flag('merge')) await merge(t, [committed(t), scratch], exe);
}

if (results.length > 0) {
  console.log('\ntarget       result  executions, rate, coverage');
  for (const r of results) console.log(r.line);
}
process.exit(failed ? 1 : 0);
