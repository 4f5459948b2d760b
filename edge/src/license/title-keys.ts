import { ProblemError } from '@cascade/common';
import type { ContentKey, KeyEncryptionKey, WrappedContentKey } from '@cascade/licensing/protection';
import { BoundedCache } from '../session/bounded-cache.ts';

/**
 * A title's content keys, unwrapped with the KEK on first use and kept per isolate (clear keys live
 * only in this isolate's memory, never in a cache or a response header). The entry is keyed by the
 * wrapped key itself, so a re-ingested title with new keys never meets an old clear key.
 */
export class TitleKeys {
  readonly #kek: KeyEncryptionKey | undefined;
  readonly #unwrapped = new BoundedCache<string, Promise<ContentKey>>(4096);

  constructor(kek: KeyEncryptionKey | undefined) {
    this.#kek = kek;
  }

  async unwrap(wrapped: WrappedContentKey): Promise<ContentKey> {
    const kek = this.#kek;
    if (!kek) throw new ProblemError('license-unavailable', 'CONTENT_KEK is not configured: protected titles cannot be licensed');
    const cacheKey = `${wrapped.kid}:${wrapped.wrappedKey}`;
    let key = this.#unwrapped.get(cacheKey);
    if (!key) {
      key = kek.unwrap(wrapped).catch((error: unknown) => {
        this.#unwrapped.delete(cacheKey);
        throw new ProblemError('license-unavailable', `key ${wrapped.kid} does not unwrap under CONTENT_KEK (${(error as Error).message})`);
      });
      this.#unwrapped.set(cacheKey, key);
    }
    return key;
  }
}
