// SPDX-License-Identifier: MIT
// DtlsTransport.releaseSession(): the DTLS state of a connected association
// goes, the SRTP sessions made from it go on working both ways, and what
// needs DTLS afterwards fails with ERR_DTLS_RELEASED. Also the native memory
// each object reports to V8: added on create, taken back exactly on free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DtlsError, InvalidStateError } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { rtp, rtcp } from '../fixtures/srtp-helpers.js';
import { makePair } from './pair.js';

const external = (): number => native.NativeDtls.memoryStats().externalMemory;

test('releaseSession keeps SRTP working both ways and refuses DTLS with ERR_DTLS_RELEASED', async () => {
  const pair = await makePair({ async: false });
  await Promise.all([pair.server.start(), pair.client.start()]);
  const clientSrtp = pair.client.createSrtpSession();
  const serverSrtp = pair.server.createSrtpSession();
  const certificate = pair.server.getRemoteCertificate();
  const profile = pair.server.srtpProfile;
  const suite = pair.server.cipherSuite;

  assert.equal(pair.server.sessionReleased, false);
  pair.server.releaseSession();
  pair.server.releaseSession(); // idempotent
  assert.equal(pair.server.sessionReleased, true);
  assert.equal(pair.server.state, 'connected');
  assert.equal(pair.server.srtpProfile, profile);
  assert.equal(pair.server.cipherSuite, suite);
  assert.equal(pair.server.maxDataSize, 0);
  assert.deepEqual(pair.server.getRemoteCertificate(), certificate);

  // Media both ways, through the sessions keyed before the release.
  const packet = rtp({ ssrc: 1234, seq: 1, payloadLength: 160 });
  assert.deepEqual(serverSrtp.unprotectRtp(clientSrtp.protectRtp(packet)), packet);
  assert.deepEqual(clientSrtp.unprotectRtp(serverSrtp.protectRtp(packet)), packet);
  const report = rtcp({ ssrc: 1234 });
  assert.deepEqual(clientSrtp.unprotectRtcp(serverSrtp.protectRtcp(report)), report);

  const released = (err: unknown): boolean => {
    assert.ok(err instanceof DtlsError);
    assert.equal(err.code, 'ERR_DTLS_RELEASED');
    return true;
  };
  assert.throws(() => { pair.server.send(Buffer.from('data')); }, released);
  assert.throws(() => pair.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60), released);
  assert.throws(() => pair.server.createSrtpSession(), released);

  // The peer's DTLS (application data, its close_notify) is no longer read: dropped and counted.
  const before = pair.server.getStats();
  pair.client.send(Buffer.from('hello'));
  pair.client.close();
  const after = pair.server.getStats();
  assert.equal(after.dropped.inactive, before.dropped.inactive + 2);
  assert.equal(after.messagesReceived, before.messagesReceived);
  assert.equal(pair.server.state, 'connected');

  // close() after the release: nothing to send (no SSL to write close_notify), sessions closed.
  const sent = pair.sentByServer.length;
  const states: string[] = [];
  pair.server.on('statechange', (s) => states.push(s));
  pair.server.close();
  assert.equal(pair.sentByServer.length, sent);
  assert.deepEqual(states, ['closed']);
  assert.equal(serverSrtp.closed, true);
  assert.throws(() => pair.server.releaseSession(), InvalidStateError);
  pair.close();
});

test('releaseSession is refused before connected', async () => {
  const pair = await makePair({ async: false, withFingerprints: false });
  assert.throws(() => { pair.client.releaseSession(); }, { code: 'ERR_INVALID_STATE' });
  pair.client.start().catch(() => undefined);
  pair.server.start().catch(() => undefined);
  assert.equal(pair.client.state, 'connecting');
  assert.throws(() => { pair.client.releaseSession(); }, { code: 'ERR_INVALID_STATE' });
  assert.equal(pair.client.sessionReleased, false);
  pair.close();
});

test('native memory reported to V8 grows with endpoints and SRTP contexts and returns to its baseline on close', async () => {
  const baseline = external();
  const pair = await makePair({ async: false });
  const created = external();
  assert.ok(created > baseline, `${created} > ${baseline}`);
  await Promise.all([pair.server.start(), pair.client.start()]);
  const connected = external();
  assert.ok(connected > baseline);
  const srtp = pair.client.createSrtpSession();
  const withSrtp = external();
  assert.ok(withSrtp > connected);
  pair.client.releaseSession();
  const released = external();
  assert.ok(released < withSrtp && released > baseline);
  srtp.close();
  assert.ok(external() < released);
  pair.close();
  assert.equal(external(), baseline);
});

// Never closed: the GC finalizers take back what each object reported.
const CHILD = `
const { DtlsTransport, Certificate } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'index.js'))});
const { native } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'native.js'))});
// 60 pairs pumped synchronously in one loop turn: past its per-turn budget the
// handshake scheduler would defer them, so it is off for this in-memory loop.
require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib', 'handshake-scheduler.js'))}).handshakeScheduler.configure({ budgetMs: Infinity, inlineTransports: Infinity });
const external = () => native.NativeDtls.memoryStats().externalMemory;
const tick = () => new Promise((resolve) => setImmediate(resolve));
(async () => {
  const a = await Certificate.generate();
  const b = await Certificate.generate();
  const baseline = external();
  let peak = 0;
  (() => {
    for (let i = 0; i < 60; i++) {
      const queue = [];
      const client = new DtlsTransport({ certificate: a, role: 'client', remoteFingerprints: b.getFingerprints(), send: (d) => queue.push([server, d]) });
      const server = new DtlsTransport({ certificate: b, role: 'server', remoteFingerprints: a.getFingerprints(), send: (d) => queue.push([client, d]) });
      if (i % 3 === 0) continue; // never started
      client.start().catch(() => {});
      server.start().catch(() => {});
      while (queue.length > 0) { const [t, d] = queue.shift(); t.receive(d); }
      client.createSrtpSession();
      if (i % 3 === 1) server.releaseSession();
      if (i % 3 === 2) server.createSrtpSession();
    }
    peak = external();
  })();
  for (let i = 0; i < 10 && external() !== baseline; i++) {
    globalThis.gc();
    await tick();
  }
  process.stdout.write(JSON.stringify({ baseline, peak, end: external() }));
})();
`;

test('native memory reported to V8 returns to its baseline when unclosed objects are collected', () => {
  const output = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8', timeout: 60000 });
  const { baseline, peak, end } = JSON.parse(output) as { baseline: number; peak: number; end: number };
  assert.ok(peak > baseline + 60 * 10 * 1024, `peak ${peak} over baseline ${baseline}`);
  assert.equal(end, baseline);
});
