// SPDX-License-Identifier: MIT
/**
 * The benchmark runner behind `npm run bench` and `dtls-srtp bench`: runs each
 * suite in a process of its own (so one's garbage and JIT state cannot skew the
 * next), shows a progress line, prints each suite's table, and can write every
 * figure with the machine and versions to JSON and draw the picture from it.
 *
 * A suite is `<name>.js` next to this file. If it exports `run(options)` its rows
 * come back over IPC; an older script that only prints a table when loaded is run
 * as such (table only, no rows). A suite whose file is missing is skipped with a
 * note. What a suite writes to stderr is kept as its notes.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { versions } from '../lib/index.js';
import { cpuSpeeds, formatTable, isMet, pinnedLaunch, progressLine, slowCpuNote, type BenchRow } from './report.js';
import { renderSvg } from './svg.js';

/**
 * Every suite the package knows, in the order they run (also when named in
 * another order). The memory suite comes last: it allocates some GiB in its
 * children, and on a VM what follows it measured in the aftermath (the
 * 2-worker UDP figure fell from 1.8x run alone to 1.1x right after it).
 */
export const SUITES = ['srtp', 'dtls', 'udp', 'transport', 'signal', 'storm', 'memory'] as const;

/** A figure as written to results.json: the row plus whether its target is met. */
export interface ResultRow extends BenchRow {
  met?: boolean;
}

/** How one suite went. */
export interface SuiteResult {
  name: string;
  /** ok: rows came back; table-only: an older script printed a table; skipped; failed. */
  status: 'ok' | 'table-only' | 'skipped' | 'failed';
  seconds: number;
  /** What the suite reported on stderr (comparisons skipped, baselines not built), or why it was skipped. */
  notes: string[];
  /** The printed table of a table-only suite. */
  table?: string;
  /** Wall ms of a fixed loop on each CPU right before the suite ran (see cpuSpeeds; not in quick runs). */
  cpuCheck?: { cpu: number; ms: number }[];
}

/** The content of results.json. */
export interface Results {
  schema: 1;
  date: string;
  quick: boolean;
  machine: { cpu: string; cores: number; memoryBytes: number; arch: string };
  os: { platform: string; release: string };
  versions: Record<string, string>;
  suites: SuiteResult[];
  rows: ResultRow[];
}

/** Options of {@link runBenchmarks}. */
export interface RunnerOptions {
  suites?: readonly string[];
  quick?: boolean;
  /** Where tables and notes go (default stdout). */
  out?: NodeJS.WritableStream;
  /** Where the progress line goes (default stderr). */
  progressStream?: NodeJS.WriteStream;
}

/** Suites run on one CPU together with their plain-C child (see pinnedLaunch). */
const PINNED_SUITES: ReadonlySet<string> = new Set(['srtp', 'dtls', 'udp']);

/** Messages a suite's child process sends to the runner. */
type ChildMessage =
  | { type: 'progress'; line: string }
  | { type: 'rows'; rows: BenchRow[] }
  | { type: 'table-only' }
  | { type: 'skipped'; reason: string };

/** Environment for an older table-only script in quick mode: its own knobs. */
const QUICK_ENV: Record<string, string> = {
  DTLS_SRTP_BENCH_QUICK: '1',
  SRTP_BENCH_REPS: '3',
  SRTP_BENCH_REP_MS: '30',
  DTLS_BENCH_REPS: '2',
  DTLS_BENCH_REP_MS: '200',
  TRANSPORT_BENCH_REPS: '3',
  TRANSPORT_BENCH_REP_MS: '100',
};

/** The version of an installed package, found from its entry point (its exports may hide package.json). */
function packageVersion(name: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    try {
      dir = path.dirname(require.resolve(name));
    } catch {
      return undefined; // not installed (or werift-dtls's `main`, which points at no file)
    }
  }
  for (; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Machine, OS and versions for results.json. */
export function environment(): Pick<Results, 'machine' | 'os' | 'versions'> {
  const cpus = os.cpus();
  const v = versions();
  const found: Record<string, string> = {
    node: process.version,
    openssl: v.openssl,
    libsrtp: v.libsrtp,
  };
  const own = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  found['dtls-srtp'] = own.version;
  for (const peer of ['werift-dtls', 'werift-rtp']) {
    const version = packageVersion(peer);
    if (version !== undefined) found[peer] = version;
  }
  return {
    machine: {
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: os.availableParallelism(),
      memoryBytes: os.totalmem(),
      arch: process.arch,
    },
    os: { platform: process.platform, release: os.release() },
    versions: found,
  };
}

/** Runs one suite's file in a child process (exported for tests). */
export function runSuite(
  name: string,
  file: string,
  quick: boolean,
  onProgress: (line: string) => void,
  speeds?: readonly { cpu: number; ms: number }[],
): Promise<{ result: SuiteResult; rows: BenchRow[] }> {
  const started = performance.now();
  // The suites that interleave a single thread of ours with a plain-C child
  // run on one CPU, both sides, the fastest of `speeds` (see pinnedLaunch).
  const pin = PINNED_SUITES.has(name) ? pinnedLaunch(speeds) : undefined;
  const env = { ...(pin?.env ?? process.env), ...(quick ? QUICK_ENV : {}) };
  const child = fork(path.join(__dirname, 'child.js'), [file, quick ? '--quick' : ''], {
    ...(pin === undefined
      ? { execArgv: ['--expose-gc'] }
      : { execPath: pin.command, execArgv: [...pin.args, process.execPath, '--expose-gc'] }),
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  let rows: BenchRow[] | undefined;
  let tableOnly = false;
  let skipped: string | undefined;
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'progress') onProgress(m.line);
    else if (m.type === 'rows') rows = m.rows;
    else if (m.type === 'table-only') tableOnly = true;
    else skipped = m.reason;
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      const notes = stderr
        .split('\n')
        .map((l) => l.replace(/^note: /, '').trim())
        .filter((l) => l !== '');
      if (skipped !== undefined) {
        resolve({ result: { name, status: 'skipped', seconds, notes: [skipped, ...notes] }, rows: [] });
      } else if (code !== 0 || (rows === undefined && !tableOnly)) {
        const why = `exited with ${code ?? signal}`;
        resolve({ result: { name, status: 'failed', seconds, notes: [why, ...notes.slice(-20)], table: stdout.trim() || undefined }, rows: [] });
      } else if (rows !== undefined) {
        resolve({ result: { name, status: 'ok', seconds, notes }, rows });
      } else {
        resolve({ result: { name, status: 'table-only', seconds, notes, table: stdout.trim() }, rows: [] });
      }
    });
  });
}

/** Runs the suites one after another and collects the results. */
export async function runBenchmarks(options: RunnerOptions = {}): Promise<Results> {
  const out = options.out ?? process.stdout;
  const quick = options.quick === true;
  const rank = (name: string): number => {
    const i = (SUITES as readonly string[]).indexOf(name);
    return i < 0 ? SUITES.length : i;
  };
  const names = options.suites === undefined || options.suites.length === 0 ? SUITES : [...options.suites].sort((a, b) => rank(a) - rank(b));
  const progress = progressLine(options.progressStream ?? process.stderr);
  const results: Results = {
    schema: 1,
    date: new Date().toISOString(),
    quick,
    ...environment(),
    suites: [],
    rows: [],
  };
  for (const [i, name] of names.entries()) {
    const file = path.join(__dirname, `${name}.js`);
    const step = `[${i + 1}/${names.length} ${name}]`;
    if (!fs.existsSync(file)) {
      results.suites.push({ name, status: 'skipped', seconds: 0, notes: [`bench/${name} is not in this build`] });
      out.write(`\n## ${name}: skipped (bench/${name} is not in this build)\n`);
      continue;
    }
    const speeds = quick ? undefined : cpuSpeeds();
    const t0 = performance.now();
    let last = 'starting';
    const show = () => progress.update(`${step} ${Math.round((performance.now() - t0) / 1000)} s  ${last}`);
    show();
    // On a terminal the elapsed time ticks; elsewhere one line per update.
    const ticker = progress.tty ? setInterval(show, 1000) : undefined;
    const { result, rows } = await runSuite(
      name,
      file,
      quick,
      (line) => {
        last = line;
        show();
      },
      speeds,
    );
    clearInterval(ticker);
    progress.clear();
    if (speeds !== undefined) {
      result.cpuCheck = speeds;
      const slow = slowCpuNote(speeds);
      if (slow !== undefined) result.notes.unshift(slow);
    }
    results.suites.push(result);
    for (const row of rows) {
      const met = isMet(row);
      results.rows.push(met === undefined ? { ...row } : { ...row, met });
    }
    out.write(`\n## ${name} (${result.status}, ${result.seconds} s)\n\n`);
    if (rows.length > 0) out.write(`${formatTable(rows)}\n`);
    if (result.table !== undefined && result.table !== '') out.write(`${result.table}\n`);
    for (const n of result.notes) out.write(`note: ${n}\n`);
  }
  return results;
}

const USAGE = `Usage: dtls-srtp bench [suite...] [--quick] [--json FILE] [--svg FILE]

Runs the package's benchmarks on this machine, each suite in a process of its own,
and prints one table per suite. werift-dtls and werift-rtp are compared when they are
installed; plain-C baselines when a C compiler and the OpenSSL headers are present.

Suites: ${SUITES.join(', ')} (default: all)
  --quick       a run of a few seconds per suite (a first look, not figures to quote)
  --json FILE   write every figure, its anchor, ratio and target, the machine and the
                versions to FILE
  --svg FILE    draw the ratios as an SVG picture to FILE
`;

/** Parsed arguments of `dtls-srtp bench`. */
export interface BenchArgs {
  suites: string[];
  quick: boolean;
  json?: string;
  svg?: string;
  help: boolean;
}

/** Parses `bench` arguments; throws a message (usage error) on anything unknown. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { suites: [], quick: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--json' || a === '--svg') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${a} needs a file name`);
      if (a === '--json') args.json = value;
      else args.svg = value;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if ((SUITES as readonly string[]).includes(a)) args.suites.push(a);
    else throw new Error(`unknown suite ${a} (suites: ${SUITES.join(', ')})`);
  }
  return args;
}

/**
 * `dtls-srtp bench ...` and `npm run bench`: returns the exit code (0 when every
 * suite that ran succeeded, 1 when one failed, 2 on a usage error).
 */
export async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`dtls-srtp bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const results = await runBenchmarks({ suites: args.suites, quick: args.quick });
  if (args.json !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nwrote ${args.json}\n`);
  }
  if (args.svg !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(args.svg)), { recursive: true });
    fs.writeFileSync(args.svg, renderSvg(results));
    process.stdout.write(`wrote ${args.svg}\n`);
  }
  return results.suites.some((s) => s.status === 'failed') ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
