// SPDX-License-Identifier: MIT
/**
 * Firefox ESR (NSS; Debian's firefox-esr, headless, fake camera and
 * microphone, loopback only) as the second browser engine beside Chromium.
 * Firefox's SDP parser is strict, so it checks the answers our SDP helpers
 * build. A page on 127.0.0.1 drives itself: it offers audio, video and a data
 * channel with `bundlePolicy: 'max-bundle'` (so the video and data sections
 * are `a=bundle-only` with port 0), POSTs the offer, applies the answer that
 * parseRemoteDescription + buildLiteAnswer made, and POSTs back what it saw.
 * Firefox without a camera permission gathers only its default address
 * (`use only default local addresses`: never loopback, whatever
 * media.peerconnection.ice.loopback says) and does not pair it with a loopback
 * candidate, so our candidate is the host address of Firefox's offer: an
 * address of this machine, so nothing leaves it.
 * Both DTLS roles, one run each on one shared UdpServer port: our answer's
 * `a=setup:passive` (Firefox is the DTLS client) and `a=setup:active` (we
 * are). Asserts that Firefox accepts the answer, that ICE and DTLS connect
 * with the fingerprint verified and the role the answer says, and that the
 * SRTP of Firefox's audio and video decrypts on our side on exactly the SSRCs
 * its offer announced, and that what we send back (each packet re-protected
 * on the SSRCs our answer announced) decrypts in Firefox. Skipped only when
 * firefox-esr is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { isIPv4 } from 'node:net';
import { Certificate, DtlsSrtpTransport, UdpServer } from '../../lib/index.js';
import { IceLiteResponder } from '../../lib/entry/ice.js';
import { buildLiteAnswer, parseRemoteDescription, type RemoteDescription } from '../../lib/entry/sdp.js';
import { firefoxSkip, launchFirefox } from './firefox.js';

/** Packets per SSRC that end a run: about 1 s of Opus, less of video. */
const ENOUGH = 25;
/** Echoed packets per kind that Firefox must have received. */
const ECHOED = 10;
const SETUPS = ['passive', 'active'] as const;

/** What the page reports for one run. */
interface PageResult {
  setup: string;
  error: string | null;
  answerError: string | null;
  connection: string | null;
  transceivers: string[];
  /** outbound-rtp stats by kind: the SSRC Firefox sends on and its packet count. */
  outbound: Record<string, { ssrc: number; packetsSent: number }>;
  /** inbound-rtp stats by kind: the SSRC of our echo and the packets Firefox received (decrypted). */
  inbound: Record<string, { ssrc: number; packetsReceived: number }>;
}

interface Run {
  setup: 'active' | 'passive';
  offer: RemoteDescription;
  answer: string;
  transport: DtlsSrtpTransport;
  started: Promise<unknown>;
  /** Decrypted RTP packets by SSRC. */
  bySsrc: Map<number, number>;
  /** Our SSRC per mid, as the answer announced. */
  send: Record<string, { ssrc: number; cname: string }>;
  echoed: number;
  since: number;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>dtls-srtp Firefox interop</title>
<script>
'use strict';
const post = (path, body) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function run(setup) {
  const result = { setup, error: null, answerError: null, connection: null, transceivers: [], outbound: {}, inbound: {} };
  const read = async () => {
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp') result.outbound[s.kind] = { ssrc: s.ssrc, packetsSent: s.packetsSent };
      if (s.type === 'inbound-rtp') result.inbound[s.kind] = { ssrc: s.ssrc, packetsReceived: s.packetsReceived };
    });
  };
  const echoed = () => ['audio', 'video'].every((k) => (result.inbound[k]?.packetsReceived ?? 0) >= ${ECHOED});
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  try {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const track of media.getTracks()) pc.addTrack(track, media);
    pc.createDataChannel('unused');
    await pc.setLocalDescription(await pc.createOffer());
    // Our candidate is Firefox's own host address: wait (bounded) for gathering.
    for (let i = 0; i < 100 && pc.iceGatheringState !== 'complete'; i++) await sleep(100);
    const reply = await post('/offer', { setup, sdp: pc.localDescription.sdp });
    if (reply.error) throw new Error('server: ' + reply.error);
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    } catch (e) {
      result.answerError = e.name + ': ' + e.message;
      throw e;
    }
    for (let i = 0; i < 600 && !['connected', 'failed'].includes(pc.connectionState); i++) await sleep(100);
    result.connection = pc.connectionState;
    for (let i = 0; i < 600 && !(await post('/status', { setup })).done; i++) await sleep(100);
    for (let i = 0; i < 300 && (await read(), !echoed()); i++) await sleep(100);
    result.transceivers = pc.getTransceivers().map((t) => t.mid + ':' + t.currentDirection);
  } catch (e) {
    result.error = e.name + ': ' + e.message;
  }
  pc.close();
  return result;
}
(async () => {
  for (const setup of new URLSearchParams(location.search).get('setups').split(',')) await post('/result', await run(setup));
})();
</script>
`;

test('Firefox ESR: accepts our answers (max-bundle, data channel), connects in both DTLS roles, its SRTP decrypts', {
  skip: firefoxSkip,
  timeout: 240_000,
}, async (t) => {
  const began = Date.now();
  const certificate = await Certificate.generate();
  let shared: UdpServer | undefined;
  t.after(() => shared?.close());
  const runs = new Map<string, Run>();
  const results: PageResult[] = [];
  let finished: () => void = () => undefined;
  const allReported = new Promise<void>((resolve) => (finished = resolve));

  const handle = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const setup = body['setup'] === 'active' ? 'active' : 'passive';
    if (path === '/offer') {
      const offer = parseRemoteDescription(String(body['sdp']));
      const host = offer.candidates.find((c) => c.type === 'host' && c.transport.toLowerCase() === 'udp' && isIPv4(c.address));
      shared ??= await UdpServer.bind({ type: 'udp4', address: host?.address ?? '127.0.0.1' });
      const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
      const transport = new DtlsSrtpTransport({
        certificate,
        setup: { localSetup: setup, remoteSetup: offer.setup, isOfferer: false },
        remoteFingerprints: offer.fingerprints,
        server: shared,
        iceLite: ice,
      });
      t.after(() => transport.close());
      const bySsrc = new Map<number, number>();
      transport.on('mediabatch', (batch, start, end) => {
        for (let i = start; i < end; i++) {
          if (batch.kind(i) === 'rtp') bySsrc.set(batch.ssrc(i), (bySsrc.get(batch.ssrc(i)) ?? 0) + 1);
        }
      });
      // The echo: each packet back on our SSRC of its mid (payload types are per mid in these offers).
      const send: Run['send'] = {};
      const ourSsrc = new Map<number, number>();
      for (const m of offer.media) {
        if (m.mid === undefined || (m.kind !== 'audio' && m.kind !== 'video')) continue;
        send[m.mid] = { ssrc: 0x1000 + Number(m.mid), cname: 'dtls-srtp-test' };
        for (const c of m.codecs) ourSsrc.set(c.payloadType, 0x1000 + Number(m.mid));
      }
      transport.on('rtp', (packet) => {
        const ssrc = ourSsrc.get((packet[1] as number) & 0x7f);
        if (ssrc === undefined || transport.state !== 'connected') return;
        packet.writeUInt32BE(ssrc, 8);
        transport.sendRtp(packet);
        const run = runs.get(setup);
        if (run !== undefined) run.echoed++;
      });
      const answer = buildLiteAnswer(offer, {
        iceUfrag: ice.localParameters.usernameFragment,
        icePwd: ice.localParameters.password,
        fingerprints: certificate.getFingerprints(['sha-256']),
        setup,
        candidate: { address: shared.address().address, port: shared.address().port },
        send,
      });
      const started = transport.start().then(
        () => undefined,
        (err: unknown) => err,
      );
      runs.set(setup, { setup, offer, answer, transport, started, bySsrc, send, echoed: 0, since: Date.now() });
      return { sdp: answer };
    }
    if (path === '/status') {
      const run = runs.get(setup);
      if (run === undefined) return { done: true };
      const counts = run.offer.media.filter((m) => !m.rejected && m.ssrcs.length > 0).map((m) => run.bySsrc.get(m.ssrcs[0] as number) ?? 0);
      const enough = counts.length > 0 && counts.every((n) => n >= ENOUGH);
      const over = run.transport.state === 'failed' || Date.now() - run.since > 60_000;
      return { done: enough || over };
    }
    if (path === '/result') {
      results.push(body as unknown as PageResult);
      if (results.length === SETUPS.length) finished();
      return {};
    }
    return { error: 'not found' };
  };

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'GET') {
      reply(200, PAGE, 'text/html; charset=utf-8');
      return;
    }
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      Promise.resolve()
        .then(() => handle(new URL(req.url ?? '/', 'http://127.0.0.1').pathname, JSON.parse(text) as Record<string, unknown>))
        .then(
          (out) => reply(200, JSON.stringify(out)),
          (err: unknown) => reply(200, JSON.stringify({ error: String(err) })),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as { port: number };
  const firefox = launchFirefox(`http://127.0.0.1:${port}/?setups=${SETUPS.join(',')}`);
  t.after(() => firefox.close());

  // Bounded: a page that never reports fails the test with Firefox's log.
  let timer: NodeJS.Timeout | undefined;
  const reported = await Promise.race([
    allReported.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 200_000))),
  ]);
  clearTimeout(timer);
  t.diagnostic(`page results: ${JSON.stringify(results)}`);
  t.diagnostic(`shared port: ${JSON.stringify(shared?.getStats())}`);
  assert.ok(reported, `Firefox reported ${results.length} of ${SETUPS.length} runs; its log:\n${firefox.log().slice(-4000)}`);

  for (const setup of SETUPS) {
    const result = results.find((r) => r.setup === setup);
    const run = runs.get(setup);
    assert.ok(result !== undefined && run !== undefined, `no run with a=setup:${setup}`);
    // Firefox's parser accepted the answer, ICE and DTLS connected.
    assert.equal(result.answerError, null, `Firefox refused our answer:\n${run.answer}`);
    assert.equal(result.error, null);
    assert.equal(result.connection, 'connected');
    assert.equal(await run.started, undefined);
    const stats = run.transport.getStats();
    t.diagnostic(`a=setup:${setup}: ${JSON.stringify({ dtlsRole: stats.dtlsRole, srtp: stats.srtpCipher, dtls: stats.dtlsCipher, bySsrc: [...run.bySsrc], echoed: run.echoed })}`);
    assert.equal(stats.dtlsRole, setup === 'passive' ? 'server' : 'client');
    assert.equal(
      stats.remoteCertificateFingerprint?.value,
      run.offer.fingerprints.find((f) => f.algorithm === 'sha-256')?.value,
    );
    // max-bundle: video and the data channel were offered bundle-only, and video is accepted in the bundle.
    const [audio, video, data] = run.offer.media;
    assert.deepEqual([audio?.bundleOnly, video?.bundleOnly, data?.bundleOnly], [false, true, true]);
    const answered = parseRemoteDescription(run.answer);
    assert.deepEqual(answered.media.map((m) => m.rejected), [false, false, true]);
    assert.deepEqual(result.transceivers, ['0:sendrecv', '1:sendrecv']);
    // SRTP from Firefox's fake tracks decrypted here, on the SSRCs its offer announced and it reports sending on.
    const audioSsrc = audio?.ssrcs[0];
    const videoSsrc = video?.ssrcs[0];
    assert.ok(audioSsrc !== undefined && videoSsrc !== undefined);
    assert.equal(result.outbound['audio']?.ssrc, audioSsrc);
    assert.equal(result.outbound['video']?.ssrc, videoSsrc);
    assert.ok((run.bySsrc.get(audioSsrc) ?? 0) >= ENOUGH, `audio: ${run.bySsrc.get(audioSsrc) ?? 0} packets`);
    assert.ok((run.bySsrc.get(videoSsrc) ?? 0) >= ENOUGH, `video: ${run.bySsrc.get(videoSsrc) ?? 0} packets`);
    assert.deepEqual([...run.bySsrc.keys()].sort(), [audioSsrc, videoSsrc].sort());
    assert.equal(stats.srtpFailures.ERR_SRTP_AUTH_FAIL, 0);
    // And the other way: our SRTP, on the SSRCs our answer announced, decrypted in Firefox.
    assert.equal(result.inbound['audio']?.ssrc, run.send['0']?.ssrc);
    assert.equal(result.inbound['video']?.ssrc, run.send['1']?.ssrc);
    assert.ok((result.inbound['audio']?.packetsReceived ?? 0) >= ECHOED, 'Firefox received too little of our audio');
    assert.ok((result.inbound['video']?.packetsReceived ?? 0) >= ECHOED, 'Firefox received too little of our video');
  }
  assert.equal(shared?.getStats().socket.srtpDropped, 0);
  t.diagnostic(`path ${shared?.path ?? '-'} on ${shared?.address().address ?? '-'}; Firefox start to both runs reported: ${Date.now() - began} ms`);
});
