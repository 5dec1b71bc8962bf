// SPDX-License-Identifier: MIT
// Real peers over UDP on 127.0.0.1: the openssl command-line s_server and
// s_client, both roles, every SRTP profile. Our RFC 5764 export must equal
// what OpenSSL prints, and application data must cross both ways.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { Certificate, DtlsTransport, type DtlsTransportOptions, type SrtpProfile } from '../../lib/index.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

const CASES: { profile: SrtpProfile; openssl: string; length: number }[] = [
  { profile: 'AES_CM_128_HMAC_SHA1_80', openssl: 'SRTP_AES128_CM_SHA1_80', length: 60 },
  { profile: 'AES_CM_128_HMAC_SHA1_32', openssl: 'SRTP_AES128_CM_SHA1_32', length: 60 },
  { profile: 'AEAD_AES_128_GCM', openssl: 'SRTP_AEAD_AES_128_GCM', length: 56 },
  { profile: 'AEAD_AES_256_GCM', openssl: 'SRTP_AEAD_AES_256_GCM', length: 88 },
];

class Peer {
  output = '';
  readonly child: ChildProcessWithoutNullStreams;
  #waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  constructor(args: string[]) {
    this.child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      this.output += chunk.toString('latin1');
      this.#waiters = this.#waiters.filter((w) => {
        const m = this.output.match(w.re);
        if (m !== null) w.resolve(m);
        return m === null;
      });
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
  }
  /** Resolves when the output matches; rejects (with the output so far) after `ms`. */
  waitFor(re: RegExp, ms = 10000): Promise<RegExpMatchArray> {
    const m = this.output.match(re);
    if (m !== null) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`openssl output never matched ${re}:\n${this.output}`)), ms);
      this.#waiters.push({
        re,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      });
    });
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill();
    await exited;
  }
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

async function files(): Promise<{ dir: string; cert: string; key: string; certificate: Certificate }> {
  const certificate = await Certificate.generate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-interop-'));
  const { cert, key } = certificate.toPem();
  fs.writeFileSync(path.join(dir, 'cert.pem'), cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), key, { mode: 0o600 });
  return { dir, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), certificate };
}

/** A UDP socket bound to an ephemeral port of 127.0.0.1. */
async function localSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return socket;
}

type OurOptions = Omit<DtlsTransportOptions, 'role' | 'send'>;

/** Our DTLS client on `socket`, talking to the openssl s_server at `port`. */
function ourClient(socket: dgram.Socket, port: number, options: OurOptions): DtlsTransport {
  const transport = new DtlsTransport({ ...options, role: 'client', send: (d) => socket.send(d, port, '127.0.0.1') });
  socket.on('message', (m) => transport.receive(m));
  return transport;
}

/** Our DTLS server on `socket`, answering whoever sends first (the openssl s_client). */
function ourServer(socket: dgram.Socket, options: OurOptions): DtlsTransport {
  let remote: dgram.RemoteInfo | undefined;
  const transport = new DtlsTransport({
    ...options,
    role: 'server',
    send: (d) => {
      if (remote !== undefined) socket.send(d, remote.port, remote.address);
    },
  });
  socket.on('message', (m, rinfo) => {
    remote ??= rinfo;
    transport.receive(m);
  });
  return transport;
}

/** Closes what a test opened: our socket, the openssl process and its certificate files. */
async function cleanUp(socket: dgram.Socket, peer: Peer, theirs: { dir: string }): Promise<void> {
  socket.close();
  await peer.stop();
  fs.rmSync(theirs.dir, { recursive: true, force: true });
}

function nextData(t: DtlsTransport, text: string): Promise<void> {
  return new Promise((resolve) => {
    let got = '';
    const on = (d: Buffer): void => {
      got += d.toString();
      if (got.includes(text)) {
        t.off('data', on);
        resolve();
      }
    };
    t.on('data', on);
  });
}

describe('openssl s_server / s_client over UDP', { skip: !hasOpenssl && 'openssl CLI not installed' }, () => {
  for (const c of CASES) {
    test(`we are the client, openssl s_server: ${c.profile}`, async () => {
      const theirs = await files();
      const ours = await Certificate.generate();
      const port = await freeUdpPort();
      const peer = new Peer([
        's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', theirs.cert, '-key', theirs.key,
        '-use_srtp', c.openssl, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(c.length),
        '-Verify', '1',
      ]);
      const socket = await localSocket();
      try {
        await peer.waitFor(/ACCEPT/);
        const transport = ourClient(socket, port, {
          certificate: ours,
          remoteFingerprints: theirs.certificate.getFingerprints(),
          srtpProfiles: [c.profile],
        });
        await transport.start();
        assert.equal(transport.srtpProfile, c.profile);
        const [, hex] = await peer.waitFor(/Keying material: ([0-9A-F]+)/);
        assert.equal(transport.exportKeyingMaterial('EXTRACTOR-dtls_srtp', c.length).toString('hex').toUpperCase(), hex);
        // s_server saw our certificate (it requires one with -Verify).
        assert.match(peer.output, /Client certificate/);
        // Application data both ways.
        transport.send(Buffer.from('hello-from-dtls-srtp\n'));
        await peer.waitFor(/hello-from-dtls-srtp/);
        const got = nextData(transport, 'hello-from-openssl');
        peer.child.stdin.write('hello-from-openssl\n');
        await got;
        transport.close();
      } finally {
        await cleanUp(socket, peer, theirs);
      }
    });

    test(`we are the server, openssl s_client: ${c.profile}`, async () => {
      const theirs = await files();
      const ours = await Certificate.generate();
      const socket = await localSocket();
      const { port } = socket.address();
      const transport = ourServer(socket, {
        certificate: ours,
        remoteFingerprints: theirs.certificate.getFingerprints(),
        srtpProfiles: [c.profile],
      });
      const started = transport.start();
      const peer = new Peer([
        's_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-cert', theirs.cert, '-key', theirs.key,
        '-use_srtp', c.openssl, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(c.length),
      ]);
      try {
        await started;
        assert.equal(transport.srtpProfile, c.profile);
        const [, hex] = await peer.waitFor(/Keying material: ([0-9A-F]+)/);
        assert.equal(transport.exportKeyingMaterial('EXTRACTOR-dtls_srtp', c.length).toString('hex').toUpperCase(), hex);
        assert.match(peer.output, new RegExp(`SRTP Extension negotiated, profile=${c.openssl}`));
        transport.send(Buffer.from('hello-from-dtls-srtp\n'));
        await peer.waitFor(/hello-from-dtls-srtp/);
        const got = nextData(transport, 'hello-from-openssl');
        peer.child.stdin.write('hello-from-openssl\n');
        await got;
        transport.close();
      } finally {
        await cleanUp(socket, peer, theirs);
      }
    });
  }

  // One suite offered by the openssl client: the suite's keys and RFC 5705
  // exporter (ours, after the handshake) against what OpenSSL derives, data
  // both ways. ChaCha20: a 1-byte record is 17 bytes protected, below the
  // AES-GCM minimum, and must pass the pre-filter. AES-256-GCM: the SHA-384 PRF.
  const SUITES = [
    { cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305', suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', srtp: 'SRTP_AEAD_AES_128_GCM', length: 56, fromPeer: 'x', note: '1-byte records pass the pre-filter' },
    { cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384', suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', srtp: 'SRTP_AEAD_AES_256_GCM', length: 88, fromPeer: 'from-openssl-384\n', note: 'the SHA-384 PRF' },
  ];
  for (const c of SUITES) {
    test(`${c.cipher} when the openssl client offers only that suite: exporter, data both ways, ${c.note}`, async () => {
      const theirs = await files();
      const ours = await Certificate.generate();
      const socket = await localSocket();
      const { port } = socket.address();
      const transport = ourServer(socket, { certificate: ours, remoteFingerprints: theirs.certificate.getFingerprints() });
      const started = transport.start();
      const peer = new Peer([
        's_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-cert', theirs.cert, '-key', theirs.key,
        '-cipher', c.cipher, '-use_srtp', c.srtp,
        '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(c.length),
      ]);
      try {
        await started;
        assert.equal(transport.cipherSuite, c.suite);
        const [, hex] = await peer.waitFor(/Keying material: ([0-9A-F]+)/);
        assert.equal(transport.exportKeyingMaterial('EXTRACTOR-dtls_srtp', c.length).toString('hex').toUpperCase(), hex);
        const got = nextData(transport, c.fromPeer.trim());
        peer.child.stdin.write(c.fromPeer);
        await got;
        transport.send(Buffer.from(`${c.suite}-ok\n`));
        await peer.waitFor(new RegExp(`${c.suite}-ok`));
        const dropped = transport.getStats().dropped;
        assert.deepEqual([dropped.malformed, dropped.replayed, dropped.unauthenticated], [0, 0, 0]);
        transport.close();
      } finally {
        await cleanUp(socket, peer, theirs);
      }
    });
  }

  test('openssl peer with the wrong certificate is refused (fingerprint mismatch, bad_certificate)', async () => {
    const theirs = await files();
    const expected = await Certificate.generate();
    const ours = await Certificate.generate();
    const port = await freeUdpPort();
    const peer = new Peer([
      's_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', theirs.cert, '-key', theirs.key,
      '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-Verify', '1',
    ]);
    const socket = await localSocket();
    try {
      await peer.waitFor(/ACCEPT/);
      const transport = ourClient(socket, port, { certificate: ours, remoteFingerprints: expected.getFingerprints() });
      await assert.rejects(transport.start(), { code: 'ERR_DTLS_FINGERPRINT_MISMATCH', sentAlert: 42 });
      await peer.waitFor(/bad certificate/i);
      transport.close();
    } finally {
      await cleanUp(socket, peer, theirs);
    }
  });
});
