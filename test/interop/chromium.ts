// SPDX-License-Identifier: MIT
/**
 * Debian's Chromium for the interop tests, driven by playwright-core (never a
 * downloaded browser): headless, loopback candidates allowed, nothing that
 * reaches the network. Set CHROMIUM_PATH to use another binary.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DtlsSrtpTransport, UdpServer, type Certificate, type DtlsFingerprint } from '../../lib/index.js';
import { IceLiteResponder } from '../../lib/entry/ice.js';
import { buildLiteAnswer, parseRemoteDescription, type LiteAnswerOptions, type RemoteDescription } from '../../lib/entry/sdp.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** `false` when Chromium is there, else why the tests skip. */
export const chromiumSkip: false | string = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

/** Starts headless Chromium; `extraArgs` adds switches (e.g. a fake camera). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...extraArgs,
      '--allow-loopback-in-peer-connection',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * Makes an RTCPeerConnection (`window.pc`) in `page` that sends an oscillator
 * as its microphone (no capture device or permission needed), and returns its
 * offer, set as its local description.
 */
export function audioOffer(page: Page): Promise<string> {
  return page.evaluate<string>(`(async () => {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const sink = audio.createMediaStreamDestination();
    tone.connect(sink);
    tone.start();
    const pc = new RTCPeerConnection();
    window.pc = pc;
    pc.addTrack(sink.stream.getAudioTracks()[0], sink.stream);
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription.sdp;
  })()`);
}

/** Waits (bounded: 20 s) until `done()`. */
export async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(done(), `timed out waiting for ${what}`);
}

/** What the answering tests start from: our shared port, Chromium, a page and its audio offer. */
export interface ChromiumOffer {
  server: UdpServer;
  browser: Browser;
  page: Page;
  offer: RemoteDescription;
}

/**
 * Binds a UdpServer on 127.0.0.1, starts Chromium and opens a page that
 * makes an audio offer (see {@link audioOffer}); the server and the browser
 * are closed after the test.
 */
export async function chromiumOffer(t: TestContext): Promise<ChromiumOffer> {
  const server = await UdpServer.bind({ type: 'udp4', address: '127.0.0.1' });
  t.after(() => server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const offer = parseRemoteDescription(await audioOffer(page));
  return { server, browser, page, offer };
}

/**
 * Our answering transport for Chromium's `offer` on the shared `server`:
 * ICE-lite (its ufrag from the offer), DTLS passive, the offer's fingerprints.
 */
export function answeringTransport(
  offer: RemoteDescription,
  certificate: Certificate,
  server: UdpServer,
  ice: IceLiteResponder = new IceLiteResponder({ remoteUfrag: offer.iceUfrag }),
): DtlsSrtpTransport {
  return new DtlsSrtpTransport({
    certificate,
    setup: { localSetup: 'passive', remoteSetup: offer.setup, isOfferer: false },
    remoteFingerprints: offer.fingerprints,
    server,
    iceLite: ice,
  });
}

/**
 * The ICE-lite answer to `offer`: our ICE credentials and `fingerprints`,
 * passive, one host candidate on `server`'s port; `extra` adds the session
 * id and version or a tls-id.
 */
export function liteAnswer(
  offer: RemoteDescription,
  local: { usernameFragment: string; password: string },
  fingerprints: readonly DtlsFingerprint[],
  server: UdpServer,
  extra: Pick<LiteAnswerOptions, 'sessionId' | 'sessionVersion' | 'tlsId'> = {},
): string {
  return buildLiteAnswer(offer, {
    iceUfrag: local.usernameFragment,
    icePwd: local.password,
    fingerprints,
    setup: 'passive',
    candidate: { address: '127.0.0.1', port: server.address().port },
    ...extra,
  });
}

/** Sets `sdp` as the answer of the page's `pc`: `'ok'`, or the error's name and message. */
export function setAnswer(page: Page, sdp: string): Promise<string> {
  return page.evaluate<string>(
    `pc.setRemoteDescription({ type: 'answer', sdp: ${JSON.stringify(sdp)} }).then(() => 'ok', (e) => e.name + ': ' + e.message)`,
  );
}
