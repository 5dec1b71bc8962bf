// SPDX-License-Identifier: MIT
/**
 * The signalling pieces against a real browser: Debian's Chromium (headless,
 * driven by playwright-core, loopback only) creates an offer; we parse it,
 * answer as an ICE-lite server and answer its STUN checks on a UDP socket.
 * Asserts that Chromium accepts the answer, that ICE connects through
 * IceLiteResponder, that the nominated address is selected, and that Chromium
 * then starts DTLS as the client, as our a=setup:passive says.
 * Skipped when Chromium is not installed (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { classifyDatagram, selectDtlsRole } from '../../lib/index.js';
import { buildLiteAnswer, parseRemoteDescription } from '../../lib/entry/sdp.js';
import { IceLiteResponder, type IceRemoteAddress } from '../../lib/entry/ice.js';
import { chromiumSkip, launchChromium } from './chromium.js';

test('Chromium accepts our ICE-lite answer, connects ICE through IceLiteResponder and starts DTLS as client', {
  skip: chromiumSkip,
  timeout: 60_000,
}, async (t) => {
  // playwright-core gives Chromium a process group and a temporary profile of its
  // own, and on close waits for the browser to exit before removing the profile
  // (logging, not throwing, if that fails). Removing a profile ourselves raced
  // Chromium's child processes still writing into it (ENOTEMPTY in CI).
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const socket = dgram.createSocket('udp4');
  t.after(() => socket.close());
  const evaluate = <T>(expression: string): Promise<T> => page.evaluate<T>(expression);

  const offerSdp = await evaluate<string>(`(async () => {
    const pc = new RTCPeerConnection();
    window.pc = pc;
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.addTransceiver('video', { direction: 'sendrecv' });
    pc.createDataChannel('unused');
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  })()`);
  const offer = parseRemoteDescription(offerSdp);
  assert.equal(offer.setup, 'actpass');
  assert.equal(offer.media.find((m) => m.kind === 'audio')?.codecs.some((c) => c.name === 'opus'), true);
  assert.equal(offer.media.find((m) => m.kind === 'video')?.codecs.some((c) => c.name === 'VP8'), true);

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
  const dtlsFrom: IceRemoteAddress[] = [];
  const otherKinds: string[] = [];
  const events: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const kind = classifyDatagram(msg);
    const remote: IceRemoteAddress = { address: rinfo.address, port: rinfo.port, family: rinfo.family };
    if (kind === 'stun') {
      const r = ice.handle(msg, remote);
      events.push(r.action === 'success' ? (r.nominated ? 'nominating-check' : 'check') : r.action);
      if (r.action !== 'drop') socket.send(r.response, r.remote.port, r.remote.address);
    } else if (kind === 'dtls') {
      events.push('dtls');
      // Whatever the order, DTLS only ever comes from an address that passed a check.
      assert.equal(ice.isValidatedAddress(remote), true);
      dtlsFrom.push(remote);
    } else {
      otherKinds.push(kind);
    }
  });

  const answer = buildLiteAnswer(offer, {
    iceUfrag: ice.localParameters.usernameFragment,
    icePwd: ice.localParameters.password,
    // Any well-formed fingerprint: this test stops before the certificate is checked.
    fingerprints: [{ algorithm: 'sha-256', value: Array<string>(32).fill('AB').join(':') }],
    candidate: { address: '127.0.0.1', port: socket.address().port },
  });
  const answerSetupValue = parseRemoteDescription(answer).setup;
  assert.equal(selectDtlsRole({ localSetup: answerSetupValue, remoteSetup: offer.setup, isOfferer: false }), 'server');

  const accepted = await evaluate<string>(
    `pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(answer)} }).then(() => 'ok', (e) => e.name + ': ' + e.message)`,
  );
  assert.equal(accepted, 'ok');
  // Wait (bounded) for ICE to connect and for the first DTLS flight.
  const state = await evaluate<string>(`new Promise((resolve) => {
    const t0 = Date.now();
    const poll = () => {
      const s = pc.iceConnectionState;
      if (s === 'connected' || s === 'completed' || s === 'failed' || Date.now() - t0 > 20000) resolve(s);
      else setTimeout(poll, 50);
    };
    poll();
  })`);
  assert.equal(state, 'connected');
  const directions = await evaluate<string[]>(`pc.getTransceivers().map((t) => t.mid + ':' + t.currentDirection)`);
  assert.deepEqual(directions, ['0:sendrecv', '1:sendrecv']);
  // Chromium may send its ClientHello before the check that carries USE-CANDIDATE: wait for both.
  for (let i = 0; i < 400 && (dtlsFrom.length === 0 || ice.selectedAddress === undefined); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  t.diagnostic(`order of events: ${events.join(', ')}`);

  const stats = ice.getStats();
  assert.ok(stats.validChecks > 0);
  assert.ok(stats.nominations > 0);
  assert.equal(stats.selectedChanges, 1);
  assert.deepEqual(Object.values(stats.dropped).filter((n) => n !== 0), [], 'nothing dropped');
  assert.deepEqual(Object.values(stats.errorResponses), [0, 0, 0]);
  const selected = ice.selectedAddress;
  assert.equal(selected?.address, '127.0.0.1');
  // Chromium is the DTLS client: its ClientHello arrives, from the address it nominated.
  assert.ok(dtlsFrom.length > 0, 'no DTLS datagram from Chromium');
  assert.deepEqual(dtlsFrom[0], selected);
  assert.deepEqual(otherKinds, []);
});
