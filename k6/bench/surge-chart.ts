import type { EdgeType } from '../planner/plan-surge.ts';

export interface SurgeSecond {
  t: number;
  viewers: number;
  edge: number;
  shield: number;
  origin: number;
  errors: number;
  p99: Record<EdgeType, number>;
}

const COLORS: Record<string, string> = { edge: '#1f77b4', shield: '#2ca02c', origin: '#d62728', errors: '#000', segment: '#ff7f0e', playlist: '#9467bd', manifest: '#8c564b', heartbeat: '#17becf', license: '#e377c2' };

/** Three panels over time: viewers; requests/s per tier (and errors); p99 latency per request type. */
export function surgeChart(seconds: SurgeSecond[], title: string): string {
  const W = 960, left = 70, right = 150, panelH = 150, gap = 45, top = 40;
  const H = top + 3 * (panelH + gap);
  const plotW = W - left - right;
  const end = Math.max(1, seconds.at(-1)?.t ?? 1);
  const x = (t: number) => left + (t / end) * plotW;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`];
  const panel = (index: number, label: string, series: Array<[string, number[]]>) => {
    const y0 = top + index * (panelH + gap);
    const max = Math.max(1, ...series.flatMap(([, v]) => v.filter(Number.isFinite)));
    const y = (v: number) => y0 + panelH - (v / max) * panelH;
    out.push(`<text x="${left}" y="${y0 - 6}">${label} (max ${Math.round(max).toLocaleString('en')})</text>`);
    out.push(`<line x1="${left}" y1="${y0 + panelH}" x2="${left + plotW}" y2="${y0 + panelH}" stroke="#999"/>`);
    series.forEach(([name, values], i) => {
      const points = values.map((v, j) => (Number.isFinite(v) ? `${x(seconds[j]!.t).toFixed(1)},${y(v).toFixed(1)}` : '')).filter((p) => p !== '').join(' ');
      out.push(`<polyline fill="none" stroke="${COLORS[name] ?? '#555'}" stroke-width="1.4" points="${points}"/>`);
      out.push(`<rect x="${left + plotW + 12}" y="${y0 + i * 16}" width="12" height="3" fill="${COLORS[name] ?? '#555'}"/><text x="${left + plotW + 28}" y="${y0 + i * 16 + 5}">${name}</text>`);
    });
  };
  panel(0, 'viewers', [['viewers', seconds.map((s) => s.viewers)]]);
  panel(1, 'requests per second by tier', [['edge', seconds.map((s) => s.edge)], ['shield', seconds.map((s) => s.shield)], ['origin', seconds.map((s) => s.origin)], ['errors', seconds.map((s) => s.errors)]]);
  panel(2, 'p99 latency per request type, ms', (['segment', 'playlist', 'manifest', 'heartbeat', 'license'] as EdgeType[]).map((k) => [k, seconds.map((s) => s.p99[k])]));
  for (let t = 0; t <= end; t += Math.max(10, Math.round(end / 10 / 10) * 10)) out.push(`<text x="${x(t)}" y="${H - 8}" text-anchor="middle">${t} s</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
