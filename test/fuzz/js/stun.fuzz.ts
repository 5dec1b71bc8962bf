// SPDX-License-Identifier: MIT
// Fuzz target: the STUN parser and the ICE-lite responder on arbitrary
// datagrams. Network input: neither may throw. A parsed message must survive
// the integrity and fingerprint checks, and a message the parser accepts must
// have passed isStunMessage.
import { isStunMessage, parseStunMessage, verifyFingerprint, verifyMessageIntegrity } from '../../../lib/stun.js';
import { IceLiteResponder } from '../../../lib/ice-lite.js';
import { check, type FuzzTarget } from './target.js';

const responder = new IceLiteResponder({ ufrag: 'fuzz', pwd: 'fuzzPasswordOf22Charsx', remoteUfrag: 'peer' });
const remote = { address: '192.0.2.1', port: 5000, family: 'IPv4' as const };

export const target: FuzzTarget = {
  dictionary: [
    '\x21\x12\xa4\x42', // magic cookie
    '\x00\x01', // Binding request
    '\x00\x06', // USERNAME
    '\x00\x08\x00\x14', // MESSAGE-INTEGRITY, 20 bytes
    '\x80\x28\x00\x04', // FINGERPRINT, 4 bytes
    '\x00\x24\x00\x04', // PRIORITY
    '\x00\x25\x00\x00', // USE-CANDIDATE
    '\x80\x29\x00\x08', // ICE-CONTROLLED
    '\x80\x2a\x00\x08', // ICE-CONTROLLING
    '\x00\x20', // XOR-MAPPED-ADDRESS
    '\x00\x09', // ERROR-CODE
    'fuzz:peer',
  ],
  fuzz(data) {
    const message = parseStunMessage(data);
    if (message !== null) {
      check(isStunMessage(data), 'parsed only what isStunMessage accepts');
      verifyFingerprint(message);
      verifyMessageIntegrity(message, 'fuzzPasswordOf22Charsx');
    }
    const result = responder.handle(data, remote);
    check(['success', 'error', 'drop'].includes(result.action), `unexpected action ${result.action}`);
  },
};
