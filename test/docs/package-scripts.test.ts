// SPDX-License-Identifier: MIT
// npm runs `pre<name>` and `post<name>` around `npm run <name>` (and around its own
// lifecycle commands) without being asked: a script whose name happens to start with
// `pre`/`post` and end with another script's name becomes a hook of it. A script named
// `prebuild` once made `npm run build` run prebuildify first, which moved the freshly
// built addon away. No script here is meant to be a hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** npm commands that run `pre`/`post` scripts of their own name. */
const lifecycle = ['install', 'uninstall', 'pack', 'publish', 'version', 'test', 'start', 'stop', 'restart', 'shrinkwrap'];

test('no script is an unintended pre/post hook of another script or of an npm command', () => {
  const hooks = Object.keys(scripts).filter((name) => {
    const base = /^(?:pre|post)(.+)$/.exec(name)?.[1];
    return base !== undefined && (base in scripts || lifecycle.includes(base));
  });
  assert.deepEqual(hooks, []);
});

test('prebuilds are made by `npm run prebuildify`, and `npm run build` only builds', () => {
  assert.match(scripts['prebuildify'] ?? '', /^prebuildify --napi --strip --tag-libc$/);
  assert.doesNotMatch(scripts['build'] ?? '', /prebuildify/);
});
