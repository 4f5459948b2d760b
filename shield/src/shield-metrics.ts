import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DiskCacheStore } from './disk-cache-store.ts';
import type { MemoryCacheStore } from './memory-cache-store.ts';

export type RequestResult = 'hit' | 'miss' | 'collapsed' | 'pass' | 'stale' | 'revalidated' | 'error';

export interface ShieldMetrics {
  countRequest(result: RequestResult, seconds: number): void;
  /** `seconds` to the response headers; omitted when not measured (pass-through). */
  countOriginFetch(status: string, seconds?: number): void;
  countBytes(bytes: number): void;
  countPurge(kind: 'key' | 'prefix', objects: number): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The shield's Prometheus series. Cache gauges are read from the stores at scrape time, so the hot
 * path pays nothing for them.
 */
export function createShieldMetrics(registry: Registry, store: MemoryCacheStore, disk: DiskCacheStore | undefined): ShieldMetrics {
  const requests = new Counter({
    name: 'shield_requests_total',
    help: 'Media requests by how they were answered: hit, miss, collapsed (joined an in-flight fetch), pass (uncached), stale, revalidated, error.',
    labelNames: ['result'],
    registers: [registry],
  });
  const collapsed = new Counter({
    name: 'shield_collapsed_waiters_total',
    help: 'Requests that joined an origin fetch already in flight instead of starting their own.',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'shield_request_duration_seconds',
    help: 'Time from request to the end of the answer, by result.',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const originFetches = new Counter({
    name: 'shield_origin_fetches_total',
    help: 'Requests sent to the origin, by HTTP status, or timeout / unreachable / error when none came back.',
    labelNames: ['status'],
    registers: [registry],
  });
  const originDuration = new Histogram({
    name: 'shield_origin_fetch_duration_seconds',
    help: 'Time from sending an origin request to its response headers (or failure).',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const bytes = new Counter({ name: 'shield_response_bytes_total', help: 'Body bytes sent to clients.', registers: [registry] });
  const purges = new Counter({
    name: 'shield_purged_objects_total',
    help: 'Objects removed by the purge API, by purge kind (key, prefix).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const tiers: [string, { bytes: number; objects: number; evictions: number }][] = [['memory', store]];
  if (disk !== undefined) tiers.push(['disk', disk]);
  new Gauge({
    name: 'shield_cache_bytes',
    help: 'Bytes held by each cache tier, including per-entry overhead.',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      for (const [tier, s] of tiers) this.set({ tier }, s.bytes);
    },
  });
  new Gauge({
    name: 'shield_cache_objects',
    help: 'Objects held by each cache tier (fresh and stale).',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      for (const [tier, s] of tiers) this.set({ tier }, s.objects);
    },
  });
  new Counter({
    name: 'shield_cache_evictions_total',
    help: 'Objects evicted from each cache tier to make room.',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [tier, s] of tiers) this.inc({ tier }, s.evictions);
    },
  });
  // Pre-create every result so dashboards see zeros rather than missing series.
  for (const result of ['hit', 'miss', 'collapsed', 'pass', 'stale', 'revalidated', 'error'] as const) requests.inc({ result }, 0);

  return {
    countRequest(result, seconds) {
      requests.inc({ result });
      duration.observe({ result }, seconds);
      if (result === 'collapsed') collapsed.inc();
    },
    countOriginFetch(status, seconds) {
      originFetches.inc({ status });
      if (seconds !== undefined) originDuration.observe(seconds);
    },
    countBytes: (n) => bytes.inc(n),
    countPurge: (kind, objects) => purges.inc({ kind }, objects),
  };
}
