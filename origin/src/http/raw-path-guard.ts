import { ProblemError } from '@cascade/common';
import type { MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { rawPath } from './raw-path.ts';

/**
 * Routing runs on the parsed URL, in which `/vod/a/../../x` and `/vod/%2e%2e/x` have already become
 * `/x`. A request whose raw path differs from its parsed path therefore had dot segments (or bytes
 * URL parsing re-encodes); such a request is refused here instead of being routed somewhere else.
 */
export function rawPathGuard(): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    const raw = rawPath(c);
    if (!raw.startsWith('/') || raw !== new URL(c.req.url).pathname) {
      throw new ProblemError('bad-path', 'the request path contains dot segments or characters that are not allowed');
    }
    await next();
  };
}
