// SPDX-License-Identifier: MIT
// The benchmark picture (bench/svg.ts) drawn from a fixed results.json: one row
// per figure, bars whose widths follow the ratios on the stated log scale, the
// target line where the target is, and met / not met visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYOUT, domain, renderSvg } from '../../bench/svg.js';
import { isMet } from '../../bench/report.js';
import { benchResults } from '../fixtures/bench-results.js';

interface Bar {
  ratio: number;
  x: number;
  width: number;
  fill: string;
}

function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<rect class="bar" data-ratio="([^"]+)" x="([^"]+)" y="[^"]+" width="([^"]+)" height="[^"]+" fill="([^"]+)"/g)].map(
    (m) => ({ ratio: Number(m[1]), x: Number(m[2]), width: Number(m[3]), fill: m[4]! }),
  );
}

const svg = renderSvg(benchResults);
const compared = benchResults.rows.filter((r) => r.ratio !== undefined);
const targets = compared.flatMap((r) => (r.target?.of === 'ratio' ? [r.target.min ?? r.target.max!] : []));
const [lo, hi] = domain([...compared.map((r) => r.ratio!), ...targets]);
const perDecade = (LAYOUT.barRight - LAYOUT.barLeft) / Math.log10(hi / lo);
const xOf = (ratio: number) => LAYOUT.barLeft + Math.log10(ratio / lo) * perDecade;

test('the picture is one SVG document with a bar per compared figure', () => {
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.deepEqual(
    bars(svg).map((b) => b.ratio).sort((a, b) => a - b),
    compared.map((r) => r.ratio!).sort((a, b) => a - b),
  );
});

test('bar widths follow the ratios: |log10(ratio)| on one scale, from the 1× line', () => {
  const all = bars(svg);
  assert.equal(all.length, 6);
  for (const b of all) {
    assert.ok(Math.abs(b.width - Math.abs(Math.log10(b.ratio)) * perDecade) < 0.02, `ratio ${b.ratio}: width ${b.width}`);
    // Better than the anchor: the bar grows right of 1×; worse: it ends at 1×.
    const start = b.ratio >= 1 ? b.x : b.x + b.width;
    assert.ok(Math.abs(start - xOf(1)) < 0.02, `ratio ${b.ratio} starts at ${start}, 1× is at ${xOf(1)}`);
  }
  // Ordered: a larger ratio reaches further right.
  const ends = all.map((b) => ({ ratio: b.ratio, right: b.ratio >= 1 ? b.x + b.width : b.x })).sort((a, b) => a.ratio - b.ratio);
  for (let i = 1; i < ends.length; i++) assert.ok(ends[i]!.right > ends[i - 1]!.right);
});

test('each ratio target is a line at its value; met and not met differ in colour and words', () => {
  const lines = [...svg.matchAll(/<line class="target" data-target="([^"]+)" x1="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(lines.map(([t]) => t).sort(), [0.8, 0.9, 6]);
  for (const [t, x] of lines) assert.ok(Math.abs(x! - xOf(t!)) < 0.02);
  const byRatio = new Map(bars(svg).map((b) => [b.ratio, b.fill]));
  const met = compared.filter((r) => isMet(r) === true);
  const missed = compared.filter((r) => isMet(r) === false);
  assert.ok(met.length >= 2 && missed.length >= 2);
  const metColours = new Set(met.map((r) => byRatio.get(r.ratio!)));
  const missedColours = new Set(missed.map((r) => byRatio.get(r.ratio!)));
  assert.equal(metColours.size, 1);
  assert.equal(missedColours.size, 1);
  assert.notDeepEqual(metColours, missedColours);
  assert.equal((svg.match(/✓ met/g) ?? []).length, met.length);
  assert.equal((svg.match(/✗ not met/g) ?? []).length, missed.length);
});

test('figures are grouped by anchor, and a figure without one is listed with its value', () => {
  assert.match(svg, /vs plain C/);
  assert.match(svg, /vs werift/);
  assert.ok(svg.indexOf('vs plain C') < svg.indexOf('vs werift'));
  assert.match(svg, /Figures without an anchor[\s\S]*classifyDatagram \(RTP, 1200 B\)[\s\S]*6\.10 M ops\/s/);
});

test('text is escaped', () => {
  const out = renderSvg({ ...benchResults, rows: [{ suite: 's', case: 'a <b> & "c"', metric: 'x', ours: 1, anchor: { name: 'C', value: 2 }, ratio: 0.5 }] });
  assert.match(out, /a &lt;b&gt; &amp; &quot;c&quot;/);
  assert.doesNotMatch(out, /<b>/);
});
