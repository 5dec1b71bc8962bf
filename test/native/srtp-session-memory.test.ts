// SPDX-License-Identifier: MIT
// Memory per SrtpSession (issue 9): the getStats() scratch and the empty
// batch scratch arrays are shared by the sessions of a thread, not made for
// each. Sessions' stats and batches stay their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import { type SrtpSession } from '../../lib/index.js';
import { pair, rtp } from '../fixtures/srtp-helpers.js';

function live(ctor: Float64ArrayConstructor | Int32ArrayConstructor): number {
  return v8.queryObjects(ctor) as number;
}

test('SrtpSession: no typed array per session up front; stats and batch scratch stay per session', () => {
  pair('AEAD_AES_128_GCM'); // the module's shared arrays exist before counting
  const floats = live(Float64Array);
  const ints = live(Int32Array);
  const sessions: SrtpSession[] = [];
  for (let i = 0; i < 8; i++) {
    const { a, b } = pair('AEAD_AES_128_GCM');
    sessions.push(a, b);
  }
  assert.equal(live(Float64Array) - floats, 0);
  assert.equal(live(Int32Array) - ints, 0);

  // Two sessions' stats, read alternately, are each their own.
  const [a, b, c, d] = sessions as [SrtpSession, SrtpSession, SrtpSession, SrtpSession];
  b.unprotectRtp(a.protectRtp(rtp({ seq: 1 })));
  b.unprotectRtp(a.protectRtp(rtp({ seq: 2 })));
  d.unprotectRtp(c.protectRtp(rtp({ seq: 1 })));
  assert.equal(a.getStats().rtpPacketsProtected, 2);
  assert.equal(c.getStats().rtpPacketsProtected, 1);
  assert.equal(b.getStats().rtpPacketsUnprotected, 2);
  assert.equal(d.getStats().rtpPacketsUnprotected, 1);
  assert.equal(a.getStats().rtpPacketsProtected, 2);
  assert.equal(c.getStats().rtpPacketsUnprotected, 0);

  // Batches of different sizes on two sessions: each grows its own scratch.
  const big = a.protectRtpBatch([rtp({ seq: 3 }), rtp({ seq: 4 }), rtp({ seq: 5 })]);
  const small = c.protectRtpBatch([rtp({ seq: 2 })]);
  assert.deepEqual(
    b.unprotectRtpBatch(big.map((r) => (r.ok ? r.packet : Buffer.alloc(0)))).map((r) => r.ok),
    [true, true, true],
  );
  assert.deepEqual(
    d.unprotectRtpBatch(small.map((r) => (r.ok ? r.packet : Buffer.alloc(0)))).map((r) => r.ok),
    [true],
  );
  assert.deepEqual(a.protectRtpBatch([]), []);
  assert.equal(b.getStats().rtpPacketsUnprotected, 5);
  for (const s of sessions) s.close();
});
