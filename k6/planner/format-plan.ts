import { EDGE_TYPES, type SurgePlan } from './plan-surge.ts';

function si(value: number, unit: string): string {
  const abs = Math.abs(value);
  const [div, prefix] = abs >= 1e12 ? [1e12, 'T'] : abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const n = value / div;
  return `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${prefix}${unit}`;
}

const minutes = (t: number | null) => (t === null ? '—' : `${Math.round(t / 60)} min`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The plan as text: tiers with headroom, then the load at the peak instant by tier and type. */
export function formatPlan(plan: SurgePlan): string {
  const tiers = table(
    ['tier', 'peak load', 'capacity', 'peak use', 'headroom', 'saturates at'],
    plan.tiers.map((t) => [
      t.tier, si(t.peak, t.unit), t.capacity === null ? 'unbounded' : si(t.capacity, t.unit),
      t.peakUtilization === null ? '—' : `${(t.peakUtilization * 100).toFixed(1)} %`,
      t.headroom === null ? '—' : `${t.headroom.toFixed(2)}×`, minutes(t.saturatesAt),
    ]),
  );
  const peak = plan.samples.reduce((a, s) => (s.edgeTotal > a.edgeTotal ? s : a));
  const growth = plan.samples.reduce((a, s) => (s.newSessionsPerSecond > a.newSessionsPerSecond ? s : a));
  const rows: string[][] = [
    ...EDGE_TYPES.map((k) => [`edge ${k}`, si(peak.edge[k], 'req/s'), si(growth.edge[k], 'req/s')]),
    ['Worker CPU', si(peak.workerCpuSecondsPerSecond, 'CPU-s/s'), si(growth.workerCpuSecondsPerSecond, 'CPU-s/s')],
    ['Worker isolates', si(peak.isolates, ''), si(growth.isolates, '')],
    ['shield (from edge)', si(peak.shield.total, 'req/s'), si(growth.shield.total, 'req/s')],
    ['  segments / new segment / rendition', peak.shieldPerNewSegmentPerRendition.toFixed(1), growth.shieldPerNewSegmentPerRendition.toFixed(1)],
    ['origin (from shield)', si(peak.origin.total, 'req/s'), si(growth.origin.total, 'req/s')],
    ['  segments / new segment / rendition', peak.originPerNewSegmentPerRendition.toFixed(2), growth.originPerNewSegmentPerRendition.toFixed(2)],
    ...Object.entries(peak.bandwidthBps.pathways).map(([name, v]) => [`CDN ${name} egress`, si(v, 'bit/s'), si(growth.bandwidthBps.pathways[name]!, 'bit/s')]),
    ['shield egress', si(peak.bandwidthBps.shieldEgress, 'bit/s'), si(growth.bandwidthBps.shieldEgress, 'bit/s')],
    ['origin egress', si(peak.bandwidthBps.originEgress, 'bit/s'), si(growth.bandwidthBps.originEgress, 'bit/s')],
    ['DO ops (all)', si(peak.durableObjects.total, 'op/s'), si(growth.durableObjects.total, 'op/s')],
    ['  RevocationList reads', si(peak.durableObjects.revocationReads, 'op/s'), si(growth.durableObjects.revocationReads, 'op/s')],
    ['  busiest StreamLimiter', si(peak.durableObjects.busiestStreamLimiter, 'op/s'), si(growth.durableObjects.busiestStreamLimiter, 'op/s')],
    ['revocation lookups (PoP Cache API)', si(peak.revocationPopLookups, 'op/s'), si(growth.revocationPopLookups, 'op/s')],
    ['license calls', si(peak.licenseCalls, 'req/s'), si(growth.licenseCalls, 'req/s')],
    ['ad-server calls (peak of event)', si(Math.max(...plan.samples.map((s) => s.adServerCalls)), 'req/s'), ''],
  ];
  const loads = table([`per second`, `at peak (${minutes(peak.t)}, ${si(peak.viewers, 'viewers')})`, `at fastest growth (${minutes(growth.t)})`], rows);
  const b = plan.bottleneck;
  const verdict = b.saturates
    ? `first tier to saturate: ${b.tier}, at ${minutes(b.at)} (peak ${(b.utilization * 100).toFixed(0)} % of capacity)`
    : `no tier saturates; closest: ${b.tier} at ${(b.utilization * 100).toFixed(1)} % of capacity`;
  const provenance = plan.tiers.filter((t) => t.provenance !== '').map((t) => `  ${t.tier}: ${t.provenance}`);
  const revocation = `a revocation is in force in every isolate within ${plan.revocationBoundSeconds} s of its write`;
  return `${tiers}\n\n${loads}\n\n${verdict}\n${revocation}\nWorker CPU costs: ${plan.costs.provenance}\ncapacities:\n${[...new Set(provenance)].join('\n')}\n`;
}
