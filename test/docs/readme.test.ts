// SPDX-License-Identifier: MIT
// Every TypeScript example in README.md that imports 'dtls-srtp' compiles and runs
// against this build, so the README cannot drift from what ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = path.join(__dirname, '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1] ?? '')
  .filter((code) => code.includes("from 'dtls-srtp'"));

test('README has runnable examples', () => {
  assert.ok(blocks.length >= 2, `found ${blocks.length}`);
});

for (const [i, code] of blocks.entries()) {
  const title = code.split('\n').find((l) => l.trim() !== '' && !l.startsWith('import')) ?? '';
  test(`README example ${i + 1} runs: ${title.slice(0, 60)}`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-readme-'));
    try {
      const js = ts.transpileModule(code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      // As an ES module through the package's ESM entry, the way `import ... from 'dtls-srtp'` resolves.
      const file = path.join(dir, `example-${i}.mjs`);
      const entry = pathToFileURL(path.join(root, 'lib', 'index.mjs')).href;
      fs.writeFileSync(file, js.replaceAll("'dtls-srtp'", JSON.stringify(entry)));
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      // A `console.log(...); // word ...` comment names what that line prints first.
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ ([\w.-]+)/gm)].map((m) => m[1] ?? '');
      const lines = out.trimEnd().split('\n');
      let at = 0;
      for (const want of expected) {
        const found = lines.findIndex((line, k) => k >= at && line.includes(want));
        assert.ok(found >= 0, `expected output "${want}" after line ${at} in:\n${out}`);
        at = found + 1;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
