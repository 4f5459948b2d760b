import type { CachedObject } from './cached-object.ts';

/** A rough allowance for the Map entry, object and header strings, so many tiny objects still count. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * In-memory LRU bounded by total bytes. A Map keeps insertion order, so re-inserting on every read makes
 * its first key the least recently used one; eviction pops from the front until the new entry fits.
 * Stale entries stay until evicted or replaced: their validators let the fetcher revalidate cheaply.
 */
export class MemoryCacheStore {
  readonly maxBytes: number;
  #entries = new Map<string, { object: CachedObject; size: number }>();
  /** The key last appended to `#entries`, i.e. its most recently used one. */
  #newest: string | undefined;
  #bytes = 0;
  #evictions = 0;

  constructor(maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    }
    this.maxBytes = maxBytes;
  }

  /** Returns the entry, fresh or stale, and marks it most recently used. */
  get(key: string): CachedObject | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Already the most recent entry (a hot object asked again and again): nothing to move.
    if (key !== this.#newest) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#newest = key;
    }
    return entry.object;
  }

  /** Whether an entry exists, without touching its recency. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Stores (or replaces) an object, evicting least recently used entries; false if it can never fit. */
  set(object: CachedObject): boolean {
    const size = sizeOf(object);
    this.delete(object.key);
    if (size > this.maxBytes) return false;
    while (this.#bytes + size > this.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
      this.#evictions += 1;
    }
    this.#entries.set(object.key, { object, size });
    this.#newest = object.key;
    this.#bytes += size;
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    if (key === this.#newest) this.#newest = undefined;
    this.#bytes -= entry.size;
    return true;
  }

  /** Delete every key starting with `prefix`; returns the keys removed. */
  deletePrefix(prefix: string): string[] {
    const keys = [...this.#entries.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys) this.delete(key);
    return keys;
  }

  /** Bytes accounted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  get objects(): number {
    return this.#entries.size;
  }

  /** Entries dropped to make room since the store was created. */
  get evictions(): number {
    return this.#evictions;
  }
}

function sizeOf(object: CachedObject): number {
  let size = ENTRY_OVERHEAD_BYTES + object.body.byteLength + object.key.length;
  for (const value of Object.values(object.headers)) {
    if (typeof value === 'string') size += value.length;
  }
  return size;
}
