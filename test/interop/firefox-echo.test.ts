// SPDX-License-Identifier: MIT
/**
 * examples/browser in Firefox ESR (headless, fake camera and microphone, the
 * example's own page and client, which offers with `bundlePolicy:
 * 'max-bundle'`): the server on its one shared UDP port decrypts Opus and VP8
 * from Firefox with zero authentication failures and echoes them back
 * (that Firefox decrypts what we send is firefox-dtls-srtp.test.ts's part).
 * Firefox pairs no loopback address, so the shared port is on this machine's
 * first non-loopback IPv4 address (nothing leaves the machine). Skipped only
 * when firefox-esr is absent or the machine has no such address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { startEchoServer } from '../../examples/browser/server.js';
import { firefoxSkip, launchFirefox } from './firefox.js';

const ENOUGH = 50;

const hostAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

test('Firefox ESR sends Opus + VP8 to the example server on its shared port, which decrypts and echoes them', {
  skip: firefoxSkip || (hostAddress === undefined ? 'no non-loopback IPv4 address for Firefox to pair with' : false),
  timeout: 180_000,
}, async (t) => {
  const began = Date.now();
  const server = await startEchoServer({ mediaAddress: hostAddress });
  t.after(() => server.close());
  const firefox = launchFirefox(server.url);
  t.after(() => firefox.close());

  // The page offers as soon as it loads; its session is the server's only one.
  let stats: ReturnType<typeof server.stats>;
  for (let i = 0; i < 1200; i++) {
    const [id] = server.sessions();
    stats = id === undefined ? undefined : server.stats(id);
    if (stats !== undefined && (stats.byCodec['opus'] ?? 0) >= ENOUGH && (stats.byCodec['VP8'] ?? 0) >= ENOUGH) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.diagnostic(`server: ${JSON.stringify(stats)}; shared port (${server.path}): ${JSON.stringify(server.udpStats())}`);
  assert.ok(stats !== undefined, `no session from Firefox; its log:\n${firefox.log().slice(-4000)}`);
  assert.equal(stats.state, 'connected');
  assert.ok((stats.byCodec['opus'] ?? 0) >= ENOUGH, 'too little Opus from Firefox');
  assert.ok((stats.byCodec['VP8'] ?? 0) >= ENOUGH, 'too little VP8 from Firefox');
  assert.equal(stats.authFailures, 0);
  assert.ok(stats.echoed >= 2 * ENOUGH);
  assert.equal(server.udpStats().socket.srtpDropped, 0);
  t.diagnostic(`Firefox start to ${ENOUGH} packets of each codec: ${Date.now() - began} ms`);
});

