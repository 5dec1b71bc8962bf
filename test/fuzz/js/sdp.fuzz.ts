// SPDX-License-Identifier: MIT
// Fuzz target: parseRemoteDescription on arbitrary text (an offer from
// signalling), then buildLiteAnswer for what parses. Bad input is a typed
// rejection (ERR_SDP_*); anything else thrown is a finding.
import { buildLiteAnswer, parseRemoteDescription, type LiteAnswerOptions } from '../../../lib/sdp.js';
import { expectTyped, type FuzzTarget } from './target.js';

const SHA256 = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
const OPTIONS: LiteAnswerOptions = {
  iceUfrag: 'fuzz',
  icePwd: 'fuzzPasswordOf22Charsx',
  fingerprints: [{ algorithm: 'sha-256', value: SHA256 }],
  candidate: { address: '192.0.2.1', port: 40000 },
  rtx: true,
  sessionId: '1',
};

export const target: FuzzTarget = {
  dictionary: [
    'v=0\r\n',
    'o=- 1 1 IN IP4 0.0.0.0\r\n',
    's=-\r\nt=0 0\r\n',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n',
    'c=IN IP4 0.0.0.0\r\n',
    'a=mid:0\r\n',
    'a=group:BUNDLE 0 1\r\n',
    'a=ice-ufrag:abcd\r\n',
    'a=ice-pwd:abcdefghijklmnopqrstuv\r\n',
    'a=ice-lite\r\n',
    `a=fingerprint:sha-256 ${SHA256}\r\n`,
    'a=setup:actpass\r\n',
    'a=rtpmap:111 opus/48000/2\r\n',
    'a=rtpmap:96 VP8/90000\r\n',
    'a=rtpmap:97 rtx/90000\r\n',
    'a=fmtp:97 apt=96\r\n',
    'a=rtcp-fb:96 nack pli\r\n',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n',
    'a=sendrecv\r\n',
    'a=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host\r\n',
    'a=rtcp-mux\r\n',
    'a=ssrc:1 cname:x\r\n',
  ],
  fuzz(data) {
    const text = data.toString('utf8');
    expectTyped(() => {
      const offer = parseRemoteDescription(text);
      buildLiteAnswer(offer, OPTIONS);
    });
  },
};
