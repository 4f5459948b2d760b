import type { Logger } from '@cascade/common/node';
import type { MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { routeLabel, type HttpMetrics } from './http-metrics.ts';
import { rawPath } from './raw-path.ts';

/** One JSON access-log line and one metrics observation per request, after the response is decided. */
export function observeRequests(deps: { logger: Logger; metrics: HttpMetrics }): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const path = rawPath(c);
    const route = routeLabel(path);
    const status = c.res.status;
    deps.metrics.observe(route, status, seconds);
    deps.logger.info(
      {
        method: c.req.method,
        path: path.slice(0, 256),
        route,
        status,
        contentLength: c.res.headers.get('content-length') ?? undefined,
        durationMs: Math.round(seconds * 1000 * 10) / 10,
        range: c.req.header('range'),
      },
      'request',
    );
  };
}
