/**
 * Which keys a request of this isolate is refreshing right now, so that the isolate's other requests
 * keep using the value they already hold (or poll memory) instead of awaiting the refreshing request's
 * promise.
 *
 * Why not share the in-flight promise (the usual single-flight idiom): in workerd every promise belongs
 * to the request whose I/O settles it. A request whose only pending work is another request's promise
 * can be cancelled as hung ("the Worker's code had hung and would never generate a response"), and
 * when the creating request ends or is cancelled first, the waiters' continuations are dropped
 * (Cloudflare's Workers errors documentation, "cross-request promise"). The 2,000-viewer local surge
 * logged such hung requests; no single cause was isolated, but this is the documented one. So no
 * request here ever awaits a promise another request created: one request claims the refresh and does
 * it with its own I/O; the others wait for it on their own timers (`once`, `awaitRelease`), then use
 * what it left, as they would have with a shared promise.
 *
 * A claim lapses after `ttlMs` even if its request never releases it (a cancelled request runs no
 * `finally`), so a lost refresh delays the next one by at most that long.
 */
export class RefreshClaims<K> {
  readonly #claims = new Map<K, number>();
  readonly #ttlMs: number;
  readonly #maxKeys: number;

  constructor(ttlMs: number, maxKeys = 10_000) {
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new RangeError(`ttlMs: expected a positive number of milliseconds, received ${ttlMs}`);
    if (!(Number.isInteger(maxKeys) && maxKeys > 0)) throw new RangeError(`maxKeys: expected a positive integer, received ${maxKeys}`);
    this.#ttlMs = ttlMs;
    this.#maxKeys = maxKeys;
  }

  /**
   * True when the caller now holds the refresh of `key` (no live claim existed); it must `release` it.
   * `ttlMs` overrides the lapse time for this claim (e.g. the caller's own fetch deadline).
   */
  claim(key: K, now: number, ttlMs = this.#ttlMs): boolean {
    if (this.claimed(key, now)) return false;
    if (this.#claims.size >= this.#maxKeys) this.#sweep(now);
    this.#claims.set(key, now + ttlMs);
    return true;
  }

  /** Whether another request is refreshing `key` now. */
  claimed(key: K, now: number): boolean {
    const until = this.#claims.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#claims.delete(key);
    return false;
  }

  release(key: K): void {
    this.#claims.delete(key);
  }

  /**
   * Waits, on this request's own timers, until nobody is refreshing `key` (released or lapsed) or
   * `timeoutMs` has passed: looks again after 2 ms, then doubling to 20 ms. For callers that hold no
   * value at all to carry on with. `now` is the clock the claims were made with; the deadline is real time.
   */
  async awaitRelease(key: K, timeoutMs: number, now: () => number = Date.now): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 2; this.claimed(key, now()) && Date.now() < deadline; pause = Math.min(pause * 2, 20)) {
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * `read` as this isolate's one refresh of `key`, its result wrapped; or, while another request is
   * refreshing it, a wait for that refresh on this request's own timers (at most `waitMs`) and
   * undefined, so the caller takes what that refresh left (and reads for itself if it left nothing).
   */
  async once<T>(key: K, now: () => number, waitMs: number, read: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.claim(key, now())) {
      try {
        return { value: await read() };
      } finally {
        this.release(key);
      }
    }
    await this.awaitRelease(key, waitMs, now);
    return undefined;
  }

  #sweep(now: number): void {
    for (const [key, until] of this.#claims) if (until <= now) this.#claims.delete(key);
    // Still full of live claims: the oldest goes (its refresher may finish, but the key can be claimed again).
    if (this.#claims.size >= this.#maxKeys) {
      const oldest = this.#claims.keys().next();
      if (!oldest.done) this.#claims.delete(oldest.value);
    }
  }
}
