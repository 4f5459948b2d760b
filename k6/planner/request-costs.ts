import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EDGE_TYPES, type EdgeType, type RequestCosts } from './plan-surge.ts';

/**
 * Worker CPU per request when no bench-results/surge.json is at hand: what `npm run bench:surge`
 * measured on this project's 2-core machine on 2026-11-21 after the surge work (the Worker on a direct
 * workerd socket, hot media objects in isolate memory, no alarm write per renewal): workerd CPU time
 * over a burst of one request type / requests; two runs, the higher figure kept. They include workerd's
 * HTTP handling and the local Durable Object storage, so they are above what production spends.
 * A manifest pays the viewer-JWT check (ES256), the rewrite and a StreamLimiter acquire; a playlist
 * reload a StreamLimiter renewal (about half its cost) and the rewrite; a segment the cached
 * session-token check and an isolate-memory hit. License: not measured by the bench (live-demo is
 * clear); estimated as a heartbeat plus a key unwrap. Before this work: manifest 7.7–8.3, playlist
 * 2.5–3.6, segment 1.7, heartbeat 1.6–1.7 ms (README "Measured local surge").
 */
export const DEFAULT_COSTS: RequestCosts = {
  cpuMs: { manifest: 6.0, playlist: 1.6, segment: 0.45, license: 1.9, heartbeat: 0.97 },
  provenance: 'committed defaults (k6/planner/request-costs.ts): bench:surge on the 2-core dev machine, 2026-11-21 (license estimated)',
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
