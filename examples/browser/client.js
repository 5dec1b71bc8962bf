// SPDX-License-Identifier: MIT
// Browser side of the echo example: offer audio+video to the server, show the echo and live stats.
'use strict';

const $ = (id) => document.getElementById(id);
window.echo = { state: 'new', stats: null, serverStats: null, error: null };

async function main() {
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
  $('local').srcObject = media;

  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendrecv', streams: [media] });
  const echoed = new MediaStream();
  $('remote').srcObject = echoed;
  pc.ontrack = (event) => echoed.addTrack(event.track);
  pc.onconnectionstatechange = () => {
    window.echo.state = pc.connectionState;
    $('state').textContent = pc.connectionState;
  };

  await pc.setLocalDescription(await pc.createOffer());
  await waitForGathering(pc);
  const response = await fetch('/offer', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sdp: pc.localDescription.sdp }),
  });
  if (!response.ok) throw new Error(`server answered ${response.status}: ${await response.text()}`);
  const { sdp, id } = await response.json();
  window.echo.id = id;
  await pc.setRemoteDescription({ type: 'answer', sdp });

  setInterval(async () => {
    const report = await pc.getStats();
    const out = { outbound: {}, inbound: {}, transport: null };
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') out.outbound[s.kind] = s.packetsSent;
      if (s.type === 'inbound-rtp') out.inbound[s.kind] = s.packetsReceived;
      if (s.type === 'transport') out.transport = s;
    });
    window.echo.stats = out;
    $('sent').textContent = `${out.outbound.audio ?? 0} / ${out.outbound.video ?? 0}`;
    $('received').textContent = `${out.inbound.audio ?? 0} / ${out.inbound.video ?? 0}`;
    if (out.transport) $('cipher').textContent = `${out.transport.dtlsCipher ?? '–'} / ${out.transport.srtpCipher ?? '–'}`;
    const server = await (await fetch(`/stats?id=${encodeURIComponent(id)}`)).json();
    window.echo.serverStats = server;
    $('server').textContent = `${server.rtpDecrypted} / ${server.authFailures}`;
  }, 500);
}

function waitForGathering(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
    setTimeout(resolve, 2000);
  });
}

main().catch((err) => {
  window.echo.error = String(err && err.stack ? err.stack : err);
  $('state').textContent = `error: ${err}`;
});
