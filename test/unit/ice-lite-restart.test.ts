// SPDX-License-Identifier: MIT
/**
 * ICE restart of the ICE-lite responder (RFC 8445 §9): new local and remote
 * credentials on the live responder; checks with the old ones are answered
 * (under the old password) until a check with the new ones succeeds, then
 * dropped as `retired-credentials`; 400/420/487 rules hold for both
 * generations; a ufrag routing (a UdpServer) is told what to route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  parseStunMessage,
  serializeStunMessage,
  verifyMessageIntegrity,
  type StunAttributeInit,
} from '../../lib/entry/stun.js';
import { IceLiteResponder, type IceLiteResult } from '../../lib/entry/ice.js';
import { bindIceUfragRouting } from '../../lib/ice-lite.js';

const OLD = { ufrag: 'srvU', pwd: 'serverPasswordOf22Chars', remoteUfrag: 'brws' };
const NEW = { ufrag: 'srv2', pwd: 'secondPasswordOf22Char', remoteUfrag: 'brw2' };
const PEER = { address: '192.0.2.10', port: 50000, family: 'IPv4' as const };
const PEER_NEW = { address: '192.0.2.10', port: 50002, family: 'IPv4' as const };

interface Creds {
  ufrag: string;
  pwd: string;
  remoteUfrag: string;
}

function check(creds: Creds, o: { useCandidate?: boolean; controlled?: boolean; priority?: boolean; unknown?: boolean } = {}): Buffer {
  const attributes: StunAttributeInit[] = [{ type: 'username', value: `${creds.ufrag}:${creds.remoteUfrag}` }];
  attributes.push(o.controlled === true ? { type: 'ice-controlled', value: 7n } : { type: 'ice-controlling', value: 1n });
  if (o.priority !== false) attributes.push({ type: 'priority', value: 1853824767 });
  if (o.useCandidate === true) attributes.push({ type: 'use-candidate' });
  if (o.unknown === true) attributes.push({ type: 0x7ffe, value: Buffer.alloc(4) });
  return serializeStunMessage(
    { messageClass: 'request', transactionId: randomBytes(12), attributes },
    { integrityKey: creds.pwd, fingerprint: true },
  );
}

/** The response's MESSAGE-INTEGRITY verifies with `pwd` (and not with the other generation's). */
function signedWith(r: IceLiteResult, pwd: string): boolean {
  assert.notEqual(r.action, 'drop');
  if (r.action === 'drop') return false;
  const msg = parseStunMessage(r.response);
  assert.ok(msg);
  return verifyMessageIntegrity(msg, pwd);
}

test('a restart answers old credentials until a check with the new ones succeeds, then drops them as retired-credentials', () => {
  const ice = new IceLiteResponder(OLD);
  assert.equal(ice.handle(check(OLD, { useCandidate: true }), PEER).action, 'success');
  assert.equal(ice.restarting, false);

  const local = ice.restart({ ufrag: NEW.ufrag, pwd: NEW.pwd, remoteUfrag: NEW.remoteUfrag });
  assert.deepEqual(local, { usernameFragment: NEW.ufrag, password: NEW.pwd, iceLite: true });
  assert.deepEqual(ice.localParameters, local);
  assert.equal(ice.restarting, true);

  // Before the switch: the old generation is answered under the old password and marked so.
  for (let i = 0; i < 3; i++) {
    const r = ice.handle(check(OLD), PEER);
    assert.equal(r.action, 'success');
    assert.ok(r.action === 'success' && r.previousCredentials);
    assert.equal(signedWith(r, OLD.pwd), true);
    assert.equal(signedWith(r, NEW.pwd), false);
  }
  // The generations do not mix: our new ufrag with the peer's old one, or the old password with the new ufrag.
  assert.deepEqual(ice.handle(check({ ...NEW, remoteUfrag: OLD.remoteUfrag }), PEER), { action: 'drop', reason: 'wrong-username' });
  assert.deepEqual(ice.handle(check({ ...NEW, pwd: OLD.pwd }), PEER), { action: 'drop', reason: 'bad-integrity' });
  assert.equal(ice.restarting, true);
  assert.deepEqual(ice.selectedAddress, PEER);

  // The first successful check with the new credentials completes the restart; it may come from a new address.
  const first = ice.handle(check(NEW), PEER_NEW);
  assert.ok(first.action === 'success' && !first.previousCredentials && !first.selectedChanged);
  assert.equal(signedWith(first, NEW.pwd), true);
  assert.equal(ice.restarting, false);
  assert.deepEqual(ice.selectedAddress, PEER, 'the path moves only with a nomination');

  // After the switch the old generation is retired: dropped and counted, never answered.
  assert.deepEqual(ice.handle(check(OLD), PEER), { action: 'drop', reason: 'retired-credentials' });
  assert.deepEqual(ice.handle(check(OLD, { useCandidate: true }), PEER), { action: 'drop', reason: 'retired-credentials' });
  const moved = ice.handle(check(NEW, { useCandidate: true }), PEER_NEW);
  assert.ok(moved.action === 'success' && moved.selectedChanged);
  assert.deepEqual(ice.selectedAddress, PEER_NEW);

  const s = ice.getStats();
  assert.equal(s.restarts, 1);
  assert.equal(s.restartsCompleted, 1);
  assert.equal(s.previousCredentialChecks, 3);
  assert.equal(s.validChecks, 1 + 3 + 2);
  assert.equal(s.dropped['retired-credentials'], 2);
  assert.equal(s.dropped['wrong-username'], 1);
  assert.equal(s.dropped['bad-integrity'], 1);
});

test('during a restart a nomination with the old credentials still moves the path (the old generation is fully alive)', () => {
  const ice = new IceLiteResponder(OLD);
  ice.handle(check(OLD, { useCandidate: true }), PEER);
  ice.restart({ remoteUfrag: NEW.remoteUfrag });
  const r = ice.handle(check(OLD, { useCandidate: true }), PEER_NEW);
  assert.ok(r.action === 'success' && r.selectedChanged && r.previousCredentials);
  assert.deepEqual(ice.selectedAddress, PEER_NEW);
  assert.equal(ice.restarting, true);
});

test('400, 420 and 487 keep their rules for both generations and never complete a restart', () => {
  const ice = new IceLiteResponder(OLD);
  ice.restart(NEW);
  const cases: [Creds, Parameters<typeof check>[1], number][] = [
    [NEW, { controlled: true }, 487],
    [OLD, { controlled: true }, 487],
    [NEW, { priority: false }, 400],
    [OLD, { priority: false }, 400],
    [NEW, { unknown: true }, 420],
    [OLD, { unknown: true }, 420],
  ];
  for (const [creds, options, code] of cases) {
    const r = ice.handle(check(creds, options), PEER);
    assert.ok(r.action === 'error', `${creds.ufrag} ${code}`);
    assert.equal(r.errorCode, code);
    // Authenticated errors are signed with the password of the generation that was checked.
    assert.equal(signedWith(r, creds.pwd), true);
  }
  assert.equal(ice.restarting, true, 'an error response is no successful check');
  assert.equal(ice.handle(check(OLD), PEER).action, 'success');
  assert.deepEqual(ice.getStats().errorResponses, { 400: 2, 420: 2, 487: 2 });
});

test('a second restart before the first completed replaces the pending credentials; the ones in use stay answered', () => {
  const ice = new IceLiteResponder(OLD);
  ice.restart(NEW);
  const third = { ufrag: 'srv3', pwd: 'thirdPasswordOf22Chars', remoteUfrag: 'brw3' };
  ice.restart(third);
  assert.deepEqual(ice.handle(check(NEW), PEER), { action: 'drop', reason: 'wrong-username' });
  const old = ice.handle(check(OLD), PEER);
  assert.ok(old.action === 'success' && old.previousCredentials);
  assert.equal(ice.handle(check(third), PEER).action, 'success');
  assert.deepEqual(ice.handle(check(OLD), PEER), { action: 'drop', reason: 'retired-credentials' });
  assert.deepEqual(ice.getStats().restarts, 2);
  assert.deepEqual(ice.getStats().restartsCompleted, 1);
});

test('restart() validates: malformed or unchanged credentials are typed errors and change nothing; omitted ones are generated', () => {
  const ice = new IceLiteResponder(OLD);
  assert.throws(() => ice.restart({ ufrag: OLD.ufrag }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => ice.restart({ pwd: OLD.pwd }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => ice.restart({ ufrag: 'ab' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => ice.restart({ pwd: 'short' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => ice.restart({ remoteUfrag: 'a:b:c' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => ice.restart({ ufrag: 42 } as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => ice.restart('x' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(ice.restarting, false);
  assert.equal(ice.getStats().restarts, 0);
  assert.equal(ice.handle(check(OLD), PEER).action, 'success');

  const local = ice.restart();
  assert.match(local.usernameFragment, /^[A-Za-z0-9+/]{8}$/);
  assert.match(local.password, /^[A-Za-z0-9+/]{24}$/);
  assert.notEqual(local.usernameFragment, OLD.ufrag);
  // Without a remote ufrag, any peer ufrag is accepted for the new generation (setRemoteUfrag() pins it later).
  const gen = { ufrag: local.usernameFragment, pwd: local.password, remoteUfrag: 'anyX' };
  assert.equal(ice.handle(check(gen), PEER).action, 'success');
  ice.setRemoteUfrag('pinD');
  assert.deepEqual(ice.handle(check(gen), PEER), { action: 'drop', reason: 'wrong-username' });
  assert.equal(ice.handle(check({ ...gen, remoteUfrag: 'pinD' }), PEER).action, 'success');
});

test('a bound ufrag routing reserves the new ufrag first (a refusal changes nothing) and follows the ufrags answered', () => {
  const ice = new IceLiteResponder(OLD);
  const calls: string[] = [];
  let refuse = '';
  bindIceUfragRouting(ice, {
    reserve: (ufrag) => {
      calls.push(`reserve ${ufrag}`);
      if (ufrag === refuse) throw new TypeError('taken');
    },
    update: (ufrags) => calls.push(`update ${ufrags.join(',')}`),
  });
  refuse = 'tknU';
  assert.throws(() => ice.restart({ ufrag: 'tknU' }), TypeError);
  assert.equal(ice.restarting, false);
  assert.equal(ice.localParameters.usernameFragment, OLD.ufrag);
  ice.restart(NEW);
  ice.handle(check(OLD), PEER);
  ice.handle(check(NEW), PEER);
  assert.deepEqual(calls, ['reserve tknU', `reserve ${NEW.ufrag}`, `update ${NEW.ufrag},${OLD.ufrag}`, `update ${NEW.ufrag}`]);
});
