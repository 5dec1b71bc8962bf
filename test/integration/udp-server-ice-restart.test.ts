// SPDX-License-Identifier: MIT
/**
 * ICE restart of a transport on a shared UdpServer port: during the restart
 * the server routes the transport's checks by its old and by its new ufrag,
 * a ufrag another transport uses is refused, the old ufrag is freed once a
 * check with the new credentials succeeded; media that the peer sends from
 * its new address before nominating it, and late media on the old address
 * after the move, reach the transport (natively unprotected) — nothing is lost.
 * No timing: waits are for counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DtlsSrtpTransport, UdpServer } from '../../lib/index.js';
import { serializeStunMessage, type StunAttributeInit } from '../../lib/entry/stun.js';
import { cert, keepAlive } from './pair.js';
import { rtp } from '../fixtures/srtp-helpers.js';
import { sendFrom, udp, until } from '../fixtures/shared-port.js';

const LOCALHOST = '127.0.0.1';
const PWD = 'serverPasswordOf22Chars';
const PWD2 = 'secondPasswordOf22Char';

function check(username: string, pwd: string, useCandidate = false): Buffer {
  const attributes: StunAttributeInit[] = [
    { type: 'username', value: username },
    { type: 'ice-controlling', value: 1n },
    { type: 'priority', value: 1853824767 },
  ];
  if (useCandidate) attributes.push({ type: 'use-candidate' });
  return serializeStunMessage({ messageClass: 'request', transactionId: randomBytes(12), attributes }, { integrityKey: pwd });
}

for (const path of ['native', 'dgram'] as const) {
  test(`UdpServer (${path}) during an ICE restart: old and new ufrag routed, collisions refused, old ufrag freed after the switch, media from the new address before its nomination and late media on the old one delivered`, { skip: path === 'native' && process.platform !== 'linux' ? 'no native UDP here' : false }, async (t) => {
    const release = keepAlive();
    t.after(release);
    const [serverCert, clientCert] = await Promise.all([cert('ecdsa-p256', 0), cert('ecdsa-p256', 1)]);
    const shared = await UdpServer.bind({ type: 'udp4', address: LOCALHOST, path });
    assert.equal(shared.path, path);
    t.after(() => shared.close());
    const port = { address: LOCALHOST, port: shared.address().port };

    const a = new DtlsSrtpTransport({
      certificate: serverCert,
      role: 'server',
      remoteFingerprints: clientCert.getFingerprints(),
      server: shared,
      iceLite: { ufrag: 'srvA', pwd: PWD, remoteUfrag: 'cliA' },
    });
    const b = new DtlsSrtpTransport({ certificate: serverCert, role: 'server', server: shared, iceLite: { ufrag: 'srvB', pwd: PWD } });
    t.after(() => a.close());
    t.after(() => b.close());
    const seqs: number[] = [];
    a.on('mediabatch', (batch, start, end) => {
      for (let i = start; i < end; i++) if (batch.kind(i) === 'rtp') seqs.push(batch.sequenceNumber(i));
    });

    // The peer: one DTLS-SRTP client whose datagrams leave from whichever socket is current (its ICE path).
    const oldSocket = await udp();
    const newSocket = await udp();
    const third = await udp();
    t.after(() => [oldSocket, newSocket, third].forEach((s) => s.close()));
    let current = oldSocket;
    const client = new DtlsSrtpTransport({
      certificate: clientCert,
      role: 'client',
      remoteFingerprints: serverCert.getFingerprints(),
      remoteAddress: port,
      onStun: () => undefined,
      path: { send: (d, to) => current.send(d, to.port, to.address) },
    });
    t.after(() => client.close());
    for (const s of [oldSocket, newSocket]) s.on('message', (msg, rinfo) => !client.closed && client.receive(msg, rinfo));

    await sendFrom(oldSocket, check('srvA:cliA', PWD, true), port);
    await Promise.all([a.start(), client.start()]);
    client.sendRtp(rtp({ seq: 1 }));
    await until(() => seqs.length === 1, 'media before the restart');

    // A ufrag that B routes by is refused, and nothing changed.
    assert.throws(() => a.restartIce({ ufrag: 'srvB' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.equal(a.iceLite?.restarting, false);
    const local = a.restartIce({ ufrag: 'srvA2', pwd: PWD2, remoteUfrag: 'cliA2' });
    assert.deepEqual(local, { usernameFragment: 'srvA2', password: PWD2, iceLite: true });

    // During the restart both ufrags reach A, from any source.
    await sendFrom(oldSocket, check('srvA:cliA', PWD), port);
    await until(() => a.getStats().ice?.previousCredentialChecks === 1, 'an old-credential check answered');
    await sendFrom(newSocket, check('srvA2:cliA2', PWD2), port);
    await until(() => a.getStats().ice?.restartsCompleted === 1, 'the first new-credential check');
    assert.equal(b.getStats().packetsReceived, 0, 'B saw none of it');

    // Switched: the old ufrag is freed at the server (a check naming it is an unknown ufrag there)...
    const unknownUfrag = shared.getStats().unknownUfrag;
    await sendFrom(third, check('srvA:cliA', PWD), port);
    await until(() => shared.getStats().unknownUfrag === unknownUfrag + 1, 'the old ufrag unknown');
    // ...and free for another transport.
    assert.equal(b.restartIce({ ufrag: 'srvA' }).usernameFragment, 'srvA');
    // A check with the old credentials on the old path (still routed there) is dropped as retired.
    await sendFrom(oldSocket, check('srvA:cliA', PWD), port);
    await until(() => a.getStats().ice?.dropped['retired-credentials'] === 1, 'a retired-credential check dropped');

    // The peer sends media on the new pair before nominating it: delivered, not lost.
    current = newSocket;
    client.sendRtp(rtp({ seq: 2 }));
    await until(() => seqs.length === 2, 'media from the validated, unnominated new address');
    assert.equal(a.remoteAddress?.port, oldSocket.address().port, 'not selected by media');
    // Nomination moves the path; a late packet on the old path still arrives until media comes on the new one.
    await sendFrom(newSocket, check('srvA2:cliA2', PWD2, true), port);
    await until(() => a.remoteAddress?.port === newSocket.address().port, 'the path moved');
    current = oldSocket;
    client.sendRtp(rtp({ seq: 3 }));
    await until(() => seqs.length === 3, 'late media on the old path');
    current = newSocket;
    client.sendRtp(rtp({ seq: 4 }));
    await until(() => seqs.length === 4, 'media on the new path');
    // Now the old route is gone: its media is no longer unprotected for A, which drops it as unselected.
    const unselected = a.getStats().droppedDatagrams['unselected-address'];
    current = oldSocket;
    client.sendRtp(rtp({ seq: 5 }));
    await until(() => a.getStats().droppedDatagrams['unselected-address'] === unselected + 1, 'old route retired');
    assert.deepEqual(seqs, [1, 2, 3, 4]);
    assert.equal(a.iceState, 'connected');
    assert.equal(a.state, 'connected');
    assert.equal(shared.getStats().socket.srtpDropped, 0);
  });
}
