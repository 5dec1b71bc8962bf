// SPDX-License-Identifier: MIT
/**
 * Debian's Chromium for the interop tests, driven by playwright-core (never a
 * downloaded browser): headless, loopback candidates allowed, nothing that
 * reaches the network. Set CHROMIUM_PATH to use another binary.
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

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
