// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
  isStunMessage,
  StunAttributeType,
  STUN_MAX_ATTRIBUTES,
  type StunAttributeInit,
} from '../../lib/entry/stun.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors (bytes as printed in the RFC).
const PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';
const TXID = hex('b7e7a701 bc34d686 fa87dfae');
const SAMPLE_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
const SAMPLE_IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
const SAMPLE_IPV6_RESPONSE = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);

test('FINGERPRINT is node:zlib crc32; no CRC-32 of our own is public API; engines has zlib.crc32', async (t) => {
  const stun = await import('../../lib/stun.js');
  assert.equal('crc32' in stun, false);
  const root = await import('../../lib/index.js');
  assert.equal('crc32' in root, false);
  const calls = t.mock.method(zlib, 'crc32');
  assert.equal(verifyFingerprint(parseStunMessage(SAMPLE_REQUEST)!), true);
  assert.equal(calls.mock.callCount(), 1);
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, '>=20.15.0'); // zlib.crc32 arrived in Node 20.15.0
});

test('RFC 5769 §2.1 sample request: parse, fingerprint, integrity', () => {
  const msg = parseStunMessage(SAMPLE_REQUEST);
  assert.ok(msg);
  assert.equal(msg.messageClass, 'request');
  assert.equal(msg.method, 1);
  assert.deepEqual(msg.transactionId, TXID);
  assert.equal(msg.software, 'STUN test client');
  assert.equal(msg.priority, 0x6e0001ff);
  assert.equal(msg.iceControlled, 0x932ff9b151263b36n);
  assert.equal(msg.iceControlling, undefined);
  assert.equal(msg.username, 'evtj:h6vY');
  assert.equal(msg.useCandidate, false);
  assert.equal(msg.fingerprint, 0xe57a3bcf);
  assert.deepEqual(msg.unknownRequired, []);
  assert.equal(verifyFingerprint(msg), true);
  assert.equal(verifyMessageIntegrity(msg, PASSWORD), true);
  assert.equal(verifyMessageIntegrity(msg, Buffer.from(PASSWORD)), true);
  assert.equal(verifyMessageIntegrity(msg, 'VOkJxbRl1RmTxUk/WvJxBu'), false);
});

test('RFC 5769 §2.2 IPv4 response: parse and verify', () => {
  const msg = parseStunMessage(SAMPLE_IPV4_RESPONSE);
  assert.ok(msg);
  assert.equal(msg.messageClass, 'success');
  assert.equal(msg.software, 'test vector');
  assert.deepEqual(msg.xorMappedAddress, { family: 'IPv4', address: '192.0.2.1', port: 32853 });
  assert.equal(verifyFingerprint(msg), true);
  assert.equal(verifyMessageIntegrity(msg, PASSWORD), true);
});

test('RFC 5769 §2.3 IPv6 response: parse and verify', () => {
  const msg = parseStunMessage(SAMPLE_IPV6_RESPONSE);
  assert.ok(msg);
  assert.deepEqual(msg.xorMappedAddress, { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  assert.equal(verifyFingerprint(msg), true);
  assert.equal(verifyMessageIntegrity(msg, PASSWORD), true);
});

test('the serializer reproduces all three RFC 5769 vectors byte for byte (0x20 padding)', () => {
  const req = serializeStunMessage(
    {
      messageClass: 'request',
      transactionId: TXID,
      attributes: [
        { type: 'software', value: 'STUN test client' },
        { type: 'priority', value: 0x6e0001ff },
        { type: 'ice-controlled', value: 0x932ff9b151263b36n },
        { type: 'username', value: 'evtj:h6vY' },
      ],
    },
    { integrityKey: PASSWORD, padding: 0x20 },
  );
  assert.deepEqual(req, SAMPLE_REQUEST);
  for (const [vector, address] of [
    [SAMPLE_IPV4_RESPONSE, { family: 'IPv4', address: '192.0.2.1', port: 32853 }],
    [SAMPLE_IPV6_RESPONSE, { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 }],
  ] as const) {
    const res = serializeStunMessage(
      {
        messageClass: 'success',
        transactionId: TXID,
        attributes: [
          { type: 'software', value: 'test vector' },
          { type: 'xor-mapped-address', value: address },
        ],
      },
      { integrityKey: PASSWORD, padding: 0x20 },
    );
    assert.deepEqual(res, vector);
  }
});

test('flipping any single bit of the sample request breaks fingerprint or integrity or parsing', () => {
  for (let i = 0; i < SAMPLE_REQUEST.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const copy = Buffer.from(SAMPLE_REQUEST);
      copy[i] = (copy[i] as number) ^ bit;
      const msg = parseStunMessage(copy);
      const ok = msg !== null && verifyFingerprint(msg) && verifyMessageIntegrity(msg, PASSWORD);
      assert.equal(ok, false, `byte ${i} bit ${bit}`);
    }
  }
});

test('round trip of every ICE attribute, IPv4 and IPv6 (including compressed forms)', () => {
  const txid = randomBytes(12);
  const addresses = [
    { family: 'IPv4', address: '10.0.0.1', port: 1 },
    { family: 'IPv4', address: '255.255.255.255', port: 65535 },
    { family: 'IPv6', address: '::1', port: 5000 },
    { family: 'IPv6', address: 'fe80::1', port: 5000 },
    { family: 'IPv6', address: '2001:db8::', port: 5000 },
    { family: 'IPv6', address: '::ffff:192.0.2.33', port: 443 },
  ] as const;
  const normalized = ['10.0.0.1', '255.255.255.255', '::1', 'fe80::1', '2001:db8::', '::ffff:c000:221'];
  addresses.forEach((address, i) => {
    const attrs: StunAttributeInit[] = [
      { type: 'username', value: 'abcd:efgh' },
      { type: 'priority', value: 0xffffffff },
      { type: 'use-candidate' },
      { type: 'ice-controlling', value: 0xffffffffffffffffn },
      { type: 'xor-mapped-address', value: address },
      { type: 'error-code', code: 487, reason: 'Role Conflict' },
      { type: 'unknown-attributes', value: [0x0003, 0x7fff] },
      { type: 0x7777, value: Buffer.from([1, 2, 3]) },
    ];
    const buf = serializeStunMessage({ messageClass: 'error', transactionId: txid, attributes: attrs }, { integrityKey: 'k'.repeat(22) });
    assert.equal(isStunMessage(buf), true);
    const msg = parseStunMessage(buf);
    assert.ok(msg);
    assert.equal(msg.messageClass, 'error');
    assert.equal(msg.username, 'abcd:efgh');
    assert.equal(msg.priority, 0xffffffff);
    assert.equal(msg.useCandidate, true);
    assert.equal(msg.iceControlling, 0xffffffffffffffffn);
    assert.deepEqual(msg.xorMappedAddress, { ...address, address: normalized[i] });
    assert.deepEqual(msg.errorCode, { code: 487, reason: 'Role Conflict' });
    assert.deepEqual(msg.unknownAttributes, [0x0003, 0x7fff]);
    assert.deepEqual(msg.unknownRequired, [0x7777]);
    assert.equal(verifyFingerprint(msg), true);
    assert.equal(verifyMessageIntegrity(msg, 'k'.repeat(22)), true);
  });
});

test('all four classes and a non-Binding method encode and decode', () => {
  for (const messageClass of ['request', 'indication', 'success', 'error'] as const) {
    for (const method of [0x001, 0x003, 0xabc, 0xfff]) {
      const msg = parseStunMessage(serializeStunMessage({ messageClass, method, transactionId: Buffer.alloc(12) }));
      assert.ok(msg);
      assert.equal(msg.messageClass, messageClass);
      assert.equal(msg.method, method);
    }
  }
});

test('without integrity key or fingerprint the attributes are absent and verification fails', () => {
  const buf = serializeStunMessage({ messageClass: 'request', transactionId: Buffer.alloc(12) }, { fingerprint: false });
  assert.equal(buf.length, 20);
  const msg = parseStunMessage(buf);
  assert.ok(msg);
  assert.equal(verifyFingerprint(msg), false);
  assert.equal(verifyMessageIntegrity(msg, 'x'), false);
});

test('attributes after MESSAGE-INTEGRITY are ignored except FINGERPRINT; nothing may follow FINGERPRINT', () => {
  const base = serializeStunMessage(
    { messageClass: 'request', transactionId: Buffer.alloc(12), attributes: [{ type: 'username', value: 'a:b' }] },
    { integrityKey: 'pw', fingerprint: false },
  );
  // Append PRIORITY after MESSAGE-INTEGRITY (fix the length): parsed, not decoded, integrity still verifies.
  const extra = hex('00240004 00000001');
  const withExtra = Buffer.concat([base, extra]);
  withExtra.writeUInt16BE(withExtra.length - 20, 2);
  const msg = parseStunMessage(withExtra);
  assert.ok(msg);
  assert.equal(msg.priority, undefined);
  assert.equal(verifyMessageIntegrity(msg, 'pw'), true);
  // Something after FINGERPRINT is malformed.
  const fp = serializeStunMessage({ messageClass: 'request', transactionId: Buffer.alloc(12) });
  const after = Buffer.concat([fp, hex('00240004 00000001')]);
  after.writeUInt16BE(after.length - 20, 2);
  assert.equal(parseStunMessage(after), null);
});

test('duplicate attributes: the first one counts', () => {
  const buf = serializeStunMessage({
    messageClass: 'request',
    transactionId: Buffer.alloc(12),
    attributes: [
      { type: 'username', value: 'first:x' },
      { type: 'username', value: 'second:x' },
      { type: 'priority', value: 1 },
      { type: 'priority', value: 2 },
    ],
  });
  const msg = parseStunMessage(buf);
  assert.equal(msg?.username, 'first:x');
  assert.equal(msg?.priority, 1);
  assert.equal(msg?.attributes.length, 5);
});

test('hostile input: malformed headers and attributes give null, never a throw', () => {
  const good = serializeStunMessage({
    messageClass: 'request',
    transactionId: Buffer.alloc(12, 7),
    attributes: [{ type: 'username', value: 'abcd:efgh' }, { type: 'priority', value: 5 }],
  }, { integrityKey: 'x'.repeat(22) });
  const mutate = (f: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good);
    f(b);
    return b;
  };
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['19 bytes', good.subarray(0, 19)],
    ['top bits set', mutate((b) => (b[0] = 0x40))],
    ['bad cookie', mutate((b) => b.writeUInt32BE(0x2112a443, 4))],
    ['length not multiple of 4', mutate((b) => b.writeUInt16BE(b.length - 21, 2))],
    ['length too large', mutate((b) => b.writeUInt16BE(b.length - 16, 2))],
    ['length too small', mutate((b) => b.writeUInt16BE(b.length - 24, 2))],
    ['truncated datagram', good.subarray(0, good.length - 4)],
    ['attribute overruns', mutate((b) => b.writeUInt16BE(0xfff0, 22))],
    ['attribute padding overruns', (() => {
      const b = Buffer.concat([good.subarray(0, 20), hex('7777 0005 0102030405')]);
      b.writeUInt16BE(b.length - 20, 2);
      return b;
    })()],
  ];
  const withAttr = (type: number, value: Buffer): Buffer => {
    const padded = Buffer.alloc((value.length + 3) & ~3);
    value.copy(padded);
    const head = Buffer.alloc(4);
    head.writeUInt16BE(type, 0);
    head.writeUInt16BE(value.length, 2);
    const b = Buffer.concat([good.subarray(0, 20), head, padded]);
    b.writeUInt16BE(b.length - 20, 2);
    return b;
  };
  cases.push(
    ['PRIORITY of 3 bytes', withAttr(StunAttributeType.PRIORITY, Buffer.alloc(3))],
    ['USE-CANDIDATE with a value', withAttr(StunAttributeType.USE_CANDIDATE, Buffer.alloc(4))],
    ['ICE-CONTROLLING of 4 bytes', withAttr(StunAttributeType.ICE_CONTROLLING, Buffer.alloc(4))],
    ['ICE-CONTROLLED of 9 bytes', withAttr(StunAttributeType.ICE_CONTROLLED, Buffer.alloc(9))],
    ['MESSAGE-INTEGRITY of 19 bytes', withAttr(StunAttributeType.MESSAGE_INTEGRITY, Buffer.alloc(19))],
    ['FINGERPRINT of 8 bytes', withAttr(StunAttributeType.FINGERPRINT, Buffer.alloc(8))],
    ['XOR-MAPPED-ADDRESS family 3', withAttr(StunAttributeType.XOR_MAPPED_ADDRESS, hex('0003 0000 00000000'))],
    ['XOR-MAPPED-ADDRESS IPv4 with 16 bytes', withAttr(StunAttributeType.XOR_MAPPED_ADDRESS, Buffer.concat([hex('0001 0000'), Buffer.alloc(16)]))],
    ['XOR-MAPPED-ADDRESS of 2 bytes', withAttr(StunAttributeType.XOR_MAPPED_ADDRESS, hex('0001'))],
    ['USERNAME not UTF-8', withAttr(StunAttributeType.USERNAME, hex('ff fe fd'))],
    ['USERNAME of 514 bytes', withAttr(StunAttributeType.USERNAME, Buffer.alloc(514, 0x61))],
    ['SOFTWARE of 764 bytes', withAttr(StunAttributeType.SOFTWARE, Buffer.alloc(764, 0x61))],
    ['ERROR-CODE class 2', withAttr(StunAttributeType.ERROR_CODE, hex('0000 0200'))],
    ['ERROR-CODE number 100', withAttr(StunAttributeType.ERROR_CODE, hex('0000 0464'))],
    ['ERROR-CODE of 3 bytes', withAttr(StunAttributeType.ERROR_CODE, hex('000004'))],
    ['UNKNOWN-ATTRIBUTES odd length', withAttr(StunAttributeType.UNKNOWN_ATTRIBUTES, hex('000100'))],
  );
  // Too many attributes.
  const many = Buffer.concat([good.subarray(0, 20), Buffer.alloc(4 * (STUN_MAX_ATTRIBUTES + 1))]);
  for (let i = 0; i <= STUN_MAX_ATTRIBUTES; i++) many.writeUInt16BE(0x8888, 20 + i * 4);
  many.writeUInt16BE(many.length - 20, 2);
  cases.push(['too many attributes', many]);
  for (const [name, data] of cases) {
    assert.equal(parseStunMessage(data), null, name);
  }
  // The control: exactly STUN_MAX_ATTRIBUTES attributes is accepted.
  const limit = Buffer.from(many.subarray(0, 20 + 4 * STUN_MAX_ATTRIBUTES));
  limit.writeUInt16BE(limit.length - 20, 2);
  assert.notEqual(parseStunMessage(limit), null);
  // Not bytes at all is a caller bug, not network input.
  assert.throws(() => parseStunMessage('not bytes' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('random garbage never throws', () => {
  for (let i = 0; i < 2000; i++) {
    const b = randomBytes(20 + (i % 120));
    b[0] = (b[0] as number) & 0x01;
    b.writeUInt32BE(0x2112a442, 4);
    b.writeUInt16BE((b.length - 20) & ~3, 2);
    const msg = parseStunMessage(b);
    if (msg !== null) {
      verifyFingerprint(msg);
      verifyMessageIntegrity(msg, 'pw');
    }
  }
});

test('serializer argument errors carry stable codes', () => {
  const tx = Buffer.alloc(12);
  const typeErr = (code: string) => (e: unknown): boolean => e instanceof TypeError && (e as { code?: string }).code === code;
  const rangeErr = (e: unknown): boolean => e instanceof RangeError && (e as { code?: string }).code === 'ERR_OUT_OF_RANGE';
  assert.throws(() => serializeStunMessage(null as never), typeErr('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => serializeStunMessage({ messageClass: 'reply' as never, transactionId: tx }), typeErr('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => serializeStunMessage({ messageClass: 'request', transactionId: Buffer.alloc(11) }), typeErr('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => serializeStunMessage({ messageClass: 'request', transactionId: 'x' as never }), typeErr('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => serializeStunMessage({ messageClass: 'request', method: 0x1000, transactionId: tx }), rangeErr);
  assert.throws(() => serializeStunMessage({ messageClass: 'request', transactionId: tx }, { padding: 256 }), rangeErr);
  const bad: [StunAttributeInit, (e: unknown) => boolean][] = [
    [{ type: 'priority', value: -1 }, rangeErr],
    [{ type: 'priority', value: 1.5 }, rangeErr],
    [{ type: 'ice-controlling', value: 1 as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ type: 'ice-controlled', value: -1n }, rangeErr],
    [{ type: 'username', value: 'x'.repeat(514) }, rangeErr],
    [{ type: 'username', value: 5 as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ type: 'xor-mapped-address', value: { family: 'IPv4', address: '::1', port: 1 } }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ type: 'xor-mapped-address', value: { family: 'IPv6', address: '1.2.3.4', port: 1 } }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ type: 'xor-mapped-address', value: { family: 'IPv4', address: '1.2.3.4', port: 70000 } }, rangeErr],
    [{ type: 'xor-mapped-address', value: null as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ type: 'error-code', code: 200, reason: 'OK' }, rangeErr],
    [{ type: 'error-code', code: 400, reason: 1 as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ type: 'unknown-attributes', value: [0x10000] }, rangeErr],
    [{ type: 'unknown-attributes', value: 'x' as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [{ type: 0x10000, value: Buffer.alloc(0) }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ type: 'bogus' as never, value: Buffer.alloc(0) }, typeErr('ERR_INVALID_ARG_VALUE')],
    [{ type: 0x8000, value: 'x' as never }, typeErr('ERR_INVALID_ARG_TYPE')],
    [null as never, typeErr('ERR_INVALID_ARG_TYPE')],
  ];
  for (const [attr, check] of bad) {
    assert.throws(() => serializeStunMessage({ messageClass: 'request', transactionId: tx, attributes: [attr] }), check, JSON.stringify(attr, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  // Too large as a whole.
  const big = Array.from({ length: 2 }, () => ({ type: 0x8001, value: Buffer.alloc(40000) }));
  assert.throws(() => serializeStunMessage({ messageClass: 'request', transactionId: tx, attributes: big }), rangeErr);
  assert.throws(() => verifyMessageIntegrity(parseStunMessage(SAMPLE_REQUEST)!, 5 as never), typeErr('ERR_INVALID_ARG_TYPE'));
});
