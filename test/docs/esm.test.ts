// SPDX-License-Identifier: MIT
// `import` and `require` see the same names and the very same classes (no dual-package hazard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

test('the ESM entry re-exports every CommonJS export, by identity', async () => {
  const root = path.join(__dirname, '..', '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cjs = require(path.join(root, 'dist', 'lib', 'index.js')) as Record<string, unknown>;
  const esm = (await import(pathToFileURL(path.join(root, 'lib', 'index.mjs')).href)) as Record<string, unknown>;
  const cjsNames = Object.keys(cjs).filter((k) => k !== '__esModule').sort();
  const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
  assert.deepEqual(esmNames, cjsNames);
  for (const name of cjsNames) assert.equal(esm[name], cjs[name], name);
  assert.equal(esm['default'], cjs);
});
