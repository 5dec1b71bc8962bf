// SPDX-License-Identifier: MIT
// What a user gets from the packed tarball: `dtls-srtp`, `dtls-srtp/stun`,
// `dtls-srtp/sdp`, `dtls-srtp/ice` and `dtls-srtp/rtp` resolve through package.json `exports` with
// `require`, with `import`, and for TypeScript (node16 resolution), from a copy
// of exactly the files `npm pack` ships, installed as node_modules/dtls-srtp of a
// temporary project. Its dependencies and the addon built here are linked in, so
// nothing is downloaded or compiled. No shipped declaration needs a type package
// that is only a devDependency (`@types/sdp-transform`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const subpaths = { stun: 'parseStunMessage', sdp: 'parseRemoteDescription', ice: 'IceLiteResponder', rtp: 'readRtpHeader' } as const;

function install(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-pack-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as { files: { path: string }[] }[];
  const pkgDir = path.join(dir, 'node_modules', 'dtls-srtp');
  for (const { path: file } of info!.files) {
    fs.mkdirSync(path.join(pkgDir, path.dirname(file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(pkgDir, file));
  }
  // The addon as `npm install` would have built it (no prebuild is in the package here).
  fs.symlinkSync(path.join(root, 'build'), path.join(pkgDir, 'build'), 'dir');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  // Only what a user's project has: the dependencies, and @types/node for its own use.
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node', 'undici-types']) {
    if (!fs.existsSync(path.join(root, 'node_modules', dep))) continue;
    fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', dep)), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  return dir;
}

test('the packed package resolves its root and each subpath in CommonJS, ESM and TypeScript', (t) => {
  const dir = install(t);
  const node = (file: string, code: string): string => {
    fs.writeFileSync(path.join(dir, file), code);
    return execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }).trim();
  };
  const checks: [spec: string, name: string][] = Object.entries(subpaths).map(([sub, name]) => [`dtls-srtp/${sub}`, name]);
  checks.push(['dtls-srtp', 'DtlsSrtpTransport']);
  const cjs = node('check.cjs', checks.map(([spec, name]) => `console.log(typeof require(${JSON.stringify(spec)}).${name});\n`).join(''));
  assert.deepEqual(cjs.split('\n'), checks.map(() => 'function'));
  const esm = node(
    'check.mjs',
    checks.map(([spec, name], i) => `import { ${name} as n${i} } from ${JSON.stringify(spec)};\nconsole.log(typeof n${i});\n`).join(''),
  );
  assert.deepEqual(esm.split('\n'), checks.map(() => 'function'));
  // A CommonJS `require` and an ESM `import` of a subpath give the same class.
  const same = node('same.mjs', `import { createRequire } from 'node:module';\nimport { IceLiteResponder } from 'dtls-srtp/ice';\nconsole.log(createRequire(import.meta.url)('dtls-srtp/ice').IceLiteResponder === IceLiteResponder);\n`);
  assert.equal(same, 'true');

  // Types: each subpath resolves to its declarations through `exports`.
  fs.writeFileSync(
    path.join(dir, 'check.ts'),
    [
      `import { parseStunMessage, type StunMessage } from 'dtls-srtp/stun';`,
      `import { parseRemoteDescription, type RemoteDescription } from 'dtls-srtp/sdp';`,
      `import { IceLiteResponder, type IceLiteStats } from 'dtls-srtp/ice';`,
      `import { readRtpHeader, type RtpHeaderView, type RtpHeaderFailure } from 'dtls-srtp/rtp';`,
      `import { DtlsSrtpTransport } from 'dtls-srtp';`,
      `export const m: StunMessage | null = parseStunMessage(new Uint8Array(20));`,
      `export const f: (sdp: string) => RemoteDescription = parseRemoteDescription;`,
      `export const s: IceLiteStats = new IceLiteResponder({ remoteUfrag: 'abcd' }).getStats();`,
      `export const T: typeof DtlsSrtpTransport = DtlsSrtpTransport;`,
      `export const h: RtpHeaderView | RtpHeaderFailure = readRtpHeader(new Uint8Array(12));`,
      '',
    ].join('\n'),
  );
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', 'es2022,esnext.disposable', '--types', 'node', 'check.ts'];
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8' });
  } catch (e) {
    assert.fail((e as { stdout: string }).stdout);
  }
});

test('shipped declarations need no devDependency: @types/sdp-transform is a devDependency', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  assert.equal('@types/sdp-transform' in pkg.dependencies, false);
  assert.ok('@types/sdp-transform' in pkg.devDependencies);
  const dts = fs.readdirSync(path.join(root, 'dist', 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
  assert.ok(dts.includes('index.d.ts'));
  for (const file of dts) assert.doesNotMatch(fs.readFileSync(path.join(root, 'dist', 'lib', file), 'utf8'), /sdp-transform/, file);
});
