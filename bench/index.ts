// SPDX-License-Identifier: MIT
// `npm run bench`: every benchmark of the package, one after another, each in a
// process of its own (so one's garbage and JIT state cannot skew the next).
// Figures are ratios from one run on one machine: ours vs werift, ours vs plain C.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const suites = ['srtp', 'dtls', 'signal', 'transport', 'memory'];
let failed = false;
for (const name of suites) {
  const file = path.join(__dirname, `${name}.js`);
  if (!fs.existsSync(file)) continue;
  console.log(`\n## bench:${name}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench:${name} exited with ${r.status ?? r.signal}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
