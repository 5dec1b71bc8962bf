// SPDX-License-Identifier: MIT
// RestartKeys, the inbound side of a DTLS restart, with real SRTP sessions:
// a packet under the previous keys still decrypts after the new keys failed
// on it (AEAD writes the buffer before its tag check fails: the second try
// needs the original bytes); packets under keys not yet derived are held
// within their count, byte and age bounds and replayed in order; the first
// packet under the new keys is reported once; tls-id helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  checkTlsId,
  emptyRestartStats,
  HELD,
  isClientHello,
  MAX_HELD_AGE_MS,
  MAX_HELD_BYTES,
  MAX_HELD_PACKETS,
  newTlsId,
  RestartKeys,
} from '../../lib/dtls-restart.js';
import { pair, rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PROFILE = 'AEAD_AES_128_GCM';

test('a previous-key packet decrypts after the new keys refused it (original bytes restored)', () => {
  const previous = pair(PROFILE);
  const current = pair(PROFILE);
  const stats = emptyRestartStats();
  let proven = 0;
  const keys = new RestartKeys(previous.b, stats, () => proven++);
  keys.current = current.b;
  const plain = rtp({ seq: 7, payloadLength: 100 });
  const packet = previous.a.protectRtp(plain);
  const n = keys.unprotect(packet, false);
  assert.equal(n, plain.length);
  assert.deepEqual(packet.subarray(0, n), plain);
  assert.equal(keys.lastWasCurrent, false);
  const report = current.a.protectRtcp(rtcp({}));
  assert.ok(keys.unprotect(report, true) > 0);
  assert.equal(keys.lastWasCurrent, true);
  assert.deepEqual([stats.previousKeyPackets, stats.currentKeyPackets, proven], [1, 1, 1]);
  // Neither key set: the first refusal's code, nothing held once the new keys exist.
  const forged = Buffer.from(previous.a.protectRtp(rtp({ seq: 8 })));
  forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
  assert.ok(keys.unprotect(forged, false) < 0 && keys.unprotect(forged, false) !== HELD);
  assert.equal(stats.held, 0);
});

test('held packets: bounded by count, replayed in order under the new keys', () => {
  const previous = pair(PROFILE);
  const next = pair(PROFILE);
  const stats = emptyRestartStats();
  const keys = new RestartKeys(previous.b, stats, () => undefined);
  const total = MAX_HELD_PACKETS + 10;
  for (let seq = 1; seq <= total; seq++) assert.equal(keys.unprotect(next.a.protectRtp(rtp({ seq, payloadLength: 20 })), false), HELD);
  assert.equal(stats.held, total);
  assert.equal(stats.heldDropped, 10, 'the oldest beyond the count bound');
  const delivered: number[] = [];
  keys.replay(next.b, (packet) => delivered.push(packet.readUInt16BE(2)));
  assert.deepEqual(delivered, Array.from({ length: MAX_HELD_PACKETS }, (_, i) => i + 11));
  assert.equal(stats.replayed, MAX_HELD_PACKETS);
  // Holding ends with the new keys: an undecryptable packet is now a failure, not held.
  assert.ok(keys.unprotect(previous.a.protectRtp(rtp({ seq: 1 })), false) >= 0, 'previous keys still accepted');
  assert.ok(keys.unprotect(pair(PROFILE).a.protectRtp(rtp({ seq: 2 })), false) < 0);
});

test('held packets: bounded by bytes and by age; dropHeld counts what it drops', (t) => {
  const previous = pair(PROFILE);
  const next = pair(PROFILE);
  const stats = emptyRestartStats();
  let now = 1000;
  t.mock.method(performance, 'now', () => now);
  const keys = new RestartKeys(previous.b, stats, () => undefined);
  const big = 3000;
  const fit = Math.floor(MAX_HELD_BYTES / (big + 12 + 16));
  for (let seq = 1; seq <= fit + 3; seq++) keys.unprotect(next.a.protectRtp(rtp({ seq, payloadLength: big })), false);
  assert.equal(stats.heldDropped, 3, 'the oldest beyond the byte bound');
  // Older than the age bound: dropped when the next one is held, and at replay.
  now += MAX_HELD_AGE_MS + 1;
  keys.unprotect(next.a.protectRtp(rtp({ seq: 1000, payloadLength: 10 })), false);
  assert.equal(stats.heldDropped, fit + 3);
  now += MAX_HELD_AGE_MS + 1;
  keys.replay(next.b, () => assert.fail('too old to deliver'));
  assert.equal(stats.heldDropped, fit + 4);
  assert.equal(stats.replayed, 0);
  const other = new RestartKeys(previous.b, stats, () => undefined);
  other.unprotect(next.a.protectRtp(rtp({ seq: 2000 })), false);
  other.dropHeld();
  assert.equal(stats.heldDropped, fit + 5);
  assert.ok(other.unprotect(next.a.protectRtp(rtp({ seq: 2001 })), false) < 0, 'not held after dropHeld');
});

test('tls-id helpers and the ClientHello test', () => {
  const id = newTlsId();
  assert.match(id, /^[A-Za-z0-9+/]{24}$/);
  assert.notEqual(newTlsId(), id);
  assert.equal(checkTlsId('abcdefghij-_+/0123456789', 'tlsId'), 'abcdefghij-_+/0123456789');
  assert.throws(() => checkTlsId('a'.repeat(19), 'tlsId'), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => checkTlsId('a'.repeat(256), 'tlsId'), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => checkTlsId(42, 'tlsId'), { code: 'ERR_INVALID_ARG_TYPE' });
  const hello = Buffer.alloc(40);
  hello[0] = 22;
  hello[13] = 1;
  assert.equal(isClientHello(hello), true);
  assert.equal(isClientHello(Buffer.from([...hello.subarray(0, 4), 1, ...hello.subarray(5)])), false, 'epoch 1');
  hello[13] = 2;
  assert.equal(isClientHello(hello), false, 'ServerHello');
  assert.equal(isClientHello(hello.subarray(0, 13)), false);
});
