import { ProblemError } from '@cascade/common';
import { log } from '../http/log.ts';
import { BoundedCache } from '../session/bounded-cache.ts';
import { fetchUpstream, upstreamFailure } from '../upstream/fetch-upstream.ts';
import { RefreshClaims } from '../isolate/refresh-claims.ts';
import { parseCatalogueEntry, type CatalogueEntry } from './catalogue-entry.ts';

export interface CatalogueClientOptions {
  shieldUrl: URL;
  /** Sent in x-cascade-shield-auth: the shield serves only authenticated CDNs. */
  shieldAuthSecret: string;
  timeoutMs: number;
  /** A fetched entry is reused this long without asking the shield again. */
  ttlSeconds: number;
  /** When the shield or origin fails, the last good entry keeps serving for at most this long. */
  maxStaleSeconds: number;
  capacity?: number;
  now?: () => number;
}

/**
 * Catalogue entries (`GET {SHIELD_URL}/api/v1/titles/{id}`) cached per isolate for a few seconds.
 * Rights changes therefore reach every isolate within `ttlSeconds`. If the shield is briefly down
 * (unreachable, 5xx, time-out), the last good copy keeps answering for at most `maxStaleSeconds`;
 * beyond that, or with no copy at all, the request fails with the upstream error. A 404 is an answer,
 * not a failure: it drops any cached copy.
 */
export class CatalogueClient {
  readonly #options: CatalogueClientOptions;
  readonly #now: () => number;
  readonly #entries: BoundedCache<string, { entry: CatalogueEntry; fetchedAt: number }>;
  /** One request of the isolate reads a title's entry at a time (refresh-claims.ts). */
  readonly #refresh: RefreshClaims<string>;

  constructor(options: CatalogueClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#entries = new BoundedCache(options.capacity ?? 10_000);
    this.#refresh = new RefreshClaims(options.timeoutMs, options.capacity ?? 10_000);
  }

  /** `id` must already be validated (parseId). */
  async get(id: string): Promise<CatalogueEntry> {
    const cached = this.#entries.get(id);
    if (cached && this.#now() - cached.fetchedAt < this.#options.ttlSeconds * 1000) return cached.entry;
    // One read per title per isolate; the others wait for it on their own timers, never on its promise
    // (refresh-claims.ts), and answer from what it left.
    const read = await this.#refresh.once(id, this.#now, this.#options.timeoutMs, () => this.#load(id, cached));
    if (read) return read.value;
    const after = this.#entries.get(id);
    return after !== undefined && after !== cached ? after.entry : this.#load(id, cached);
  }

  async #load(id: string, cached: { entry: CatalogueEntry; fetchedAt: number } | undefined): Promise<CatalogueEntry> {
    const startedAt = this.#now();
    let response: Response;
    try {
      response = await fetchUpstream(new URL(`api/v1/titles/${id}`, this.#options.shieldUrl), {
        timeoutMs: this.#options.timeoutMs,
        shieldAuthSecret: this.#options.shieldAuthSecret,
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      return this.#stale(id, cached, error as ProblemError);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      this.#entries.delete(id);
      throw new ProblemError('title-not-found', `no title "${id}"`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return this.#stale(id, cached, upstreamFailure(response, new ProblemError('title-not-found', `no title "${id}"`)));
    }
    let entry: CatalogueEntry;
    try {
      entry = parseCatalogueEntry(await response.json(), id);
    } catch (error) {
      return this.#stale(id, cached, error instanceof ProblemError ? error : new ProblemError('upstream-error', 'the catalogue entry is not JSON'));
    }
    this.#entries.set(id, { entry, fetchedAt: startedAt });
    return entry;
  }

  #stale(id: string, cached: { entry: CatalogueEntry; fetchedAt: number } | undefined, failure: ProblemError): CatalogueEntry {
    const age = cached ? this.#now() - cached.fetchedAt : Number.POSITIVE_INFINITY;
    if (cached && age < this.#options.maxStaleSeconds * 1000) {
      log('warn', 'catalogue read failed; serving the last good entry', { titleId: id, code: failure.code, ageSeconds: Math.round(age / 1000) });
      return cached.entry;
    }
    throw failure;
  }
}
