// SPDX-License-Identifier: MIT
// A second, independent DTLS implementation (werift-dtls, pure TypeScript)
// in both roles, wired in memory.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacket, SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { Certificate, DtlsTransport, type SrtpProfile } from '../../lib/index.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { werift, weriftDtls, type WeriftSocket } from '../fixtures/werift.js';

const PROFILES: { profile: SrtpProfile; id: 1 | 7; length: number }[] = [
  { profile: 'AES_CM_128_HMAC_SHA1_80', id: 1, length: 60 },
  { profile: 'AEAD_AES_128_GCM', id: 7, length: 56 },
];

interface Wired {
  ours: DtlsTransport;
  theirs: WeriftSocket;
  theirsCertificate: Certificate;
  received: Buffer[];
}

export async function wireWerift(role: 'client' | 'server', profile: SrtpProfile, id: 1 | 7): Promise<Wired> {
  const ours = await Certificate.generate();
  const theirsCertificate = await Certificate.generate();
  const received: Buffer[] = [];
  let oursTransport!: DtlsTransport;
  const { socket: theirs, deliver } = weriftDtls(theirsCertificate, role === 'client' ? 'server' : 'client', id, (copy) => {
    setImmediate(() => {
      if (!oursTransport.closed) oursTransport.receive(copy);
    });
  });
  theirs.onData.subscribe((d: Buffer) => received.push(d));
  oursTransport = new DtlsTransport({
    certificate: ours,
    role,
    remoteFingerprints: theirsCertificate.getFingerprints(),
    srtpProfiles: [profile],
    send: (d) => setImmediate(() => deliver(d)),
  });
  return { ours: oursTransport, theirs, theirsCertificate, received };
}

async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

describe('werift-dtls', () => {
  for (const role of ['client', 'server'] as const) {
    for (const { profile, id, length } of PROFILES) {
      test(`we are the ${role}, werift the ${role === 'client' ? 'server' : 'client'}: ${profile}`, async () => {
        const w = await wireWerift(role, profile, id);
        const connected = w.ours.start();
        if (w.theirs instanceof werift.DtlsClient) void w.theirs.connect();
        await connected;
        await waitUntil(() => w.theirs.connected);
        assert.equal(w.ours.srtpProfile, profile);
        assert.equal(w.ours.cipherSuite, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
        assert.deepEqual(
          w.ours.exportKeyingMaterial('EXTRACTOR-dtls_srtp', length),
          w.theirs.exportKeyingMaterial('EXTRACTOR-dtls_srtp', length),
        );
        assert.deepEqual(w.ours.getRemoteCertificate(), w.theirsCertificate.der);
        // Application data both ways.
        w.ours.send(Buffer.from('to werift'));
        await waitUntil(() => w.received.length > 0);
        assert.equal(w.received[0]?.toString(), 'to werift');
        const got = new Promise<Buffer>((resolve) => w.ours.once('data', resolve));
        await w.theirs.send(Buffer.from('from werift'));
        assert.equal((await got).toString(), 'from werift');
        // SRTP cross-decrypts: ours keyed natively, werift-rtp keyed from werift-dtls's export.
        const [keyLength, saltLength] = profile === 'AEAD_AES_128_GCM' ? [16, 12] : [16, 14];
        const keys = w.theirs.extractSessionKeys(keyLength, saltLength);
        const theirSrtp = new WeriftSrtpSession({
          keys: {
            localMasterKey: keys.localKey,
            localMasterSalt: keys.localSalt,
            remoteMasterKey: keys.remoteKey,
            remoteMasterSalt: keys.remoteSalt,
          },
          profile: id,
        });
        const ourSrtp = w.ours.createSrtpSession();
        const packet = rtp({ seq: 100, ssrc: 0xcafe, payloadLength: 200 });
        assert.deepEqual(Buffer.from(theirSrtp.decrypt(ourSrtp.protectRtp(packet))), packet);
        const parsed = RtpPacket.deSerialize(rtp({ seq: 5, ssrc: 0xbeef, payloadLength: 80 }));
        assert.deepEqual(ourSrtp.unprotectRtp(theirSrtp.encrypt(parsed.payload, parsed.header)), parsed.serialize());
        w.ours.close();
        assert.equal(ourSrtp.closed, true);
        w.theirs.close();
      });
    }
  }
});
