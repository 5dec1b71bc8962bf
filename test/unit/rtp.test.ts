// SPDX-License-Identifier: MIT
// `dtls-srtp/rtp`: the RTP header reader on RFC 3550 / RFC 8285 shaped packets
// (CSRCs, one-byte and two-byte header extensions, padding), every truncation
// of a valid packet refused with a reason instead of a throw, random bytes
// never throwing and generated packets reading back what built them
// (fast-check), the RTCP compound iterator on SR+RR+SDES+BYE and on malformed
// length words, and no allocation over 200k reads (a scavenge count in a child
// process, with an allocating control that shows the count can see it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import {
  RtcpCompoundIterator,
  RtpHeaderView,
  readRtpHeader,
  rtcpPackets,
  type RtcpCompoundFailure,
  type RtpHeaderFailure,
} from '../../lib/entry/rtp.js';
import { rtcp, rtp } from '../fixtures/srtp-helpers.js';

function ok(result: RtpHeaderView | RtpHeaderFailure): RtpHeaderView {
  assert.ok(typeof result !== 'string', `expected a view, got ${result as string}`);
  return result;
}

function elements(view: RtpHeaderView): [id: number, data: string][] {
  const out: [number, string][] = [];
  while (view.nextExtensionElement()) {
    out.push([view.elementId, Buffer.from(view.packet.subarray(view.elementOffset, view.elementOffset + view.elementLength)).toString('hex')]);
  }
  return out;
}

test('RFC 3550 header: fixed fields, CSRCs read lazily, padding removed from the payload length', () => {
  const packet = rtp({ seq: 0xfffe, ssrc: 0x89abcdef, timestamp: 0xfedcba98, payloadType: 111, marker: true, csrcs: [1, 0xffffffff, 0x01020304], payloadLength: 20, padding: 7 });
  const h = ok(readRtpHeader(packet));
  assert.equal(h.version, 2);
  assert.equal(h.padding, true);
  assert.equal(h.extension, false);
  assert.equal(h.csrcCount, 3);
  assert.equal(h.marker, true);
  assert.equal(h.payloadType, 111);
  assert.equal(h.sequenceNumber, 0xfffe);
  assert.equal(h.timestamp, 0xfedcba98);
  assert.equal(h.ssrc, 0x89abcdef);
  assert.deepEqual([h.csrc(0), h.csrc(1), h.csrc(2), h.csrc(3), h.csrc(-1), h.csrc(0.5)], [1, 0xffffffff, 0x01020304, -1, -1, -1]);
  assert.deepEqual(h.csrcs(), [1, 0xffffffff, 0x01020304]);
  assert.equal(h.extensionForm, 'none');
  assert.deepEqual([h.extensionOffset, h.extensionProfile, h.extensionLength], [0, 0, 0]);
  assert.equal(h.nextExtensionElement(), false);
  assert.equal(h.payloadOffset, 24);
  assert.equal(h.payloadLength, 20);
  assert.equal(h.paddingLength, 7);
  assert.equal(h.length, packet.length);
  assert.equal(h.packet, packet, 'no copy');
  // The reused-view form: null on success, and the same view.
  const view = new RtpHeaderView();
  assert.equal(view.read(packet), null);
  assert.equal(readRtpHeader(packet, view), view);
  assert.equal(view.ssrc, 0x89abcdef);
});

test('RFC 8285 one-byte form (0xBEDE): elements by id, offset and length; padding skipped; id 15 stops', () => {
  // Elements: id 1 len 1 (audio level), two padding bytes, id 3 len 3, id 15 (stop), then bytes never read.
  const body = Buffer.from([0x10, 0x7f, 0x00, 0x00, 0x32, 0xaa, 0xbb, 0xcc, 0xf0, 0x51, 0x00, 0x00]);
  const packet = rtp({ extension: { profile: 0xbede, data: body }, csrcs: [7], payloadLength: 10 });
  const h = ok(readRtpHeader(packet));
  assert.equal(h.extensionForm, 'one-byte');
  assert.deepEqual([h.extensionOffset, h.extensionProfile, h.extensionLength], [16, 0xbede, 12]);
  assert.equal(h.payloadOffset, 16 + 4 + 12);
  assert.equal(h.payloadLength, 10);
  assert.deepEqual(elements(h), [
    [1, '7f'],
    [3, 'aabbcc'],
  ]);
  assert.equal(h.extensionFailure, null);
  assert.equal(h.elementOffset, 16 + 4 + 5, 'offsets count from the packet start');
  // Walks again after a rewind.
  h.rewindExtensionElements();
  assert.equal(elements(h).length, 2);
  // An element that runs past the body: the walk stops with a reason.
  const bad = ok(readRtpHeader(rtp({ extension: { profile: 0xbede, data: Buffer.from([0x10, 0x01, 0x2f, 0x00]) } })));
  assert.deepEqual(elements(bad), [[1, '01']]);
  assert.equal(bad.extensionFailure, 'truncated-element');
});

test('RFC 8285 two-byte form (0x100x): ids up to 255, zero-length elements, padding', () => {
  const body = Buffer.from([0x01, 0x00, 0x00, 0xff, 0x03, 0x01, 0x02, 0x03, 0x10, 0x02, 0xde, 0xad]);
  for (const profile of [0x1000, 0x100f]) {
    const h = ok(readRtpHeader(rtp({ extension: { profile, data: body }, padding: 1 })));
    assert.equal(h.extensionForm, 'two-byte');
    assert.deepEqual(elements(h), [
      [1, ''],
      [255, '010203'],
      [16, 'dead'],
    ]);
    assert.equal(h.extensionFailure, null);
    assert.equal(h.paddingLength, 1);
  }
  const cut = ok(readRtpHeader(rtp({ extension: { profile: 0x1000, data: Buffer.from([0x05, 0x04, 0x01, 0x02]) } })));
  assert.deepEqual(elements(cut), []);
  assert.equal(cut.extensionFailure, 'truncated-element');
  // Another profile: the extension is located but its body has no elements to walk.
  const other = ok(readRtpHeader(rtp({ extension: { profile: 0x1234, data: Buffer.alloc(4, 0x11) } })));
  assert.equal(other.extensionForm, 'other');
  assert.deepEqual([other.extensionOffset, other.extensionLength, other.payloadOffset], [12, 4, 20]);
  assert.equal(other.nextExtensionElement(), false);
  assert.equal(other.extensionFailure, null);
});

test('each malformed header is refused with its reason, and a refused read leaves the view as it was', () => {
  const cases: [Uint8Array, RtpHeaderFailure][] = [
    [new Uint8Array(11).fill(0x80), 'too-short'],
    [rtp({ payloadLength: 0 }).fill(0x40, 0, 1), 'bad-version'],
    [Buffer.concat([Buffer.from([0x8f]), rtp({ payloadLength: 40 }).subarray(1)]), 'truncated-csrc'],
    [Buffer.from('9060000100000000000000010000', 'hex'), 'truncated-extension'],
    [Buffer.from('906000010000000000000001bede0002000000', 'hex'), 'truncated-extension'],
    [Buffer.from('a060000100000000000000010000', 'hex'), 'bad-padding'],
    [Buffer.from('a06000010000000000000001000004', 'hex'), 'bad-padding'],
  ];
  const view = ok(readRtpHeader(rtp({ ssrc: 42 })));
  for (const [packet, reason] of cases) {
    assert.equal(readRtpHeader(packet, view), reason, Buffer.from(packet).toString('hex'));
    assert.equal(view.ssrc, 42);
  }
  // Padding exactly up to the header is valid (an empty payload).
  assert.equal(ok(readRtpHeader(Buffer.from('a0600001000000000000000100000004', 'hex'))).payloadLength, 0);
});

test('every truncation of a valid packet is refused with a reason, never thrown', () => {
  const packets = [
    rtp({ csrcs: [1, 2], extension: { profile: 0xbede, data: Buffer.from([0x10, 0x01, 0x22, 1, 2, 3, 0, 0]) }, payloadLength: 5, padding: 3 }),
    rtp({ extension: { profile: 0x1000, data: Buffer.from([1, 2, 3, 4]) }, payloadLength: 0 }),
    rtp({ csrcs: [9], payloadLength: 0 }),
  ];
  const view = new RtpHeaderView();
  for (const packet of packets) {
    const header = ok(readRtpHeader(packet, view)).payloadOffset;
    for (let n = 0; n < packet.length; n++) {
      const result = readRtpHeader(packet.subarray(0, n), view);
      if (typeof result === 'string') continue;
      // A cut passes only if it keeps the whole header (and, with padding, ends on a plausible count).
      assert.ok(n >= header, `prefix ${n} of ${packet.toString('hex')}`);
      assert.equal(result.payloadOffset, header);
      assert.equal(result.payloadOffset + result.payloadLength + result.paddingLength, n);
    }
  }
  // Fewer than 12 bytes, a CSRC list or an extension cut short: always a failure.
  const full = packets[0]!;
  for (let n = 0; n < 12 + 8 + 4 + 8; n++) assert.equal(typeof readRtpHeader(full.subarray(0, n), view), 'string', `prefix ${n}`);
});

test('fast-check: random bytes never throw; generated packets read back what built them', () => {
  const view = new RtpHeaderView();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = readRtpHeader(bytes, view);
      if (typeof r === 'string') return;
      assert.ok(r.payloadOffset + r.payloadLength + r.paddingLength === bytes.length);
      while (r.nextExtensionElement()) assert.ok(r.elementOffset + r.elementLength <= r.extensionOffset + 4 + r.extensionLength);
    }),
    { numRuns: 3000 },
  );
  const oneByte = fc.array(fc.record({ id: fc.integer({ min: 1, max: 14 }), data: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), { maxLength: 5 });
  fc.assert(
    fc.property(
      fc.record({
        seq: fc.integer({ min: 0, max: 0xffff }),
        ssrc: fc.integer({ min: 0, max: 0xffffffff }),
        timestamp: fc.integer({ min: 0, max: 0xffffffff }),
        payloadType: fc.integer({ min: 0, max: 127 }),
        marker: fc.boolean(),
        csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        payloadLength: fc.integer({ min: 0, max: 300 }),
        padding: fc.integer({ min: 0, max: 255 }),
        elements: fc.option(oneByte),
      }),
      (o) => {
        let extension: { profile: number; data: Buffer } | undefined;
        if (o.elements !== null) {
          const raw = Buffer.concat(o.elements.map((e) => Buffer.concat([Buffer.from([(e.id << 4) | (e.data.length - 1)]), Buffer.from(e.data)])));
          extension = { profile: 0xbede, data: Buffer.concat([raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]) };
        }
        const packet = rtp({ ...o, extension });
        const h = ok(readRtpHeader(packet, view));
        assert.deepEqual(
          [h.sequenceNumber, h.ssrc, h.timestamp, h.payloadType, h.marker, h.csrcs(), h.payloadLength, h.paddingLength],
          [o.seq, o.ssrc, o.timestamp, o.payloadType, o.marker, o.csrcs, o.payloadLength, o.padding],
        );
        assert.equal(h.payloadOffset, 12 + 4 * o.csrcs.length + (extension ? 4 + extension.data.length : 0));
        const got = elements(h);
        assert.deepEqual(got, (o.elements ?? []).map((e) => [e.id, Buffer.from(e.data).toString('hex')]));
        assert.equal(h.extensionFailure, null);
      },
    ),
    { numRuns: 1000 },
  );
});

/** An SDES packet (PT 202) with one chunk: CNAME, END, padded to 32 bits. */
function sdes(ssrc: number, cname: string): Buffer {
  const item = Buffer.concat([Buffer.from([1, cname.length]), Buffer.from(cname), Buffer.from([0])]);
  const chunk = Buffer.concat([Buffer.alloc(4), item, Buffer.alloc((4 - (item.length % 4)) % 4)]);
  chunk.writeUInt32BE(ssrc, 0);
  const header = Buffer.from([0x81, 202, 0, 0]);
  header.writeUInt16BE(chunk.length / 4, 2);
  return Buffer.concat([header, chunk]);
}

/** A BYE (PT 203) for one SSRC, padded with `padding` bytes. */
function bye(ssrc: number, padding = 0): Buffer {
  const packet = Buffer.alloc(8 + padding);
  packet[0] = 0x81 | (padding > 0 ? 0x20 : 0);
  packet[1] = 203;
  packet.writeUInt16BE(packet.length / 4 - 1, 2);
  packet.writeUInt32BE(ssrc, 4);
  if (padding > 0) packet[packet.length - 1] = padding;
  return packet;
}

type Seen = [type: number, count: number, offset: number, length: number, ssrc: number];
function walk(compound: Uint8Array): { seen: Seen[]; failure: RtcpCompoundFailure | null } {
  const seen: Seen[] = [];
  const it = rtcpPackets(compound);
  for (const p of it) seen.push([p.packetType, p.count, p.offset, p.length, p.ssrc]);
  return { seen, failure: it.failure };
}

test('RTCP compound SR + RR + SDES + BYE: each packet with its type, count, offset, length and sender SSRC', () => {
  const parts = [rtcp({ ssrc: 0x11111111, senderReport: true, blocks: 2 }), rtcp({ ssrc: 0x22222222, blocks: 0 }), sdes(0x11111111, 'abcde'), bye(0x11111111, 4)];
  const compound = Buffer.concat(parts);
  const { seen, failure } = walk(compound);
  let at = 0;
  const expected: Seen[] = parts.map((p, i) => {
    const row: Seen = [[200, 201, 202, 203][i]!, [2, 0, 1, 1][i]!, at, p.length, [0x11111111, 0x22222222, 0x11111111, 0x11111111][i]!];
    at += p.length;
    return row;
  });
  assert.deepEqual(seen, expected);
  assert.equal(failure, null);
  // The padded BYE reports its padding; one iterator walks many compounds.
  const it = new RtcpCompoundIterator();
  for (const p of rtcpPackets(compound, it)) if (p.packetType === 203) assert.deepEqual([p.padding, p.paddingLength], [true, 4]);
  assert.equal(rtcpPackets(parts[1]!, it), it);
  assert.equal(it.advance(), true);
  assert.equal(it.packet.ssrc, 0x22222222);
  assert.equal(it.advance(), false);
  assert.equal(it.failure, null);
  // Empty input: nothing, no failure.
  assert.deepEqual(walk(new Uint8Array(0)), { seen: [], failure: null });
});

test('RTCP: malformed length words, versions, padding and tails stop the walk with a reason, never a throw', () => {
  const sr = rtcp({ ssrc: 1, senderReport: true });
  const rr = rtcp({ ssrc: 2, blocks: 1 });
  const longer = Buffer.from(rr);
  longer.writeUInt16BE(rr.length / 4, 2); // one word past the end
  const zero = Buffer.from(bye(3));
  zero.writeUInt16BE(0, 2); // 4 bytes: no room for a sender SSRC
  const v1 = Buffer.from(rr);
  v1[0] = 0x41;
  const paddedFirst = Buffer.from(bye(4, 4));
  const badCount = bye(5, 4);
  badCount[badCount.length - 1] = 0;
  const hugeCount = bye(5, 4);
  hugeCount[hugeCount.length - 1] = 13;
  const cases: [Buffer, number, RtcpCompoundFailure][] = [
    [Buffer.concat([sr, longer]), 1, 'bad-length'],
    [Buffer.concat([sr, zero]), 1, 'bad-length'],
    [Buffer.concat([sr, v1]), 1, 'bad-version'],
    [Buffer.concat([sr, Buffer.from([0x80, 201, 0])]), 1, 'too-short'],
    [Buffer.concat([paddedFirst, rr]), 0, 'bad-padding'],
    [Buffer.concat([sr, badCount]), 1, 'bad-padding'],
    [Buffer.concat([sr, hugeCount]), 1, 'bad-padding'],
  ];
  for (const [compound, good, reason] of cases) {
    const { seen, failure } = walk(compound);
    assert.equal(seen.length, good, compound.toString('hex'));
    assert.equal(failure, reason, compound.toString('hex'));
  }
  // Every truncation and random bytes: never a throw; a failure unless the cut falls on a packet boundary.
  const compound = Buffer.concat([sr, rr, sdes(1, 'x'), bye(1)]);
  const bounds = new Set([0, sr.length, sr.length + rr.length, sr.length + rr.length + sdes(1, 'x').length, compound.length]);
  for (let n = 0; n <= compound.length; n++) assert.equal(walk(compound.subarray(0, n)).failure === null, bounds.has(n), `prefix ${n}`);
  const it = new RtcpCompoundIterator();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      let end = 0;
      for (const p of rtcpPackets(bytes, it)) end = p.offset + p.length;
      assert.ok(end <= bytes.length);
      assert.equal(it.failure === null, end === bytes.length);
    }),
    { numRuns: 3000 },
  );
});

// Scavenges are counted from V8's own --trace-gc lines between two markers
// (synchronous, so a tight loop cannot hide them). The control keeps each new
// object reachable for a while, so escape analysis cannot remove it.
const CHILD = `
const { readRtpHeader, RtpHeaderView, rtcpPackets, RtcpCompoundIterator } = require(process.env.RTP_LIB);
const mode = process.argv[1];
const TOTAL = 200000, WARM = 20000;
const rtp = Buffer.from('b1e100070000a0000000beef00000001bede0002105f220102030000' + '11'.repeat(100) + '000003', 'hex');
const rtcp = Buffer.from('81c9000700000001' + '00'.repeat(24) + '81cb000100000001', 'hex');
const view = new RtpHeaderView();
const it = new RtcpCompoundIterator();
const keep = new Array(1024).fill(null);
// sum stays a small integer: a double in a script variable would box on every store.
let sum = 0;
function once(i) {
  if (mode === 'alloc') {
    const h = readRtpHeader(rtp);
    const csrcs = h.csrcs();
    keep[i & 1023] = csrcs;
    keep[(i + 512) & 1023] = h;
    sum = (sum + csrcs.length + h.payloadLength) | 0;
    for (const p of rtcpPackets(rtcp)) sum = (sum + p.ssrc) | 0;
    return;
  }
  const h = readRtpHeader(rtp, view);
  sum = (sum + h.ssrc + h.csrc(0) + h.payloadLength) | 0;
  while (h.nextExtensionElement()) sum = (sum + h.elementId) | 0;
  for (const p of rtcpPackets(rtcp, it)) sum = (sum + p.ssrc) | 0;
}
for (let i = 0; i < WARM; i++) once(i);
process.stdout.write('\\nSTART\\n');
for (let i = 0; i < TOTAL; i++) once(i);
process.stdout.write('\\nEND ' + (sum !== 0) + '\\n');
`;

async function scavenges(mode: 'reuse' | 'alloc'): Promise<number> {
  const lib = path.join(__dirname, '..', '..', 'lib', 'entry', 'rtp.js');
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-semi-space-size=1', '--trace-gc', '-e', CHILD, mode], {
    env: { ...process.env, RTP_LIB: lib },
  });
  const between = stdout.slice(stdout.indexOf('\nSTART\n'), stdout.indexOf('\nEND '));
  assert.match(stdout, /\nEND true\n/);
  return between.split('\n').filter((line) => line.includes('Scavenge')).length;
}

test('no allocation per read: 200k RTP header reads and RTCP walks with reused views (scavenge count)', async (t) => {
  const quiet = await scavenges('reuse');
  const allocating = await scavenges('alloc');
  t.diagnostic(`scavenges: ${quiet} with reused views, ${allocating} with a new view, CSRC array and iterator per read`);
  // A 1 MiB young generation: 2 scavenges over 200k reads is under 11 bytes per read.
  assert.ok(quiet <= 2, `${quiet} scavenges`);
  assert.ok(allocating >= 3 * (quiet + 5), `control: ${allocating} scavenges`);
});
