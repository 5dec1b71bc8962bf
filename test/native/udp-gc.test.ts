// SPDX-License-Identifier: MIT
// Closing a UdpSocket releases its batch callback (and whatever it holds) and
// its routed SRTP sessions while the socket object itself is still
// referenced; an open socket is never collected, a closed and dropped one is.
// In a child `node --expose-gc` so that the test can force collections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const lib = path.join(__dirname, '..', '..', 'lib', 'index.js');

const CHILD = `
const { UdpSocket, SrtpSession } = require(process.env.UDP_LIB);
const collect = async () => { for (let i = 0; i < 6; i++) { global.gc(); await new Promise((r) => setImmediate(r)); } };
(async () => {
  const out = {};
  for (const path of process.platform === 'linux' ? ['native', 'dgram'] : ['dgram']) {
    let held = { big: Buffer.alloc(1 << 20) };
    const callbackRef = new WeakRef(held);
    const key = Buffer.alloc(16, 1), salt = Buffer.alloc(12, 2);
    let session = new SrtpSession({ profile: 'AEAD_AES_128_GCM', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
    const sessionRef = new WeakRef(session);
    const socket = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: ((h) => () => h.big.length)(held) });
    socket.addRoute({ address: '127.0.0.1', port: 9 }, session);
    held = undefined;
    session = undefined;
    await collect();
    // (The native path keeps the session's native context, not the SrtpSession object, for its route.)
    const whileOpen = callbackRef.deref() !== undefined;
    socket.close();
    await collect();
    out[path] = { whileOpen, callbackFreed: callbackRef.deref() === undefined, sessionFreed: sessionRef.deref() === undefined, closed: socket.closed };
    let dropped = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch() {} });
    const droppedRef = new WeakRef(dropped);
    dropped.close();
    dropped = undefined;
    await collect();
    out[path].droppedFreed = droppedRef.deref() === undefined;
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

test('close releases the batch callback and routed sessions; a closed, dropped socket is collected', () => {
  const output = execFileSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8', env: { ...process.env, UDP_LIB: lib } });
  const result = JSON.parse(output) as Record<string, Record<string, boolean>>;
  for (const [path, r] of Object.entries(result)) {
    assert.deepEqual(r, { whileOpen: true, callbackFreed: true, sessionFreed: true, closed: true, droppedFreed: true }, path);
  }
});
