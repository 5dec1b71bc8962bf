// SPDX-License-Identifier: MIT
// The datagram path on its own: address checks, the selected address and its
// admission rule, and the socket / application-path adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  addressFamily,
  addressKey,
  checkPathSource,
  checkTransportAddress,
  openPath,
  RemoteSelection,
  sameAddress,
  type TransportAddress,
  type DatagramReceiver,
  type PathReceiver,
} from '../../lib/datagram-path.js';

const A: Required<TransportAddress> = { address: '192.0.2.7', port: 50000, family: 'IPv4' };
const B: Required<TransportAddress> = { address: '2001:db8::9', port: 50002, family: 'IPv6' };

/** A validator that vouches for the addresses it was given (as the ICE-lite responder does after a check). */
function validator(...ok: Required<TransportAddress>[]): { isValidatedAddress(r: Required<TransportAddress>): boolean; asked: number } {
  return {
    asked: 0,
    isValidatedAddress(r) {
      this.asked++;
      return ok.some((a) => addressKey(a) === addressKey(r));
    },
  };
}

test('checkTransportAddress infers the family from the address and returns a copy', () => {
  const input = { address: '192.0.2.7', port: 50000 };
  const out = checkTransportAddress(input, 'remote');
  assert.deepEqual(out, A);
  assert.notEqual(out, input);
  assert.equal(checkTransportAddress({ address: '::1', port: 1 }, 'remote').family, 'IPv6');
  // An IPv4-mapped IPv6 address is IPv6 text: its family is IPv6.
  assert.equal(checkTransportAddress({ address: '::ffff:192.0.2.7', port: 1 }, 'remote').family, 'IPv6');
  assert.equal(checkTransportAddress({ address: '::1', port: 1, family: 'IPv4' }, 'remote').family, 'IPv4', 'a given family is kept');
});

test('checkTransportAddress rejects malformed addresses with coded errors', () => {
  assert.throws(() => checkTransportAddress(null, 'remote'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkTransportAddress({ address: 7, port: 1 }, 'remote'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkTransportAddress({ address: '::1', port: 0 }, 'remote'), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => checkTransportAddress({ address: '::1', port: 65536 }, 'remote'), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => checkTransportAddress({ address: '::1', port: 1.5 }, 'remote'), RangeError);
  assert.throws(() => checkTransportAddress({ address: '::1', port: 1, family: 'IPv5' }, 'remote'), { code: 'ERR_INVALID_ARG_VALUE' });
  // Host names (and anything else that is not an IP address) never match a datagram's source.
  for (const address of ['localhost', 'example.com', '', '192.0.2', '[::1]', '192.0.2.7:5000']) {
    assert.throws(() => checkTransportAddress({ address, port: 1 }, 'remote'), { code: 'ERR_INVALID_ARG_VALUE' }, address);
  }
  assert.equal(checkTransportAddress({ address: 'fe80::1%eth0', port: 1 }, 'remote').family, 'IPv6', 'a zone index is an IP address');
});

test('checkTransportAddress for any UDP source: port 0 allowed, family required (the ICE-lite responder)', () => {
  const strict = { minPort: 0, familyRequired: true } as const;
  assert.deepEqual(checkTransportAddress({ ...A, port: 0 }, 'remote', strict), { ...A, port: 0 });
  assert.throws(() => checkTransportAddress({ address: A.address, port: A.port }, 'remote', strict), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('addressFamily: only IPv6 is IPv6', () => {
  assert.equal(addressFamily('IPv6'), 'IPv6');
  assert.equal(addressFamily('IPv4'), 'IPv4');
  assert.equal(addressFamily('other'), 'IPv4');
});

test('sameAddress compares address text and port; an IPv4-mapped source is another address', () => {
  assert.equal(sameAddress(A, A.address, A.port), true);
  assert.equal(sameAddress(A, A.address, A.port + 1), false);
  assert.equal(sameAddress(A, '192.0.2.8', A.port), false);
  assert.equal(sameAddress(undefined, A.address, A.port), false);
  assert.equal(sameAddress(A, `::ffff:${A.address}`, A.port), false);
  assert.notEqual(addressKey(A), addressKey({ ...A, family: 'IPv6' }), 'the key includes the family');
});

test('RemoteSelection.select reports each change once, with its own object', () => {
  const changes: Required<TransportAddress>[] = [];
  const selection = new RemoteSelection(undefined, (r) => changes.push(r));
  assert.equal(selection.current, undefined);
  assert.equal(selection.select(A), true);
  assert.equal(selection.select({ ...A }), false, 'the same address again is no change');
  assert.equal(selection.select(B), true);
  assert.deepEqual(changes, [A, B]);
  assert.equal(selection.current, changes[1]);
  assert.equal(selection.isSelected(B.address, B.port), true);
  assert.equal(selection.isSelected(A.address, A.port), false);
});

test('RemoteSelection starts from a known address without reporting it', () => {
  let changes = 0;
  const selection = new RemoteSelection(A, () => changes++);
  assert.equal(selection.isSelected(A.address, A.port), true);
  assert.equal(changes, 0);
});

test('RemoteSelection.admit: with an address selected, only that address, and the validator is not asked', () => {
  const v = validator(B);
  const selection = new RemoteSelection(A, () => undefined);
  assert.equal(selection.admit(A.address, A.port, 'IPv4', v), true);
  assert.equal(selection.admit(B.address, B.port, 'IPv6', v), false, 'validated but not selected');
  assert.equal(v.asked, 0);
  assert.equal(selection.current, A);
});

test('RemoteSelection.admit: with none selected, a validated source is admitted and becomes the selected one', () => {
  const changes: Required<TransportAddress>[] = [];
  const selection = new RemoteSelection(undefined, (r) => changes.push(r));
  const v = validator(B);
  assert.equal(selection.admit(A.address, A.port, 'IPv4', v), false, 'not validated');
  assert.equal(selection.current, undefined);
  assert.equal(selection.admit(B.address, B.port, 'IPv6', v), true);
  assert.deepEqual(changes, [B]);
  // From now on only B: A is refused even if it were validated later.
  assert.equal(selection.admit(A.address, A.port, 'IPv4', validator(A, B)), false);
});

test('RemoteSelection.admit: the validator sees the socket family normalised', () => {
  const seen: Required<TransportAddress>[] = [];
  const selection = new RemoteSelection(undefined, () => undefined);
  selection.admit('192.0.2.7', 1, 'weird', {
    isValidatedAddress: (r) => {
      seen.push(r);
      return false;
    },
  });
  assert.deepEqual(seen, [{ address: '192.0.2.7', port: 1, family: 'IPv4' }]);
});

test('RemoteSelection.admit: without a validator nothing is admitted before a selection', () => {
  const selection = new RemoteSelection(undefined, () => undefined);
  assert.equal(selection.admit(A.address, A.port, 'IPv4', undefined), false);
  assert.equal(selection.current, undefined);
});

test('checkPathSource: exactly one of socket, path and server, each of the right shape', () => {
  const path = { send: () => undefined };
  const socket = new EventEmitter() as EventEmitter & { send: () => void };
  socket.send = () => undefined;
  assert.equal(checkPathSource({ path }).kind, 'path');
  assert.equal(checkPathSource({ socket }).kind, 'socket');
  assert.throws(() => checkPathSource({}), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => checkPathSource({ socket, path }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => checkPathSource({ socket: { send: () => undefined } }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkPathSource({ path: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkPathSource({ path: 7 }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkPathSource({ server: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => checkPathSource({ server: {}, path }), { code: 'ERR_INVALID_ARG_VALUE' });
});

/** A receiver whose datagrams go to `receive`; nothing else is expected of it. */
function receiverOf(receive: DatagramReceiver): PathReceiver {
  return {
    receive,
    receiveMedia: () => assert.fail('no natively unprotected media on this path'),
    isValidated: () => false,
    localUfrag: undefined,
    pathClosed: () => assert.fail('this path never closes by itself'),
  };
}

/** A stand-in for a dgram socket: records sends and lets the test complete them. */
class FakeSocket extends EventEmitter {
  sent: { datagram: Buffer; port: number; address: string; done: (err: Error | null) => void }[] = [];
  send(datagram: Buffer, port: number, address: string, done: (err: Error | null) => void): void {
    this.sent.push({ datagram, port, address, done });
  }
}

test('socket adapter: receives message events, sends to the address, reports asynchronous send errors', () => {
  const socket = new FakeSocket();
  const received: unknown[][] = [];
  let sendErrors = 0;
  const adapter = openPath(
    checkPathSource({ socket: socket }),
    receiverOf((...args) => received.push(args)),
    () => sendErrors++,
  );
  const msg = Buffer.from([1, 2, 3]);
  socket.emit('message', msg, { address: B.address, port: B.port, family: 'IPv6', size: 3 });
  assert.deepEqual(received, [[msg, B.address, B.port, 'IPv6']]);

  adapter.send(Buffer.from([9]), A);
  assert.equal(socket.sent.length, 1);
  assert.equal(socket.sent[0]?.address, A.address);
  assert.equal(socket.sent[0]?.port, A.port);
  socket.sent[0]?.done(null);
  assert.equal(sendErrors, 0);
  socket.sent[0]?.done(new Error('EHOSTUNREACH'));
  assert.equal(sendErrors, 1);

  adapter.detach();
  assert.equal(socket.listenerCount('message'), 0);
  socket.emit('message', msg, { address: B.address, port: B.port, family: 'IPv6', size: 3 });
  assert.equal(received.length, 1, 'nothing is delivered after detach');
  adapter.send(Buffer.from([10]), A);
  assert.equal(socket.sent.length, 2, 'sending still works after detach (close_notify)');
});

test('application path adapter: sends through path.send (as a method), exceptions reach the caller', () => {
  const calls: unknown[] = [];
  const path = {
    fail: false,
    send(datagram: Buffer, remote: Required<TransportAddress>): void {
      if (this.fail) throw new Error('down');
      calls.push([this === path, datagram.length, remote]);
    },
  };
  const adapter = openPath(
    checkPathSource({ path }),
    receiverOf(() => assert.fail('an application path never receives by itself')),
    () => assert.fail('no asynchronous errors'),
  );
  adapter.send(Buffer.alloc(4), B);
  assert.deepEqual(calls, [[true, 4, B]]);
  path.fail = true;
  assert.throws(() => {
    adapter.send(Buffer.alloc(1), B);
  }, /down/);
  adapter.detach();
});
