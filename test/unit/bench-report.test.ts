// SPDX-License-Identifier: MIT
// The helpers every bench module shares (bench/report.ts): whether a target is
// met, medians, and the table the runner prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileC, formatTable, isMet, loadOptional, median, type BenchRow } from '../../bench/report.js';

const row = (over: Partial<BenchRow>): BenchRow => ({ suite: 's', case: 'c', metric: 'ms', ours: 10, ...over });

test('isMet reads the target on the ratio or on ours, min and max', () => {
  assert.equal(isMet(row({})), undefined);
  assert.equal(isMet(row({ ratio: 0.95, target: { min: 0.9, of: 'ratio' } })), true);
  assert.equal(isMet(row({ ratio: 0.55, target: { min: 0.9, of: 'ratio' } })), false);
  assert.equal(isMet(row({ target: { min: 0.9, of: 'ratio' } })), undefined); // no ratio measured
  assert.equal(isMet(row({ ours: 12, target: { max: 20, of: 'ours' } })), true);
  assert.equal(isMet(row({ ours: 348, target: { max: 50, of: 'ours' } })), false);
  assert.equal(isMet(row({ ours: 5, target: { min: 6, max: 9, of: 'ours' } })), false);
});

test('median of odd and even counts, unsorted input untouched', () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('the table has a line per row and leaves out columns no row fills', () => {
  const plain = formatTable([row({ case: 'a' }), row({ case: 'b', ours: 2e6 })]).split('\n');
  assert.equal(plain.length, 4);
  assert.match(plain[0]!, /^case\s+metric\s+ours$/);
  assert.match(plain[3]!, /^b\s+ms\s+2\.00 M$/);
  const compared = formatTable([row({ anchor: { name: 'plain C', value: 20 }, ratio: 0.5, target: { min: 0.9, of: 'ratio' } })]).split('\n');
  assert.match(compared[0]!, /^case\s+metric\s+ours\s+anchor\s+ratio\s+target\s+met$/);
  assert.match(compared[2]!, /plain C 20\.0\s+0\.50×\s+≥ 0\.90×\s+NO$/);
});

test('loadOptional returns undefined for a package that is not installed, the module otherwise', () => {
  assert.equal(loadOptional('werift-not-installed-here'), undefined);
  assert.equal(typeof (loadOptional('node:path') as { join?: unknown }).join, 'function');
});

test('compileC: two versions of a program with the same name never share an executable; one version is built once', (t) => {
  const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'cc-a-')), fs.mkdtempSync(path.join(os.tmpdir(), 'cc-b-'))];
  try {
    const sources = dirs.map((dir, i) => {
      const file = path.join(dir, 'answer.c');
      fs.writeFileSync(file, `#include <stdio.h>\nint main(void) { printf("${i + 40}\\n"); return 0; }\n`);
      return file;
    });
    const built = sources.map((file) => compileC(file, []));
    if (built.some((b) => 'skipped' in b)) {
      t.skip('no C compiler');
      return;
    }
    const [a, b] = built.map((x) => (x as { exe: string }).exe);
    assert.notEqual(a, b);
    assert.equal(execFileSync(a as string, { encoding: 'utf8' }).trim(), '40');
    assert.equal(execFileSync(b as string, { encoding: 'utf8' }).trim(), '41');
    const mtime = fs.statSync(a as string).mtimeMs;
    assert.deepEqual(compileC(sources[0] as string, []), { exe: a });
    assert.equal(fs.statSync(a as string).mtimeMs, mtime, 'the same version is reused, not rebuilt');
    for (const exe of [a, b]) fs.rmSync(exe as string, { force: true });
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
});
