// SPDX-License-Identifier: MIT
// UdpSocket.sendRtpBatch / sendRtcpBatch with a layout entry outside the
// buffer, on both paths: a RangeError (ERR_OUT_OF_RANGE) that names the
// entry, nothing protected or sent, `results` untouched; and the layout's
// error comes before a destination's. (On the native path the entries are
// checked by the native call, and walked in TypeScript only to name one.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpSession, UdpSocket, type UdpSocketPath } from '../../lib/index.js';
import { randomKeys, rtcp, rtp } from '../fixtures/srtp-helpers.js';

const PATHS: readonly UdpSocketPath[] = process.platform === 'linux' ? ['native', 'dgram'] : ['dgram'];

for (const path of PATHS) {
  for (const kind of ['rtp', 'rtcp'] as const) {
    test(`${path}: send${kind === 'rtp' ? 'Rtp' : 'Rtcp'}Batch refuses a layout entry outside the buffer, names it, and sends nothing`, async (t) => {
      const profile = 'AEAD_AES_128_GCM';
      const keys = randomKeys(profile);
      const session = new SrtpSession({ profile, localKey: keys.aKey, localSalt: keys.aSalt, remoteKey: keys.bKey, remoteSalt: keys.bSalt });
      const socket = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, onBatch: () => {} });
      t.after(() => {
        socket.close();
        session.close();
      });
      const packet = kind === 'rtp' ? rtp({ seq: 1 }) : rtcp({ ssrc: 1 });
      const buffer = Buffer.alloc(512);
      packet.copy(buffer, 0);
      packet.copy(buffer, 256);
      const plain = Buffer.from(buffer);
      const send = (layout: Int32Array, results: Int32Array, to: unknown = { address: '127.0.0.1', port: 9 }): number =>
        kind === 'rtp'
          ? socket.sendRtpBatch(session, buffer, layout, to as { address: string; port: number }, results)
          : socket.sendRtcpBatch(session, buffer, layout, to as { address: string; port: number }, results);
      // The second entry's capacity runs past the end of the buffer.
      const bad = Int32Array.from([0, packet.length, 256, 256, packet.length, 257]);
      const results = Int32Array.from([7, 7]);
      assert.throws(() => send(bad, results), (err: Error & { code?: string }) => {
        assert.ok(err instanceof RangeError);
        assert.equal(err.code, 'ERR_OUT_OF_RANGE');
        assert.match(err.message, /layout\[3\.\.5\]/);
        assert.match(err.message, /256,\d+,257/);
        return true;
      });
      assert.deepEqual([...results], [7, 7], 'results untouched');
      assert.ok(buffer.equals(plain), 'nothing protected');
      assert.equal(socket.getStats().datagramsSent, 0);
      // A negative offset, with a bad destination too: the layout is named first.
      assert.throws(() => send(Int32Array.from([-8, packet.length, 256]), results, { address: 'not an address', port: 9 }), /layout\[0\.\.2\]/);
      // A bad destination alone is named as before.
      assert.throws(() => send(Int32Array.from([0, packet.length, 256]), results, { address: 'not an address', port: 9 }), /destination\.address/);
      assert.deepEqual([...results], [7, 7]);
      // And a good call still sends.
      assert.equal(send(Int32Array.from([0, packet.length, 256]), results), 1);
      assert.ok((results[0] as number) > packet.length);
    });
  }
}
