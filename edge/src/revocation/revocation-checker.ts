import { ProblemError } from '@cascade/common';
import { log } from '../http/log.ts';
import type { RevocationSnapshot } from './revocation-list.ts';

export interface RevocationCheckerOptions {
  /** Reads the global list (an RPC to the RevocationList Durable Object). */
  read: () => Promise<RevocationSnapshot>;
  /** A snapshot is reused this long before it is read again. */
  cacheSeconds: number;
  /** If the list cannot be read, the last snapshot keeps answering this long; after that, 503. */
  maxStaleSeconds?: number;
  now?: () => number;
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
  readAt: number;
}

/**
 * The per-isolate view of the revocation list. Manifest, media-playlist, key and license requests ask
 * it; segment requests do not (they are the hot path, and their token's life is bounded by the
 * playlist reloads that do ask).
 */
export class RevocationChecker {
  readonly #options: RevocationCheckerOptions;
  readonly #now: () => number;
  #held: Held | undefined;
  #pending: Promise<Held> | undefined;

  constructor(options: RevocationCheckerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
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

  /** Forget the cached snapshot (after this isolate wrote to the list). */
  invalidate(): void {
    this.#held = undefined;
  }

  async #snapshot(): Promise<Held> {
    const held = this.#held;
    if (held && this.#now() - held.readAt < this.#options.cacheSeconds * 1000) return held;
    this.#pending ??= this.#read(held).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #read(previous: Held | undefined): Promise<Held> {
    const readAt = this.#now();
    try {
      const snapshot = await this.#options.read();
      this.#held = { sessions: new Set(snapshot.sessions), accounts: new Map(Object.entries(snapshot.accounts)), readAt };
      return this.#held;
    } catch (error) {
      const age = previous ? readAt - previous.readAt : Number.POSITIVE_INFINITY;
      if (previous && age <= (this.#options.maxStaleSeconds ?? 60) * 1000) {
        log('warn', 'revocation list unreadable; using the last snapshot', { ageSeconds: Math.round(age / 1000), cause: String(error) });
        return previous;
      }
      log('error', 'revocation list unreadable', { cause: String(error) });
      throw new ProblemError('revocation-unavailable', 'the revocation list could not be read');
    }
  }
}
