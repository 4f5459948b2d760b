import type { SurgePlan } from './plan-surge.ts';

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The plan as an SVG line chart: viewers (top panel) and each tier's load as a share of its capacity
 * (bottom panel, log scale, the 100 % line marked), over the event. Plain SVG, no library.
 */
export function planChart(plan: SurgePlan, title: string): string {
  const W = 960, H = 620, left = 70, right = 240, top = 40;
  const plotW = W - left - right;
  const viewersH = 160, utilTop = top + viewersH + 50, utilH = 330;
  const end = plan.samples.at(-1)!.t || 1;
  const x = (t: number) => left + (t / end) * plotW;
  const maxViewers = Math.max(...plan.samples.map((s) => s.viewers), 1);
  const yViewers = (v: number) => top + viewersH - (v / maxViewers) * viewersH;
  const lo = -3, hi = 2; // 0.1 % to 10,000 %
  const yUtil = (u: number) => utilTop + utilH - ((Math.log10(Math.max(u, 10 ** lo)) - lo) / (hi - lo)) * utilH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`);
  out.push(`<text x="${left}" y="${top - 6}">concurrent viewers (peak ${Math.round(maxViewers).toLocaleString('en')})</text>`);
  out.push(`<polyline fill="none" stroke="#333" stroke-width="2" points="${plan.samples.map((s) => `${x(s.t).toFixed(1)},${yViewers(s.viewers).toFixed(1)}`).join(' ')}"/>`);
  out.push(`<line x1="${left}" y1="${top + viewersH}" x2="${left + plotW}" y2="${top + viewersH}" stroke="#999"/>`);
  out.push(`<text x="${left}" y="${utilTop - 6}">load / capacity per tier (log scale)</text>`);
  for (let e = lo; e <= hi; e++) {
    const y = yUtil(10 ** e);
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${e === 0 ? '#d62728' : '#ddd'}" stroke-dasharray="${e === 0 ? '6,3' : ''}"/>`);
    out.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${(100 * 10 ** e).toLocaleString('en')} %</text>`);
  }
  const tiers = Object.keys(plan.samples[0]!.utilization);
  tiers.forEach((tier, i) => {
    const color = COLORS[i % COLORS.length]!;
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${plan.samples.map((s) => `${x(s.t).toFixed(1)},${yUtil(s.utilization[tier] ?? 0).toFixed(1)}`).join(' ')}"/>`);
    out.push(`<rect x="${left + plotW + 14}" y="${utilTop + i * 18}" width="12" height="3" fill="${color}"/>`);
    out.push(`<text x="${left + plotW + 30}" y="${utilTop + i * 18 + 5}">${escape(tier)}</text>`);
  });
  for (let m = 0; m <= end / 60; m += Math.max(1, Math.round(end / 60 / 10 / 10) * 10)) {
    out.push(`<text x="${x(m * 60)}" y="${utilTop + utilH + 16}" text-anchor="middle">${m} min</text>`);
  }
  const b = plan.bottleneck;
  out.push(`<text x="${left}" y="${H - 12}" font-weight="bold">${escape(b.saturates ? `first to saturate: ${b.tier} at ${Math.round(b.at! / 60)} min (peak ${(b.utilization * 100).toFixed(0)} % of capacity)` : `nothing saturates; closest: ${b.tier} at ${(b.utilization * 100).toFixed(0)} %`)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
