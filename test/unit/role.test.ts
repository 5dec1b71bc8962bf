// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectDtlsRole, answerSetup, dtlsRoleFromIceRole, DtlsError, type DtlsSetup } from '../../lib/index.js';

const SETUPS: DtlsSetup[] = ['active', 'passive', 'actpass', 'holdconn'];
const conflict = (err: unknown): boolean => err instanceof DtlsError && err.code === 'ERR_DTLS_ROLE_CONFLICT';

// The complete a=setup matrix, from both ends. `offer` is the offerer's value, `answer` the answerer's.
// Expected: the offerer's role, or 'conflict'.
const MATRIX: Record<DtlsSetup, Record<DtlsSetup, 'client' | 'server' | 'conflict'>> = {
  actpass: { active: 'server', passive: 'client', actpass: 'conflict', holdconn: 'conflict' },
  // RFC 5763 §5: an offerer MUST say actpass, so our own non-actpass offer is refused;
  // a legacy peer's active/passive offer is accepted from the answerer's side (see below).
  active: { active: 'conflict', passive: 'conflict', actpass: 'conflict', holdconn: 'conflict' },
  passive: { active: 'conflict', passive: 'conflict', actpass: 'conflict', holdconn: 'conflict' },
  holdconn: { active: 'conflict', passive: 'conflict', actpass: 'conflict', holdconn: 'conflict' },
};

// Expected answerer role for each (offer, answer).
const ANSWERER: Record<DtlsSetup, Record<DtlsSetup, 'client' | 'server' | 'conflict'>> = {
  actpass: { active: 'client', passive: 'server', actpass: 'conflict', holdconn: 'conflict' },
  active: { active: 'conflict', passive: 'server', actpass: 'conflict', holdconn: 'conflict' },
  passive: { active: 'client', passive: 'conflict', actpass: 'conflict', holdconn: 'conflict' },
  holdconn: { active: 'conflict', passive: 'conflict', actpass: 'conflict', holdconn: 'conflict' },
};

for (const offer of SETUPS) {
  for (const answer of SETUPS) {
    test(`offerer side: offer ${offer}, answer ${answer} → ${MATRIX[offer][answer]}`, () => {
      const run = (): string => selectDtlsRole({ localSetup: offer, remoteSetup: answer, isOfferer: true });
      const want = MATRIX[offer][answer];
      if (want === 'conflict') assert.throws(run, conflict);
      else assert.equal(run(), want);
    });
    test(`answerer side: offer ${offer}, answer ${answer} → ${ANSWERER[offer][answer]}`, () => {
      const run = (): string => selectDtlsRole({ localSetup: answer, remoteSetup: offer, isOfferer: false });
      const want = ANSWERER[offer][answer];
      if (want === 'conflict') assert.throws(run, conflict);
      else assert.equal(run(), want);
    });
  }
}

test('the two ends of every valid actpass exchange get opposite roles', () => {
  for (const answer of ['active', 'passive'] as const) {
    const offerer = selectDtlsRole({ localSetup: 'actpass', remoteSetup: answer, isOfferer: true });
    const answerer = selectDtlsRole({ localSetup: answer, remoteSetup: 'actpass', isOfferer: false });
    assert.notEqual(offerer, answerer);
    assert.equal(answerer, answer === 'active' ? 'client' : 'server');
  }
});

test('unknown setup values are a role conflict, including case variants', () => {
  for (const bad of ['ACTIVE', 'Actpass', '', 'both', 'x'.repeat(10000)]) {
    assert.throws(
      () => selectDtlsRole({ localSetup: 'actpass', remoteSetup: bad as DtlsSetup, isOfferer: true }),
      conflict,
    );
    assert.throws(
      () => selectDtlsRole({ localSetup: bad as DtlsSetup, remoteSetup: 'actpass', isOfferer: false }),
      conflict,
    );
    assert.throws(() => answerSetup(bad as DtlsSetup), conflict);
  }
});

test('selectDtlsRole rejects wrong argument types with ERR_INVALID_ARG_TYPE', () => {
  const bad: unknown[] = [
    null,
    'actpass',
    { localSetup: 'actpass', remoteSetup: 'active' },
    { localSetup: 'actpass', remoteSetup: 'active', isOfferer: 'yes' },
    { localSetup: 1, remoteSetup: 'active', isOfferer: true },
    { localSetup: 'actpass', remoteSetup: undefined, isOfferer: true },
  ];
  for (const options of bad) {
    assert.throws(() => selectDtlsRole(options as never), (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === 'ERR_INVALID_ARG_TYPE');
  }
});

test('answerSetup: actpass takes the preference (active by default), others take the opposite', () => {
  assert.equal(answerSetup('actpass'), 'active');
  assert.equal(answerSetup('actpass', 'active'), 'active');
  assert.equal(answerSetup('actpass', 'passive'), 'passive');
  assert.equal(answerSetup('active'), 'passive');
  assert.equal(answerSetup('active', 'active'), 'passive');
  assert.equal(answerSetup('passive'), 'active');
  assert.equal(answerSetup('passive', 'passive'), 'active');
  assert.throws(() => answerSetup('holdconn'), conflict);
});

test('answerSetup output always forms a valid pair with the offer', () => {
  for (const offer of ['actpass', 'active', 'passive'] as const) {
    for (const pref of [undefined, 'active', 'passive'] as const) {
      const answer = answerSetup(offer, pref);
      const role = selectDtlsRole({ localSetup: answer, remoteSetup: offer, isOfferer: false });
      assert.equal(role, answer === 'active' ? 'client' : 'server');
    }
  }
});

test('answerSetup rejects a bad preference', () => {
  assert.throws(() => answerSetup('actpass', 'actpass' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => answerSetup('actpass', 1 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => answerSetup(7 as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

// The SDP-less rule of ORTC (RTCDtlsRole "auto": "the ICE controlled role acts as the DTLS client
// and the ICE controlling role acts as the DTLS server"), which Pion follows, written out here.
const ORTC_RULE = { controlling: 'server', controlled: 'client' } as const;
// werift's RTCDtlsTransport.start() with role 'auto': `iceTransport.role === 'controlling'` gives
// 'server', anything else 'client' (werift itself is not a dependency; werift-dtls has no ICE).
const weriftRole = (iceRole: string): 'client' | 'server' => (iceRole === 'controlling' ? 'server' : 'client');

test('dtlsRoleFromIceRole follows the ORTC rule: controlling is the server, controlled the client', () => {
  assert.equal(dtlsRoleFromIceRole('controlling'), ORTC_RULE.controlling);
  assert.equal(dtlsRoleFromIceRole('controlled'), ORTC_RULE.controlled);
});

test('dtlsRoleFromIceRole pairs with werift: opposite ICE roles give opposite DTLS roles', () => {
  const pairs = [['controlling', 'controlled'], ['controlled', 'controlling']] as const;
  for (const [ours, theirs] of pairs) {
    const us = dtlsRoleFromIceRole(ours);
    const peer = weriftRole(theirs);
    assert.notEqual(us, peer, `we are ${ours}, werift ${theirs}: both would be ${us}`);
    // The same ICE role gives the same DTLS role as werift's, so the rules are one rule.
    assert.equal(us, weriftRole(ours));
  }
});

test('dtlsRoleFromIceRole rejects bad ICE roles', () => {
  for (const bad of ['CONTROLLED', '']) {
    assert.throws(() => dtlsRoleFromIceRole(bad as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  }
  for (const bad of [undefined, 1]) {
    assert.throws(() => dtlsRoleFromIceRole(bad as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
});
