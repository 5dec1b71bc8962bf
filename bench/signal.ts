// SPDX-License-Identifier: MIT
/**
 * Throughput of the pure-TypeScript signalling paths an SFU runs per datagram
 * or per session: demux, STUN parse + verify, ICE-lite check handling, SDP
 * parse + answer. Run: `npm run bench:signal`.
 */
import { randomBytes } from 'node:crypto';
import {
  IceLiteResponder,
  buildLiteAnswer,
  classifyDatagram,
  parseRemoteDescription,
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../lib/index.js';
import { chromiumOffer } from '../test/fixtures/chromium-offer.js';

function measure(name: string, iterations: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  const perOp = ns / iterations;
  console.log(`${name.padEnd(40)} ${(1e9 / perOp).toFixed(0).padStart(10)} ops/s  ${(perOp / 1000).toFixed(2).padStart(8)} µs/op`);
}

const PWD = 'serverPasswordOf22Chars';
const ice = new IceLiteResponder({ ufrag: 'srvU', pwd: PWD, remoteUfrag: 'Wq3o' });
const remote = { address: '192.0.2.10', port: 50000, family: 'IPv4' as const };
const request = serializeStunMessage(
  {
    messageClass: 'request',
    transactionId: randomBytes(12),
    attributes: [
      { type: 'username', value: 'srvU:Wq3o' },
      { type: 'ice-controlling', value: 1n },
      { type: 'priority', value: 1853824767 },
      { type: 'use-candidate' },
    ],
  },
  { integrityKey: PWD },
);
const rtp = Buffer.alloc(1200);
rtp[0] = 0x80;
rtp[1] = 96;

measure('classifyDatagram (RTP, 1200 B)', 5_000_000, () => classifyDatagram(rtp));
measure('parseStunMessage (Binding request)', 500_000, () => parseStunMessage(request));
measure('parse + verify FINGERPRINT + INTEGRITY', 200_000, () => {
  const m = parseStunMessage(request);
  if (m === null || !verifyFingerprint(m) || !verifyMessageIntegrity(m, PWD)) throw new Error('bad');
});
measure('IceLiteResponder.handle (valid check)', 100_000, () => {
  if (ice.handle(request, remote).action !== 'success') throw new Error('bad');
});
measure('parseRemoteDescription (Chromium offer)', 5_000, () => parseRemoteDescription(chromiumOffer));
const offer = parseRemoteDescription(chromiumOffer);
const fp = { algorithm: 'sha-256', value: Array<string>(32).fill('AB').join(':') };
measure('buildLiteAnswer', 5_000, () =>
  buildLiteAnswer(offer, { iceUfrag: 'srvU', icePwd: PWD, fingerprints: [fp], candidate: { address: '127.0.0.1', port: 40000 } }),
);
