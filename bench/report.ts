// SPDX-License-Identifier: MIT
/**
 * The shape every benchmark module returns, and the helpers they share: medians,
 * the table, the progress line, whether a target is met, optional peers (werift)
 * and optional plain-C baselines.
 *
 * A bench module exports `run(options)` returning {@link BenchRow}s. When its file
 * is executed directly it calls {@link runDirectly}, which prints the table. Run by
 * `npm run bench` / `dtls-srtp bench` it runs in a child process of its own; what
 * it writes to stderr (see {@link note}) is kept as the suite's notes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One measured figure. */
export interface BenchRow {
  /** 'srtp' | 'dtls' | 'memory' | 'storm' | 'udp' | ... */
  suite: string;
  /** e.g. 'AEAD_AES_128_GCM 160 B protect in-place' */
  case: string;
  /** e.g. 'packets/s', 'handshakes/s', 'bytes/transport', 'ms' */
  metric: string;
  ours: number;
  /** What `ours` is compared with, e.g. `{ name: 'plain C', value: 1234 }` or werift. */
  anchor?: { name: string; value: number };
  /** Ours vs anchor, oriented so that > 1 is better for us. */
  ratio?: number;
  /** The issue's target, if any: a bound on `ratio` or on `ours`. */
  target?: { min?: number; max?: number; of: 'ratio' | 'ours' };
}

/** What the runner passes to a bench module's `run`. */
export interface BenchOptions {
  /** A run of a few seconds (for tests and a first look), not a measurement to quote. */
  quick?: boolean;
  /** Called with a one-line description of what is being measured now. */
  progress?: (line: string) => void;
}

/** A bench module as the runner loads it. */
export interface BenchModule {
  run?: (options: BenchOptions) => Promise<BenchRow[]>;
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Whether a row meets its target: `undefined` when it has none (or the value the
 * target bounds is missing).
 */
export function isMet(row: BenchRow): boolean | undefined {
  const t = row.target;
  if (t === undefined) return undefined;
  const value = t.of === 'ratio' ? row.ratio : row.ours;
  if (value === undefined || !Number.isFinite(value)) return undefined;
  if (t.min !== undefined && value < t.min) return false;
  if (t.max !== undefined && value > t.max) return false;
  return true;
}

/** A figure with three significant digits and k/M suffixes: 1.23 M, 845 k, 0.55. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)} k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/** A ratio as shown in tables and the picture: 0.55×, 4.6×, 95×. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return ratio >= 10 ? `${ratio.toFixed(0)}×` : ratio >= 1 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

/** The target in words: '≥ 0.9× anchor', '≤ 20 ms'. */
export function formatTarget(row: BenchRow): string {
  const t = row.target;
  if (t === undefined) return '';
  const unit = (v: number) => (t.of === 'ratio' ? formatRatio(v) : `${formatValue(v)} ${row.metric}`);
  const parts: string[] = [];
  if (t.min !== undefined) parts.push(`≥ ${unit(t.min)}`);
  if (t.max !== undefined) parts.push(`≤ ${unit(t.max)}`);
  return parts.join(', ');
}

/** The rows as an aligned text table (one line per row, with a header). */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['case', 'metric', 'ours', 'anchor', 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    const met = isMet(r);
    return [
      r.case,
      r.metric,
      formatValue(r.ours),
      r.anchor === undefined ? '—' : `${r.anchor.name} ${formatValue(r.anchor.value)}`,
      r.ratio === undefined ? '—' : formatRatio(r.ratio),
      formatTarget(r) || '—',
      met === undefined ? '' : met ? 'yes' : 'NO',
    ];
  });
  // Columns no row fills (no anchor, no target in this suite) are left out.
  const shown = header.map((_, i) => i < 3 || body.some((cells) => cells[i] !== '—' && cells[i] !== ''));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const right = new Set([2, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .filter((_, i) => shown[i])
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * A progress line on `stream`: on a terminal one line rewritten in place, elsewhere
 * one line per update. `clear()` removes it before other output is written.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  /** Whether the line is rewritten in place (a terminal). */
  tty: boolean;
  update: (line: string) => void;
  clear: () => void;
} {
  const tty = Boolean(stream.isTTY); // undefined on pipes and files, whatever the type says
  let shown = false;
  return {
    tty,
    update(line: string) {
      if (tty) {
        const width = Math.max(20, (stream.columns || 80) - 1);
        stream.write(`\r\x1b[K${line.length > width ? line.slice(0, width - 1) + '…' : line}`);
        shown = true;
      } else {
        stream.write(`${line}\n`);
      }
    },
    clear() {
      if (tty && shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * Something the reader of the results should know (a comparison skipped, a
 * baseline not built). Written to stderr; the runner keeps it as a note of the suite.
 */
export function note(text: string): void {
  process.stderr.write(`note: ${text}\n`);
}

/** Set (to the CPU) in a process that {@link pinnedLaunch} started, so that it does not pin again. */
const PINNED_ENV = 'DTLS_SRTP_BENCH_PINNED';
/** Set with it: the CPUs the launching process could use (`taskset -c` list), for {@link unpin}. */
const UNPINNED_ENV = 'DTLS_SRTP_BENCH_CPUS';

/** The CPUs this process may run on (Linux), from /proc/self/status; empty when unknown. */
function allowedCpus(): number[] {
  let status: string;
  try {
    status = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return [];
  }
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (list === undefined) return [];
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [first, last] = part.split('-').map(Number) as [number, number | undefined];
    for (let cpu = first; cpu <= (last ?? first); cpu++) cpus.push(cpu);
  }
  return cpus.filter(Number.isInteger);
}

/**
 * How to start a suite that compares single-threaded figures of ours with a
 * plain-C child (srtp, dtls, and udp but for its workers case) on one CPU:
 * `taskset -c <cpu> node ...`, so that ours and the C program it interleaves
 * with run on the same core. Unpinned on a shared VM, the two sides of one
 * comparison can land on vCPUs that the host serves unequally (this machine's
 * second vCPU ran a fixed loop 2.7 to 5 times slower than the first for
 * minutes at a time), which moved a ratio from 0.7 to 0.45 between runs of the
 * same code. The CPU is the one that ran {@link cpuSpeeds}'s loop fastest
 * (`speeds`, or measured now), else the last one.
 * `undefined` (run unpinned) off Linux, on one CPU, without `taskset`, inside an
 * already pinned process, or with DTLS_SRTP_BENCH_PIN=0.
 * @param speeds - a check made just before, if any
 * @returns the command prefix and the CPU, or `undefined`
 */
export function pinnedLaunch(
  speeds?: readonly { cpu: number; ms: number }[],
): { command: string; args: string[]; cpu: number; env: NodeJS.ProcessEnv } | undefined {
  if (process.platform !== 'linux' || process.env['DTLS_SRTP_BENCH_PIN'] === '0' || process.env[PINNED_ENV] !== undefined) {
    return undefined;
  }
  const cpus = allowedCpus();
  if (cpus.length < 2) return undefined;
  const checked = (speeds ?? cpuSpeeds() ?? []).filter((s) => cpus.includes(s.cpu));
  const fastest = checked.reduce<{ cpu: number; ms: number } | undefined>((a, b) => (a === undefined || b.ms < a.ms ? b : a), undefined);
  const cpu = fastest?.cpu ?? cpus[cpus.length - 1];
  if (cpu === undefined) return undefined;
  if (spawnSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore' }).status !== 0) return undefined;
  return {
    command: 'taskset',
    args: ['-c', String(cpu)],
    cpu,
    env: { ...process.env, [PINNED_ENV]: String(cpu), [UNPINNED_ENV]: cpus.join(',') },
  };
}

/** Notes (see {@link note}) that this process runs on one CPU, when {@link pinnedLaunch} pinned it. */
export function notePinned(): void {
  const cpu = process.env[PINNED_ENV];
  if (cpu !== undefined) note(`ran on CPU ${cpu} only, together with its plain-C child (DTLS_SRTP_BENCH_PIN=0 runs it unpinned)`);
}

/**
 * In a process {@link pinnedLaunch} pinned: gives every thread of it back the
 * CPUs its launcher could use (`taskset -a -p`), for a case that needs them all
 * (the udp suite's workers); threads started afterwards inherit them. Does
 * nothing in an unpinned process.
 * @returns false when the process stays pinned (the change failed)
 */
export function unpin(): boolean {
  const cpus = process.env[UNPINNED_ENV];
  if (process.env[PINNED_ENV] === undefined || cpus === undefined) return true;
  const done = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  if (done.status !== 0) return false;
  Reflect.deleteProperty(process.env, PINNED_ENV);
  return true;
}

/**
 * For a suite file executed directly: runs the same command again pinned to one
 * CPU (see {@link pinnedLaunch}) and waits for it. Returns false, having done
 * nothing, when the process should run as it is.
 * @param file - the suite's own file (`__filename`)
 */
export function rerunPinned(file: string): boolean {
  const pin = pinnedLaunch();
  if (pin === undefined) return false;
  const child = spawnSync(pin.command, [...pin.args, process.execPath, ...process.execArgv, file, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: pin.env,
  });
  if (child.error !== undefined) return false;
  process.exitCode = child.status ?? 1;
  return true;
}

/**
 * The fixed loop {@link cpuSpeeds} times, printing its milliseconds. Its
 * result `x` is read once after the loop (the empty string either way) so
 * that V8 cannot drop the loop as dead code.
 */
const SPEED_LOOP =
  'const t = process.hrtime.bigint(); let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) | 0; ' +
  'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6) + (x === 1 ? "" : ""));';

/** How many CPUs {@link cpuSpeeds} checks at the most. */
const MAX_CHECKED = 16;

/**
 * How fast each CPU this process may use runs a fixed busy loop right now
 * (Linux with `taskset`; about 0.1 s per CPU, 16 CPUs spread over the
 * allowed ones on a larger machine). On a shared VM a vCPU whose
 * host core is busy runs it several times slower than the others, and every
 * figure measured on it then is too; the runner checks before each suite and
 * notes such a run.
 * @returns one entry per CPU (`ms`: the loop's wall time), or `undefined` where it cannot check
 */
export function cpuSpeeds(): { cpu: number; ms: number }[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const cpus = allowedCpus();
  if (cpus.length === 0) return undefined;
  // On a large machine, every step-th CPU (at most MAX_CHECKED), not a minute per suite.
  const step = Math.ceil(cpus.length / MAX_CHECKED);
  const out: { cpu: number; ms: number }[] = [];
  for (const cpu of cpus.filter((_, i) => i % step === 0)) {
    const run = spawnSync('taskset', ['-c', String(cpu), process.execPath, '-e', SPEED_LOOP], { encoding: 'utf8' });
    const ms = Number(run.stdout);
    if (run.status !== 0 || !(ms > 0)) return undefined;
    out.push({ cpu, ms: Math.round(ms * 10) / 10 });
  }
  return out;
}

/**
 * A note on CPUs that ran the check of {@link cpuSpeeds} more than 1.3 times
 * slower than the fastest, or `undefined` when none did.
 */
export function slowCpuNote(speeds: readonly { cpu: number; ms: number }[]): string | undefined {
  const fastest = Math.min(...speeds.map((s) => s.ms));
  const slow = speeds.filter((s) => s.ms > 1.3 * fastest);
  if (slow.length === 0) return undefined;
  const list = slow.map((s) => `CPU ${s.cpu} ${(s.ms / fastest).toFixed(1)}x`).join(', ');
  return `before this suite a fixed loop ran slower on ${list} than on the fastest CPU (the host was busy there): its figures are suspect`;
}

/**
 * Loads an optional peer (werift-dtls, werift-rtp) when it is first needed;
 * `undefined` when it is not installed. Other load errors are thrown.
 *
 * @example
 * const werift = loadOptional('werift-rtp') as typeof import('werift-rtp') | undefined;
 * if (werift === undefined) note('werift-rtp is not installed: its column is skipped');
 */
export function loadOptional(specifier: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, resolved at run time
    return require(specifier);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(specifier)) {
      return undefined;
    }
    throw err;
  }
}

/**
 * Compiles a plain-C baseline with the system `cc` into a cache directory under
 * the OS temp dir (the package directory may not be writable when installed).
 * Returns the executable, or a reason it could not be built (no compiler, no
 * headers): baselines are optional, the caller skips the comparison with a note.
 *
 * The executable's name carries a hash of what it is built from (the source,
 * the arguments, and the size and time of every file argument such as a
 * library archive), so two checkouts or two versions of a program never
 * measure each other's build; a build that exists is reused. It is written
 * under a temporary name and renamed into place, so a run that has the
 * program open keeps the file it started.
 */
export function compileC(source: string, args: readonly string[]): { exe: string } | { skipped: string } {
  if (!fs.existsSync(source)) return { skipped: `${path.basename(source)} is not in this install` };
  if (spawnSync('cc', ['--version']).status !== 0) return { skipped: 'no C compiler (cc) on PATH' };
  const dir = path.join(os.tmpdir(), `dtls-srtp-bench-${os.userInfo().uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source));
  for (const arg of args) {
    hash.update(`\0${arg}`);
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    if (stat?.isFile() === true) hash.update(`\0${stat.size}:${stat.mtimeMs}`);
  }
  const exe = path.join(dir, `${path.basename(source, '.c')}-${hash.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(exe)) return { exe };
  const building = `${exe}.${process.pid}.tmp`;
  try {
    execFileSync('cc', ['-O2', source, ...args, '-o', building], { stdio: 'pipe' });
    fs.renameSync(building, exe);
  } catch (err) {
    fs.rmSync(building, { force: true });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').split('\n').find((l) => l.includes('error')) ?? '';
    return { skipped: `cc could not build ${path.basename(source)}${stderr === '' ? '' : `: ${stderr.trim()}`}` };
  }
  return { exe };
}

/**
 * Compiles a plain-C program (with {@link compileC}) against the vendored
 * libsrtp as the addon's build made it: its headers and config, the archive of
 * a build from source (`build/Release/srtp.a` under `root`), and the system
 * OpenSSL linked statically. Skipped, with the reason, where compileC is, and
 * in an install without that archive (a prebuilt binary).
 */
export function compileWithLibsrtp(source: string, root: string): { exe: string } | { skipped: string } {
  const lib = path.join(root, 'build', 'Release', 'srtp.a');
  if (!fs.existsSync(lib)) {
    return {
      skipped:
        'build/Release/srtp.a (the libsrtp archive of a build from source) is not in this install; ' +
        'install with `npm install dtls-srtp --build-from-source` (or `npm run build` in a checkout) to compare with plain C',
    };
  }
  return compileC(source, [
    '-DHAVE_CONFIG_H',
    `-I${path.join(root, 'deps', 'libsrtp-config')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'include')}`,
    `-I${path.join(root, 'deps', 'libsrtp', 'crypto', 'include')}`,
    lib,
    '-Wl,-Bstatic',
    '-lssl',
    '-lcrypto',
    '-Wl,-Bdynamic',
    '-ldl',
    '-lpthread',
  ]);
}

/**
 * What a bench module does when its file is executed directly: runs it with a
 * progress line on stderr, then prints its table.
 */
export function runDirectly(title: string, run: (options: BenchOptions) => Promise<BenchRow[]>, options: BenchOptions = {}): void {
  const progress = progressLine();
  run({ ...options, quick: options.quick ?? process.argv.includes('--quick'), progress: progress.update })
    .then((rows) => {
      progress.clear();
      console.log(`## ${title}\n`);
      console.log(formatTable(rows));
    })
    .catch((err: unknown) => {
      progress.clear();
      console.error(err);
      process.exitCode = 1;
    });
}
