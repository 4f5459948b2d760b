import { ProblemError, parseMediaPath } from '@cascade/common';
import { Hono } from 'hono';
import type { EdgeConfig } from '../config.ts';
import type { SessionTokens } from '../session/session-token.ts';
import { fetchUpstream, upstreamFailure } from '../upstream/fetch-upstream.ts';

const PREFIX = '/v1/media/';
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'cache-control', 'etag', 'last-modified', 'accept-ranges'];

/**
 * `GET /v1/media/{sessionToken}/{vod|live}/{id}/{file}`: media playlists, init and media segments.
 * The token is checked (cached after the first verification), then the object comes from the
 * Workers Cache API under a key without the token, or from the shield on a miss.
 */
export function mediaRoutes(config: EdgeConfig, sessions: SessionTokens): Hono {
  const app = new Hono();

  app.get('/:token/*', async (c) => {
    const url = new URL(c.req.url);
    const token = c.req.param('token');
    // The raw (still percent-encoded) remainder: parseMediaPath refuses any '%' so doubled encodings
    // never get decoded into something that passed the check.
    const rawPath = url.pathname.slice(PREFIX.length + token.length + 1);
    await sessions.verify(token, rawPath);
    const path = parseMediaPath(rawPath).join('/');

    const cache = await caches.open('media');
    const cacheKey = new Request(`${url.origin}/__media/${path}`);
    const range = c.req.header('range');
    const conditional = c.req.header('if-none-match');

    const cached = await cache.match(
      new Request(cacheKey, { headers: { ...(range && { range }), ...(conditional && { 'if-none-match': conditional }) } }),
    );
    if (cached) return withEdgeHeaders(cached, 'HIT');

    // A ranged miss is passed through uncached: Cache API stores only whole 200 answers, and our
    // packager writes one file per segment, so ranges are the rare case.
    const upstream = await fetchUpstream(new URL(path, config.shieldUrl), {
      timeoutMs: config.upstreamTimeoutMs,
      shieldAuthSecret: config.shieldAuthSecret,
      ...(range && { headers: { range } }),
    });
    if (upstream.status !== 200 && upstream.status !== 206) {
      throw upstreamFailure(upstream, new ProblemError('not-found', `no object ${path}`));
    }
    const response = new Response(upstream.body, { status: upstream.status, headers: pick(upstream.headers) });
    if (upstream.status === 200 && isCacheable(upstream.headers)) {
      c.executionCtx.waitUntil(cache.put(cacheKey, response.clone()));
    }
    return withEdgeHeaders(response, 'MISS');
  });

  app.all('*', () => {
    throw new ProblemError('not-found', 'media URLs have the form /v1/media/{token}/{path}');
  });
  return app;
}

function pick(headers: Headers): Headers {
  const out = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

function isCacheable(headers: Headers): boolean {
  const cacheControl = headers.get('cache-control') ?? '';
  return !/\b(no-store|private)\b/i.test(cacheControl) && !headers.has('set-cookie');
}

function withEdgeHeaders(response: Response, state: 'HIT' | 'MISS'): Response {
  const out = new Response(response.body, response);
  out.headers.set('x-edge-cache', state);
  return out;
}
