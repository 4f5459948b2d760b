import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

/**
 * The request path exactly as it arrived (still percent-encoded, dot segments intact), without the
 * query. URL parsing normalises `..` and `%2e%2e` away, so validating the parsed path would check a
 * different path from the one the client sent.
 */
export function rawPath(c: Context<{ Bindings: HttpBindings }>): string {
  const raw = (c.env as Partial<HttpBindings> | undefined)?.incoming?.url ?? new URL(c.req.url).pathname;
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}
