// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
  StunAttributeType,
  type StunAttributeInit,
} from '../../lib/entry/stun.js';
import { IceLiteResponder, type IceLiteResult, type IceRemoteAddress } from '../../lib/entry/ice.js';

const LOCAL = { ufrag: 'srvU', pwd: 'serverPasswordOf22Chars' };
const REMOTE_UFRAG = 'Wq3o';
const PEER = { address: '192.0.2.10', port: 50000, family: 'IPv4' as const };
const PEER2 = { address: '2001:db8::20', port: 50002, family: 'IPv6' as const };

interface CheckOptions {
  username?: string | null;
  pwd?: string | null;
  useCandidate?: boolean;
  controlling?: boolean;
  controlled?: boolean;
  priority?: number | null;
  extra?: StunAttributeInit[];
  messageClass?: 'request' | 'indication' | 'success' | 'error';
  method?: number;
  fingerprint?: boolean;
}

/** A Binding request as a browser (controlling full agent) sends it. */
function check(o: CheckOptions = {}): Buffer {
  const attrs: StunAttributeInit[] = [];
  const username = o.username === undefined ? `${LOCAL.ufrag}:${REMOTE_UFRAG}` : o.username;
  if (username !== null) attrs.push({ type: 'username', value: username });
  if (o.controlling ?? true) attrs.push({ type: 'ice-controlling', value: 0x1234567890abcdefn });
  if (o.controlled === true) attrs.push({ type: 'ice-controlled', value: 42n });
  const priority = o.priority === undefined ? 1853824767 : o.priority;
  if (priority !== null) attrs.push({ type: 'priority', value: priority });
  if (o.useCandidate === true) attrs.push({ type: 'use-candidate' });
  attrs.push(...(o.extra ?? []));
  const pwd = o.pwd === undefined ? LOCAL.pwd : o.pwd;
  return serializeStunMessage(
    { messageClass: o.messageClass ?? 'request', method: o.method ?? 1, transactionId: randomBytes(12), attributes: attrs },
    { ...(pwd === null ? {} : { integrityKey: pwd }), fingerprint: o.fingerprint ?? true },
  );
}

function responder(): IceLiteResponder {
  return new IceLiteResponder({ ...LOCAL, remoteUfrag: REMOTE_UFRAG });
}

function assertResponse(r: IceLiteResult, request: Buffer, withIntegrity: boolean): ReturnType<typeof parseStunMessage> {
  assert.notEqual(r.action, 'drop');
  if (r.action === 'drop') return null;
  const msg = parseStunMessage(r.response);
  assert.ok(msg);
  assert.deepEqual(msg.transactionId, request.subarray(8, 20));
  assert.equal(verifyFingerprint(msg), true);
  assert.equal(verifyMessageIntegrity(msg, LOCAL.pwd), withIntegrity);
  return msg;
}

test('generated credentials follow RFC 8445 §5.3 (ice-chars, ≥ 24 / 128 bits) and differ each time', () => {
  const a = new IceLiteResponder().localParameters;
  const b = new IceLiteResponder().localParameters;
  for (const p of [a, b]) {
    assert.match(p.usernameFragment, /^[A-Za-z0-9+/]{8}$/);
    assert.match(p.password, /^[A-Za-z0-9+/]{24}$/);
    assert.equal(p.iceLite, true);
  }
  assert.notEqual(a.usernameFragment, b.usernameFragment);
  assert.notEqual(a.password, b.password);
  assert.deepEqual(responder().localParameters, { usernameFragment: LOCAL.ufrag, password: LOCAL.pwd, iceLite: true });
});

test('a valid check gets a success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT', () => {
  const ice = responder();
  const req = check();
  const r = ice.handle(req, PEER);
  assert.equal(r.action, 'success');
  const msg = assertResponse(r, req, true);
  assert.equal(msg?.messageClass, 'success');
  assert.deepEqual(msg?.xorMappedAddress, { family: 'IPv4', address: PEER.address, port: PEER.port });
  if (r.action === 'success') {
    assert.equal(r.nominated, false);
    assert.equal(r.selectedChanged, false);
    assert.deepEqual(r.remote, PEER);
  }
  assert.equal(ice.selectedAddress, undefined);
  const s = ice.getStats();
  assert.equal(s.validChecks, 1);
  assert.equal(s.successResponses, 1);
});

test('USE-CANDIDATE selects the address; consent checks keep being answered; renomination moves it', () => {
  const ice = responder();
  let r = ice.handle(check({ useCandidate: true }), PEER);
  assert.equal(r.action === 'success' && r.nominated && r.selectedChanged, true);
  assert.deepEqual(ice.selectedAddress, PEER);
  // Repeated nomination from the same address: no change.
  r = ice.handle(check({ useCandidate: true }), PEER);
  assert.equal(r.action === 'success' && r.nominated && !r.selectedChanged, true);
  // Consent checks (no USE-CANDIDATE), many of them, from the selected address and from another.
  for (let i = 0; i < 50; i++) {
    r = ice.handle(check(), i % 2 === 0 ? PEER : PEER2);
    assert.equal(r.action === 'success' && !r.selectedChanged, true);
  }
  assert.deepEqual(ice.selectedAddress, PEER);
  // A check with USE-CANDIDATE from an IPv6 path moves the selection.
  const req = check({ useCandidate: true });
  r = ice.handle(req, PEER2);
  assert.equal(r.action === 'success' && r.selectedChanged, true);
  assert.deepEqual(ice.selectedAddress, PEER2);
  const msg = assertResponse(r, req, true);
  assert.deepEqual(msg?.xorMappedAddress, { family: 'IPv6', address: '2001:db8::20', port: 50002 });
  const s = ice.getStats();
  assert.equal(s.nominations, 3);
  assert.equal(s.selectedChanges, 2);
  assert.equal(s.successResponses, 53);
  // selectedAddress is a copy.
  const selected = (x: IceLiteResponder): IceRemoteAddress | undefined => x.selectedAddress;
  const sel = selected(ice);
  assert.ok(sel);
  sel.port = 1;
  assert.equal(selected(ice)?.port, PEER2.port);
});

test('bad STUN is dropped and counted by reason, and never changes the selection', () => {
  const ice = responder();
  ice.handle(check({ useCandidate: true }), PEER);
  const good = check({ useCandidate: true });
  const badFp = Buffer.from(good);
  badFp[badFp.length - 1] = (badFp[badFp.length - 1] as number) ^ 1;
  const badMi = Buffer.from(good);
  // Corrupt the PRIORITY value (covered by MI and FINGERPRINT), then fix FINGERPRINT so only MI fails.
  const m = parseStunMessage(good)!;
  const prioOffset = m.raw.indexOf(Buffer.from([0x00, 0x24, 0x00, 0x04])) + 4;
  badMi[prioOffset] = (badMi[prioOffset] as number) ^ 0xff;
  const fixFingerprint = (b: Buffer): Buffer => {
    const body = b.subarray(0, b.length - 8);
    const crc = serializeCrc(body);
    const out = Buffer.from(b);
    out.writeUInt32BE(crc, b.length - 4);
    return out;
  };
  const cases: [string, Buffer][] = [
    ['malformed', Buffer.from('not stun at all, but 20+ bytes long')],
    ['malformed', good.subarray(0, 30)],
    ['bad-fingerprint', badFp],
    ['bad-fingerprint', check({ useCandidate: true, fingerprint: false })],
    ['bad-integrity', fixFingerprint(badMi)],
    ['bad-integrity', check({ useCandidate: true, pwd: 'wrongPasswordOf22Chars' })],
    ['wrong-username', check({ useCandidate: true, username: `nope:${REMOTE_UFRAG}` })],
    ['wrong-username', check({ useCandidate: true, username: `${LOCAL.ufrag}:other` })],
    ['wrong-username', check({ useCandidate: true, username: LOCAL.ufrag })],
    ['not-request', check({ messageClass: 'indication' })],
    ['not-request', check({ messageClass: 'success' })],
    ['not-request', check({ messageClass: 'error' })],
    ['unknown-method', check({ method: 0x003 })],
  ];
  for (const [reason, datagram] of cases) {
    const r = ice.handle(datagram, PEER2);
    assert.deepEqual(r, { action: 'drop', reason }, reason);
  }
  assert.deepEqual(ice.selectedAddress, PEER);
  const s = ice.getStats();
  assert.deepEqual(s.dropped, {
    malformed: 2,
    'bad-fingerprint': 2,
    'not-request': 3,
    'unknown-method': 1,
    'wrong-username': 3,
    'bad-integrity': 2,
    'retired-credentials': 0,
  });
  assert.equal(s.successResponses, 1);
});

/** FINGERPRINT value over `body` whose length field already covers the 8-byte FINGERPRINT attribute. */
function serializeCrc(body: Buffer): number {
  let c = -1;
  for (const byte of body) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ((c ^ -1) ^ 0x5354554e) >>> 0;
}

test('without a known remote ufrag any "<ours>:<anything>" username is accepted', () => {
  const ice = new IceLiteResponder(LOCAL);
  assert.equal(ice.handle(check({ username: `${LOCAL.ufrag}:whatever` }), PEER).action, 'success');
  ice.setRemoteUfrag('abcd');
  assert.deepEqual(ice.handle(check({ username: `${LOCAL.ufrag}:whatever` }), PEER), { action: 'drop', reason: 'wrong-username' });
  assert.equal(ice.handle(check({ username: `${LOCAL.ufrag}:abcd` }), PEER).action, 'success');
});

test('400 Bad Request for missing USERNAME or MESSAGE-INTEGRITY (unauthenticated, no integrity on the answer)', () => {
  const ice = responder();
  for (const req of [check({ username: null }), check({ pwd: null })]) {
    const r = ice.handle(req, PEER);
    assert.equal(r.action, 'error');
    if (r.action === 'error') assert.equal(r.errorCode, 400);
    const msg = assertResponse(r, req, false);
    assert.equal(msg?.messageClass, 'error');
    assert.equal(msg?.errorCode?.code, 400);
    assert.equal(msg?.messageIntegrity, undefined);
  }
  assert.equal(ice.getStats().errorResponses[400], 2);
  assert.equal(ice.getStats().validChecks, 0);
});

test('400 for an authenticated check without PRIORITY or with both or neither ICE role attribute', () => {
  const ice = responder();
  const reqs = [
    check({ priority: null }),
    check({ controlling: true, controlled: true }),
    check({ controlling: false, controlled: false }),
  ];
  for (const req of reqs) {
    const r = ice.handle(req, PEER);
    assert.equal(r.action === 'error' && r.errorCode, 400);
    const msg = assertResponse(r, req, true);
    assert.equal(msg?.errorCode?.code, 400);
  }
  assert.equal(ice.getStats().errorResponses[400], 3);
});

test('487 Role Conflict when the peer also claims to be controlled (a lite agent cannot switch)', () => {
  const ice = responder();
  const req = check({ controlling: false, controlled: true, useCandidate: true });
  const r = ice.handle(req, PEER);
  assert.equal(r.action === 'error' && r.errorCode, 487);
  const msg = assertResponse(r, req, true);
  assert.equal(msg?.errorCode?.code, 487);
  assert.equal(ice.selectedAddress, undefined);
  assert.equal(ice.getStats().errorResponses[487], 1);
});

test('420 Unknown Attribute lists the unknown comprehension-required attributes', () => {
  const ice = responder();
  const req = check({
    useCandidate: true,
    extra: [
      { type: 0x7001, value: Buffer.from([1]) },
      { type: 0x8001, value: Buffer.from([2]) }, // comprehension-optional: ignored
      { type: 0x7002, value: Buffer.alloc(0) },
    ],
  });
  const r = ice.handle(req, PEER);
  assert.equal(r.action === 'error' && r.errorCode, 420);
  const msg = assertResponse(r, req, true);
  assert.equal(msg?.errorCode?.code, 420);
  assert.deepEqual(msg?.unknownAttributes, [0x7001, 0x7002]);
  assert.equal(ice.selectedAddress, undefined);
  assert.equal(ice.getStats().errorResponses[420], 1);
  // Comprehension-optional alone is fine.
  assert.equal(ice.handle(check({ extra: [{ type: 0x8001, value: Buffer.from([2]) }] }), PEER).action, 'success');
});

test('software option adds SOFTWARE to responses', () => {
  const ice = new IceLiteResponder({ ...LOCAL, software: 'dtls-srtp test' });
  const r = ice.handle(check(), PEER);
  const msg = r.action === 'success' ? parseStunMessage(r.response) : null;
  assert.equal(msg?.software, 'dtls-srtp test');
  assert.ok(msg?.attributes.some((a) => a.type === StunAttributeType.SOFTWARE));
});

test('random garbage never throws and is always dropped', () => {
  const ice = responder();
  for (let i = 0; i < 2000; i++) {
    const b = randomBytes(i % 200);
    if (b.length >= 8) {
      b[0] = (b[0] as number) & 0x01;
      b.writeUInt32BE(0x2112a442, 4);
    }
    const r = ice.handle(b, PEER);
    assert.equal(r.action, 'drop');
  }
  const s = ice.getStats();
  assert.equal(Object.values(s.dropped).reduce((a, b) => a + b, 0), 2000);
});

test('constructor and handle() reject caller mistakes with stable codes', () => {
  const code = (c: string) => (e: unknown): boolean => e instanceof TypeError && (e as { code?: string }).code === c;
  assert.throws(() => new IceLiteResponder({ ufrag: 'abc' }), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new IceLiteResponder({ ufrag: 'ab:cd' }), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new IceLiteResponder({ ufrag: 'a'.repeat(257) }), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new IceLiteResponder({ pwd: 'tooShortPassword12345' }), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new IceLiteResponder({ pwd: 5 as never }), code('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => new IceLiteResponder({ remoteUfrag: 'a b c d' }), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new IceLiteResponder({ software: 1 as never }), code('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => new IceLiteResponder(null as never), code('ERR_INVALID_ARG_TYPE'));
  const ice = responder();
  assert.throws(() => ice.setRemoteUfrag('x'), code('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => ice.handle('x' as never, PEER), code('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => ice.handle(check(), null as never), code('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => ice.handle(check(), { address: 1, port: 1, family: 'IPv4' } as never), code('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => ice.handle(check(), { ...PEER, port: 70000 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => ice.handle(check(), { ...PEER, family: 'IPX' as never }), code('ERR_INVALID_ARG_VALUE'));
  // A family that does not match the address is a caller bug surfaced by the serializer.
  assert.throws(() => ice.handle(check(), { address: '::1', port: 1, family: 'IPv4' }), code('ERR_INVALID_ARG_VALUE'));
});

test('isValidatedAddress: only addresses with authenticated checks, the last 8 of them', () => {
  const ice = responder();
  assert.equal(ice.isValidatedAddress(PEER), false);
  ice.handle(check({ pwd: 'wrongPasswordOf22Chars' }), PEER);
  ice.handle(check({ username: null }), PEER);
  assert.equal(ice.isValidatedAddress(PEER), false);
  ice.handle(check(), PEER);
  assert.equal(ice.isValidatedAddress(PEER), true);
  assert.equal(ice.isValidatedAddress({ ...PEER, port: PEER.port + 1 }), false);
  assert.equal(ice.selectedAddress, undefined);
  for (let i = 1; i <= 7; i++) ice.handle(check(), { ...PEER, port: PEER.port + i });
  assert.equal(ice.isValidatedAddress(PEER), true);
  ice.handle(check(), PEER2);
  assert.equal(ice.isValidatedAddress(PEER), false); // evicted: the oldest of 9
  assert.equal(ice.isValidatedAddress(PEER2), true);
  // A repeat check refreshes an address.
  ice.handle(check(), { ...PEER, port: PEER.port + 1 });
  ice.handle(check(), PEER);
  assert.equal(ice.isValidatedAddress({ ...PEER, port: PEER.port + 1 }), true);
  assert.equal(ice.isValidatedAddress({ ...PEER, port: PEER.port + 2 }), false);
  assert.throws(() => ice.isValidatedAddress(null as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});
