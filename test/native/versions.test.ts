// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { versions } from '../../lib/index.js';
import { native } from '../../lib/native.js';

test('versions() reports the OpenSSL and libsrtp the addon runs', () => {
  const v = versions();
  assert.match(v.openssl, /^OpenSSL 3\.\d+\.\d+/);
  assert.match(v.libsrtp, /^libsrtp2 2\.7\.0$/);
  assert.equal(v.napi, 9);
});

test('the OpenSSL the addon runs is its own private copy, not the one node exports', () => {
  const v = native.versions();
  // Run time equals compile time: the code that answers is the code whose headers we built against.
  assert.equal(v.openssl, v.opensslHeaders);
  // The object providing OpenSSL_version is the addon itself (static, hidden link), not the node binary.
  assert.ok(v.opensslObject !== undefined && v.addonObject !== undefined);
  assert.equal(path.resolve(v.opensslObject), path.resolve(v.addonObject));
  assert.match(v.addonObject, /\.node$/);
  assert.notEqual(path.resolve(v.opensslObject), path.resolve(process.execPath));
});

test('the private OpenSSL is the system one the build linked (same release as the openssl CLI)', (t) => {
  let cli: string;
  try {
    cli = execFileSync('openssl', ['version'], { encoding: 'utf8' });
  } catch {
    t.skip('openssl CLI not installed');
    return;
  }
  // "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)"
  const release = /^OpenSSL (\S+)/.exec(cli)?.[1];
  assert.ok(release !== undefined);
  assert.ok(versions().openssl.startsWith(`OpenSSL ${release} `), `${versions().openssl} vs ${cli}`);
});
