// SPDX-License-Identifier: MIT
// The browser echo server without a browser: page, offer/answer, errors with
// stable codes, stats of a session that has not connected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemoteDescription } from '../../lib/entry/sdp.js';
import { startEchoServer } from '../../examples/browser/server.js';
import { chromiumOffer } from '../fixtures/chromium-offer.js';

test('echo server: serves the page, answers an offer as ICE-lite, rejects bad input with stable codes', async (t) => {
  const server = await startEchoServer();
  t.after(() => server.close());
  const page = await fetch(server.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal((await fetch(new URL('client.js', server.url))).status, 200);
  assert.equal((await fetch(new URL('nothing', server.url))).status, 404);

  const post = (body: string) => fetch(new URL('offer', server.url), { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const ok = await post(JSON.stringify({ sdp: chromiumOffer }));
  assert.equal(ok.status, 200);
  const { sdp, id } = (await ok.json()) as { sdp: string; id: string };
  const answer = parseRemoteDescription(sdp);
  assert.equal(answer.iceLite, true);
  assert.equal(answer.setup, 'passive');
  assert.deepEqual(answer.candidates.map((c) => c.address), ['127.0.0.1']);
  // Both accepted sections announce the SSRC the echo is sent on.
  assert.deepEqual(answer.media.filter((m) => !m.rejected).map((m) => m.ssrcs.length), [1, 1]);
  const stats = await (await fetch(new URL(`stats?id=${id}`, server.url))).json();
  assert.equal((stats as { state: string }).state, 'connecting');
  assert.equal((stats as { rtpDecrypted: number }).rtpDecrypted, 0);
  assert.equal(server.stats(id)?.authFailures, 0);
  // One shared port for every peer, on the native path where there is one.
  assert.equal(server.path, process.platform === 'linux' ? 'native' : 'dgram');
  assert.deepEqual(answer.candidates.map((c) => c.port), [server.media.port]);
  const second = parseRemoteDescription(((await (await post(JSON.stringify({ sdp: chromiumOffer }))).json()) as { sdp: string }).sdp);
  assert.deepEqual(second.candidates.map((c) => c.port), [server.media.port]);
  assert.notEqual(second.iceUfrag, answer.iceUfrag);
  assert.equal(server.udpStats().transports, 2);

  assert.equal((await post('not json')).status, 400);
  const noSdp = await post('{}');
  assert.equal(noSdp.status, 400);
  const badSdp = await post(JSON.stringify({ sdp: 'v=1\r\n' }));
  assert.equal(badSdp.status, 400);
  assert.equal(((await badSdp.json()) as { error: string }).error, 'ERR_SDP_PARSE');
  const holdconn = await post(JSON.stringify({ sdp: chromiumOffer.replaceAll('a=setup:actpass', 'a=setup:holdconn') }));
  assert.equal(((await holdconn.json()) as { error: string }).error, 'ERR_DTLS_ROLE_CONFLICT');
  assert.equal((await fetch(new URL('stats?id=nope', server.url))).status, 404);
});

test('echo server: path dgram runs the same shared port over node:dgram', async (t) => {
  const server = await startEchoServer({ path: 'dgram' });
  t.after(() => server.close());
  assert.equal(server.path, 'dgram');
  const ok = await fetch(new URL('offer', server.url), { method: 'POST', body: JSON.stringify({ sdp: chromiumOffer }) });
  const answer = parseRemoteDescription(((await ok.json()) as { sdp: string }).sdp);
  assert.deepEqual(answer.candidates.map((c) => c.port), [server.media.port]);
  assert.equal(server.udpStats().transports, 1);
});
