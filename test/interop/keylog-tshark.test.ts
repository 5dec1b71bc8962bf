// SPDX-License-Identifier: MIT
/**
 * The key log decrypts for real: a DTLS handshake and application data over
 * UDP on loopback, captured with dumpcap; tshark with the `keylog` lines
 * shows the application data in clear, and without them it does not.
 * Debian's `tshark` package (.ci/run installs it). Skipped, with the
 * reason, only where it is missing or cannot capture (capturing needs root
 * or the capture capabilities); with `CI` set it must run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DtlsTransport } from '../../lib/index.js';
import { cert } from '../integration/pair.js';

const PAYLOAD = Buffer.from('dtls-srtp key log: this application data must decrypt');

function tool(name: string): boolean {
  return spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0;
}
const missing = ['dumpcap', 'tshark'].filter((name) => !tool(name));
const skip =
  missing.length === 0 || process.env['CI'] !== undefined ? false : `${missing.join(' and ')} not installed (Debian: apt-get install tshark)`;

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** The decrypted DTLS application data tshark finds in `capture`, as hex per record. */
function decrypted(capture: string, port: number, keylog: string | undefined): string[] {
  const args = ['-r', capture, '-d', `udp.port==${port},dtls`, '-Y', 'dtls.app_data', '-T', 'fields', '-e', 'data.data'];
  if (keylog !== undefined) args.unshift('-o', `tls.keylog_file:${keylog}`);
  const r = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

test('keylog: tshark decrypts the captured DTLS application data with the key log, and not without it', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-keylog-'));
  const [ca, cb, sa, sb] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1), bound(), bound()]);
  const portA = sa.address().port;
  const portB = sb.address().port;
  const capture = spawn('dumpcap', ['-q', '-i', 'lo', '-f', `udp port ${portA}`, '-w', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const captured: Buffer[] = [];
  let capturedBytes = 0;
  let captureErrors = '';
  capture.stdout.on('data', (chunk: Buffer) => {
    captured.push(chunk);
    capturedBytes += chunk.length;
  });
  capture.stderr.on('data', (chunk: Buffer) => (captureErrors += chunk.toString()));
  const captureClosed = new Promise<void>((resolve) => capture.on('close', () => resolve()));
  let a: DtlsTransport | undefined;
  let b: DtlsTransport | undefined;
  t.after(async () => {
    a?.close();
    b?.close();
    sa.close();
    sb.close();
    if (capture.exitCode === null) capture.kill('SIGINT');
    await captureClosed;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Capturing has begun once a marker datagram shows up in dumpcap's output.
  const marker = Buffer.from('keylog-capture-marker');
  for (let i = 0; i < 500 && !Buffer.concat(captured).includes(marker) && capture.exitCode === null; i++) {
    sb.send(marker, portA, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!Buffer.concat(captured).includes(marker)) {
    const reason = `dumpcap cannot capture on lo: ${captureErrors.trim() || 'nothing captured'}`;
    if (process.env['CI'] !== undefined || process.getuid?.() === 0) assert.fail(reason);
    t.skip(reason);
    return;
  }

  a = new DtlsTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), send: (d) => sa.send(d, portB, '127.0.0.1') });
  b = new DtlsTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), send: (d) => sb.send(d, portA, '127.0.0.1') });
  const client = a;
  const server = b;
  sa.on('message', (m) => {
    if (client.state === 'connecting' || client.state === 'connected') client.receive(m);
  });
  sb.on('message', (m) => {
    if (server.state === 'connecting' || server.state === 'connected') server.receive(m);
  });
  const lines: Buffer[] = [];
  client.on('keylog', (line) => lines.push(line));
  const received = new Promise<Buffer>((resolve) => server.once('data', resolve));
  await Promise.all([client.start(), server.start()]);
  client.send(PAYLOAD);
  assert.deepEqual(await received, PAYLOAD);
  // The application data is on the wire; it shows in the capture once dumpcap wrote it out.
  const wanted = capturedBytes + PAYLOAD.length;
  for (let i = 0; i < 500 && capturedBytes < wanted; i++) await new Promise((r) => setTimeout(r, 10));
  capture.kill('SIGINT');
  await captureClosed;

  const pcap = path.join(dir, 'capture.pcapng');
  const keys = path.join(dir, 'keys.log');
  fs.writeFileSync(pcap, Buffer.concat(captured));
  fs.writeFileSync(keys, Buffer.concat(lines));
  assert.equal(lines.length, 1);
  assert.ok(!Buffer.concat(captured).includes(PAYLOAD), 'the payload crossed the wire encrypted');

  const withKeys = decrypted(pcap, portA, keys);
  assert.ok(withKeys.includes(PAYLOAD.toString('hex')), `decrypted records: ${withKeys.join(', ')}`);
  const withoutKeys = decrypted(pcap, portA, undefined);
  assert.ok(!withoutKeys.includes(PAYLOAD.toString('hex')));
});
