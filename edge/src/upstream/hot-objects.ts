import { RefreshClaims } from '../isolate/refresh-claims.ts';

/** One whole 200 answer held in the isolate's memory, with the instant it stops being fresh. */
export interface HotObject {
  body: ArrayBuffer;
  /** The answer's headers as the edge passes them on (already picked), as pairs. */
  headers: Array<[string, string]>;
  expiresAt: number;
}

export interface HotObjectsOptions {
  /** Bytes held at most, all objects together; the least recently used go first. */
  maxBytes: number;
  /** Larger objects are never held (they stream through the Cache API as before). */
  maxObjectBytes: number;
}

/**
 * The isolate's memory in front of the Workers Cache API for small hot media objects (live
 * segments and media playlists that every viewer of a rendition asks for within seconds).
 *
 * Why: a Cache API lookup is a subrequest to the colo's cache (in workerd locally, miniflare's cache
 * Durable Object with SQLite and a blob file), about 0.6 ms of CPU per hit measured here, more than
 * the rest of a segment request; and concurrent Cache API misses are not collapsed, so a new live
 * segment sends every viewer who asks for it before the first answer is stored to the shield. Here a
 * hit is a Map lookup, and of concurrent misses for one key in an isolate one request fetches it
 * (`claimFetch`) while the others look in memory again shortly (`fetching`): they never await the
 * fetching request's promise (refresh-claims.ts says why workerd forbids that).
 *
 * Freshness is the answer's own: `s-maxage`, else `max-age`, less its `Age` (RFC 9111 §4.2.1), so an
 * object is never served from memory longer than the Cache API would serve it; `no-store`,
 * `private`, `no-cache`, `Set-Cookie` or no lifetime at all: not held.
 */
export class HotObjects {
  readonly #entries = new Map<string, HotObject>();
  readonly #fetches = new RefreshClaims<string>(5_000);
  readonly #options: HotObjectsOptions;
  #bytes = 0;

  constructor(options: HotObjectsOptions) {
    for (const [name, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, received ${value}`);
    }
    this.#options = options;
  }

  /** A fresh object, or undefined (an expired one is forgotten). */
  get(key: string, now: number): HotObject | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) {
      this.#bytes -= entry.body.byteLength;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * True when the caller is now the one request of this isolate fetching `key` for memory: it must call
   * `endFetch` when done. The claim lapses after `timeoutMs` (a cancelled request never ends it).
   */
  claimFetch(key: string, now: number, timeoutMs: number): boolean {
    return this.#fetches.claim(key, now, timeoutMs);
  }

  /** Whether another request of this isolate is fetching `key` for memory now. */
  fetching(key: string, now: number): boolean {
    return this.#fetches.claimed(key, now);
  }

  /** Resolves (on the caller's own timers) once nobody fetches `key`, or after `timeoutMs`. */
  awaitFetch(key: string, timeoutMs: number): Promise<void> {
    return this.#fetches.awaitRelease(key, timeoutMs);
  }

  endFetch(key: string): void {
    this.#fetches.release(key);
  }

  /** Holds a fetched whole answer while it is fresh (if it fits). */
  hold(key: string, object: HotObject): void {
    if (!this.fits(object.body.byteLength)) return;
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= previous.body.byteLength;
    }
    this.#entries.set(key, object);
    this.#bytes += object.body.byteLength;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#options.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.body.byteLength;
    }
  }

  /** Whether an answer of this size may be held at all. */
  fits(bytes: number): boolean {
    return bytes <= this.#options.maxObjectBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}

/**
 * When a shared cache's copy of an answer stops being fresh, in epoch ms, or undefined when it may
 * not be kept (RFC 9111 §5.2.2: no-store, private, no-cache; §4.2.1: s-maxage, max-age, less Age).
 */
export function freshUntil(headers: Headers, now: number): number | undefined {
  if (headers.has('set-cookie')) return undefined;
  const cacheControl = (headers.get('cache-control') ?? '').toLowerCase();
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(',')) {
    const [name, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (name !== '') directives.set(name, (value ?? '').replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return undefined;
  const raw = directives.get('s-maxage') ?? directives.get('max-age');
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const ageRaw = headers.get('age');
  const age = ageRaw !== null && /^\d+$/.test(ageRaw.trim()) ? Number(ageRaw.trim()) : 0;
  const ttlSeconds = Number(raw) - age;
  return ttlSeconds > 0 ? now + ttlSeconds * 1000 : undefined;
}
