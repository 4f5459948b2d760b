import type { LiveSlot } from '@cascade/manifest-rewriter';

/**
 * The slots of a live session's ads and slate, rewritten for the session, kept in the isolate between
 * reloads. They do not change from one reload to the next (same creative, rendition and token expiry), so
 * a warm isolate skips the ad playlist's fetch, the token signature and the rewrite on every reload of a
 * break. Least recently used entries go first; the key carries the token expiry, so a renewed token
 * simply misses.
 */
export class LiveSlotCache {
  readonly #entries = new Map<string, LiveSlot[]>();
  readonly #maxEntries: number;

  constructor(maxEntries = 2000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries: expected a positive integer, received ${maxEntries}`);
    this.#maxEntries = maxEntries;
  }

  get(key: string): LiveSlot[] | undefined {
    const slots = this.#entries.get(key);
    if (slots !== undefined) {
      // Refresh its place: Map keeps insertion order, the oldest key is the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, slots);
    }
    return slots;
  }

  set(key: string, slots: LiveSlot[]): void {
    this.#entries.delete(key);
    this.#entries.set(key, slots);
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}
