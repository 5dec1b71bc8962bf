// SPDX-License-Identifier: MIT
// Replays the committed fuzz corpora (test/fuzz/corpus/<target>) through the
// fuzz targets once, without fuzzing, so that a change that breaks on an input
// the fuzzers once found interesting fails `npm test`. The native targets are
// built under ASan+UBSan with the ordinary C++ compiler and a replay main()
// (no libFuzzer needed); the JavaScript targets run in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FuzzTarget } from './js/target.js';

const root = path.join(__dirname, '..', '..', '..');
const corpus = (target: string): string => path.join(root, 'test', 'fuzz', 'corpus', target);

interface BuildModule {
  buildNative(name: string, options: { kind: 'replay'; cc: string; cxx: string; outDir: string }): string;
  findTool(candidates: string[]): string | undefined;
  runSanitized(exe: string, args: string[]): SpawnSyncReturns<string>;
}

function inputs(target: string): Buffer[] {
  const dir = corpus(target);
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f)));
}

for (const target of ['srtp', 'dtls', 'rtpmeta']) {
  // core::UdpSocket's readers are Linux-only (they compile to nothing elsewhere).
  test(`${target} corpus replays cleanly under ASan/UBSan`, { skip: target === 'rtpmeta' && process.platform !== 'linux' }, async (t) => {
    const build = (await import(pathToFileURL(path.join(root, 'test', 'fuzz', 'build.mjs')).href)) as BuildModule;
    const cxx = build.findTool(['c++', 'g++', 'clang++']);
    const cc = build.findTool(['cc', 'gcc', 'clang']);
    if (cxx === undefined || cc === undefined) {
      t.skip('no C/C++ compiler');
      return;
    }
    const exe = build.buildNative(target, { kind: 'replay', cc, cxx, outDir: path.join(root, 'build', 'fuzz-replay') });
    const count = fs.readdirSync(corpus(target)).length;
    assert.ok(count > 0, 'the corpus is committed');
    const run = build.runSanitized(exe, [corpus(target)]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`replayed ${count} inputs`));
  });
}

for (const name of ['stun', 'demux', 'sdp', 'fingerprint', 'rtp']) {
  test(`${name} corpus replays through its JavaScript fuzz target`, async () => {
    const { target } = (await import(`./js/${name}.fuzz.js`)) as { target: FuzzTarget };
    const all = inputs(name);
    assert.ok(all.length > 0, 'the corpus is committed');
    for (const input of all) target.fuzz(input);
  });
}
