// SPDX-License-Identifier: MIT
/**
 * A transport on its own path (no UdpServer) takes media from a source that
 * passed an authenticated ICE check before the peer nominates it — a browser
 * sends on its new pair during an ICE restart before nominating it — and
 * closes the path it moved away from once media arrives on the new one, as a
 * UdpServer's routes do. A source that never passed a check stays a stranger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type TransportAddress } from '../../lib/index.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { ICE, iceCheck, iceLitePair, PEER as OLD, settle } from '../fixtures/ice-lite.js';

const NEW = { address: '127.0.0.1', port: 6001 };
const STRANGER = { address: '127.0.0.1', port: 6666 };

function check(useCandidate: boolean): Buffer {
  return iceCheck(ICE, { useCandidate });
}

test('media from a validated, not yet nominated source is delivered; the old path closes to media once the new one carries it', async (t) => {
  let peerAt: TransportAddress = OLD;
  const { lite: server, peer } = await iceLitePair({ peerAt: () => peerAt });
  t.after(() => {
    server.close();
    peer.close();
  });
  server.receive(check(true), OLD);
  await Promise.all([server.start(), peer.start()]);
  const got: number[] = [];
  server.on('rtp', (p) => got.push(p.readUInt16BE(2)));
  const unselected = (): number => server.getStats().droppedDatagrams['unselected-address'];
  const send = async (seq: number, from: TransportAddress): Promise<void> => {
    peerAt = from;
    peer.sendRtp(rtp({ seq }));
    await settle();
  };

  await send(1, OLD);
  // A source that never passed a check is a stranger.
  await send(2, STRANGER);
  assert.equal(unselected(), 1);
  // The new pair is checked (not nominated): its media is taken, the path stays.
  server.receive(check(false), NEW);
  await send(3, NEW);
  assert.deepEqual(server.remoteAddress, { ...OLD, family: 'IPv4' });
  await send(4, OLD);
  // Nominated: the old path still takes late media until media arrives on the new one.
  server.receive(check(true), NEW);
  assert.deepEqual(server.remoteAddress, { ...NEW, family: 'IPv4' });
  await send(5, OLD);
  // A forged packet "from" the new path authenticates nothing and closes nothing.
  server.receive(Buffer.concat([rtp({ seq: 99 }).subarray(0, 12), Buffer.alloc(40, 7)]), NEW);
  await send(8, OLD);
  await send(6, NEW);
  await send(7, OLD);
  assert.deepEqual(got, [1, 3, 4, 5, 8, 6]);
  assert.equal(unselected(), 2);
  // Only the forged packet failed to authenticate.
  assert.equal(Object.values(server.getStats().srtpFailures).reduce((x, y) => x + y, 0), 1);
});
