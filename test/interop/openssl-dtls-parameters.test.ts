// SPDX-License-Identifier: MIT
// A real peer (the openssl command-line s_server over UDP on 127.0.0.1) for
// the mediasoup-style flow of DtlsSrtpTransport: created with role 'auto',
// connect({ dtlsParameters }) with the server's role and fingerprint, then the
// handshake; getRemoteCertificates() returns openssl's certificate as DER,
// getStats().srtpCipher is the IANA name OpenSSL itself uses for the profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { Certificate, DtlsSrtpTransport } from '../../lib/index.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test("role 'auto' + connect() against openssl s_server: client role, openssl's DER certificate, IANA srtpCipher", { skip: !hasOpenssl && 'openssl CLI not installed' }, async () => {
  const theirs = await Certificate.generate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-interop-'));
  const { cert, key } = theirs.toPem();
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), key, { mode: 0o600 });
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(r));
  const child = spawn('openssl', [
    's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'),
    '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-Verify', '1',
  ]);
  let output = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const waitFor = (re: RegExp): Promise<void> =>
    re.test(output) ? Promise.resolve() : new Promise((resolve) => waiters.push({ re, resolve }));
  const on = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
    for (const w of waiters.splice(0)) {
      if (w.re.test(output)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on('data', on);
  child.stderr.on('data', on);
  const accepted = waitFor(/ACCEPT/);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const ours = await Certificate.generate();
  const transport = new DtlsSrtpTransport({
    certificate: ours,
    role: 'auto',
    socket,
    remoteAddress: { address: '127.0.0.1', port },
    srtpProfiles: ['AES_CM_128_HMAC_SHA1_80'],
  });
  try {
    await accepted;
    assert.equal(transport.localParameters.role, 'auto');
    transport.connect({ dtlsParameters: { role: 'server', fingerprints: theirs.getFingerprints(['sha-256']) } });
    assert.equal(transport.role, 'client');
    await transport.start();
    const [der] = transport.getRemoteCertificates();
    assert.ok(der !== undefined);
    assert.ok(der.equals(theirs.der));
    assert.equal(new X509Certificate(der).fingerprint256, theirs.getFingerprints(['sha-256'])[0]?.value);
    const s = transport.getStats();
    assert.equal(s.srtpCipher, 'SRTP_AES128_CM_SHA1_80');
    assert.equal(s.srtpProfile, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(s.dtlsRole, 'client');
    assert.ok(s.handshakeDurationMs !== undefined && s.connectDurationMs !== undefined && s.handshakeDurationMs <= s.connectDurationMs);
    // s_server verified our certificate (it requires one with -Verify); the test times out if it never says so.
    await waitFor(/depth=0 CN = [^\n]*\nverify return:1/);
    transport.close();
  } finally {
    transport.close();
    socket.close();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
