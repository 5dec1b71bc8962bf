// SPDX-License-Identifier: MIT
// `dtls-srtp doctor` (bin `dtls-srtp`, run from dist as an install runs it): the
// report names the addon this tree built, the OpenSSL and libsrtp inside it as
// versions() reports them, and passes its worker check and loopback self-test;
// the header and CPU readers are checked on fixed inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { versions } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { cpuFeatures, formatReport, systemOpensslHeaders, type DoctorReport } from '../../bin/doctor.js';

const bin = path.join(__dirname, '..', '..', 'bin', 'dtls-srtp.js');
const root = path.join(__dirname, '..', '..', '..');
// build/Release/dtls_srtp.node, or the sanitizer build's under `npm run test:asan`.
const addonPath = path.relative(root, native.versions().addonObject ?? '').split(path.sep).join('/');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

test('dtls-srtp doctor --json reports the addon, its libraries, workers and a passing self-test', () => {
  const r = cli('doctor', '--json');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as DoctorReport;
  assert.equal(report.addon.ok, true);
  // This tree has no prebuilds/: the addon node-gyp-build loads is the source build.
  assert.equal(report.addon.kind, 'source build');
  assert.match(addonPath, /(^|\/)build\/Release\/dtls_srtp\.node$/);
  assert.equal(report.addon.path, addonPath);
  assert.equal(report.openssl?.runtime, versions().openssl);
  assert.equal(report.libsrtp, versions().libsrtp);
  const headers = systemOpensslHeaders();
  assert.equal(report.openssl.systemHeaders, headers);
  if (headers !== null) assert.equal(report.openssl.matchesSystem, versions().openssl.startsWith(`OpenSSL ${headers} `));
  assert.deepEqual(report.worker, { ok: true });
  assert.equal(report.selfTest.ok, true, report.selfTest.error);
  assert.match(report.selfTest.profile ?? '', /^(AEAD_AES_|AES_CM_)/);
  assert.equal(report.platform, `${process.platform}-${process.arch}`);
});

test('dtls-srtp doctor prints the same as text; usage errors exit 2', () => {
  const r = cli('doctor');
  assert.equal(r.status, 0, r.stderr);
  for (const label of ['addon:', 'OpenSSL:', 'libsrtp:', 'CPU:', 'worker:', 'self-test:']) assert.match(r.stdout, new RegExp(`^${label}`, 'm'));
  assert.ok(r.stdout.includes(`\naddon:        source build (${addonPath})\n`), r.stdout);
  assert.equal(cli('doctor', '--bogus').status, 2);
  assert.match(cli('--help').stdout, /^ {2}doctor /m);
});

test('systemOpensslHeaders reads OPENSSL_VERSION_STR; a missing file is null', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-doctor-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'opensslv.h');
  fs.writeFileSync(file, '# define OPENSSL_VERSION_MAJOR  3\n# define OPENSSL_VERSION_STR "3.0.11"\n');
  assert.equal(systemOpensslHeaders(file), '3.0.11');
  assert.equal(systemOpensslHeaders(path.join(dir, 'absent.h')), null);
});

test('cpuFeatures reads x86 and arm flags; unknown without a flags line', () => {
  assert.deepEqual(cpuFeatures('processor\t: 0\nflags\t\t: fpu sse2 pclmulqdq aes avx\n'), { aes: true, pclmul: true });
  assert.deepEqual(cpuFeatures('flags\t\t: fpu sse2 avx\n'), { aes: false, pclmul: false });
  assert.deepEqual(cpuFeatures('Features\t: fp asimd aes pmull sha1\n'), { aes: true, pclmul: true });
  assert.deepEqual(cpuFeatures('nothing here\n'), { aes: null, pclmul: null });
});

test('the text report says when the addon OpenSSL differs from the system headers, and how to fix it', () => {
  const report: DoctorReport = {
    package: 'dtls-srtp 0.0.0',
    node: 'v20.15.0 (Node-API 9)',
    platform: 'linux-x64',
    addon: { ok: true, kind: 'prebuild', path: 'prebuilds/linux-x64/dtls-srtp.glibc.node' },
    openssl: { runtime: 'OpenSSL 3.0.11 19 Sep 2023', compiledWith: 'OpenSSL 3.0.11 19 Sep 2023', systemHeaders: '3.0.19', matchesSystem: false },
    libsrtp: 'libsrtp2 2.7.0',
    cpu: { aes: null, pclmul: null },
    worker: { ok: true },
    selfTest: { ok: false, error: 'no handshake within 1000 ms' },
  };
  const text = formatReport(report);
  assert.match(text, /^addon: +prebuild \(prebuilds\/linux-x64\/dtls-srtp\.glibc\.node\)$/m);
  assert.match(text, /^libssl-dev: +3\.0\.19, same as the addon's: NO \(run `npm rebuild dtls-srtp`\)$/m);
  assert.match(text, /^CPU: +AES-NI unknown, PCLMUL unknown$/m);
  assert.match(text, /^self-test: +FAILED: no handshake within 1000 ms$/m);
});
