import type { IncomingMessage } from 'node:http';
import { ProblemError } from '@cascade/common';
import { cachePolicy, parseAge } from './cache-policy.ts';
import type { CachedObject, OriginObject } from './cached-object.ts';
import { createDeadline } from './deadline.ts';
import type { MemoryCacheStore } from './memory-cache-store.ts';
import { type OriginClient, toUpstreamProblem } from './origin-client.ts';
import { declaredLength, pickObjectHeaders } from './origin-headers.ts';
import { readBody } from './read-body.ts';

/** How a request was answered, as reported in `X-Cache` and the request metrics. */
export type LookupSource = 'hit' | 'miss' | 'collapsed' | 'pass';

export type Lookup =
  | { kind: 'object'; object: OriginObject; source: LookupSource }
  /** Too large to buffer: the caller streams it from the origin itself, uncached and uncollapsed. */
  | { kind: 'pass-through' };

type FlightResult = { kind: 'object'; object: OriginObject; cached: boolean } | { kind: 'too-large' };

export interface CollapsingFetcherOptions {
  store: MemoryCacheStore;
  origin: OriginClient;
  maxObjectBytes: number;
  upstreamTimeoutMs: number;
  defaultTtlSeconds: number;
  /** Called once per origin request with its status, or `timeout` / `unreachable` / `error`. */
  onOriginFetch?: (status: string) => void;
  now?: () => number;
}

/** Error bodies are only relayed for their problem details; anything bigger is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Remember too-large keys for a while so the next requests stream at once instead of buffering first. */
const TOO_LARGE_MEMORY_MS = 60_000;
const TOO_LARGE_MEMORY_KEYS = 10_000;

/**
 * Cache lookup plus origin fetch with request collapsing: concurrent misses for one key share a single
 * origin request and all get the same buffered bytes. A failed fetch rejects every waiter with the same
 * problem and leaves nothing behind, so the next request tries again. Stale entries are revalidated
 * with their validators rather than refetched whole.
 */
export class CollapsingFetcher {
  readonly #store: MemoryCacheStore;
  readonly #origin: OriginClient;
  readonly #maxObjectBytes: number;
  readonly #timeoutMs: number;
  readonly #defaultTtlSeconds: number;
  readonly #onOriginFetch: (status: string) => void;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<FlightResult>>();
  readonly #tooLarge = new Map<string, number>();

  constructor(options: CollapsingFetcherOptions) {
    this.#store = options.store;
    this.#origin = options.origin;
    // An object the store can never hold is no better than one over the configured limit.
    this.#maxObjectBytes = Math.min(options.maxObjectBytes, options.store.maxBytes);
    this.#timeoutMs = options.upstreamTimeoutMs;
    this.#defaultTtlSeconds = options.defaultTtlSeconds;
    this.#onOriginFetch = options.onOriginFetch ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** Resolve `key` (a validated media path) to an object; rejects with an upstream ProblemError. */
  async lookup(key: string): Promise<Lookup> {
    const cached = this.#store.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) return { kind: 'object', object: cached, source: 'hit' };
    if (this.#isTooLarge(key)) return { kind: 'pass-through' };

    const existing = this.#inflight.get(key);
    if (existing !== undefined) {
      const result = await existing;
      return result.kind === 'too-large' ? { kind: 'pass-through' } : { kind: 'object', object: result.object, source: 'collapsed' };
    }

    const flight = this.#fetch(key, cached).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, flight);
    const result = await flight;
    if (result.kind === 'too-large') return { kind: 'pass-through' };
    return { kind: 'object', object: result.object, source: result.cached ? 'miss' : 'pass' };
  }

  async #fetch(key: string, stale: CachedObject | undefined): Promise<FlightResult> {
    const deadline = createDeadline(this.#timeoutMs);
    let answered = false;
    try {
      const response = await this.#origin.request({ method: 'GET', path: key, headers: validatorsOf(stale), signal: deadline.signal });
      answered = true;
      this.#onOriginFetch(String(response.statusCode ?? 0));
      return await this.#settle(key, stale, response, deadline.signal);
    } catch (error) {
      const problem = toUpstreamProblem(error, deadline.signal, 'body');
      if (!answered) this.#onOriginFetch(fetchFailureLabel(problem));
      throw problem;
    } finally {
      deadline.clear();
    }
  }

  async #settle(key: string, stale: CachedObject | undefined, response: IncomingMessage, signal: AbortSignal): Promise<FlightResult> {
    const status = response.statusCode ?? 0;
    if (status === 200) return this.#settleFull(key, response, signal);
    if (status === 304 && stale !== undefined) {
      response.resume();
      return this.#settleRevalidated(stale, response);
    }
    if (status >= 400 && status < 500) {
      // The object is gone (or forbidden) now: a stale copy must not outlive that answer.
      this.#store.delete(key);
      const body = (await readBody(response, MAX_ERROR_BODY_BYTES, signal)) ?? Buffer.alloc(0);
      const object: OriginObject = { status, headers: pickObjectHeaders(response.headers), body, storedAt: this.#now(), originAge: 0 };
      return { kind: 'object', object, cached: false };
    }
    response.destroy();
    throw new ProblemError('upstream-error', `the origin answered ${status}`, { upstreamStatus: status });
  }

  async #settleFull(key: string, response: IncomingMessage, signal: AbortSignal): Promise<FlightResult> {
    const length = declaredLength(response.headers);
    const body = length !== undefined && length > this.#maxObjectBytes ? undefined : await readBody(response, this.#maxObjectBytes, signal);
    if (body === undefined) {
      response.destroy();
      this.#store.delete(key);
      this.#rememberTooLarge(key);
      return { kind: 'too-large' };
    }
    return this.#keep({ key, status: 200, headers: pickObjectHeaders(response.headers), body }, parseAge(response.headers.age));
  }

  /** 304: the stale bytes are still right; take the refreshed caching headers (RFC 9111 §4.3.4). */
  #settleRevalidated(stale: CachedObject, response: IncomingMessage): FlightResult {
    const update = pickObjectHeaders(response.headers);
    const headers = { ...stale.headers };
    if (update.cacheControl !== undefined) headers.cacheControl = update.cacheControl;
    if (update.etag !== undefined) headers.etag = update.etag;
    if (update.lastModified !== undefined) headers.lastModified = update.lastModified;
    return this.#keep({ ...stale, headers }, parseAge(response.headers.age));
  }

  /** Give the object its freshness and store it, or drop any older copy when it may not be stored. */
  #keep(fields: Omit<CachedObject, 'storedAt' | 'originAge' | 'expiresAt'>, originAge: number): FlightResult {
    const policy = cachePolicy(fields.headers.cacheControl, originAge, this.#defaultTtlSeconds);
    const now = this.#now();
    const object: CachedObject = { ...fields, storedAt: now, originAge, expiresAt: now + policy.ttlSeconds * 1000 };
    const cached = policy.storable && this.#store.set(object);
    if (!cached) this.#store.delete(object.key);
    return { kind: 'object', object, cached };
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
  if (stale?.headers.etag !== undefined) return { 'if-none-match': stale.headers.etag };
  if (stale?.headers.lastModified !== undefined) return { 'if-modified-since': stale.headers.lastModified };
  return {};
}

function fetchFailureLabel(problem: ProblemError): string {
  if (problem.code === 'upstream-timeout') return 'timeout';
  if (problem.code === 'upstream-unreachable') return 'unreachable';
  return 'error';
}
