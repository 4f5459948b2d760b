import { Counter, Gauge, type Registry } from 'prom-client';
import type { MemoryCacheStore } from './memory-cache-store.ts';

export type RequestResult = 'hit' | 'miss' | 'collapsed' | 'pass' | 'error';

export interface ShieldMetrics {
  countRequest(result: RequestResult): void;
  countOriginFetch(status: string): void;
}

/**
 * The shield's Prometheus series. Cache gauges are read from the store at scrape time, so the hot path
 * pays nothing for them.
 */
export function createShieldMetrics(registry: Registry, store: MemoryCacheStore): ShieldMetrics {
  const requests = new Counter({
    name: 'shield_requests_total',
    help: 'Media requests by how they were answered: hit, miss, collapsed (shared an in-flight fetch), pass (uncached), error.',
    labelNames: ['result'],
    registers: [registry],
  });
  const originFetches = new Counter({
    name: 'shield_origin_fetches_total',
    help: 'Requests sent to the origin, by HTTP status, or timeout / unreachable / error when none came back.',
    labelNames: ['status'],
    registers: [registry],
  });
  new Gauge({
    name: 'shield_cache_bytes',
    help: 'Bytes held by the memory cache, including per-entry overhead.',
    registers: [registry],
    collect() {
      this.set(store.bytes);
    },
  });
  new Gauge({
    name: 'shield_cache_objects',
    help: 'Objects held by the memory cache (fresh and stale).',
    registers: [registry],
    collect() {
      this.set(store.objects);
    },
  });
  new Counter({
    name: 'shield_cache_evictions_total',
    help: 'Objects evicted from the memory cache to make room.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(store.evictions);
    },
  });
  // Pre-create every result so dashboards see zeros rather than missing series.
  for (const result of ['hit', 'miss', 'collapsed', 'pass', 'error'] as const) requests.inc({ result }, 0);

  return {
    countRequest: (result) => requests.inc({ result }),
    countOriginFetch: (status) => originFetches.inc({ status }),
  };
}
