// SPDX-License-Identifier: MIT
// What package.json's `bin` runs and what the README points a user at ships in
// the package: every `bin` target and the files it loads, every file the README
// links to, every shipped path it names in backquotes (bench/..., docs/...).
// A file that is not shipped (test/, examples/: the repository's, for
// contributors) is linked by an absolute URL into the repository. The LICENSE
// ships and package.json says where the repository and its issues are; a
// shipped source map points only at shipped sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin?: Record<string, string>;
  license?: string;
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
};
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function packed(): Set<string> {
  packedFiles ??= packList();
  return packedFiles;
}
let packedFiles: Set<string> | undefined;

function packList(): Set<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(info!.files.map((f) => f.path));
}

/** Relative link and image targets of the README, without anchors. */
function readmeLinks(): string[] {
  return [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split('#')[0]!)
    .filter((p) => p !== '' && !/^[a-z]+:/.test(p));
}

/** Backquoted paths of shipped folders the README names (`bench/c/`, `docs/benchmarks.svg`). */
function readmePaths(): string[] {
  return [...readme.matchAll(/`((?:bench|docs|dist)\/[\w./-]*)`/g)].map((m) => m[1]!);
}

test('bin targets, the files they load, and what the README names are in npm pack', () => {
  const files = packed();
  const has = (p: string) => (p.endsWith('/') ? [...files].some((f) => f.startsWith(p)) : files.has(p));
  const bins = Object.values(pkg.bin ?? {});
  assert.ok(bins.length > 0, 'package.json has a bin');
  const wanted = [
    ...bins.map((b) => path.posix.normalize(b)),
    // What `dtls-srtp bench` loads at run time.
    'dist/bench/index.js',
    'dist/bench/child.js',
    'dist/bench/report.js',
    'dist/bench/svg.js',
    ...fs.readdirSync(path.join(root, 'bench', 'c')).map((f) => `bench/c/${f}`),
    ...readmeLinks(),
    ...readmePaths().filter((p) => p !== 'bench/results.json'), // written by a run in a clone
  ];
  assert.ok(wanted.includes('docs/benchmarks.md'));
  const missing = wanted.filter((p) => !has(p));
  assert.deepEqual(missing, []);
});

test('every bin target starts with a node shebang', () => {
  for (const target of Object.values(pkg.bin ?? {})) {
    assert.match(fs.readFileSync(path.join(root, target), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  }
});

test('LICENSE ships and matches package.json; repository, homepage and bugs are set', () => {
  assert.ok(packed().has('LICENSE'));
  assert.equal(pkg.license, 'MIT');
  assert.match(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) the dtls-srtp authors\n/);
  assert.equal(pkg.repository?.type, 'git');
  const repo = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository?.url ?? '')?.[1];
  assert.ok(repo !== undefined, `repository.url: ${pkg.repository?.url}`);
  assert.equal(pkg.homepage, `${repo}#readme`);
  assert.equal(pkg.bugs?.url, `${repo}/issues`);
  // Absolute links into the repository (for files that are not shipped) name files that exist.
  const blobs = [...readme.matchAll(/\]\((https:\/\/github\.com\/[^)\s]+)\)/g)].map((m) => m[1]!);
  for (const url of blobs.filter((u) => u.startsWith(`${repo}/blob/main/`))) {
    const file = url.slice(`${repo}/blob/main/`.length).split('#')[0]!;
    assert.ok(fs.existsSync(path.join(root, file)), url);
  }
});

test('every shipped source map points at shipped sources', () => {
  const files = packed();
  const broken: string[] = [];
  for (const map of [...files].filter((f) => f.endsWith('.map'))) {
    const { sources } = JSON.parse(fs.readFileSync(path.join(root, map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const target = path.posix.join(path.posix.dirname(map), source);
      if (!files.has(target)) broken.push(`${map} -> ${target}`);
    }
  }
  for (const js of [...files].filter((f) => f.endsWith('.js'))) {
    const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(root, js), 'utf8'))?.[1];
    if (ref !== undefined && !ref.startsWith('data:')) {
      const target = path.posix.join(path.posix.dirname(js), ref);
      if (!files.has(target)) broken.push(`${js} -> ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});
