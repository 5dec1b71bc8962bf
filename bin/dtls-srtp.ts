#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/**
 * The package's command: `dtls-srtp <command> [arguments]`. Each command is a
 * module loaded only when it runs, so adding one (e.g. `doctor`) is one entry in
 * COMMANDS. Exit codes: 0 success, 1 a command failed, 2 usage error.
 */

interface Command {
  summary: string;
  run: (argv: readonly string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  bench: {
    summary: 'run the benchmarks on this machine (vs werift and plain C); --help for options',
    run: async (argv) => (await import('../bench/index.js')).main(argv),
  },
  doctor: {
    summary: 'check this install (addon, OpenSSL, libsrtp, CPU, workers, a self-test) for a bug report; --json',
    run: async (argv) => (await import('./doctor.js')).main(argv),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: dtls-srtp <command> [arguments]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Example: dtls-srtp bench srtp --json results.json',
    '',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = name === undefined ? undefined : Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stderr.write(`${name === undefined ? 'dtls-srtp: no command' : `dtls-srtp: unknown command '${name}'`}\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
