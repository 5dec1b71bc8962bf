// SPDX-License-Identifier: MIT
// The package's command (bin `dtls-srtp`, run from dist as an install runs it) and
// the benchmark runner behind it: the JSON it writes, usage errors, and how the
// runner treats suites that return rows, print a table only, need a missing
// optional peer (werift), or fail. No timing is asserted: only shapes and signs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSuite, type Results } from '../../bench/index.js';

const bin = path.join(__dirname, '..', '..', 'bin', 'dtls-srtp.js');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
}

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
