import { ProblemError } from '@cascade/common';
import type { EdgeConfig } from '../config.ts';
import { log } from '../http/log.ts';
import { declaredLength, fetchUpstream, streamsThrough, upstreamFailure } from './fetch-upstream.ts';

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
  const cacheable = upstream.status === 200 && isCacheable(upstream.headers);
  if (!streamsThrough(upstream)) {
    // A playlist or MPD is read whole before anything is stored: a body that stalls or ends early throws
    // its problem (504 upstream-timeout, 502 upstream-truncated) here, and only complete bodies reach the
    // cache. (Putting a tee of the stream stored the fragment a cut-short body had delivered.)
    const bytes = await upstream.arrayBuffer();
    const response = new Response(bytes, { status: upstream.status, headers: pick(upstream.headers) });
    if (cacheable) waitUntil(cache.put(cacheKey, response.clone()));
    return { response, cache: 'MISS' };
  }
  const response = new Response(upstream.body, { status: upstream.status, headers: pick(upstream.headers) });
  if (cacheable) waitUntil(storeWhole(cache, cacheKey, response.clone(), declaredLength(upstream.headers), path));
  return { response, cache: 'MISS' };
}

/**
 * Media are piped to the player as they arrive; the copy for the cache is stored only once it is known
 * whole. A put of the streamed copy stored the fragment of a segment whose connection closed early (a
 * truncated segment cached as immutable for a year), so the copy is read to its end first and compared
 * with Content-Length. Only misses pay for this; hits never come here.
 */
async function storeWhole(cache: Cache, key: Request, copy: Response, declared: number | undefined, path: string): Promise<void> {
  let bytes: ArrayBuffer;
  try {
    bytes = await copy.arrayBuffer();
  } catch (error) {
    log('warn', 'edge cache did not store an object whose upstream body failed', { path, cause: String(error) });
    return;
  }
  if (declared !== undefined && bytes.byteLength !== declared) {
    log('warn', 'edge cache did not store an object shorter than its Content-Length', { path, received: bytes.byteLength, declared });
    return;
  }
  await cache.put(key, new Response(bytes, { status: copy.status, headers: copy.headers }));
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
