// SPDX-License-Identifier: MIT
/**
 * DtlsSrtpTransport's ICE state (iceState / icestatechange) on the ICE-lite
 * responder path, driven by mock timers: new → checking → connected →
 * disconnected → connected → failed, then closed; the consent and
 * disconnected timeouts and their bounds; the state without a responder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtlsSrtpTransport, type DtlsSrtpTransportOptions, type IceState } from '../../lib/index.js';
import { cert } from './pair.js';
import { ICE, iceCheck, PEER } from '../fixtures/ice-lite.js';

const PEER_MOVED = { address: '127.0.0.1', port: 6001 };

function check(options: { useCandidate?: boolean } = {}): Buffer {
  return iceCheck(ICE, options);
}

async function make(extra: Partial<DtlsSrtpTransportOptions> = {}): Promise<DtlsSrtpTransport> {
  const [certificate, peer] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  return new DtlsSrtpTransport({
    certificate,
    role: 'server',
    remoteFingerprints: peer.getFingerprints(),
    iceLite: ICE,
    path: { send: () => undefined },
    ...extra,
  });
}

function watch(t: DtlsSrtpTransport): IceState[] {
  const states: IceState[] = [];
  t.on('icestatechange', (s) => states.push(s));
  return states;
}

test('ICE-lite: new → checking → connected → disconnected (8 s quiet) → connected → failed (consent, 30 s) → closed', async (t) => {
  const tr = await make();
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const states = watch(tr);
  assert.equal(tr.iceState, 'new');
  assert.equal(tr.getStats().iceState, 'new');
  tr.receive(check(), PEER);
  assert.equal(tr.iceState, 'checking');
  tr.receive(check({ useCandidate: true }), PEER);
  assert.equal(tr.iceState, 'connected');
  // Chromium checks every 2.66 s: it never looks disconnected.
  for (let i = 0; i < 20; i++) {
    t.mock.timers.tick(2660);
    tr.receive(check(), PEER);
  }
  assert.equal(tr.iceState, 'connected');
  // libdatachannel's longest gap, 5.8 s: still connected.
  t.mock.timers.tick(5800);
  tr.receive(check(), PEER);
  assert.equal(tr.iceState, 'connected');
  // Quiet for 8 s: disconnected; the transport itself goes on.
  t.mock.timers.tick(7999);
  assert.equal(tr.iceState, 'connected');
  t.mock.timers.tick(1);
  assert.equal(tr.iceState, 'disconnected');
  assert.equal(tr.state, 'new');
  // Checks resume before consent expired: connected again.
  tr.receive(check(), PEER);
  assert.equal(tr.iceState, 'connected');
  // Then silence: disconnected at 8 s, failed at 30 s.
  t.mock.timers.tick(8000);
  assert.equal(tr.iceState, 'disconnected');
  t.mock.timers.tick(21_999);
  assert.equal(tr.iceState, 'disconnected');
  t.mock.timers.tick(1);
  assert.equal(tr.iceState, 'failed');
  assert.equal(tr.state, 'failed');
  assert.equal(tr.error?.code, 'ERR_ICE_CONSENT_EXPIRED');
  assert.equal(tr.getStats().iceState, 'failed');
  tr.close();
  assert.equal(tr.iceState, 'closed');
  assert.equal(tr.getStats().iceState, 'closed');
  assert.deepEqual(states, ['checking', 'connected', 'disconnected', 'connected', 'disconnected', 'failed', 'closed']);
});

test('selectedCandidatePairChanges counts the first selection and each move; a move keeps ICE connected', async (t) => {
  const tr = await make();
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => tr.close());
  assert.equal(tr.getStats().selectedCandidatePairChanges, 0);
  tr.receive(check({ useCandidate: true }), PEER);
  assert.equal(tr.getStats().selectedCandidatePairChanges, 1);
  tr.receive(check({ useCandidate: true }), PEER);
  assert.equal(tr.getStats().selectedCandidatePairChanges, 1);
  tr.receive(check({ useCandidate: true }), PEER_MOVED);
  assert.equal(tr.getStats().selectedCandidatePairChanges, 2);
  assert.equal(tr.iceState, 'connected');
});

test('iceDisconnectedTimeoutMs is configurable and 0 disables it; consentTimeoutMs 0 disables failing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const custom = await make({ iceDisconnectedTimeoutMs: 6000, consentTimeoutMs: 10_000 });
  const never = await make({ iceDisconnectedTimeoutMs: 0, consentTimeoutMs: 0 });
  t.after(() => {
    custom.close();
    never.close();
  });
  custom.receive(check({ useCandidate: true }), PEER);
  never.receive(check({ useCandidate: true }), PEER);
  t.mock.timers.tick(5999);
  assert.equal(custom.iceState, 'connected');
  t.mock.timers.tick(1);
  assert.equal(custom.iceState, 'disconnected');
  t.mock.timers.tick(4000);
  assert.equal(custom.iceState, 'failed');
  t.mock.timers.tick(3_600_000);
  assert.equal(never.iceState, 'connected');
  assert.equal(never.state, 'new');
});

test('consent timeouts too short for real peers are refused: ERR_OUT_OF_RANGE below 10 s (0 disables)', async (t) => {
  const made: DtlsSrtpTransport[] = [];
  t.after(() => {
    for (const m of made) m.close();
  });
  const ok = async (extra: Partial<DtlsSrtpTransportOptions>): Promise<void> => {
    made.push(await make(extra));
  };
  const refused = async (extra: Partial<DtlsSrtpTransportOptions>, name = 'RangeError', code = 'ERR_OUT_OF_RANGE'): Promise<void> => {
    await assert.rejects(make(extra), { name, code }, JSON.stringify(extra));
  };
  // A consentTimeoutMs of 2000 fails a healthy Chromium session (checks every 2.66 s).
  for (const ms of [1, 999, 1000, 2000, 5000, 9999]) await refused({ consentTimeoutMs: ms });
  for (const ms of [0, 10_000, 30_000, 3_600_000]) await ok({ consentTimeoutMs: ms });
  await refused({ consentTimeoutMs: 3_600_001 });
  await refused({ consentTimeoutMs: '30000' as unknown as number }, 'TypeError', 'ERR_INVALID_ARG_TYPE');
  // The disconnected delay: longer than a healthy peer's gap (6 s), and before consent expires.
  for (const ms of [1, 5999]) await refused({ iceDisconnectedTimeoutMs: ms });
  await refused({ consentTimeoutMs: 10_000, iceDisconnectedTimeoutMs: 10_000 });
  await ok({ consentTimeoutMs: 10_000, iceDisconnectedTimeoutMs: 9999 });
  await ok({ consentTimeoutMs: 0, iceDisconnectedTimeoutMs: 3_600_000 });
  await ok({ iceDisconnectedTimeoutMs: 0 });
  await refused({ iceDisconnectedTimeoutMs: 1.5 });
});

test('without an ICE-lite responder: connected once a remote address is known, closed after close()', async () => {
  const [certificate, peer] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
  const base = { certificate, role: 'client' as const, remoteFingerprints: peer.getFingerprints(), path: { send: () => undefined } };
  const fixed = new DtlsSrtpTransport({ ...base, remoteAddress: PEER });
  assert.equal(fixed.iceState, 'connected');
  assert.equal(fixed.getStats().selectedCandidatePairChanges, 1);
  const later = new DtlsSrtpTransport(base);
  const states = watch(later);
  assert.equal(later.iceState, 'new');
  later.setRemoteAddress(PEER);
  assert.equal(later.iceState, 'connected');
  later.close();
  fixed.close();
  assert.equal(fixed.iceState, 'closed');
  assert.deepEqual(states, ['connected', 'closed']);
});

test('ICE-lite with a remoteAddress given up front: connected from the start, a check keeps it so, silence disconnects it', async (t) => {
  const tr = await make({ remoteAddress: PEER });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => tr.close());
  const states = watch(tr);
  assert.equal(tr.iceState, 'connected');
  tr.receive(check(), PEER);
  assert.equal(tr.iceState, 'connected');
  t.mock.timers.tick(8000);
  assert.equal(tr.iceState, 'disconnected');
  tr.receive(check(), PEER);
  assert.equal(tr.iceState, 'connected');
  assert.deepEqual(states, ['disconnected', 'connected']);
});
