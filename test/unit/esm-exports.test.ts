// SPDX-License-Identifier: MIT
// The ESM entry (lib/index.mjs) re-exports every runtime export of the
// CommonJS build by name, and they are the same objects (no dual package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as cjs from '../../lib/index.js';

test('lib/index.mjs exports exactly the CommonJS names, as the same objects', async () => {
  const url = pathToFileURL(path.join(__dirname, '..', '..', '..', 'lib', 'index.mjs')).href;
  const esm = (await import(url)) as Record<string, unknown>;
  const names = Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default').sort();
  const esmNames = Object.keys(esm).filter((k) => k !== 'default').sort();
  assert.deepEqual(esmNames, names);
  for (const name of names) assert.equal(esm[name], (cjs as Record<string, unknown>)[name], name);
  assert.equal(typeof esm['DtlsSrtpTransport'], 'function');
});
