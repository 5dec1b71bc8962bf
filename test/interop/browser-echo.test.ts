// SPDX-License-Identifier: MIT
/**
 * examples/browser against Debian's Chromium (headless, fake camera and
 * microphone, driven by playwright-core; never a downloaded browser; all
 * traffic on loopback): the page sends Opus and VP8 over DTLS-SRTP to our
 * server, which decrypts every packet and echoes it re-encrypted, on the
 * server's one shared UDP port (the native path on Linux). Asserts the
 * server decrypted Opus and VP8 with zero authentication failures, that
 * Chromium's inbound-rtp stats count packets from our echo, and that the echoed
 * video decodes; takes a screenshot of the page (written to docs/browser-echo.png
 * when DTLS_SRTP_UPDATE_SCREENSHOT=1, else to a temporary file).
 * Skipped only when Chromium is absent (set CHROMIUM_PATH to override).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEchoServer } from '../../examples/browser/server.js';
import { chromiumSkip, launchChromium } from './chromium.js';

const SCREENSHOT =
  process.env['DTLS_SRTP_UPDATE_SCREENSHOT'] === '1'
    ? path.join(__dirname, '..', '..', '..', 'docs', 'browser-echo.png')
    : path.join(os.tmpdir(), `dtls-srtp-browser-echo-${process.pid}.png`);

interface PageEcho {
  state: string;
  error: string | null;
  stats: {
    inbound: Record<string, number>;
    outbound: Record<string, number>;
    transport: { dtlsCipher?: string; srtpCipher?: string; dtlsRole?: string; tlsVersion?: string } | null;
  } | null;
  serverStats: { rtpDecrypted: number; authFailures: number; byCodec: Record<string, number> } | null;
  video: { width: number; height: number; frames: number };
}

test('Chromium sends Opus + VP8 over DTLS-SRTP to the example server and receives the echo', {
  skip: chromiumSkip,
  timeout: 120_000,
}, async (t) => {
  const server = await startEchoServer();
  t.after(() => server.close());
  const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--disable-quic']);
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 760, height: 600 } });
  await page.goto(server.url);

  // Plain expressions: this project compiles without the DOM library.
  const read = (): Promise<PageEcho> =>
    page.evaluate(`(() => {
      const v = document.getElementById('remote');
      const q = v.getVideoPlaybackQuality();
      return { ...window.echo, video: { width: v.videoWidth, height: v.videoHeight, frames: q.totalVideoFrames } };
    })()`);
  // Wait (bounded) until the echo has flowed for a while: decoded frames and enough packets both ways.
  let echo = await read();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    echo = await read();
    if (echo.error !== null) break;
    const s = echo.serverStats;
    const inbound = echo.stats?.inbound ?? {};
    if (
      s !== null &&
      (s.byCodec['opus'] ?? 0) >= 100 &&
      (s.byCodec['VP8'] ?? 0) >= 100 &&
      (inbound['audio'] ?? 0) >= 100 &&
      (inbound['video'] ?? 0) >= 100 &&
      echo.video.frames >= 30
    ) {
      break;
    }
    await page.waitForTimeout(250);
  }
  t.diagnostic(`page: ${JSON.stringify(echo)}`);
  assert.equal(echo.error, null);
  assert.equal(echo.state, 'connected');
  const s = echo.serverStats;
  assert.ok(s !== null, 'no server stats on the page');
  assert.ok((s.byCodec['opus'] ?? 0) >= 100, 'server decrypted too little Opus');
  assert.ok((s.byCodec['VP8'] ?? 0) >= 100, 'server decrypted too little VP8');
  assert.equal(s.authFailures, 0);
  // Chromium received (and decrypted) our re-encrypted echo on both tracks, and decoded the video.
  assert.ok((echo.stats?.inbound['audio'] ?? 0) >= 100, 'Chromium received too little echoed audio');
  assert.ok((echo.stats?.inbound['video'] ?? 0) >= 100, 'Chromium received too little echoed video');
  assert.ok(echo.video.width > 0 && echo.video.frames >= 30, 'the echoed video did not decode');

  const id = await page.evaluate<string | undefined>('window.echo.id');
  const full = id === undefined ? undefined : server.stats(id);
  assert.ok(full !== undefined, 'the page has no session id');
  t.diagnostic(`server: ${JSON.stringify(full)}`);
  assert.equal(full.srtpFailures['ERR_SRTP_AUTH_FAIL'], 0);
  assert.equal(full.state, 'connected');
  // All of it went through the shared port, natively unprotected on Linux.
  const udp = server.udpStats();
  t.diagnostic(`shared port (${server.path} path): ${JSON.stringify(udp)}`);
  assert.equal(server.path, process.platform === 'linux' ? 'native' : 'dgram');
  assert.equal(udp.transports, 1);
  assert.ok(udp.socket.datagramsReceived >= s.rtpDecrypted, 'the media did not come through the shared port');
  assert.equal(udp.socket.srtpDropped, 0);
  // Chromium's consent checks (every 2.66 s) keep ICE connected under the default 8 s disconnected delay.
  assert.equal(full.iceState, 'connected');
  // Both ends agree on what was negotiated: Chromium's transport stats against ours.
  const transport = echo.stats?.transport;
  assert.equal(transport?.dtlsRole, 'client');
  assert.equal(transport?.tlsVersion, 'FEFD');
  assert.equal(transport?.dtlsCipher, full.dtlsCipher);
  // srtpCipher in W3C terms: the same IANA name on both ends.
  assert.equal(transport?.srtpCipher, full.srtpCipher);
  assert.equal(transport?.srtpCipher, `SRTP_${full.srtpProfile ?? ''}`);
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  // A real PNG of the page, not an empty capture.
  const png = fs.readFileSync(SCREENSHOT);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.length > 10_000, `screenshot of ${png.length} bytes`);
  if (process.env['DTLS_SRTP_UPDATE_SCREENSHOT'] !== '1') fs.rmSync(SCREENSHOT, { force: true });
});
