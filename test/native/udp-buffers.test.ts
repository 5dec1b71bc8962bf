// SPDX-License-Identifier: MIT
// UdpSocket's socket buffer options (SO_RCVBUF / SO_SNDBUF) and the kernel's
// drop count for a full receive buffer (`receiveDropped`, native path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpSocket, type UdpSocketPath } from '../../lib/index.js';

const PATHS: readonly UdpSocketPath[] = process.platform === 'linux' ? ['native', 'dgram'] : ['dgram'];

test('receiveBufferSize and sendBufferSize are validated', async () => {
  const onBatch = (): void => undefined;
  await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', receiveBufferSize: 0, onBatch }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', sendBufferSize: 2 ** 30 + 1, onBatch }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', receiveBufferSize: 1.5, onBatch }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', sendBufferSize: '1' as unknown as number, onBatch }), {
    code: 'ERR_INVALID_ARG_TYPE',
  });
});

for (const path of PATHS) {
  test(`${path}: a small receive buffer overflows; the native path counts the kernel's drops in receiveDropped`, async (t) => {
    let received = 0;
    const rx = await UdpSocket.bind({
      type: 'udp4',
      address: '127.0.0.1',
      path,
      receiveBufferSize: 4096, // the kernel doubles it: room for a few 1000-byte datagrams
      onBatch(batch) {
        received += batch.count;
      },
    });
    const tx = await UdpSocket.bind({ type: 'udp4', address: '127.0.0.1', path, sendBufferSize: 1 << 20, onBatch: () => {} });
    t.after(() => {
      rx.close();
      tx.close();
    });
    const to = { address: '127.0.0.1', port: rx.address().port };
    // All in one turn of the loop: nothing reads rx meanwhile.
    const packets = Array.from({ length: 64 }, () => Buffer.alloc(1000, 7));
    const accepted = tx.sendBatch(packets, to);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stats = rx.getStats();
    assert.ok(received < 64, `the buffer held ${received} of 64`);
    if (path === 'native') {
      assert.equal(accepted, 64);
      assert.equal(stats.receiveDropped, 64 - received);
    } else {
      assert.equal(stats.receiveDropped, 0, 'node:dgram cannot see the drops');
    }
  });
}
