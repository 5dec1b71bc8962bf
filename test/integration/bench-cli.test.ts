// SPDX-License-Identifier: MIT
// The package's command (bin `dtls-srtp`, run from dist as an install runs it) and
// the benchmark runner behind it: the JSON it writes, usage errors, and how the
// runner treats suites that return rows, print a table only, need a missing
// optional peer (werift), or fail; and that the srtp and dtls suites run without
// werift and from a prebuilt install (no build/ folder, no libsrtp archive).
// No timing is asserted: only shapes and signs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSuite, type Results } from '../../bench/index.js';

const dist = path.join(__dirname, '..', '..');
const bin = path.join(dist, 'bin', 'dtls-srtp.js');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/**
 * `dtls-srtp bench srtp dtls --quick --json` run by `binFile`, the srtp suite on
 * one profile (a few seconds), with every werift package made unresolvable (a
 * preloaded hook) when `withoutWerift`; the results it wrote.
 */
function benchSrtpDtls(t: { after: (fn: () => void) => void }, binFile: string, withoutWerift: boolean): Results {
  const file = path.join(tmpdir(t), 'results.json');
  const hook = path.join(dist, 'test', 'fixtures', 'no-werift.js');
  const env: NodeJS.ProcessEnv = { ...process.env, SRTP_BENCH_PROFILES: 'AES_CM_128_HMAC_SHA1_80' };
  // Added to what is there, so that a runner's own options (the sanitizer run's) reach the children too.
  if (withoutWerift) env['NODE_OPTIONS'] = [process.env['NODE_OPTIONS'], `--require ${hook}`].filter(Boolean).join(' ');
  const r = spawnSync(process.execPath, [binFile, 'bench', 'srtp', 'dtls', '--quick', '--json', file], {
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
}

const hasCc = spawnSync('cc', ['--version']).status === 0;

function tmpdir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-bench-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('dtls-srtp bench signal --quick --json writes every figure with machine and versions', (t) => {
  const file = path.join(tmpdir(t), 'results.json');
  const r = cli('bench', 'signal', '--quick', '--json', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /## signal \(ok/);
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  assert.equal(results.schema, 1);
  assert.equal(results.quick, true);
  assert.ok(!Number.isNaN(Date.parse(results.date)));
  assert.equal(typeof results.machine.cpu, 'string');
  assert.ok(results.machine.cores > 0 && results.machine.memoryBytes > 0);
  assert.equal(results.os.platform, process.platform);
  assert.equal(results.versions['node'], process.version);
  assert.match(results.versions['openssl'] ?? '', /OpenSSL \d/);
  assert.match(results.versions['libsrtp'] ?? '', /\d+\.\d+/);
  assert.deepEqual(results.suites.map((s) => [s.name, s.status]), [['signal', 'ok']]);
  assert.ok(results.rows.length >= 5);
  for (const row of results.rows) {
    assert.equal(row.suite, 'signal');
    assert.equal(typeof row.case, 'string');
    assert.equal(row.metric, 'ops/s');
    assert.ok(Number.isFinite(row.ours) && row.ours > 0, `${row.case}: ${row.ours}`);
  }
});

test('dtls-srtp with an unknown or no command exits 2 with the usage', () => {
  for (const args of [['frobnicate'], []]) {
    const r = cli(...args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Usage: dtls-srtp <command>/);
    assert.match(r.stderr, /bench/);
    assert.equal(r.stdout, '');
  }
});

test('dtls-srtp bench with an unknown suite or option exits 2; --help exits 0', () => {
  for (const args of [['bench', 'nosuch'], ['bench', '--fast'], ['bench', '--json']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Usage: dtls-srtp bench/);
  }
  for (const args of [['--help'], ['bench', '--help']]) {
    const r = cli(...args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: dtls-srtp/);
  }
});

test('the runner takes rows from run(), a table from an older script, skips a suite whose werift is missing', async (t) => {
  const dir = tmpdir(t);
  const write = (name: string, code: string) => {
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, code);
    return file;
  };
  const progress: string[] = [];
  const rows = await runSuite(
    'rows',
    write('rows', `exports.run = async (o) => { o.progress('step 1'); process.stderr.write('note: C baseline skipped\\n');
      return [{ suite: 'rows', case: 'c', metric: 'ops/s', ours: o.quick ? 2 : 1 }]; };`),
    true,
    (line) => progress.push(line),
  );
  assert.equal(rows.result.status, 'ok');
  assert.deepEqual(rows.rows, [{ suite: 'rows', case: 'c', metric: 'ops/s', ours: 2 }]);
  assert.deepEqual(progress, ['step 1']);
  assert.deepEqual(rows.result.notes, ['C baseline skipped']);

  const table = await runSuite('table', write('table', `console.log('| a | b |');`), false, () => undefined);
  assert.equal(table.result.status, 'table-only');
  assert.equal(table.result.table, '| a | b |');
  assert.deepEqual(table.rows, []);

  const peer = await runSuite('peer', write('peer', `require('werift-not-installed-here'); exports.run = async () => [];`), false, () => undefined);
  assert.equal(peer.result.status, 'skipped');
  assert.match(peer.result.notes[0] ?? '', /needs werift-not-installed-here/);

  const failing = await runSuite('failing', write('failing', `exports.run = async () => { throw new Error('boom'); };`), false, () => undefined);
  assert.equal(failing.result.status, 'failed');
  assert.ok(failing.result.notes.some((n) => n.includes('boom')));
});

test('dtls-srtp bench srtp dtls --quick without werift: our rows and plain C still come, the notes say werift is missing', (t) => {
  const results = benchSrtpDtls(t, bin, true);
  assert.deepEqual(results.suites.map((s) => [s.name, s.status]), [['srtp', 'ok'], ['dtls', 'ok']]);
  const notes = (name: string) => results.suites.find((s) => s.name === name)?.notes.join('\n') ?? '';
  assert.match(notes('srtp'), /werift-rtp is not installed/);
  assert.match(notes('dtls'), /werift-dtls is not installed/);
  for (const row of results.rows) {
    assert.ok(Number.isFinite(row.ours) && row.ours > 0, `${row.case}: ${row.ours}`);
    assert.doesNotMatch(row.anchor?.name ?? '', /werift/, row.case);
  }
  const srtp = results.rows.filter((r) => r.suite === 'srtp');
  const dtls = results.rows.filter((r) => r.suite === 'dtls');
  assert.deepEqual(
    srtp.map((r) => r.case.replace('AES_CM_128_HMAC_SHA1_80 160 B ', '')),
    ['protect in-place', 'protect batch', 'protect copy', 'unprotect in-place', 'unprotect batch', 'unprotect copy'],
  );
  assert.equal(dtls.length, 1);
  const cBuilt = hasCc && fs.existsSync(path.join(dist, '..', 'build', 'Release', 'srtp.a'));
  if (cBuilt) {
    assert.equal(srtp.filter((r) => r.anchor?.name === 'plain C').length, 4);
    assert.equal(dtls[0]?.anchor?.name, 'plain C');
  } else {
    assert.match(notes('srtp'), /plain C column skipped/);
  }
});

test('dtls-srtp bench srtp dtls --quick from a prebuilt install: C built outside the package, srtp C skipped with how to get it', (t) => {
  // The layout of an install from a prebuilt binary: dist, bench/c, the addon under
  // prebuilds/, no build/ folder (so no libsrtp archive) and nothing written into it.
  const pkg = tmpdir(t);
  const source = path.join(dist, '..');
  fs.copyFileSync(path.join(source, 'package.json'), path.join(pkg, 'package.json'));
  for (const dir of ['lib', 'bench', 'bin']) fs.cpSync(path.join(dist, dir), path.join(pkg, 'dist', dir), { recursive: true });
  fs.cpSync(path.join(source, 'bench', 'c'), path.join(pkg, 'bench', 'c'), { recursive: true });
  const prebuilds = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(prebuilds, { recursive: true });
  fs.copyFileSync(path.join(source, 'build', 'Release', 'dtls_srtp.node'), path.join(prebuilds, 'node.napi.node'));
  fs.symlinkSync(path.join(source, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');

  // werift is there (through node_modules): only the install's layout differs.
  const results = benchSrtpDtls(t, path.join(pkg, 'dist', 'bin', 'dtls-srtp.js'), false);
  assert.deepEqual(results.suites.map((s) => [s.name, s.status]), [['srtp', 'ok'], ['dtls', 'ok']]);
  const srtpNotes = results.suites.find((s) => s.name === 'srtp')?.notes.join('\n') ?? '';
  assert.match(srtpNotes, /plain C column skipped: build\/Release\/srtp\.a .* not in this install/);
  assert.match(srtpNotes, /--build-from-source/);
  const srtp = results.rows.filter((r) => r.suite === 'srtp');
  assert.equal(srtp.length, 6);
  assert.ok(srtp.every((r) => r.ours > 0 && r.anchor?.name !== 'plain C'), 'no plain C column in srtp');
  const dtls = results.rows.filter((r) => r.suite === 'dtls');
  if (hasCc) assert.equal(dtls.find((r) => r.case.includes('plain C'))?.anchor?.name, 'plain C');
  assert.ok(!fs.existsSync(path.join(pkg, 'build')), 'nothing is built into the package');
});
