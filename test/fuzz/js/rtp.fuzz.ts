// SPDX-License-Identifier: MIT
// Fuzz target: the TypeScript RTP header reader and RTCP compound iterator
// (`dtls-srtp/rtp`) on arbitrary bytes. Network input: they must never throw.
// Invariants: an accepted RTP header's payload, padding and extension lie
// inside the packet, in order, and its extension elements inside the
// extension body; a reused view reads the same as a fresh one; an RTCP walk
// yields contiguous packets of at least 8 bytes, padding only on the last,
// and either ends at the last byte or says why it stopped.
import { RtcpCompoundIterator, RtpHeaderView, readRtpHeader, rtcpPackets } from '../../../lib/rtp.js';
import { check, type FuzzTarget } from './target.js';

const reused = new RtpHeaderView();
const walk = new RtcpCompoundIterator();

export const target: FuzzTarget = {
  dictionary: ['\xbe\xde', '\x10\x00', '\x80\xc8', '\x80\xc9', '\x81\xca', '\xa0\xcb'],
  fuzz(data) {
    const h = readRtpHeader(data, reused);
    const fresh = readRtpHeader(data);
    check(typeof h === typeof fresh, 'a reused view reads the same as a fresh one');
    if (typeof h !== 'string' && typeof fresh !== 'string') {
      check(h.payloadOffset === fresh.payloadOffset && h.ssrc === fresh.ssrc, 'a reused view reads the same fields');
      check(h.payloadOffset >= 12 + 4 * h.csrcCount, 'the payload starts after the CSRC list');
      check(h.payloadOffset + h.payloadLength + h.paddingLength === data.length, 'payload and padding fill the packet');
      if (h.extension) {
        check(h.extensionOffset === 12 + 4 * h.csrcCount, 'the extension follows the CSRC list');
        check(h.extensionOffset + 4 + h.extensionLength === h.payloadOffset, 'the payload follows the extension');
        let elements = 0;
        while (h.nextExtensionElement()) {
          check(h.elementOffset >= h.extensionOffset + 4, 'an element starts inside the extension body');
          check(h.elementOffset + h.elementLength <= h.payloadOffset, 'an element ends inside the extension body');
          check(++elements <= h.extensionLength, 'the element walk ends');
        }
      }
      for (let i = 0; i < h.csrcCount; i++) check(h.csrc(i) >= 0, 'CSRCs are read inside the packet');
    }
    rtcpPackets(data, walk);
    let end = 0;
    let padded = false;
    while (walk.advance()) {
      const p = walk.packet;
      check(!padded, 'only the last packet is padded');
      check(p.offset === end && p.length >= 8 && p.offset + p.length <= data.length, 'packets are contiguous and inside');
      check(p.paddingLength <= p.length - 4, 'padding stays inside its packet');
      padded = p.padding;
      end = p.offset + p.length;
    }
    check(walk.failure !== null || end === data.length, 'a walk ends at the last byte or says why it stopped');
  },
};
