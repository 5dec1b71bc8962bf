// SPDX-License-Identifier: MIT
/**
 * `dtls-srtp doctor`: what a user pastes into a bug report. Which addon loaded
 * (prebuild or source build), the OpenSSL and libsrtp inside it and whether that
 * OpenSSL is the one of the system's `libssl-dev` headers, AES-NI/PCLMUL, whether
 * the addon loads in a worker thread, and a loopback self-test (DTLS handshake and
 * one SRTP round trip, at most 1 s). `--json` prints the same as JSON.
 * Exit code 0 when every check passed, 1 when one failed.
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const packageRoot = path.join(__dirname, '..', '..');

/** The report; `--json` prints it as is. */
export interface DoctorReport {
  package: string;
  node: string;
  platform: string;
  addon: { ok: boolean; kind?: 'prebuild' | 'source build' | 'other'; path?: string; error?: string };
  openssl: { runtime: string; compiledWith: string; systemHeaders: string | null; matchesSystem: boolean | null } | undefined;
  libsrtp: string | undefined;
  cpu: { aes: boolean | null; pclmul: boolean | null };
  worker: { ok: boolean; error?: string };
  selfTest: { ok: boolean; profile?: string; error?: string };
}

/** The version of OpenSSL's development headers on this system (`/usr/include/openssl/opensslv.h`), or null. */
export function systemOpensslHeaders(file = '/usr/include/openssl/opensslv.h'): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const version = /#\s*define\s+OPENSSL_VERSION_STR\s+"([^"]+)"/.exec(text)?.[1];
  return version ?? null;
}

/** AES-NI and PCLMULQDQ from /proc/cpuinfo (Linux); null where that cannot be read. */
export function cpuFeatures(cpuinfo?: string): { aes: boolean | null; pclmul: boolean | null } {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return { aes: null, pclmul: null };
    }
  }
  const flags = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(text)?.[1]?.split(/\s+/);
  if (flags === undefined) return { aes: null, pclmul: null };
  return { aes: flags.includes('aes'), pclmul: flags.includes('pclmulqdq') || flags.includes('pmull') };
}

/** node-gyp-build loads from `prebuilds/<platform>-<arch>/` or from a `build/Release/` of node-gyp's. */
function addonKind(relative: string): 'prebuild' | 'source build' | 'other' {
  const parts = relative.split(/[\\/]/);
  return parts.includes('prebuilds') ? 'prebuild' : parts.includes('build') ? 'source build' : 'other';
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message.split('\n')[0] ?? ''}`;
  }
  return String(err);
}

async function workerCheck(): Promise<DoctorReport['worker']> {
  const entry = path.join(packageRoot, 'dist', 'lib', 'index.js');
  const code = `const { parentPort } = require('node:worker_threads');
parentPort.postMessage(require(${JSON.stringify(entry)}).versions().libsrtp);`;
  return new Promise((resolve) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', (libsrtp: unknown) => {
      resolve(typeof libsrtp === 'string' ? { ok: true } : { ok: false, error: 'no versions from the worker' });
      void worker.terminate();
    });
    worker.once('error', (err) => resolve({ ok: false, error: errorText(err) }));
    worker.once('exit', (code) => resolve({ ok: false, error: `worker exited with code ${code}` }));
  });
}

/** Two transports in memory: handshake, then one RTP packet protected by one and unprotected by the other. */
async function selfTest(timeoutMs: number): Promise<DoctorReport['selfTest']> {
  const { Certificate, DtlsTransport } = await import('../lib/index.js');
  const [clientCert, serverCert] = await Promise.all([Certificate.generate(), Certificate.generate()]);
  const transports: InstanceType<typeof DtlsTransport>[] = [];
  const link = (to: () => InstanceType<typeof DtlsTransport>) => (datagram: Buffer) =>
    setImmediate(() => {
      if (!to().closed && to().state !== 'new') to().receive(datagram);
    });
  const client = new DtlsTransport({ certificate: clientCert, role: 'client', remoteFingerprints: serverCert.getFingerprints(), send: link(() => server) });
  const server: InstanceType<typeof DtlsTransport> = new DtlsTransport({
    certificate: serverCert,
    role: 'server',
    remoteFingerprints: clientCert.getFingerprints(),
    send: link(() => client),
  });
  transports.push(client, server);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no handshake within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([Promise.all([server.start(), client.start()]), timeout]);
    const rtp = Buffer.concat([Buffer.from('80600001000000011234abcd', 'hex'), Buffer.alloc(160, 0xa5)]);
    const back = server.createSrtpSession().unprotectRtp(client.createSrtpSession().protectRtp(rtp));
    if (!back.equals(rtp)) return { ok: false, error: 'SRTP round trip changed the packet' };
    return { ok: true, profile: client.srtpProfile ?? '' };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  } finally {
    clearTimeout(timer);
    for (const t of transports) t.close();
  }
}

/** Runs every check; never throws. */
export async function diagnose(): Promise<DoctorReport> {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const report: DoctorReport = {
    package: `${pkg.name} ${pkg.version}`,
    node: `${process.version} (Node-API ${process.versions.napi ?? '?'})`,
    platform: `${process.platform}-${process.arch}`,
    addon: { ok: false },
    openssl: undefined,
    libsrtp: undefined,
    cpu: cpuFeatures(),
    worker: { ok: false, error: 'not run: the addon did not load' },
    selfTest: { ok: false, error: 'not run: the addon did not load' },
  };
  try {
    const { native } = await import('../lib/native.js');
    const v = native.versions();
    const file = v.addonObject;
    const relative = file === undefined ? undefined : path.relative(packageRoot, file).split(path.sep).join('/');
    report.addon = { ok: true, kind: relative === undefined ? 'other' : addonKind(relative), ...(relative === undefined ? {} : { path: relative }) };
    const headers = systemOpensslHeaders();
    const runtime = /^OpenSSL (\S+)/.exec(v.openssl)?.[1];
    report.openssl = {
      runtime: v.openssl,
      compiledWith: v.opensslHeaders,
      systemHeaders: headers,
      matchesSystem: headers === null ? null : runtime === headers,
    };
    report.libsrtp = v.libsrtp;
  } catch (err) {
    report.addon = { ok: false, error: errorText(err) };
    return report;
  }
  report.worker = await workerCheck();
  report.selfTest = await selfTest(1000);
  return report;
}

const mark = (ok: boolean | null): string => (ok === null ? 'unknown' : ok ? 'yes' : 'NO');

/** The report as lines of text. */
export function formatReport(r: DoctorReport): string {
  const lines = [`dtls-srtp doctor: ${r.package}, Node ${r.node}, ${r.platform}`];
  lines.push(r.addon.ok ? `addon:        ${r.addon.kind ?? 'other'} (${r.addon.path ?? 'path unknown'})` : `addon:        FAILED to load: ${r.addon.error ?? ''}`);
  if (r.openssl !== undefined) {
    lines.push(`OpenSSL:      ${r.openssl.runtime} (compiled with ${r.openssl.compiledWith})`);
    lines.push(
      r.openssl.systemHeaders === null
        ? 'libssl-dev:   no headers found (nothing to compare with)'
        : `libssl-dev:   ${r.openssl.systemHeaders}, same as the addon's: ${mark(r.openssl.matchesSystem)}${r.openssl.matchesSystem === false ? ' (run `npm rebuild dtls-srtp`)' : ''}`,
    );
  }
  if (r.libsrtp !== undefined) lines.push(`libsrtp:      ${r.libsrtp}`);
  lines.push(`CPU:          AES-NI ${mark(r.cpu.aes)}, PCLMUL ${mark(r.cpu.pclmul)}`);
  lines.push(`worker:       ${r.worker.ok ? 'loads in a worker thread' : `FAILED: ${r.worker.error ?? ''}`}`);
  lines.push(`self-test:    ${r.selfTest.ok ? `DTLS handshake and SRTP round trip in memory (${r.selfTest.profile ?? ''})` : `FAILED: ${r.selfTest.error ?? ''}`}`);
  return `${lines.join('\n')}\n`;
}

/** `dtls-srtp doctor [--json]`. */
export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0 || argv.includes('--help')) {
    process.stderr.write('Usage: dtls-srtp doctor [--json]\n');
    return argv.includes('--help') ? 0 : 2;
  }
  const report = await diagnose();
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  const ok = report.addon.ok && report.worker.ok && report.selfTest.ok && report.openssl?.matchesSystem !== false;
  return ok ? 0 : 1;
}
