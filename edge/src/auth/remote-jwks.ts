import { ProblemError } from '@cascade/common';
import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { log } from '../http/log.ts';
import { publicJwks } from './public-jwks.ts';
import { RefreshClaims } from '../isolate/refresh-claims.ts';

export interface RemoteJwksOptions {
  url: URL;
  /** A fetched key set is used this long before it is fetched again. */
  cacheSeconds: number;
  /** At most one fetch per this many seconds when a token names an unknown `kid` or a fetch failed. */
  cooldownSeconds: number;
  /** How long the last good key set keeps verifying tokens while the identity service is down. */
  maxStaleSeconds: number;
  timeoutMs: number;
  now?: () => number;
}

const MAX_JWKS_BYTES = 64 * 1024;

/**
 * The identity service's JWKS fetched from its URL and cached per isolate. Key rotation works by
 * `kid`: a token naming a key the cached set lacks triggers one refetch (rate-limited by the
 * cooldown, so random `kid`s cannot turn the edge into a flood against the identity service), and
 * old and new keys both verify while the service publishes both. If the service fails, the last
 * good set keeps working for `maxStaleSeconds`; with no good set at all, requests get 503
 * identity-unavailable, never a 401 that would blame the viewer.
 */
export class RemoteJwks {
  readonly #options: RemoteJwksOptions;
  readonly #now: () => number;
  #current: { resolve: JWTVerifyGetKey; fetchedAt: number } | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  /** One request of the isolate fetches the set; the others wait on their own timers (refresh-claims.ts). */
  readonly #refreshing: RefreshClaims<'jwks'>;

  constructor(options: RemoteJwksOptions) {
    if (options.url.protocol !== 'https:' && options.url.protocol !== 'http:') throw new TypeError(`url: expected http(s), received ${options.url.protocol}`);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#refreshing = new RefreshClaims(options.timeoutMs + 1_000);
  }

  /** A jose key resolver: pass it to jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.#now();
    const cooledDown = now - this.#lastAttempt >= this.#options.cooldownSeconds * 1000;
    const expired = this.#current === undefined || now - this.#current.fetchedAt >= this.#options.cacheSeconds * 1000;
    // An expired set keeps verifying while another request of the isolate fetches the new one.
    if (this.#current === undefined || (expired && cooledDown && !this.#refreshing.claimed('jwks', now))) await this.#refresh();
    try {
      return await this.#current!.resolve(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !cooledDown) throw error;
      await this.#refresh();
      return this.#current!.resolve(header, token);
    }
  };

  /**
   * Fetches the set, or, while another request of the isolate is fetching it, waits on its own timers
   * for that fetch to end (never on its promise: workerd cancels a request that waits only on another's,
   * refresh-claims.ts) and lets its outcome stand: a new set, the last good one kept, or none (503).
   */
  async #refresh(): Promise<void> {
    for (let turn = 0; turn < 2; turn++) {
      if (this.#refreshing.claim('jwks', this.#now())) {
        try {
          return await this.#load();
        } finally {
          this.#refreshing.release('jwks');
        }
      }
      const attempt = this.#lastAttempt;
      await this.#refreshing.awaitRelease('jwks', this.#options.timeoutMs + 1_000, this.#now);
      if (this.#lastAttempt !== attempt) break;
      // The claimer never got to fetch (cancelled early): claim it ourselves on the next turn.
    }
    if (this.#current === undefined) throw new ProblemError('identity-unavailable', 'the identity service’s keys could not be fetched');
  }

  async #load(): Promise<void> {
    const started = this.#now();
    const sinceLastAttempt = started - this.#lastAttempt;
    // With no keys at all every request fails, so retry sooner than the kid cooldown (at most every 5 s).
    if (this.#current === undefined && sinceLastAttempt < Math.min(this.#options.cooldownSeconds, 5) * 1000) {
      throw new ProblemError('identity-unavailable', 'the identity service’s keys could not be fetched; retrying shortly');
    }
    this.#lastAttempt = started;
    try {
      const jwks = publicJwks(await this.#fetch());
      this.#current = { resolve: createLocalJWKSet(jwks), fetchedAt: started };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const age = this.#current ? started - this.#current.fetchedAt : Number.POSITIVE_INFINITY;
      if (age < this.#options.maxStaleSeconds * 1000) {
        log('warn', 'viewer JWKS refresh failed; using the last good key set', { reason, ageSeconds: Math.round(age / 1000) });
        return;
      }
      this.#current = undefined;
      log('error', 'viewer JWKS unavailable', { reason });
      throw new ProblemError('identity-unavailable', 'the identity service’s keys could not be fetched');
    }
  }

  async #fetch(): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.#options.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.#options.timeoutMs) });
    } catch (error) {
      throw new Error(`fetch failed: ${error instanceof Error ? error.name : String(error)}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`the JWKS URL answered ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_JWKS_BYTES) {
      await response.body?.cancel();
      throw new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`);
    }
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`);
    return JSON.parse(text);
  }
}
