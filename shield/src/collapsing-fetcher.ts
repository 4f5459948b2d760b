import type { IncomingMessage } from 'node:http';
import { ProblemError } from '@cascade/common';
import { isBlockingReload } from './blocking-reload-query.ts';
import { type FreshnessRules, freshness, parseAge } from './cache-policy.ts';
import type { CachedObject, ObjectHeaders, OriginObject } from './cached-object.ts';
import { createDeadline } from './deadline.ts';
import type { DiskCacheStore } from './disk-cache-store.ts';
import type { MemoryCacheStore } from './memory-cache-store.ts';
import { type FlightStart, OriginFlight } from './origin-flight.ts';
import { type OriginClient, toUpstreamProblem } from './origin-client.ts';
import { declaredLength, pickObjectHeaders } from './origin-headers.ts';
import { readBody } from './read-body.ts';

/** How a request was answered, as reported in `X-Cache` and the request metrics. */
export type LookupSource = 'hit' | 'miss' | 'collapsed' | 'pass' | 'stale' | 'revalidated';

export type Lookup =
  | { kind: 'object'; object: OriginObject; source: LookupSource }
  /** A 200 arriving from the origin right now: stream it, or await `flight.result` for the whole object. */
  | { kind: 'stream'; flight: OriginFlight; start: Extract<FlightStart, { kind: 'stream' }>; source: LookupSource }
  /** Too large to buffer: the caller streams it from the origin itself, uncached and uncollapsed. */
  | { kind: 'pass-through' };

export interface CollapsingFetcherOptions {
  store: MemoryCacheStore;
  /** Second tier: consulted on a memory miss (hits are promoted), written with every stored object. */
  disk?: DiskCacheStore;
  origin: OriginClient;
  maxObjectBytes: number;
  upstreamTimeoutMs: number;
  /** Deadline for LL-HLS blocking reloads (keys with `?_HLS_msn=`); at least `upstreamTimeoutMs`. */
  blockingReloadTimeoutMs?: number;
  rules: FreshnessRules;
  /** Called once per origin request with its status, or `timeout` / `unreachable` / `error` when none came back. */
  onOriginFetch?: (status: string, seconds: number) => void;
  now?: () => number;
}

const EMPTY = Buffer.alloc(0);

interface Kept {
  object: OriginObject;
  cached: boolean;
}

/** Error bodies are only relayed for their problem details; anything bigger is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Remember too-large keys for a while so the next requests stream at once instead of buffering first. */
const TOO_LARGE_MEMORY_MS = 60_000;
const TOO_LARGE_MEMORY_KEYS = 10_000;

/**
 * Cache lookup plus origin fetch with request collapsing: concurrent misses for one key share a single
 * origin request (an `OriginFlight`), and every waiter streams its bytes as they arrive. A failed fetch
 * fails every waiter with the same problem and leaves nothing behind, so the next request tries again;
 * a stale copy within its stale-if-error window answers instead when there is one. Stale entries are
 * revalidated with their validators rather than refetched whole, in the background while
 * stale-while-revalidate allows.
 */
export class CollapsingFetcher {
  readonly #store: MemoryCacheStore;
  readonly #disk: DiskCacheStore | undefined;
  readonly #origin: OriginClient;
  readonly #maxObjectBytes: number;
  readonly #timeoutMs: number;
  readonly #blockingTimeoutMs: number;
  readonly #rules: FreshnessRules;
  readonly #onOriginFetch: (status: string, seconds: number) => void;
  readonly #now: () => number;
  readonly #inflight = new Map<string, OriginFlight>();
  readonly #tooLarge = new Map<string, number>();
  readonly #diskReads = new Map<string, Promise<CachedObject | undefined>>();
  #purges = 0;

  constructor(options: CollapsingFetcherOptions) {
    this.#store = options.store;
    this.#disk = options.disk;
    this.#origin = options.origin;
    // An object the store can never hold is no better than one over the configured limit.
    this.#maxObjectBytes = Math.min(options.maxObjectBytes, options.store.maxBytes);
    this.#timeoutMs = options.upstreamTimeoutMs;
    this.#blockingTimeoutMs = Math.max(options.upstreamTimeoutMs, options.blockingReloadTimeoutMs ?? 0);
    this.#rules = options.rules;
    this.#onOriginFetch = options.onOriginFetch ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** A fresh object held in memory, or undefined: the synchronous fast path for hot objects. */
  freshInMemory(key: string): CachedObject | undefined {
    const cached = this.#store.get(key);
    return cached !== undefined && cached.expiresAt > this.#now() ? cached : undefined;
  }

  /** Resolve `key` (a validated media path) to an object or a stream; rejects with an upstream ProblemError. */
  async lookup(key: string): Promise<Lookup> {
    let cached = this.#store.get(key);
    if (cached === undefined && this.#disk !== undefined) cached = await this.#fromDisk(this.#disk, key);
    const now = this.#now();
    if (cached !== undefined) {
      if (cached.expiresAt > now) return { kind: 'object', object: cached, source: 'hit' };
      if (cached.staleWhileRevalidateUntil > now) {
        if (!this.#inflight.has(key)) this.#startFlight(key, cached);
        return { kind: 'object', object: cached, source: 'stale' };
      }
    }
    if (this.#isTooLarge(key)) return { kind: 'pass-through' };

    let flight = this.#inflight.get(key);
    const joined = flight !== undefined;
    flight ??= this.#startFlight(key, cached);
    let start: FlightStart;
    try {
      start = await flight.start;
    } catch (error) {
      if (cached !== undefined && cached.status === 200 && cached.staleIfErrorUntil > this.#now()) {
        return { kind: 'object', object: cached, source: 'stale' };
      }
      throw error;
    }
    if (start.kind === 'too-large') return { kind: 'pass-through' };
    if (start.kind === 'stream') return { kind: 'stream', flight, start, source: joined ? 'collapsed' : start.cacheable ? 'miss' : 'pass' };
    const source: LookupSource = joined ? 'collapsed' : start.object.status === 200 && cached !== undefined ? 'revalidated' : start.cached ? 'miss' : 'pass';
    return { kind: 'object', object: start.object, source };
  }

  /**
   * One disk read per key at a time, shared by every request that arrives meanwhile (after a restart a
   * surge must not read the same file 2,000 times), then promoted to memory for the next request.
   */
  #fromDisk(disk: DiskCacheStore, key: string): Promise<CachedObject | undefined> {
    let read = this.#diskReads.get(key);
    if (read === undefined) {
      const generation = this.#purges;
      read = disk.get(key).then((object) => {
        // A purge while the file was being read: answer the requests that came before it, keep nothing.
        if (object !== undefined && generation === this.#purges) this.#store.set(object);
        return object;
      });
      this.#diskReads.set(key, read);
      void read.finally(() => this.#diskReads.delete(key));
    }
    return read;
  }

  /**
   * Drop one key from every tier, with its LL-HLS blocking-reload variants (`key?_HLS_…`): purging a
   * playlist must not leave older answers behind under those keys. Fetches in flight for them will not be stored.
   */
  async purge(key: string): Promise<number> {
    this.#purges += 1;
    const flight = this.#inflight.get(key);
    if (flight !== undefined) flight.purged = true;
    const inMemory = this.#store.delete(key);
    const onDisk = (await this.#disk?.delete(key)) ?? false;
    const variants = key.includes('?') ? 0 : await this.purgePrefix(`${key}?`);
    return (inMemory || onDisk ? 1 : 0) + variants;
  }

  /** Drop every key under `prefix` from every tier; fetches in flight under it will not be stored. */
  async purgePrefix(prefix: string): Promise<number> {
    this.#purges += 1;
    for (const [key, flight] of this.#inflight) if (key.startsWith(prefix)) flight.purged = true;
    const keys = new Set(this.#store.deletePrefix(prefix));
    for (const key of (await this.#disk?.deletePrefix(prefix)) ?? []) keys.add(key);
    return keys.size;
  }

  #startFlight(key: string, stale: CachedObject | undefined): OriginFlight {
    const flight = new OriginFlight(key);
    this.#inflight.set(key, flight);
    void this.#fly(flight, stale).finally(() => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    });
    return flight;
  }

  async #fly(flight: OriginFlight, stale: CachedObject | undefined): Promise<void> {
    const key = flight.key;
    const deadline = createDeadline(isBlockingReload(key) ? this.#blockingTimeoutMs : this.#timeoutMs);
    const started = performance.now();
    let response: IncomingMessage;
    try {
      response = await this.#origin.request({ method: 'GET', path: key, headers: validatorsOf(stale), signal: deadline.signal });
    } catch (error) {
      const problem = toUpstreamProblem(error, deadline.signal, 'connect');
      this.#onOriginFetch(fetchFailureLabel(problem), (performance.now() - started) / 1000);
      deadline.clear();
      flight.fail(problem);
      return;
    }
    this.#onOriginFetch(String(response.statusCode ?? 0), (performance.now() - started) / 1000);
    try {
      await this.#settle(flight, stale, response, deadline.signal);
    } catch (error) {
      response.destroy();
      flight.fail(toUpstreamProblem(error, deadline.signal, 'body'));
    } finally {
      deadline.clear();
    }
  }

  async #settle(flight: OriginFlight, stale: CachedObject | undefined, response: IncomingMessage, signal: AbortSignal): Promise<void> {
    const key = flight.key;
    const status = response.statusCode ?? 0;
    if (status === 200) return this.#settleFull(flight, response, signal);
    if (status === 304 && stale !== undefined) {
      response.resume();
      const { object, cached } = this.#settleRevalidated(flight, stale, response);
      flight.settle({ kind: 'done', object, cached });
      return;
    }
    if (status >= 400 && status < 500) {
      // The object is gone (or forbidden) now: a stale copy must not outlive that answer.
      this.#store.delete(key);
      void this.#disk?.delete(key);
      const body = (await readBody(response, MAX_ERROR_BODY_BYTES, signal)) ?? Buffer.alloc(0);
      const headers = pickObjectHeaders(response.headers);
      const { object, cached } = this.#keep(flight, { key, status, headers, body }, parseAge(response.headers.age));
      flight.settle({ kind: 'done', object, cached });
      return;
    }
    response.destroy();
    throw new ProblemError('upstream-error', `the origin answered ${status}`, { upstreamStatus: status });
  }

  async #settleFull(flight: OriginFlight, response: IncomingMessage, signal: AbortSignal): Promise<void> {
    const key = flight.key;
    const length = declaredLength(response.headers);
    if (length !== undefined && length > this.#maxObjectBytes) {
      response.destroy();
      this.#forget(key);
      this.#rememberTooLarge(key);
      flight.settle({ kind: 'too-large' });
      return;
    }
    const headers = pickObjectHeaders(response.headers);
    const originAge = parseAge(response.headers.age);
    flight.open(headers, length, freshness(key, 200, headers, originAge, EMPTY, this.#rules).storable, originAge);

    const onAbort = (): void => {
      response.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let total = 0;
    try {
      for await (const chunk of response) {
        const buffer = chunk as Buffer;
        total += buffer.byteLength;
        if (total > this.#maxObjectBytes && !flight.overflowed) {
          // No Content-Length and more than we may hold: those already listening get the rest as it
          // comes; later requests stream from the origin on their own.
          this.#forget(key);
          this.#rememberTooLarge(key);
          flight.overflow();
          if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
        }
        flight.push(buffer);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    // node errors on a body cut short of its Content-Length; this guards the rest (a lying chunked origin).
    if (length !== undefined && total !== length) {
      throw new ProblemError('upstream-error', `the origin sent ${total} of ${length} bytes`);
    }
    if (flight.overflowed) {
      flight.finish(undefined, new ProblemError('upstream-error', `the object is larger than ${this.#maxObjectBytes} bytes`));
      return;
    }
    const chunks = flight.chunks;
    const body = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks as Buffer[], total);
    flight.finish(this.#keep(flight, { key, status: 200, headers, body }, originAge).object);
  }

  /** 304: the stale bytes are still right; take the refreshed caching headers (RFC 9111 §4.3.4). */
  #settleRevalidated(flight: OriginFlight, stale: CachedObject, response: IncomingMessage): Kept {
    const update = pickObjectHeaders(response.headers);
    const headers: ObjectHeaders = { ...stale.headers };
    if (update.cacheControl !== undefined) headers.cacheControl = update.cacheControl;
    if (update.etag !== undefined) headers.etag = update.etag;
    if (update.lastModified !== undefined) headers.lastModified = update.lastModified;
    return this.#keep(flight, { key: stale.key, status: stale.status, headers, body: stale.body }, parseAge(response.headers.age));
  }

  /** Give the object its freshness and store it in both tiers, or drop any older copy when it may not be stored. */
  #keep(flight: OriginFlight, fields: Pick<CachedObject, 'key' | 'status' | 'headers' | 'body'>, originAge: number): Kept {
    const policy = freshness(fields.key, fields.status, fields.headers, originAge, fields.body, this.#rules);
    const now = this.#now();
    const expiresAt = now + policy.ttlMs;
    const object: CachedObject = {
      ...fields,
      storedAt: now,
      originAge,
      expiresAt,
      staleWhileRevalidateUntil: expiresAt + policy.staleWhileRevalidateMs,
      staleIfErrorUntil: expiresAt + policy.staleIfErrorMs,
    };
    if (!policy.storable || flight.purged || !this.#store.set(object)) {
      this.#forget(fields.key);
      return { object: { status: object.status, headers: object.headers, body: object.body, storedAt: now, originAge }, cached: false };
    }
    // Negative answers are short-lived: not worth a disk write.
    if (object.status === 200) void this.#disk?.set(object);
    return { object, cached: true };
  }

  #forget(key: string): void {
    this.#store.delete(key);
    void this.#disk?.delete(key);
  }

  #isTooLarge(key: string): boolean {
    const until = this.#tooLarge.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#tooLarge.delete(key);
    return false;
  }

  #rememberTooLarge(key: string): void {
    this.#tooLarge.delete(key);
    if (this.#tooLarge.size >= TOO_LARGE_MEMORY_KEYS) {
      const oldest = this.#tooLarge.keys().next();
      if (oldest.done !== true) this.#tooLarge.delete(oldest.value);
    }
    this.#tooLarge.set(key, this.#now() + TOO_LARGE_MEMORY_MS);
  }
}

/** Only our own validators go upstream: the origin never sees a viewer's conditional headers. */
function validatorsOf(stale: CachedObject | undefined): Record<string, string> {
  if (stale === undefined || stale.status !== 200) return {};
  if (stale.headers.etag !== undefined) return { 'if-none-match': stale.headers.etag };
  if (stale.headers.lastModified !== undefined) return { 'if-modified-since': stale.headers.lastModified };
  return {};
}

function fetchFailureLabel(problem: ProblemError): string {
  if (problem.code === 'upstream-timeout') return 'timeout';
  if (problem.code === 'upstream-unreachable') return 'unreachable';
  return 'error';
}
