// SPDX-License-Identifier: MIT
/**
 * One suite in a process of its own, started by the runner (bench/index.ts) with
 * an IPC channel: `node child.js <suite file> [--quick]`. Sends progress lines and
 * the rows back; an older suite that prints its table when loaded runs as it is.
 */
import type { BenchModule, BenchRow } from './report.js';

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, () => resolve());
  });
}

/** The optional peer whose absence made loading `err` fail, if that is what happened. */
function missingPeer(err: unknown): string | undefined {
  if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') return undefined;
  return /Cannot find module '((?:@[^/']+\/)?[^/']+)/.exec(String((err as Error).message))?.[1];
}

async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: child.js <suite file> [--quick]');
  let mod: BenchModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a suite file chosen at run time
    mod = require(file) as BenchModule;
  } catch (err) {
    const peer = missingPeer(err);
    if (peer !== undefined && peer.startsWith('werift')) {
      await send({ type: 'skipped', reason: `needs ${peer}, which is not installed (npm install ${peer} to compare with it)` });
      return;
    }
    throw err;
  }
  if (typeof mod.run !== 'function') {
    // An older script: loading it started it; it prints its own table.
    await send({ type: 'table-only' });
    return;
  }
  const rows: BenchRow[] = await mod.run({
    quick: flag === '--quick',
    progress: (line) => void send({ type: 'progress', line }),
  });
  await send({ type: 'rows', rows });
}

main().then(
  () => process.disconnect?.(),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
    process.disconnect?.();
  },
);
