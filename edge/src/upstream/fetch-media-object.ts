import { ProblemError } from '@cascade/common';
import type { EdgeConfig } from '../config.ts';
import { log } from '../http/log.ts';
import { declaredLength, fetchUpstream, streamsThrough, upstreamFailure } from './fetch-upstream.ts';
import { freshUntil, HotObjects, type HotObject } from './hot-objects.ts';

const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'cache-control', 'etag', 'last-modified', 'accept-ranges'];

export interface MediaObject {
  response: Response;
  cache: 'HIT' | 'MISS';
}

/**
 * Small hot objects in this isolate's memory (hot-objects.ts): 32 MiB holds every rendition's last
 * few live segments several times over; a segment over 2 MiB streams through the Cache API as before.
 */
const HOT_OBJECTS = new HotObjects({ maxBytes: 32 * 1024 * 1024, maxObjectBytes: 2 * 1024 * 1024 });

/**
 * The body of an upstream answer, whole. The fetch's deadline also covers the body, and a cut
 * connection ends it early: both are the shield's failure (504/502 problems), not an internal error.
 */
async function readWhole(response: Response, timeoutMs: number, declared: number): Promise<ArrayBuffer> {
  try {
    return await response.arrayBuffer();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') throw new ProblemError('upstream-timeout', `the shield did not send the whole object within ${timeoutMs} ms`);
    // The head promised `declared` bytes and the connection ended first: the same failure as a short body.
    throw new ProblemError('upstream-truncated', `the shield connection broke before the ${declared} bytes its answer declared`);
  }
}

function fromHot(object: HotObject): Response {
  return new Response(object.body, { status: 200, headers: object.headers });
}

/**
 * One object under a validated media path: from this isolate's memory, the Workers Cache API (keyed
 * without any token) or, on a miss, from the shield, storing whole cacheable 200 answers for the next
 * viewer. Plain GETs (no Range, no If-None-Match) of small objects go through the isolate's memory,
 * where of concurrent misses for one object one request looks it up and the others poll memory.
 */
export async function fetchMediaObject(
  config: EdgeConfig,
  requestUrl: URL,
  path: string,
  waitUntil: (promise: Promise<unknown>) => void,
  headers: { range?: string | undefined; ifNoneMatch?: string | undefined } = {},
  options: { query?: string; timeoutMs?: number } = {},
): Promise<MediaObject> {
  // `query` is only ever the canonical LL-HLS delivery directives (hls-delivery-directives.ts).
  const query = options.query ?? '';
  const key = `${requestUrl.origin}/__media/${path}${query}`;
  const { range, ifNoneMatch } = headers;
  if (!range && !ifNoneMatch) {
    const timeoutMs = options.timeoutMs ?? config.upstreamTimeoutMs;
    const hot = HOT_OBJECTS.get(key, Date.now());
    if (hot !== undefined) return { response: fromHot(hot), cache: 'HIT' };
    if (HOT_OBJECTS.fetching(key, Date.now())) {
      // Another request of this isolate is fetching it: look in memory again shortly, with this
      // request's own timers (never its promise: refresh-claims.ts), until it is there or that fetch ended.
      await HOT_OBJECTS.awaitFetch(key, timeoutMs);
      const polled = HOT_OBJECTS.get(key, Date.now());
      if (polled !== undefined) return { response: fromHot(polled), cache: 'HIT' };
    }
    if (HOT_OBJECTS.claimFetch(key, Date.now(), timeoutMs)) {
      try {
        return await fetchForMemory(config, key, path, query, waitUntil, timeoutMs);
      } finally {
        HOT_OBJECTS.endFetch(key);
      }
    }
  }
  return lookUp(config, key, path, query, waitUntil, headers, options.timeoutMs);
}

/**
 * The one fetch of `key` in this isolate: a whole, fresh, small enough 200 answer is held in memory for
 * the requests polling for it; anything else is answered as it is.
 */
async function fetchForMemory(
  config: EdgeConfig,
  key: string,
  path: string,
  query: string,
  waitUntil: (promise: Promise<unknown>) => void,
  timeoutMs: number,
): Promise<MediaObject> {
  const own = await lookUp(config, key, path, query, waitUntil, {}, timeoutMs);
  const until = own.response.status === 200 ? freshUntil(own.response.headers, Date.now()) : undefined;
  const length = Number(own.response.headers.get('content-length') ?? NaN);
  // Not for memory (no lifetime, no length, too large): answered as it is.
  if (until === undefined || !Number.isFinite(length) || !HOT_OBJECTS.fits(length)) return own;
  const body = await readWhole(own.response, timeoutMs, length);
  // Never keep (or hand to the others) a body that ended before its Content-Length.
  if (body.byteLength !== length) throw new ProblemError('upstream-truncated', `the shield sent ${body.byteLength} of ${length} bytes of ${path}`);
  const headers: Array<[string, string]> = [];
  own.response.headers.forEach((value, name) => headers.push([name, value]));
  const object = { body, headers, expiresAt: until };
  HOT_OBJECTS.hold(key, object);
  return { response: fromHot(object), cache: own.cache };
}

async function lookUp(
  config: EdgeConfig,
  key: string,
  path: string,
  query: string,
  waitUntil: (promise: Promise<unknown>) => void,
  headers: { range?: string | undefined; ifNoneMatch?: string | undefined },
  timeoutMs: number | undefined,
): Promise<MediaObject> {
  const cache = await caches.open('media');
  const cacheKey = new Request(key);
  const { range, ifNoneMatch } = headers;
  const cached = await cache.match(
    new Request(cacheKey, { headers: { ...(range && { range }), ...(ifNoneMatch && { 'if-none-match': ifNoneMatch }) } }),
  );
  if (cached) return { response: cached, cache: 'HIT' };

  // A ranged miss is passed through uncached: Cache API stores only whole 200 answers, and our
  // packager writes one file per segment, so ranges are the rare case.
  const upstream = await fetchUpstream(new URL(path + query, config.shieldUrl), {
    timeoutMs: timeoutMs ?? config.upstreamTimeoutMs,
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
