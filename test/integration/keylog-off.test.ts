// SPDX-License-Identifier: MIT
/**
 * The key log is on only while someone listens: removing the last `keylog`
 * listener turns the native side off again (DtlsTransport), and a
 * DtlsSrtpTransport drops its forwarding listener from its DTLS transport
 * when its own last listener goes. What the native endpoints do is seen
 * through a NativeDtls subclass that counts the key-log lines each native
 * step hands out and records every setKeylog call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, type NativeDtlsStep, type NativeVerifier } from '../../lib/native.js';
import { makePair } from './pair.js';
import { pairSecure } from '../fixtures/pair-secure.js';

interface NativeSpy {
  /** Key-log lines the native steps carried. */
  nativeLines: number;
  /** Every setKeylog(enabled) call, in order. */
  setKeylog: boolean[];
}

/** Runs `make` with every native DTLS endpoint it creates spied on (the real class is put back after). */
async function spied<T>(make: () => Promise<T>): Promise<[T, NativeSpy]> {
  const spy: NativeSpy = { nativeLines: 0, setKeylog: [] };
  const Real = native.NativeDtls;
  const seen = (step: NativeDtlsStep): NativeDtlsStep => {
    spy.nativeLines += step.keylog?.length ?? 0;
    return step;
  };
  class Spied extends Real {
    override start(verify: NativeVerifier): NativeDtlsStep {
      return seen(super.start(verify));
    }
    override receive(datagram: Uint8Array, verify: NativeVerifier): NativeDtlsStep {
      return seen(super.receive(datagram, verify));
    }
    override handleTimeout(verify: NativeVerifier): NativeDtlsStep {
      return seen(super.handleTimeout(verify));
    }
    override continueHandshake(verify: NativeVerifier): NativeDtlsStep {
      return seen(super.continueHandshake(verify));
    }
    override setKeylog(enabled: boolean): void {
      spy.setKeylog.push(enabled);
      super.setKeylog(enabled);
    }
  }
  native.NativeDtls = Spied;
  try {
    return [await make(), spy];
  } finally {
    native.NativeDtls = Real;
  }
}

test('DtlsTransport: lines arrive while listened to; after the last listener is removed the native key log is off', async (t) => {
  // With a listener: one line per side, and the native steps carried them.
  const [first, on] = await spied(() => makePair());
  t.after(() => first.close());
  const lines: Buffer[] = [];
  first.client.on('keylog', (l) => lines.push(l));
  first.server.on('keylog', (l) => lines.push(l));
  await Promise.all([first.client.start(), first.server.start()]);
  assert.equal(lines.length, 2);
  assert.equal(on.nativeLines, 2);

  // Listeners added and removed again (the last of two, and a once()): a new
  // handshake derives no line natively and emits none.
  const [second, off] = await spied(() => makePair());
  t.after(() => second.close());
  const emitted: string[] = [];
  const count = (): void => {
    emitted.push('keylog');
  };
  second.client.on('keylog', count);
  second.client.on('keylog', count);
  second.client.off('keylog', count);
  second.client.off('keylog', count);
  second.server.once('keylog', count);
  second.server.removeAllListeners('keylog');
  await Promise.all([second.client.start(), second.server.start()]);
  assert.deepEqual(emitted, []);
  assert.equal(off.nativeLines, 0);
  assert.deepEqual(off.setKeylog, [true, true, false, true, false]);
});

test('DtlsTransport: removing one of two listeners keeps the key log on for the other', async (t) => {
  const [pair, spy] = await spied(() => makePair());
  t.after(() => pair.close());
  const kept: Buffer[] = [];
  const dropped: Buffer[] = [];
  const drop = (l: Buffer): void => {
    dropped.push(l);
  };
  pair.client.on('keylog', (l) => kept.push(l));
  pair.client.on('keylog', drop);
  pair.client.off('keylog', drop);
  await Promise.all([pair.client.start(), pair.server.start()]);
  assert.equal(kept.length, 1);
  assert.equal(dropped.length, 0);
  assert.equal(spy.nativeLines, 1);
  assert.deepEqual(spy.setKeylog, [true, true]);
});

test('DtlsSrtpTransport: its last listener removed, its DTLS transport stops forwarding and the native key log is off', async (t) => {
  const [first, on] = await spied(() => pairSecure({ path: 'app' }));
  t.after(() => first.close());
  const lines: Buffer[] = [];
  first.a.on('keylog', (l) => lines.push(l));
  await first.connect();
  assert.equal(lines.length, 1);
  assert.equal(on.nativeLines, 1);

  const [second, off] = await spied(() => pairSecure({ path: 'app' }));
  t.after(() => second.close());
  const emitted: Buffer[] = [];
  const listener = (l: Buffer): void => {
    emitted.push(l);
  };
  second.a.on('keylog', listener);
  second.a.off('keylog', listener);
  // emit() itself is watched: with no listener a line would still be emitted (and dropped) if forwarded.
  const emit = second.a.emit.bind(second.a);
  second.a.emit = ((event: string, ...args: unknown[]) => {
    if (event === 'keylog') emitted.push(args[0] as Buffer);
    return emit(event as 'close', ...(args as []));
  }) as typeof second.a.emit;
  await second.connect();
  assert.deepEqual(emitted, []);
  assert.equal(off.nativeLines, 0);
  assert.deepEqual(off.setKeylog, [true, false]);
});
