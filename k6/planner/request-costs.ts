import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EDGE_TYPES, type EdgeType, type RequestCosts } from './plan-surge.ts';

/**
 * Worker CPU per request when nothing better is at hand. Provenance: the edge's own measurements on
 * this project's 2-core machine (workerd CPU time over a phase of one request type in `npm run
 * bench:surge`, 2026-11-21), rounded up. A manifest pays the viewer-JWT check (ES256, bench:access),
 * the rewrite (bench:rewriter) and a StreamLimiter RPC; a segment only the cached session-token check
 * and a Cache API hit. Production CPUs are faster; these are deliberately not optimistic.
 */
export const DEFAULT_COSTS: RequestCosts = {
  cpuMs: { manifest: 2.5, playlist: 0.9, segment: 0.35, license: 1.0, heartbeat: 0.6 },
  provenance: 'committed defaults (k6/planner/request-costs.ts): estimates, to be replaced by bench:surge measurements',
};

/** Measured costs from `bench-results/surge.json` (metrics `worker_cpu_ms_<type>`), else the defaults. */
export function loadRequestCosts(benchDir: string): RequestCosts {
  const file = join(benchDir, 'surge.json');
  if (!existsSync(file)) return DEFAULT_COSTS;
  const report = JSON.parse(readFileSync(file, 'utf8')) as { metrics?: Array<{ name: string; value: number }> };
  const cpuMs = { ...DEFAULT_COSTS.cpuMs };
  const found: EdgeType[] = [];
  for (const type of EDGE_TYPES) {
    const metric = report.metrics?.find((m) => m.name === `worker_cpu_ms_${type}`);
    if (metric && Number.isFinite(metric.value) && metric.value > 0) {
      cpuMs[type] = metric.value;
      found.push(type);
    }
  }
  if (found.length === 0) return DEFAULT_COSTS;
  return { cpuMs, provenance: `${file} (measured: ${found.join(', ')}; defaults for the rest)` };
}
