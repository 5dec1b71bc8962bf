// SPDX-License-Identifier: MIT
// Every DtlsTransport starts from one shared, frozen set of zero native drop
// counters (made once, not per transport) and keeps each set the endpoint
// reports as its own: the counters of one transport never show on another.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DtlsTransport } from '../../lib/index.js';
import { cert } from './pair.js';

test('native drop counters: zero before any datagram, and each transport counts only its own', async () => {
  const certificate = await cert('ecdsa-p256', 0);
  const make = (): DtlsTransport => new DtlsTransport({ certificate, role: 'server', send: () => undefined });
  const a = make();
  const b = make();
  const zero = { malformed: 0, implausibleSequence: 0, helloRequest: 0, oversizedMessage: 0, futureMessage: 0, earlyEpoch: 0 };
  const native = (t: DtlsTransport): typeof zero => {
    const d = t.getStats().dropped;
    return {
      malformed: d.malformed,
      implausibleSequence: d.implausibleSequence,
      helloRequest: d.helloRequest,
      oversizedMessage: d.oversizedMessage,
      futureMessage: d.futureMessage,
      earlyEpoch: d.earlyEpoch,
    };
  };
  assert.deepEqual(native(a), zero);
  void a.start().catch(() => undefined);
  void b.start().catch(() => undefined);
  // A record header announcing more bytes than the datagram holds: malformed.
  a.receive(Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00, 1, 2]));
  assert.equal(a.getStats().dropped.malformed, 1);
  assert.deepEqual(native(b), zero, 'b counts nothing of a');
  const c = make();
  assert.deepEqual(native(c), zero, 'a transport made later starts from zero');
  a.receive(Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 1, 2]));
  a.close();
  assert.equal(a.getStats().dropped.malformed, 2, 'the final figures after close()');
  assert.deepEqual(native(b), zero);
  b.close();
  c.close();
});
