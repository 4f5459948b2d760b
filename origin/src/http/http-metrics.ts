import { Counter, Histogram, type Registry } from 'prom-client';

/** A small fixed set of route labels keeps the series count bounded whatever paths clients send. */
export type RouteLabel = 'media' | 'api' | 'health' | 'metrics' | 'other';

export function routeLabel(rawPath: string): RouteLabel {
  if (rawPath.startsWith('/vod/')) return 'media';
  if (rawPath.startsWith('/api/')) return 'api';
  if (rawPath === '/healthz') return 'health';
  if (rawPath === '/metrics') return 'metrics';
  return 'other';
}

export interface HttpMetrics {
  observe(route: RouteLabel, status: number, seconds: number): void;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: 'origin_http_requests_total',
    help: 'HTTP requests answered by the origin, by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'origin_http_request_duration_seconds',
    help: 'Time to the response headers, by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    observe(route, status, seconds) {
      requests.inc({ route, status: String(status) });
      duration.observe({ route }, seconds);
    },
  };
}
