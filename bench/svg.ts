// SPDX-License-Identifier: MIT
/**
 * Draws results.json as one SVG picture, with no dependencies: one row per
 * figure, grouped by what it is compared with (plain C, werift, ...), a bar from
 * 1× (as fast / as small as the anchor) to the ratio on a log scale (right of
 * 1× is better for us), the target as a vertical line, met / not met in colour
 * and in words. Figures without an anchor are listed as values below.
 *
 * Run: `npm run bench:svg` (reads bench/results.json, writes docs/benchmarks.svg),
 * or `node dist/bench/svg.js <results.json> <out.svg>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatRatio, formatTarget, formatValue, isMet, type BenchRow } from './report.js';

/** What the picture needs from results.json (see bench/index.ts `Results`). */
export interface SvgInput {
  date: string;
  quick?: boolean;
  machine: { cpu: string; cores: number; memoryBytes: number };
  os: { platform: string; release: string };
  versions: Record<string, string>;
  rows: readonly BenchRow[];
}

/** Geometry, exported so that tests can check bar widths against ratios. */
export const LAYOUT = {
  width: 1160,
  labelWidth: 430,
  barLeft: 440,
  barRight: 780,
  rowHeight: 22,
} as const;

const COLOUR = { met: '#2e7d32', missed: '#c62828', none: '#4a78b0', target: '#111', grid: '#ddd', text: '#222', muted: '#666' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The group a figure is drawn in: by its anchor's name (werift-dtls and werift-rtp together). */
function groupOf(row: BenchRow): string {
  const name = row.anchor?.name ?? '';
  return name.toLowerCase().startsWith('werift') ? 'werift' : name;
}

function groupTitle(group: string): string {
  if (group === 'plain C') return 'vs plain C: the same OpenSSL / libsrtp driven from a C program';
  if (group === 'werift') return 'vs werift: the pure-TypeScript DTLS / SRTP stack';
  if (group === 'bare SrtpSession') return 'vs bare SrtpSession: the same SRTP calls without the transport around them';
  return `vs ${group}`;
}

/** The log-scale domain [lo, hi] in powers of ten that holds every ratio and 0.5×..2×. */
export function domain(ratios: readonly number[]): [number, number] {
  const finite = ratios.filter((r) => Number.isFinite(r) && r > 0);
  const lo = Math.min(0.5, ...finite);
  const hi = Math.max(2, ...finite);
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
}

/** Draws the picture. */
export function renderSvg(results: SvgInput): string {
  const { width, labelWidth, barLeft, barRight, rowHeight } = LAYOUT;
  const compared = results.rows.filter((r) => r.ratio !== undefined && Number.isFinite(r.ratio) && r.ratio > 0);
  const plain = results.rows.filter((r) => !compared.includes(r));
  const targets = compared.flatMap((r) => (r.target?.of === 'ratio' ? [r.target.min, r.target.max] : [])).filter((v) => v !== undefined);
  const [lo, hi] = domain([...compared.map((r) => r.ratio!), ...targets]);
  const perDecade = (barRight - barLeft) / Math.log10(hi / lo);
  const x = (ratio: number) => barLeft + Math.log10(ratio / lo) * perDecade;
  const x1 = x(1);

  const groups = new Map<string, BenchRow[]>();
  for (const row of compared) groups.set(groupOf(row), [...(groups.get(groupOf(row)) ?? []), row]);
  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  const out: string[] = [];
  let y = 0;
  const v = results.versions;
  const machine = `${results.machine.cpu}, ${results.machine.cores} cores, ${(results.machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
  out.push(`<text x="16" y="${(y += 28)}" font-size="18" font-weight="bold">dtls-srtp: how we compare, ours ÷ anchor (right of 1× is better for us)</text>`);
  out.push(
    `<text x="16" y="${(y += 20)}" fill="${COLOUR.muted}">${esc(
      `${results.date.slice(0, 10)}${results.quick === true ? ' (quick run: a first look, not figures to quote)' : ''} · ${machine} · ${results.os.platform} ${results.os.release}`,
    )}</text>`,
  );
  out.push(
    `<text x="16" y="${(y += 18)}" fill="${COLOUR.muted}">${esc(
      Object.entries(v)
        .map(([k, value]) => `${k} ${value.replace(/^(OpenSSL|libsrtp2?) /i, '')}`)
        .join(' · '),
    )}</text>`,
  );
  y += 14;
  // Legend.
  const legend: [string, string][] = [
    [COLOUR.met, 'target met'],
    [COLOUR.missed, 'target not met'],
    [COLOUR.none, 'no target'],
  ];
  let lx = 16;
  for (const [colour, label] of legend) {
    out.push(`<rect x="${lx}" y="${y}" width="14" height="12" fill="${colour}"/>`);
    out.push(`<text x="${lx + 20}" y="${y + 11}">${label}</text>`);
    lx += 40 + label.length * 7;
  }
  out.push(`<line x1="${lx}" x2="${lx}" y1="${y - 2}" y2="${y + 14}" stroke="${COLOUR.target}" stroke-width="2.5"/>`);
  out.push(`<text x="${lx + 8}" y="${y + 11}">target (the issue's bound on the ratio)</text>`);
  y += 26;

  if (compared.length === 0) {
    out.push(`<text x="16" y="${(y += 20)}">No figure with an anchor in these results.</text>`);
  }
  for (const group of order) {
    const rows = groups.get(group)!;
    y += 10;
    out.push(`<text x="16" y="${(y += 16)}" font-size="14" font-weight="bold">${esc(groupTitle(group))}</text>`);
    y += 8;
    const top = y;
    const bottom = top + rows.length * rowHeight;
    // Grid and ticks.
    for (const t of ticks(lo, hi)) {
      const tx = x(t).toFixed(1);
      const decade = Number.isInteger(Math.log10(t));
      out.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${bottom}" stroke="${t === 1 ? '#888' : COLOUR.grid}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
      // 2× and 5× are labelled only where there is room for them.
      if (decade || perDecade >= 90) {
        out.push(`<text x="${tx}" y="${bottom + 14}" text-anchor="middle" font-size="11" fill="${COLOUR.muted}">${t}×</text>`);
      }
    }
    for (const [i, row] of rows.entries()) {
      const ry = top + i * rowHeight;
      const r = row.ratio!;
      const met = isMet(row);
      const colour = met === undefined ? COLOUR.none : met ? COLOUR.met : COLOUR.missed;
      const label = `${row.suite}: ${row.case}`;
      out.push(`<text x="16" y="${ry + 15}"><title>${esc(label)}</title>${esc(clip(label, 61))}</text>`);
      const bx = Math.min(x(r), x1);
      const bw = Math.abs(x(r) - x1);
      out.push(
        `<rect class="bar" data-ratio="${r}" x="${bx.toFixed(2)}" y="${ry + 4}" width="${bw.toFixed(2)}" height="${rowHeight - 8}" fill="${colour}"><title>${esc(
          `${formatRatio(r)}: ours ${formatValue(row.ours)} ${row.metric}, ${row.anchor!.name} ${formatValue(row.anchor!.value)}`,
        )}</title></rect>`,
      );
      if (row.target?.of === 'ratio') {
        for (const bound of [row.target.min, row.target.max]) {
          if (bound === undefined) continue;
          const tx = x(bound).toFixed(2);
          out.push(`<line class="target" data-target="${bound}" x1="${tx}" x2="${tx}" y1="${ry + 1}" y2="${ry + rowHeight - 1}" stroke="${COLOUR.target}" stroke-width="2.5"/>`);
        }
      }
      const verdict = met === undefined ? '' : met ? ' ✓ met' : ' ✗ not met';
      const target = formatTarget(row);
      // A target on our own figure (ms, bytes) is shown next to that figure, not the ratio.
      const text =
        target === ''
          ? formatRatio(r)
          : row.target?.of === 'ours'
            ? `${formatRatio(r)} · ours ${formatValue(row.ours)} ${row.metric}, target ${target}${verdict}`
            : `${formatRatio(r)}, target ${target}${verdict}`;
      out.push(`<text x="${barRight + 12}" y="${ry + 15}" fill="${colour}">${esc(text)}</text>`);
    }
    y = bottom + 18;
  }
  if (compared.length > 0) {
    out.push(
      `<text x="${barLeft}" y="${(y += 18)}" font-size="12" fill="${COLOUR.muted}">ours ÷ anchor, log scale · left of 1×: the anchor is better · right of 1×: we are better</text>`,
    );
  }
  if (plain.length > 0) {
    y += 14;
    out.push(`<text x="16" y="${(y += 16)}" font-size="14" font-weight="bold">Figures without an anchor</text>`);
    y += 4;
    for (const row of plain) {
      const met = isMet(row);
      const target = formatTarget(row);
      out.push(
        `<text x="16" y="${(y += 18)}">${esc(clip(`${row.suite}: ${row.case}`, 61))}</text>` +
          `<text x="${labelWidth + 20}" y="${y}" fill="${met === undefined ? COLOUR.text : met ? COLOUR.met : COLOUR.missed}">${esc(
            `${formatValue(row.ours)} ${row.metric}${target === '' ? '' : ` (target ${target})`}${met === undefined ? '' : met ? ' ✓ met' : ' ✗ not met'}`,
          )}</text>`,
      );
    }
  }
  const height = y + 20;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13" fill="${COLOUR.text}">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`
  );
}

function rank(group: string): number {
  return group === 'plain C' ? 0 : group === 'werift' ? 1 : 2;
}

/** 1, 2, 5 per decade within [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let d = lo; d < hi * 1.001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const t = Number((d * m).toPrecision(3));
      if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t);
    }
  }
  return out;
}

if (require.main === module) {
  const root = path.join(__dirname, '..', '..');
  const [input = path.join(root, 'bench', 'results.json'), output = path.join(root, 'docs', 'benchmarks.svg')] = process.argv.slice(2);
  const results = JSON.parse(fs.readFileSync(input, 'utf8')) as SvgInput;
  fs.writeFileSync(output, renderSvg(results));
  console.log(`wrote ${path.relative(process.cwd(), output) || output}`);
}
