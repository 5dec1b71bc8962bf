// SPDX-License-Identifier: MIT
/**
 * Every exported function and every public method of every exported class,
 * called with each hostile value in each argument position and option field:
 * the result is a thrown error (a rejection for promise-returning calls) with
 * a string `code`, or a valid result where the value is legitimate there —
 * never a plain TypeError without a code, never a crash. Then every method of
 * every closed object throws InvalidStateError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidStateError } from '../../lib/index.js';
import { dispose, drain, entries, hostileValues, makeLive, place, type Live } from '../fixtures/api-surface.js';

interface Outcome {
  kind: 'coded' | 'code-less' | 'accepted' | 'unexpected-success';
  detail: string;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `non-Error ${typeof err}`;
}

async function run(call: () => unknown, accepted: boolean): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
    if (result instanceof Promise) result = await result;
  } catch (err) {
    const code = codeOf(err);
    return code === undefined ? { kind: 'code-less', detail: describeError(err) } : { kind: 'coded', detail: code };
  }
  dispose(result);
  return accepted ? { kind: 'accepted', detail: 'ok' } : { kind: 'unexpected-success', detail: 'returned normally' };
}

test('every entry point, every hostile value in every position: an error with a code', async (t) => {
  const live = await makeLive();
  t.after(() => {
    live.close();
  });
  const table = entries(live);
  let calls = 0;
  const failures: string[] = [];
  const codeLess: string[] = [];
  for (const entry of table) {
    for (const position of entry.positions) {
      for (const [label, value] of hostileValues()) {
        const where = position.field === undefined ? `arg ${position.arg}` : `arg ${position.arg}.${position.field}`;
        const accepted = position.accepts?.includes(label) ?? false;
        const outcome = await run(() => entry.call(place(entry.args(), position, value)), accepted);
        calls++;
        if (outcome.kind === 'code-less') codeLess.push(`${entry.name} ${where} = ${label}: ${outcome.detail}`);
        if (outcome.kind === 'code-less' || outcome.kind === 'unexpected-success') {
          failures.push(`${entry.name} ${where} = ${label}: ${outcome.kind} (${outcome.detail})`);
        }
      }
    }
  }
  await drain();
  t.diagnostic(`entry points: ${table.length}, calls: ${calls}, code-less errors: ${codeLess.length}, failures: ${failures.length}`);
  assert.ok(calls > 1500, `only ${calls} calls`);
  assert.deepEqual(failures, []);
});

test('every entry point with valid arguments works on the live fixtures', async (t) => {
  const live = await makeLive();
  t.after(() => {
    live.close();
  });
  for (const entry of entries(live)) {
    const outcome = await run(() => entry.call(entry.args()), true);
    // A packet or state failure is fine here (an unprotect of a plain packet); an argument error is not.
    const argumentError = outcome.kind === 'coded' && /^ERR_(INVALID_ARG|OUT_OF_RANGE)/.test(outcome.detail);
    assert.ok(outcome.kind === 'accepted' || (outcome.kind === 'coded' && !argumentError), `${entry.name}: ${outcome.detail}`);
  }
  await drain();
});

/** Every method of a closed object, with valid arguments. */
function afterClose(live: Live): [string, () => unknown][] {
  const fp = live.peerCertificate.getFingerprints();
  const remote = { address: '192.0.2.2', port: 2000 };
  const srtp = live.srtp;
  const dtls = live.dtls;
  const secure = live.secure;
  const buf = (): Buffer => Buffer.alloc(64);
  const layout = (): Int32Array => Int32Array.from([0, 12, 64]);
  return [
    ['SrtpSession#protectRtp', () => srtp.protectRtp(buf())],
    ['SrtpSession#unprotectRtp', () => srtp.unprotectRtp(buf())],
    ['SrtpSession#protectRtcp', () => srtp.protectRtcp(buf())],
    ['SrtpSession#unprotectRtcp', () => srtp.unprotectRtcp(buf())],
    ['SrtpSession#protectRtpInPlace', () => srtp.protectRtpInPlace(buf(), 12)],
    ['SrtpSession#unprotectRtpInPlace', () => srtp.unprotectRtpInPlace(buf(), 12)],
    ['SrtpSession#protectRtcpInPlace', () => srtp.protectRtcpInPlace(buf(), 12)],
    ['SrtpSession#unprotectRtcpInPlace', () => srtp.unprotectRtcpInPlace(buf(), 12)],
    ['SrtpSession#protectRtpBatch', () => srtp.protectRtpBatch([buf()])],
    ['SrtpSession#unprotectRtpBatch', () => srtp.unprotectRtpBatch([buf()])],
    ['SrtpSession#protectRtcpBatch', () => srtp.protectRtcpBatch([buf()])],
    ['SrtpSession#unprotectRtcpBatch', () => srtp.unprotectRtcpBatch([buf()])],
    ['SrtpSession#protectRtpBatchInPlace', () => srtp.protectRtpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['SrtpSession#unprotectRtpBatchInPlace', () => srtp.unprotectRtpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['SrtpSession#protectRtcpBatchInPlace', () => srtp.protectRtcpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['SrtpSession#unprotectRtcpBatchInPlace', () => srtp.unprotectRtcpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['SrtpSession#getStats', () => srtp.getStats()],
    ['DtlsTransport#start', () => dtls.start()],
    ['DtlsTransport#receive', () => { dtls.receive(Buffer.alloc(20, 23)); }],
    ['DtlsTransport#setRemoteFingerprints', () => { dtls.setRemoteFingerprints(fp); }],
    ['DtlsTransport#send', () => { dtls.send(Buffer.from('x')); }],
    ['DtlsTransport#sendData', () => { dtls.sendData(Buffer.from('x')); }],
    ['DtlsTransport#getRemoteCertificates', () => dtls.getRemoteCertificates()],
    ['DtlsTransport#getRemoteCertificate', () => dtls.getRemoteCertificate()],
    ['DtlsTransport#createSrtpSession', () => dtls.createSrtpSession()],
    ['DtlsTransport#exportKeyingMaterial', () => dtls.exportKeyingMaterial('EXTRACTOR-test', 16)],
    ['DtlsSrtpTransport#start', () => secure.start()],
    ['DtlsSrtpTransport#receive', () => { secure.receive(Buffer.alloc(20, 23), remote); }],
    ['DtlsSrtpTransport#setRemoteFingerprints', () => { secure.setRemoteFingerprints(fp); }],
    ['DtlsSrtpTransport#setRemoteAddress', () => { secure.setRemoteAddress(remote); }],
    ['DtlsSrtpTransport#sendRtp', () => { secure.sendRtp(buf()); }],
    ['DtlsSrtpTransport#sendRtcp', () => { secure.sendRtcp(buf()); }],
    ['DtlsSrtpTransport#sendRtpBatch', () => secure.sendRtpBatch([buf()])],
    ['DtlsSrtpTransport#sendRtcpBatch', () => secure.sendRtcpBatch([buf()])],
    ['DtlsSrtpTransport#sendRtpBatchInPlace', () => secure.sendRtpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['DtlsSrtpTransport#sendRtcpBatchInPlace', () => secure.sendRtcpBatchInPlace(buf(), layout(), new Int32Array(1))],
    ['DtlsSrtpTransport#sendData', () => { secure.sendData(Buffer.from('x')); }],
    ['DtlsSrtpTransport#send', () => { secure.send(Buffer.from('x')); }],
    ['DtlsSrtpTransport#getRemoteCertificates', () => secure.getRemoteCertificates()],
    ['DtlsSrtpTransport#connect', () => { secure.connect({ dtlsParameters: { role: 'auto', fingerprints: fp } }); }],
    // UdpSocket: getStats stays readable after close (the counters of a closed socket), ref/unref are no-ops.
    ['UdpSocket#address', () => live.udp.address()],
    ['UdpSocket#send', () => live.udp.send(buf(), remote)],
    ['UdpSocket#sendBatch', () => live.udp.sendBatch([buf()], remote)],
    ['UdpSocket#sendRtpBatch', () => live.udp.sendRtpBatch(srtp, buf(), layout(), remote, new Int32Array(1))],
    ['UdpSocket#sendRtcpBatch', () => live.udp.sendRtcpBatch(srtp, buf(), layout(), remote, new Int32Array(1))],
    ['UdpSocket#addRoute', () => live.udp.addRoute(remote)],
    ['UdpSocket#removeRoute', () => live.udp.removeRoute(0)],
    // UdpServer: getStats stays readable after close, ref/unref are no-ops.
    ['UdpServer#address', () => live.udpServer.address()],
  ];
}

test('after close every method throws (or rejects with) InvalidStateError ERR_INVALID_STATE', async (t) => {
  const live = await makeLive();
  live.close();
  t.after(drain);
  // close() is idempotent and so is dispose.
  live.srtp.close();
  live.srtp[Symbol.dispose]();
  live.dtls.close();
  live.dtls[Symbol.dispose]();
  live.secure.close();
  live.secure[Symbol.dispose]();
  live.udp.close();
  live.udp[Symbol.dispose]();
  live.udpServer.close();
  live.udpServer[Symbol.dispose]();
  for (const [name, call] of afterClose(live)) {
    let error: unknown;
    try {
      const r = call();
      if (r instanceof Promise) await r;
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof InvalidStateError, `${name}: ${describeError(error)}`);
    assert.equal(error.code, 'ERR_INVALID_STATE', name);
  }
  // The documented exception (SecureTransportContract): the final figures stay readable.
  assert.equal(live.secure.getStats().dtlsState, 'closed');
  assert.equal(typeof live.dtls.getStats().datagramsSent, 'number');
});
