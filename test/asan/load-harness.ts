// SPDX-License-Identifier: MIT
// Typed access, for the TypeScript tests, to test/asan/native-harness.mjs:
// the one sanitizer setup of every Node-free native program (core tests,
// fuzz targets and their corpus replay).
import assert from 'node:assert/strict';
import type { SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';

export interface SanitizedBuildOptions {
  headers?: readonly string[];
  libsrtp?: boolean;
  openssl?: boolean;
  cc?: string;
  cxx?: string;
  libsrtpFlags?: readonly string[];
  programFlags?: readonly string[];
  objectPrefix?: string;
}

export interface NativeHarness {
  readonly root: string;
  readonly sanitizerEnv: Readonly<Record<string, string>>;
  findTool(candidates: readonly string[]): string | undefined;
  /** Builds `exe` from `sources` (relative to the project root) unless it is up to date; returns `exe`. */
  buildSanitized(exe: string, sources: readonly string[], options?: SanitizedBuildOptions): string;
  runSanitized(exe: string, args?: readonly string[]): SpawnSyncReturns<string>;
}

export const projectRoot = path.join(__dirname, '..', '..', '..');

/** Loads the harness (an ES module beside the sources; not compiled). */
export async function loadNativeHarness(): Promise<NativeHarness> {
  return (await import(pathToFileURL(path.join(projectRoot, 'test', 'asan', 'native-harness.mjs')).href)) as NativeHarness;
}

/** What one core test program needs besides its sources. */
export interface CoreTestOptions extends SanitizedBuildOptions {
  /** Tools that must be found, else the test is skipped (default `['c++']`). */
  tools?: readonly string[];
  /** Skipped off Linux. */
  linuxOnly?: boolean;
}

/**
 * Builds the Node-free core test `test/native/core/<name>.cc` with our
 * `sources` under ASan/UBSan (its CHECKs in test/native/core/check.h), runs
 * it and asserts it exited 0 with `ok (0 failures)`; skips `t` when a tool is
 * missing. Returns the run, or undefined when skipped.
 */
export async function runCoreTest(
  t: TestContext,
  name: string,
  sources: readonly string[],
  options: CoreTestOptions = {},
): Promise<SpawnSyncReturns<string> | undefined> {
  const { tools = ['c++'], linuxOnly = false, headers = [], ...build } = options;
  const harness = await loadNativeHarness();
  if (linuxOnly && process.platform !== 'linux') {
    t.skip('needs Linux');
    return undefined;
  }
  const missing = tools.find((tool) => harness.findTool([tool]) === undefined);
  if (missing !== undefined) {
    t.skip(`no ${missing} compiler`);
    return undefined;
  }
  const exe = path.join(projectRoot, 'build', name.replaceAll('_', '-'), name);
  harness.buildSanitized(exe, [...sources, `test/native/core/${name}.cc`], {
    ...build,
    headers: [...headers, 'test/native/core/check.h'],
  });
  const run = harness.runSanitized(exe);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ok \(0 failures\)$/m);
  return run;
}
