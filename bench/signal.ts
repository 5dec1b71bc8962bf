// SPDX-License-Identifier: MIT
/**
 * Throughput of the pure-TypeScript signalling paths an SFU runs per datagram
 * or per session: demux, STUN parse + verify, ICE-lite check handling, SDP
 * parse + answer. No anchor: these are our own figures, for regressions.
 * Run: `npm run bench:signal` (add `--quick` for a few-second run).
 */
import { randomBytes } from 'node:crypto';
import { classifyDatagram } from '../lib/index.js';
import {
  parseStunMessage,
  serializeStunMessage,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../lib/entry/stun.js';
import { buildLiteAnswer, parseRemoteDescription } from '../lib/entry/sdp.js';
import { IceLiteResponder } from '../lib/entry/ice.js';
import { chromiumOffer } from './fixtures/chromium-offer.js';
import { runDirectly, type BenchOptions, type BenchRow } from './report.js';

/** Operations per second of `fn` over `iterations` calls, after a warm-up. */
function measure(iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  return (iterations * 1e9) / ns;
}

export async function run(options: BenchOptions = {}): Promise<BenchRow[]> {
  const scale = options.quick === true ? 0.02 : 1;
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
  const offer = parseRemoteDescription(chromiumOffer);
  const fp = { algorithm: 'sha-256', value: Array<string>(32).fill('AB').join(':') };

  const cases: [string, number, (i: number) => void][] = [
    ['classifyDatagram (RTP, 1200 B)', 5_000_000, () => classifyDatagram(rtp)],
    ['parseStunMessage (Binding request)', 500_000, () => parseStunMessage(request)],
    ['parse + verify FINGERPRINT + INTEGRITY', 200_000, () => {
      const m = parseStunMessage(request);
      if (m === null || !verifyFingerprint(m) || !verifyMessageIntegrity(m, PWD)) throw new Error('bad STUN request');
    }],
    ['IceLiteResponder.handle (valid check)', 100_000, () => {
      if (ice.handle(request, remote).action !== 'success') throw new Error('check not answered');
    }],
    ['parseRemoteDescription (Chromium offer)', 5_000, () => parseRemoteDescription(chromiumOffer)],
    ['buildLiteAnswer', 5_000, () =>
      buildLiteAnswer(offer, { iceUfrag: 'srvU', icePwd: PWD, fingerprints: [fp], candidate: { address: '127.0.0.1', port: 40000 } }),
    ],
  ];
  const rows: BenchRow[] = [];
  for (const [name, iterations, fn] of cases) {
    options.progress?.(`signal: ${name}`);
    rows.push({ suite: 'signal', case: name, metric: 'ops/s', ours: measure(Math.max(100, Math.round(iterations * scale)), fn) });
  }
  return rows;
}

if (require.main === module) runDirectly('bench:signal — signalling paths, operations/s', run);
