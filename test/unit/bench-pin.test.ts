// SPDX-License-Identifier: MIT
// The benchmark suites that compare one thread of ours with a plain-C child
// (srtp, dtls, udp) run on one CPU: the launch prefix pinnedLaunch() gives really
// confines a process (and its children) to that CPU, and it is off when asked,
// inside an already pinned process, or where it cannot work. And the per-CPU
// speed check the runner makes before each suite, with its note on slow CPUs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { cpuSpeeds, pinnedLaunch, slowCpuNote } from '../../bench/report.js';

const reportModule = require.resolve('../../bench/report.js');

function withEnv<T>(changes: Record<string, string | undefined>, body: () => T): T {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    return body();
  } finally {
    apply(saved);
  }
}

const canPin =
  process.platform === 'linux' &&
  os.availableParallelism() > 1 &&
  spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

test('the launch prefix runs a process and its children on one CPU', { skip: canPin ? false : 'needs Linux, two CPUs and taskset' }, () => {
  const pin = withEnv({ DTLS_SRTP_BENCH_PIN: undefined, DTLS_SRTP_BENCH_PINNED: undefined }, () => pinnedLaunch());
  assert.ok(pin !== undefined);
  assert.equal(pin.command, 'taskset');
  assert.deepEqual(pin.args, ['-c', String(pin.cpu)]);
  assert.equal(pin.env['DTLS_SRTP_BENCH_PINNED'], String(pin.cpu));
  // A child of the pinned process (as the plain-C program is) reports one CPU.
  const script =
    "const { execFileSync } = require('node:child_process');" +
    "const own = /^Cpus_allowed_list:\\s*(\\S+)/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1];" +
    "const child = execFileSync('sh', ['-c', 'grep Cpus_allowed_list /proc/self/status'], { encoding: 'utf8' }).split(/\\s+/)[1];" +
    'process.stdout.write(own + " " + child);';
  const out = spawnSync(pin.command, [...pin.args, process.execPath, '-e', script], { encoding: 'utf8', env: pin.env });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, `${pin.cpu} ${pin.cpu}`);
});

test('no pinning when turned off, or inside an already pinned process', () => {
  assert.equal(withEnv({ DTLS_SRTP_BENCH_PIN: '0', DTLS_SRTP_BENCH_PINNED: undefined }, () => pinnedLaunch()), undefined);
  assert.equal(withEnv({ DTLS_SRTP_BENCH_PIN: undefined, DTLS_SRTP_BENCH_PINNED: '1' }, () => pinnedLaunch()), undefined);
});

test('no pinning for a process that may already run on one CPU only', { skip: canPin ? false : 'needs Linux, two CPUs and taskset' }, () => {
  // pinnedLaunch() inside a process confined to CPU 0 (without the marker variable).
  const script = "const { pinnedLaunch } = require(process.argv[1]); process.stdout.write(String(pinnedLaunch()));";
  const env = { ...process.env };
  delete env['DTLS_SRTP_BENCH_PINNED'];
  delete env['DTLS_SRTP_BENCH_PIN'];
  const out = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script, reportModule], {
    encoding: 'utf8',
    env,
  });
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, 'undefined');
});

test('the CPU check times the loop on every CPU this process may use', { skip: canPin ? false : 'needs Linux, two CPUs and taskset' }, () => {
  const speeds = cpuSpeeds();
  assert.ok(speeds !== undefined);
  const n = os.availableParallelism();
  assert.equal(speeds.length, Math.ceil(n / Math.ceil(n / 16)), 'every CPU, or 16 spread over them');
  assert.deepEqual(
    speeds.map((s) => s.cpu),
    [...new Set(speeds.map((s) => s.cpu))],
  );
  for (const s of speeds) assert.ok(s.ms > 0 && Number.isFinite(s.ms), `CPU ${s.cpu}: ${s.ms}`);
});

test('a CPU more than 1.3 times slower than the fastest is named in a note', () => {
  assert.equal(slowCpuNote([{ cpu: 0, ms: 100 }, { cpu: 1, ms: 129 }]), undefined);
  const note = slowCpuNote([{ cpu: 0, ms: 270 }, { cpu: 1, ms: 100 }, { cpu: 2, ms: 140 }]);
  assert.ok(note !== undefined);
  assert.match(note, /CPU 0 2\.7x, CPU 2 1\.4x/);
  assert.doesNotMatch(note, /CPU 1 /);
});

test('the CPU launched on is the fastest of a given check', { skip: canPin ? false : 'needs Linux, two CPUs and taskset' }, () => {
  const env = { DTLS_SRTP_BENCH_PIN: undefined, DTLS_SRTP_BENCH_PINNED: undefined };
  const speeds = [
    { cpu: 0, ms: 300 },
    { cpu: 1, ms: 100 },
  ];
  assert.equal(withEnv(env, () => pinnedLaunch(speeds))?.cpu, 1);
  assert.equal(withEnv(env, () => pinnedLaunch([{ cpu: 0, ms: 90 }, { cpu: 1, ms: 100 }]))?.cpu, 0);
});

test('unpin gives a pinned process, and the threads it starts after, every CPU back', { skip: canPin ? false : 'needs Linux, two CPUs and taskset' }, () => {
  const pin = withEnv({ DTLS_SRTP_BENCH_PIN: undefined, DTLS_SRTP_BENCH_PINNED: undefined }, () => pinnedLaunch());
  assert.ok(pin !== undefined);
  const script = `
    const { Worker } = require('node:worker_threads');
    const { unpin } = require(process.argv[1]);
    const allowed = (file) => require('node:fs').readFileSync(file, 'utf8').split('\\n').find((l) => l.startsWith('Cpus_allowed_list:')).slice(18).trim();
    const before = allowed('/proc/self/status');
    const ok = unpin();
    const after = allowed('/proc/self/status');
    const w = new Worker(
      "require('node:worker_threads').parentPort.postMessage((" + allowed.toString() + ")('/proc/thread-self/status'))",
      { eval: true },
    );
    w.once('message', (inWorker) => {
      process.stdout.write(JSON.stringify({ before, ok, after, inWorker, pinned: process.env.DTLS_SRTP_BENCH_PINNED ?? null }));
      void w.terminate();
    });
  `;
  const out = spawnSync(pin.command, [...pin.args, process.execPath, '-e', script, reportModule], { encoding: 'utf8', env: pin.env });
  assert.equal(out.status, 0, out.stderr);
  const seen = JSON.parse(out.stdout) as { before: string; ok: boolean; after: string; inWorker: string; pinned: string | null };
  const all = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  assert.deepEqual(seen, { before: String(pin.cpu), ok: true, after: all, inWorker: all, pinned: null });
});
