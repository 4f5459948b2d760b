import { ProblemError } from '@cascade/common';
import { log } from '../http/log.ts';
import type { PopSnapshot, PopSnapshotCache } from './pop-snapshot-cache.ts';
import type { RevocationSnapshot } from './revocation-list.ts';
import { RefreshClaims } from '../isolate/refresh-claims.ts';

export interface RevocationCheckerOptions {
  /** Reads the global list (an RPC to the RevocationList Durable Object). */
  read: () => Promise<RevocationSnapshot>;
  /** A snapshot is reused this long in the isolate before it is looked up again (in the PoP cache, else the object). */
  cacheSeconds: number;
  /** The snapshot the isolates of this PoP share (Cache API); without it every isolate reads the object itself. */
  pop?: PopSnapshotCache;
  /**
   * If the list cannot be read, the freshest snapshot this isolate can see (its own or the PoP's) keeps
   * answering until it is this old (counted from its read from the object); after that, 503.
   */
  maxStaleSeconds?: number;
  /** A read of the object that has not answered after this long counts as failed (so a hung object is an unreadable one). */
  readTimeoutMs?: number;
  /** This isolate refreshes the PoP entry up to this share of the PoP TTL early (drawn once per isolate); default 0.1. */
  earlyRefreshShare?: number;
  now?: () => number;
  random?: () => number;
}

export interface Credential {
  sid?: string;
  account: string;
  /** Issued-at in seconds; undefined is treated as "before any revocation". */
  iat: number | undefined;
}

interface Held {
  sessions: Set<string>;
  accounts: Map<string, number>;
  /** When the snapshot was read from the object (its age for maxStaleSeconds). */
  readAt: number;
  /** When this isolate took it (its reuse for cacheSeconds). */
  heldAt: number;
}

/**
 * The per-isolate view of the revocation list. Manifest, media-playlist, key and license requests ask
 * it; segment requests do not (they are the hot path, and their token's life is bounded by the
 * playlist reloads that do ask).
 *
 * Reads go isolate → PoP → object: an isolate reuses its snapshot `cacheSeconds`, then takes the PoP's
 * shared entry if it is fresh (read from the object less than the PoP TTL ago, or being refreshed by
 * another isolate within the claim), else reads the object and stores the result for the PoP. A
 * revocation therefore reaches every isolate within PoP TTL + claim + cacheSeconds of its write (4 s
 * with the defaults), while the one global object sees about one read per PoP per PoP TTL, whatever
 * the crowd (README "Revocation", "A 30-million-viewer plan").
 */
export class RevocationChecker {
  readonly #options: RevocationCheckerOptions;
  readonly #now: () => number;
  #held: Held | undefined;
  /** One request of the isolate refreshes the snapshot at a time (refresh-claims.ts). */
  readonly #refresh: RefreshClaims<'snapshot'>;
  readonly #refreshMs: number;
  readonly #earlyMs: number;

  constructor(options: RevocationCheckerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const share = options.earlyRefreshShare ?? 0.1;
    if (!(share >= 0 && share < 1)) throw new RangeError(`earlyRefreshShare: expected a share in [0, 1), received ${share}`);
    this.#earlyMs = (options.random ?? Math.random)() * share * (options.pop?.ttlSeconds ?? 0) * 1000;
    // A refresh's PoP read, object read and PoP write: its claim lapses after two read deadlines.
    this.#refreshMs = 2 * (options.readTimeoutMs ?? 5_000);
    this.#refresh = new RefreshClaims(this.#refreshMs);
  }

  async check(credential: Credential): Promise<void> {
    const held = await this.#snapshot();
    if (credential.sid !== undefined && held.sessions.has(credential.sid)) {
      throw new ProblemError('access-revoked', 'this playback session was revoked by an operator');
    }
    const revokedAt = held.accounts.get(credential.account);
    if (revokedAt !== undefined && (credential.iat === undefined || credential.iat <= revokedAt)) {
      throw new ProblemError('access-revoked', 'access for this account was revoked by an operator; sign in again');
    }
  }

  /**
   * After this isolate wrote to the list: read it again at once and give the PoP the new snapshot, so the
   * writer's own PoP sees the change immediately and the others within the bound (README "Revocation").
   * A failure here is logged, not thrown: the write itself succeeded, and the bound still holds.
   */
  async invalidate(): Promise<void> {
    this.#held = undefined;
    const readAt = this.#now();
    try {
      const snapshot = await this.#readList();
      this.#held = held(snapshot, readAt, readAt);
      await this.#options.pop?.put({ snapshot, readAt, refreshingUntil: 0 });
    } catch (error) {
      log('warn', 'revocation list not refreshed after a write', { cause: String(error) });
    }
  }

  async #readList(): Promise<RevocationSnapshot> {
    const timeoutMs = this.#options.readTimeoutMs;
    if (timeoutMs === undefined) return this.#options.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the RevocationList object did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#options.read(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #snapshot(): Promise<Held> {
    const current = this.#held;
    if (current && this.#now() - current.heldAt < this.#options.cacheSeconds * 1000) return current;
    // One refresh per isolate; the others wait for it on their own timers, never on its promise
    // (refresh-claims.ts), and check against what it left.
    const read = await this.#refresh.once('snapshot', this.#now, this.#refreshMs, () => this.#read(current));
    if (read) return read.value;
    const after = this.#held;
    return after !== undefined && after !== current ? after : this.#read(current);
  }

  async #read(previous: Held | undefined): Promise<Held> {
    const now = this.#now();
    const pop = this.#options.pop;
    let shared: PopSnapshot | undefined;
    if (pop) {
      shared = await pop.get().catch((error: unknown) => {
        log('warn', 'PoP revocation snapshot unreadable; reading the list', { cause: String(error) });
        return undefined;
      });
      if (shared && pop.usable(shared, now, this.#earlyMs)) return (this.#held = held(shared.snapshot, shared.readAt, now));
      // Stale: claim the refresh, so the PoP's other isolates keep this entry for claimSeconds rather
      // than all reading the object in the same instant.
      if (shared) await pop.put({ ...shared, refreshingUntil: now + pop.claimSeconds * 1000 }).catch(() => undefined);
    }
    try {
      const snapshot = await this.#readList();
      this.#held = held(snapshot, now, now);
      if (pop) {
        await pop.put({ snapshot, readAt: now, refreshingUntil: 0 }).catch((error: unknown) => {
          log('warn', 'PoP revocation snapshot not stored', { cause: String(error) });
        });
      }
      return this.#held;
    } catch (error) {
      // The freshest copy in sight: the PoP's (even stale) or this isolate's own.
      const fallback = shared && (!previous || shared.readAt > previous.readAt) ? held(shared.snapshot, shared.readAt, now) : previous;
      const age = fallback ? now - fallback.readAt : Number.POSITIVE_INFINITY;
      if (fallback && age <= (this.#options.maxStaleSeconds ?? 60) * 1000) {
        log('warn', 'revocation list unreadable; using the last snapshot', { ageSeconds: Math.round(age / 1000), cause: String(error) });
        // Held for cacheSeconds like a fresh one, so the isolate retries at its usual pace, not on every request.
        return (this.#held = { ...fallback, heldAt: now });
      }
      log('error', 'revocation list unreadable', { cause: String(error) });
      throw new ProblemError('revocation-unavailable', 'the revocation list could not be read');
    }
  }
}

function held(snapshot: RevocationSnapshot, readAt: number, heldAt: number): Held {
  return { sessions: new Set(snapshot.sessions), accounts: new Map(Object.entries(snapshot.accounts)), readAt, heldAt };
}
