// SPDX-License-Identifier: MIT
// binding.gyp names every native source itself (no command that lists a folder:
// `readdirSync({ recursive })` needed a newer Node than `engines` allows), so a
// new native/**/*.cc file must be added to it: this test says which one is
// missing. And the C++ flags agree with node-addon-api's no-exceptions mode:
// nothing is both added and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');

interface GypTarget {
  target_name: string;
  sources?: string[];
  dependencies?: string[];
  [key: string]: unknown;
}

/** binding.gyp is a Python literal (comments, single quotes): let Python read it. */
function gyp(): { targets: GypTarget[] } {
  const code = 'import ast, json, sys; print(json.dumps(ast.literal_eval(open(sys.argv[1]).read())))';
  return JSON.parse(execFileSync('python3', ['-c', code, path.join(root, 'binding.gyp')], { encoding: 'utf8' })) as { targets: GypTarget[] };
}

const addon = (): GypTarget => {
  const target = gyp().targets.find((t) => t.target_name === 'dtls_srtp');
  assert.ok(target);
  return target;
};

test('binding.gyp lists every native/**/*.cc file, by name', () => {
  const sources = addon().sources ?? [];
  for (const s of sources) assert.doesNotMatch(s, /^<!/, 'a source list computed by a command');
  const onDisk = fs
    .readdirSync(path.join(root, 'native'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cc'))
    .map((f) => `native/${f.split(path.sep).join('/')}`)
    .sort();
  assert.ok(onDisk.length > 0);
  assert.deepEqual([...sources].sort(), onDisk);
});

test('C++ exceptions are off as node-addon-api is told: no flag is both added and removed', () => {
  const target = addon();
  assert.ok(target.dependencies?.some((d) => d.endsWith(':node_addon_api')), 'the no-exceptions node_addon_api target');
  for (const key of ['cflags', 'cflags_cc', 'ldflags', 'defines']) {
    const added = (target[key] as string[] | undefined) ?? [];
    const removed = (target[`${key}!`] as string[] | undefined) ?? [];
    assert.deepEqual(added.filter((f) => removed.includes(f)), [], key);
    assert.equal(removed.includes('-fno-exceptions'), false, `${key}! removes -fno-exceptions`);
  }
  assert.ok(((target['cflags_cc'] as string[] | undefined) ?? []).includes('-fno-exceptions'));
  // What make really passes the compiler, when this tree has a configured build.
  const mk = path.join(root, 'build', 'dtls_srtp.target.mk');
  if (fs.existsSync(mk)) {
    const blocks = fs.readFileSync(mk, 'utf8').split(/\n(?=CFLAGS_CC_)/).filter((b) => b.startsWith('CFLAGS_CC_'));
    assert.ok(blocks.length > 0);
    for (const b of blocks) assert.match(b.slice(0, b.indexOf('\n\n')), /-fno-exceptions/);
  }
});
