import type { RevocationSnapshot } from './revocation-list.ts';

/** A revocation snapshot as the isolates of one PoP share it through the Cache API. */
export interface PopSnapshot {
  snapshot: RevocationSnapshot;
  /** When the snapshot was read from the RevocationList object (ms since the epoch): its age is counted from here. */
  readAt: number;
  /** While an isolate refreshes a stale entry, the others keep using it until this time (ms); 0 when nobody refreshes. */
  refreshingUntil: number;
}

export interface PopSnapshotCacheOptions {
  /** The Cache API cache to use (`caches.open('revocations')` in the Worker). */
  cache: () => Promise<Cache>;
  /** An entry read from the object this long ago is fresh; after that the next isolate to look refreshes it. */
  ttlSeconds: number;
  /**
   * The isolate that refreshes a stale entry first marks it as being refreshed for this long, so the other
   * isolates of the PoP keep using it instead of all reading the object at once (the Cache API does not
   * collapse concurrent misses).
   */
  claimSeconds: number;
  /** A stale entry stays in the cache this long, as the fallback while the object cannot be read. */
  keepSeconds: number;
}

/**
 * The format version is part of the key: a deploy that changes the entry's shape never reads the old one.
 * The host is ours and never resolved: the Cache API keys by URL within the zone and fetches nothing.
 */
export const POP_SNAPSHOT_KEY = 'https://revocations.cascade.internal/v1/snapshot';

/**
 * One revocation snapshot per Cloudflare data center, shared by every isolate there through the Cache
 * API, so the global RevocationList object is read about once per PoP per `ttlSeconds` instead of once per
 * isolate. Cloudflare documents that Cache API contents "do not replicate outside of the originating data
 * center" (developers.cloudflare.com/workers/runtime-apis/cache/), which is exactly the sharing wanted: one
 * entry per PoP, refreshed by whichever isolate finds it stale. The same page says Cache API operations
 * on `*.workers.dev` "will have no impact": there every lookup misses and each isolate reads the object
 * itself, as before this cache existed, so deploy the edge on a custom domain.
 */
export class PopSnapshotCache {
  readonly #options: PopSnapshotCacheOptions;

  constructor(options: PopSnapshotCacheOptions) {
    for (const name of ['ttlSeconds', 'claimSeconds', 'keepSeconds'] as const) {
      const value = options[name];
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name}: expected a positive number of seconds, received ${value}`);
    }
    if (options.keepSeconds < options.ttlSeconds + options.claimSeconds) {
      throw new RangeError(`keepSeconds: expected at least ttlSeconds + claimSeconds (${options.ttlSeconds + options.claimSeconds}), received ${options.keepSeconds}`);
    }
    this.#options = options;
  }

  get ttlSeconds(): number {
    return this.#options.ttlSeconds;
  }

  get claimSeconds(): number {
    return this.#options.claimSeconds;
  }

  /** The PoP's entry, or undefined (none, expired from the cache, or not a well-formed entry). */
  async get(): Promise<PopSnapshot | undefined> {
    const cache = await this.#options.cache();
    const response = await cache.match(POP_SNAPSHOT_KEY);
    if (!response) return undefined;
    try {
      return parseEntry(await response.json());
    } catch {
      return undefined;
    }
  }

  async put(entry: PopSnapshot): Promise<void> {
    const cache = await this.#options.cache();
    // The Cache API honours Cache-Control on put (same page, "Headers"); the entry outlives its freshness
    // so a stale copy is there to fall back on while the object cannot be read.
    await cache.put(
      POP_SNAPSHOT_KEY,
      new Response(JSON.stringify(entry), {
        headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${Math.ceil(this.#options.keepSeconds)}` },
      }),
    );
  }

  /**
   * True while `entry` is fresh at `now` for an isolate that refreshes `earlyMs` before the TTL, or while
   * another isolate refreshes it within the claim. Each isolate draws its own `earlyMs` (a share of the
   * TTL), so the PoP's isolates do not all find the entry stale in the same instant: the first whose
   * point has passed claims the refresh, and a second one rarely looks before that claim is stored
   * (probabilistic early expiration, Vattani et al., "Optimal Probabilistic Cache Stampede Prevention",
   * VLDB 2015). Refreshing early never lengthens the time a revocation takes to arrive.
   */
  usable(entry: PopSnapshot, now: number, earlyMs = 0): boolean {
    const age = now - entry.readAt;
    if (age < 0) return true; // another machine's clock is a little ahead: the entry is as fresh as can be
    if (now < entry.refreshingUntil) return age < (this.#options.ttlSeconds + this.#options.claimSeconds) * 1000;
    return age < this.#options.ttlSeconds * 1000 - earlyMs;
  }
}

function parseEntry(value: unknown): PopSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { snapshot, readAt, refreshingUntil } = value as Partial<PopSnapshot>;
  if (typeof readAt !== 'number' || typeof refreshingUntil !== 'number') return undefined;
  if (typeof snapshot !== 'object' || snapshot === null) return undefined;
  if (!Array.isArray(snapshot.sessions) || !snapshot.sessions.every((s) => typeof s === 'string')) return undefined;
  if (typeof snapshot.accounts !== 'object' || snapshot.accounts === null) return undefined;
  if (!Object.values(snapshot.accounts).every((at) => typeof at === 'number')) return undefined;
  return { snapshot: { sessions: snapshot.sessions, accounts: snapshot.accounts }, readAt, refreshingUntil };
}
