import { ProblemError } from '@cascade/common';
import type { EdgeConfig } from '../config.ts';
import { fetchUpstream, upstreamFailure } from './fetch-upstream.ts';

const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'cache-control', 'etag', 'last-modified', 'accept-ranges'];

export interface MediaObject {
  response: Response;
  cache: 'HIT' | 'MISS';
}

/**
 * One object under a validated media path: from the Workers Cache API (keyed without any token) or,
 * on a miss, from the shield, storing whole cacheable 200 answers for the next viewer.
 */
export async function fetchMediaObject(
  config: EdgeConfig,
  requestUrl: URL,
  path: string,
  waitUntil: (promise: Promise<unknown>) => void,
  headers: { range?: string | undefined; ifNoneMatch?: string | undefined } = {},
  options: { query?: string; timeoutMs?: number } = {},
): Promise<MediaObject> {
  const cache = await caches.open('media');
  // `query` is only ever the canonical LL-HLS delivery directives (hls-delivery-directives.ts).
  const query = options.query ?? '';
  const cacheKey = new Request(`${requestUrl.origin}/__media/${path}${query}`);
  const { range, ifNoneMatch } = headers;
  const cached = await cache.match(
    new Request(cacheKey, { headers: { ...(range && { range }), ...(ifNoneMatch && { 'if-none-match': ifNoneMatch }) } }),
  );
  if (cached) return { response: cached, cache: 'HIT' };

  // A ranged miss is passed through uncached: Cache API stores only whole 200 answers, and our
  // packager writes one file per segment, so ranges are the rare case.
  const upstream = await fetchUpstream(new URL(path + query, config.shieldUrl), {
    timeoutMs: options.timeoutMs ?? config.upstreamTimeoutMs,
    shieldAuthSecret: config.shieldAuthSecret,
    ...(range && { headers: { range } }),
  });
  if (upstream.status !== 200 && upstream.status !== 206) {
    await upstream.body?.cancel();
    throw upstreamFailure(upstream, new ProblemError('not-found', `no object ${path}`));
  }
  const response = new Response(upstream.body, { status: upstream.status, headers: pick(upstream.headers) });
  if (upstream.status === 200 && isCacheable(upstream.headers)) waitUntil(cache.put(cacheKey, response.clone()));
  return { response, cache: 'MISS' };
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
