// SPDX-License-Identifier: MIT
/**
 * The browser echo server: serves the page, answers its offer as an ICE-lite
 * endpoint with a DtlsSrtpTransport per peer, all peers on one UDP port (a
 * UdpServer on 127.0.0.1: the native path on Linux, node:dgram elsewhere),
 * decrypts the browser's SRTP and sends every RTP packet back re-encrypted on
 * the SSRCs announced in the answer. Picture-loss feedback (PLI, FIR) about the
 * echoed video is translated to the browser's own video SSRC, so its encoder
 * sends a key frame and the echo decodes.
 *
 * Run: `npm run example:browser` (then open http://127.0.0.1:8080/), or
 * `node dist/examples/browser/server.js --port <port> [--path dgram] [--media-address <address>]`
 * (Firefox pairs no loopback address: give it another address of this machine).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Certificate, DtlsSrtpTransport, UdpServer, answerSetup, type UdpServerStats } from '../../lib/index.js';
import {
  MAX_SDP_LENGTH,
  buildLiteAnswer,
  parseRemoteDescription,
  type RemoteDescription,
} from '../../lib/entry/sdp.js';
import { IceLiteResponder } from '../../lib/entry/ice.js';

/** What `/stats?id=` returns for one peer. */
export interface EchoStats {
  state: string;
  /** SRTP packets from the browser that decrypted. */
  rtpDecrypted: number;
  /** SRTP/SRTCP packets from the browser that failed authentication. */
  authFailures: number;
  /** Decrypted RTP packets by codec name (e.g. `{ opus: 500, VP8: 800 }`). */
  byCodec: Record<string, number>;
  /** RTP packets sent back. */
  echoed: number;
  rtcpDecrypted: number;
  /** PLI/FIR from the browser about the echo, forwarded to its own video SSRC. */
  keyFrameRequests: number;
  srtpProfile: string | undefined;
  /** The IANA name, as the browser's own transport stats report it. */
  srtpCipher: string | undefined;
  /** ICE on the ICE-lite path (`connected` while the browser's consent checks arrive). */
  iceState: string;
  dtlsCipher: string | undefined;
  handshakeMs: number | undefined;
  srtpFailures: Record<string, number>;
  droppedDatagrams: Record<string, number>;
}

interface Session {
  transport: DtlsSrtpTransport;
  stats: Pick<EchoStats, 'byCodec' | 'echoed' | 'keyFrameRequests'>;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/client.js': { file: 'client.js', type: 'text/javascript; charset=utf-8' },
};
/** The page lives next to this file's source (compiled code runs from dist/). */
const PAGE_DIR = path.join(__dirname, '..', '..', '..', 'examples', 'browser');
const MAX_SESSIONS = 16;

/**
 * Translates picture-loss feedback about the echo into requests to the browser's own encoder.
 * @param compound - A decrypted (compound) RTCP packet from the browser.
 * @param echoSsrc - Our SSRC of the echoed video.
 * @param browserSsrc - The browser's video SSRC.
 * @param firSeq - Returns the next FIR command sequence number.
 * @returns A PLI (or FIR) to send for each PLI (or FIR) about `echoSsrc`; malformed input yields none.
 */
export function keyFrameRequests(compound: Buffer, echoSsrc: number, browserSsrc: number, firSeq: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 4 <= compound.length; ) {
    const length = 4 * (compound.readUInt16BE(off + 2) + 1);
    if (off + length > compound.length) break;
    const fmt = (compound[off] as number) & 0x1f;
    if (compound[off + 1] === 206 && length >= 12) {
      if (fmt === 1 && compound.readUInt32BE(off + 8) === echoSsrc) {
        const pli = Buffer.alloc(12);
        pli.writeUInt32BE(0x81ce0002, 0); // V=2, FMT=1, PT=206 (PSFB), length 2
        pli.writeUInt32BE(echoSsrc, 4);
        pli.writeUInt32BE(browserSsrc, 8);
        out.push(pli);
      } else if (fmt === 4 && length >= 20 && compound.readUInt32BE(off + 12) === echoSsrc) {
        const fir = Buffer.alloc(20);
        fir.writeUInt32BE(0x84ce0004, 0); // V=2, FMT=4, PT=206, length 4
        fir.writeUInt32BE(echoSsrc, 4);
        fir.writeUInt32BE(browserSsrc, 12);
        fir[16] = firSeq() & 0xff;
        out.push(fir);
      }
    }
    off += length;
  }
  return out;
}

/** Options of {@link startEchoServer}. */
export interface EchoServerOptions {
  /** HTTP port; 0 (the default) picks a free one. */
  port?: number;
  /** The address of the UDP port all peers share, and of the answer's candidate. Default `'127.0.0.1'`. */
  mediaAddress?: string;
  /** `'auto'` (the default: native where there is one, else node:dgram), `'native'` or `'dgram'`. */
  path?: 'auto' | 'native' | 'dgram';
}

/** A running echo server. */
export interface EchoServer {
  url: string;
  /** Which UDP implementation the shared port runs on. */
  path: 'native' | 'dgram';
  /** The one UDP port of every peer. */
  media: { address: string; port: number };
  stats(id: string): EchoStats | undefined;
  /** The ids of the sessions the server holds, oldest first. */
  sessions(): string[];
  /** Counters of the shared port (drops before any peer saw a datagram, the socket's own). */
  udpStats(): UdpServerStats;
  close(): Promise<void>;
}

/**
 * Starts the echo server: HTTP and one shared UDP port.
 * @param options - see {@link EchoServerOptions}
 * @returns The page URL, the UDP path and port, stats readers and `close()`.
 */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const certificate = await Certificate.generate();
  const sessions = new Map<string, Session>();
  // One port for every peer: the server routes each peer's ICE checks by our ufrag, then its media by source address.
  const udp = await UdpServer.bind({ type: 'udp4', address: options.mediaAddress ?? '127.0.0.1', path: options.path ?? 'auto' });

  const statsOf = (id: string): EchoStats | undefined => {
    const session = sessions.get(id);
    if (session === undefined) return undefined;
    const s = session.transport.getStats();
    return {
      state: s.dtlsState,
      rtpDecrypted: s.rtpPacketsReceived,
      authFailures: s.srtpFailures.ERR_SRTP_AUTH_FAIL,
      byCodec: { ...session.stats.byCodec },
      echoed: session.stats.echoed,
      rtcpDecrypted: s.rtcpPacketsReceived,
      keyFrameRequests: session.stats.keyFrameRequests,
      srtpProfile: s.srtpProfile,
      srtpCipher: s.srtpCipher,
      iceState: s.iceState,
      dtlsCipher: s.dtlsCipher,
      handshakeMs: s.handshakeDurationMs,
      srtpFailures: s.srtpFailures,
      droppedDatagrams: s.droppedDatagrams,
    };
  };

  const end = (id: string): void => {
    const session = sessions.get(id);
    if (session === undefined) return;
    sessions.delete(id);
    session.transport.close();
  };

  const answerOffer = async (sdp: unknown): Promise<{ sdp: string; id: string }> => {
    if (typeof sdp !== 'string') throw new Error('expected {"sdp": "<offer>"}');
    const offer = parseRemoteDescription(sdp);
    const setup = answerSetup(offer.setup, 'passive');
    return answerOn(offer, setup);
  };

  const answerOn = (offer: RemoteDescription, setup: 'active' | 'passive'): { sdp: string; id: string } => {
    const ice = new IceLiteResponder({ remoteUfrag: offer.iceUfrag });
    const cname = randomBytes(6).toString('hex');
    /** Our SSRC per accepted audio/video mid. */
    const send: Record<string, { ssrc: number; cname: string }> = {};
    for (const m of offer.media) {
      if (m.mid !== undefined && (m.kind === 'audio' || m.kind === 'video')) send[m.mid] = { ssrc: randomBytes(4).readUInt32BE(0) || 1, cname };
    }
    const answer = buildLiteAnswer(offer, {
      iceUfrag: ice.localParameters.usernameFragment,
      icePwd: ice.localParameters.password,
      fingerprints: certificate.getFingerprints(['sha-256']),
      setup,
      candidate: { address: udp.address().address, port: udp.address().port },
      // No generic NACK: without RTX a retransmission would reuse an SRTP index.
      rtcpFeedback: ['nack pli', 'ccm fir'],
      send,
    });
    // Payload type -> (codec, our SSRC for that mid), from what we accepted.
    const route = new Map<number, { codec: string; ssrc: number; video: boolean }>();
    for (const m of parseRemoteDescription(answer).media) {
      if (m.rejected || m.mid === undefined || send[m.mid] === undefined) continue;
      for (const c of m.codecs) route.set(c.payloadType, { codec: c.name, ssrc: (send[m.mid] as { ssrc: number }).ssrc, video: m.kind === 'video' });
    }
    const transport = new DtlsSrtpTransport({
      certificate,
      setup: { localSetup: setup, remoteSetup: offer.setup, isOfferer: false },
      remoteFingerprints: offer.fingerprints,
      server: udp,
      iceLite: ice,
    });
    const id = randomUUID();
    const session: Session = { transport, stats: { byCodec: {}, echoed: 0, keyFrameRequests: 0 } };
    // Keep at most MAX_SESSIONS: the oldest peer makes room (page reloads leave old ones behind).
    if (sessions.size >= MAX_SESSIONS) {
      const [oldest] = sessions.keys();
      if (oldest !== undefined) end(oldest);
    }
    sessions.set(id, session);
    // A peer that closed (close_notify) or failed is forgotten a little later (its stats stay readable until then).
    transport.on('statechange', (state) => {
      if (state === 'closed' || state === 'failed') setTimeout(() => end(id), 10_000).unref();
    });
    let browserVideoSsrc: number | undefined;
    let echoVideoSsrc: number | undefined;
    let firSeq = 0;
    transport.on('rtp', (packet) => {
      const r = route.get((packet[1] as number) & 0x7f);
      if (r === undefined) return;
      session.stats.byCodec[r.codec] = (session.stats.byCodec[r.codec] ?? 0) + 1;
      if (r.video) {
        browserVideoSsrc = packet.readUInt32BE(8);
        echoVideoSsrc = r.ssrc;
      }
      packet.writeUInt32BE(r.ssrc, 8);
      try {
        transport.sendRtp(packet);
        session.stats.echoed++;
      } catch {
        // Closed meanwhile: nothing to echo to.
      }
    });
    transport.on('rtcp', (packet) => {
      if (browserVideoSsrc === undefined || echoVideoSsrc === undefined) return;
      for (const request of keyFrameRequests(packet, echoVideoSsrc, browserVideoSsrc, () => ++firSeq)) {
        session.stats.keyFrameRequests++;
        try {
          transport.sendRtcp(request);
        } catch {
          // Closed meanwhile.
        }
      }
    });
    // A failed handshake shows in /stats (state 'failed'); the session stays until the server closes.
    transport.start().catch(() => undefined);
    return { sdp: answer, id };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const page = STATIC[url.pathname];
    if (req.method === 'GET' && page !== undefined) {
      fs.readFile(path.join(PAGE_DIR, page.file), (err, data) => (err ? reply(500, '{}') : reply(200, data.toString(), page.type)));
    } else if (req.method === 'GET' && url.pathname === '/stats') {
      const stats = statsOf(url.searchParams.get('id') ?? '');
      if (stats === undefined) reply(404, '{"error":"unknown id"}');
      else reply(200, JSON.stringify(stats));
    } else if (req.method === 'POST' && url.pathname === '/offer') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_SDP_LENGTH + 1024) req.destroy();
      });
      req.on('end', () => {
        let sdp: unknown;
        try {
          sdp = (JSON.parse(body) as { sdp?: unknown }).sdp;
        } catch {
          return reply(400, '{"error":"expected JSON"}');
        }
        answerOffer(sdp).then(
          (answer) => reply(200, JSON.stringify(answer)),
          (err: unknown) => reply(400, JSON.stringify({ error: (err as { code?: string }).code ?? String(err) })),
        );
      });
    } else {
      reply(404, '{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    path: udp.path,
    media: { address: udp.address().address, port: udp.address().port },
    stats: statsOf,
    sessions: () => [...sessions.keys()],
    udpStats: () => udp.getStats(),
    close: async () => {
      for (const id of [...sessions.keys()]) end(id);
      udp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (require.main === module) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const udpPath = arg('--path');
  const mediaAddress = arg('--media-address');
  startEchoServer({
    port: Number(arg('--port') ?? 8080),
    ...(mediaAddress === undefined ? {} : { mediaAddress }),
    path: udpPath === 'native' || udpPath === 'dgram' ? udpPath : 'auto',
  }).then(
    (s) => {
      console.log(`dtls-srtp echo: open ${s.url} (camera and microphone go to this server over DTLS-SRTP and come back)`);
      console.log(`media: every peer on UDP ${s.media.address}:${s.media.port}, ${s.path} path`);
      process.once('SIGINT', () => void s.close());
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
