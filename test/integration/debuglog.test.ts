// SPDX-License-Identifier: MIT
/**
 * `NODE_DEBUG=dtls-srtp` (util.debuglog), in a child process: handshake
 * steps, alerts sent and received, the role, the SRTP profile and cipher,
 * path selection, and drops by reason with the source address — at most 5
 * lines per reason per second, the rest counted and reported (here at exit),
 * so a flood of bad datagrams cannot flood the log. Without NODE_DEBUG, not
 * a line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const INDEX = path.join(__dirname, '..', '..', 'lib', 'index.js');
const FLOOD = 400;

const CHILD = `
const dgram = require('node:dgram');
const { Certificate, DtlsSrtpTransport, DtlsTransport } = require(${JSON.stringify(INDEX)});
const bind = () => new Promise((resolve) => { const s = dgram.createSocket('udp4'); s.bind(0, '127.0.0.1', () => resolve(s)); });
(async () => {
  const [ca, cb, other] = await Promise.all([Certificate.generate(), Certificate.generate(), Certificate.generate()]);
  // A fingerprint mismatch, in memory: bad_certificate sent by the client, received by the server.
  let x, y;
  x = new DtlsTransport({ certificate: ca, role: 'client', remoteFingerprints: other.getFingerprints(), send: (d) => setImmediate(() => y.state === 'connecting' && y.receive(d)) });
  y = new DtlsTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), send: (d) => setImmediate(() => x.state === 'connecting' && x.receive(d)) });
  await Promise.allSettled([x.start(), y.start()]);
  // A real handshake over UDP, then a flood from a stranger.
  const [sa, sb, sc] = await Promise.all([bind(), bind(), bind()]);
  const a = new DtlsSrtpTransport({ certificate: ca, role: 'client', remoteFingerprints: cb.getFingerprints(), socket: sa, remoteAddress: sb.address() });
  const b = new DtlsSrtpTransport({ certificate: cb, role: 'server', remoteFingerprints: ca.getFingerprints(), socket: sb, remoteAddress: sa.address() });
  await Promise.all([a.start(), b.start()]);
  const junk = Buffer.alloc(40, 0);
  junk[0] = 22;
  // In bursts the socket's receive buffer holds; any the kernel still drops are simply not counted.
  for (let i = 0; i < ${FLOOD}; i++) {
    sc.send(junk, sa.address().port, '127.0.0.1');
    if (i % 25 === 24) await new Promise((r) => setTimeout(r, 5));
  }
  const until = Date.now() + 3000;
  while (a.getStats().droppedDatagrams['unselected-address'] < ${FLOOD} && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  console.log(JSON.stringify({ dropped: a.getStats().droppedDatagrams['unselected-address'], stranger: sc.address().port }));
  a.close(); b.close(); sa.close(); sb.close(); sc.close();
})();
`;

function run(env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

test('NODE_DEBUG=dtls-srtp logs handshake steps, alerts, role and profile, path selection, and rate-limited drops', () => {
  const { stdout, stderr } = run({ ...process.env, NODE_DEBUG: 'dtls-srtp' });
  const { dropped, stranger } = JSON.parse(stdout) as { dropped: number; stranger: number };
  assert.ok(dropped >= FLOOD / 2, String(dropped));
  const lines = stderr.split('\n').filter((l) => l.startsWith('DTLS-SRTP '));
  const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `no line matches ${String(re)}:\n${lines.join('\n')}`);
  has(/#\d+ DtlsSrtpTransport created, role client$/);
  has(/path selected: 127\.0\.0\.1:\d+ \(remoteAddress option\)$/);
  has(/handshake start as DTLS client$/);
  has(/step: sent \[ClientHello\] \(\d+ bytes\); status handshaking$/);
  has(/received \[ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone\]/);
  has(/handshake complete in [\d.]+ ms: SRTP profile AEAD_AES_128_GCM, cipher TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256$/);
  has(/alert sent: bad_certificate/);
  has(/alert received: bad_certificate/);
  has(/handshake failed after [\d.]+ ms: ERR_DTLS_FINGERPRINT_MISMATCH/);
  has(/DtlsSrtpTransport state connected$/);

  // The flood: a few lines, then one count of the rest; every drop accounted for.
  const from = `from 127.0.0.1:${stranger}`;
  const dropLines = lines.filter((l) => l.includes(`drop unselected-address ${from}`));
  assert.ok(dropLines.length >= 1 && dropLines.length <= 5 * 21, String(dropLines.length));
  let suppressed = 0;
  for (const l of lines) {
    const m = /drop unselected-address(?: from \S+ \((\d+) more suppressed before\)|: (\d+) more suppressed)$/.exec(l);
    if (m) suppressed += Number(m[1] ?? m[2]);
  }
  assert.ok(suppressed > 0, 'some lines were suppressed');
  assert.equal(dropLines.length + suppressed, dropped);
});

test('without NODE_DEBUG the same run logs nothing', () => {
  const env = { ...process.env };
  delete env['NODE_DEBUG'];
  const { stderr } = run(env);
  assert.ok(!stderr.includes('DTLS-SRTP'), stderr);
});
