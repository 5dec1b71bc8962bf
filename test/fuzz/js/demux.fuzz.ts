// SPDX-License-Identifier: MIT
// Fuzz target: the RFC 7983 demultiplexer on arbitrary datagrams. Network
// input: it must never throw, and its answer depends on the first bytes only.
import { classifyDatagram, isRtcpPacket } from '../../../lib/demux.js';
import { check, type FuzzTarget } from './target.js';

const KINDS = new Set(['stun', 'zrtp', 'dtls', 'turn-channel', 'rtp', 'rtcp', 'unknown']);

export const target: FuzzTarget = {
  dictionary: [],
  fuzz(data) {
    const kind = classifyDatagram(data);
    check(KINDS.has(kind), `unknown kind ${kind}`);
    const rtcp = isRtcpPacket(data);
    if (kind === 'rtp' || kind === 'rtcp') check(rtcp === (kind === 'rtcp'), 'isRtcpPacket agrees with classifyDatagram');
    // Only the first two bytes decide.
    if (data.length > 2) check(classifyDatagram(data.subarray(0, 2)) === kind, 'kind depends on the first two bytes');
  },
};
