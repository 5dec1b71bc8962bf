// SPDX-License-Identifier: MIT
// Typed access, for the TypeScript tests, to test/asan/native-harness.mjs:
// the one sanitizer setup of every Node-free native program (core tests,
// fuzz targets and their corpus replay).
import type { SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
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
