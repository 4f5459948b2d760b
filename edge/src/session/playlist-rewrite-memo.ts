import { BoundedCache } from './bounded-cache.ts';
import { rewriteForSession, type SessionRewrite } from './session-urls.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Playlists larger than this are rewritten every time (a long VOD playlist would crowd the memo). */
const MAX_MEMO_BYTES = 64 * 1024;

/**
 * Every viewer of a live channel reloads the same upstream media playlist, and only the session token
 * in its URIs differs between them. So the rewrite (parse, resolve and rewrite every URI, serialise) is
 * done once per upstream body with a placeholder token, and each reload only splices its own token into
 * the result. The placeholder is random per isolate and URL-safe like a real token, so the rewriter
 * treats it exactly as it would a token; a body that happens to contain it is rewritten directly.
 */
export class PlaylistRewriteMemo {
  /** Made at first use: workerd allows no random values in a Worker's global scope, where the memo lives. */
  #placeholder = '';
  /** key (where the playlist came from and goes to + body) → the rewritten body split at the placeholder. */
  readonly #entries: BoundedCache<string, string[]>;

  constructor(capacity = 64) {
    this.#entries = new BoundedCache(capacity);
  }

  /** As `rewriteForSession` (HLS with the token URL rewriter only), memoised per upstream body. */
  rewrite(bytes: ArrayBuffer, options: SessionRewrite): string {
    if (options.urls !== undefined || options.personalization !== undefined || bytes.byteLength > MAX_MEMO_BYTES) return rewriteForSession(bytes, options);
    const prefix = `${options.format}\n${options.upstreamUrl.href}\n${options.shieldScope.href}\n${options.edgeOrigin}\n${options.scope}\n${options.publicPrefix ?? ''}\n`;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return rewriteForSession(bytes, options); // refuses it with the precise error
    }
    if (this.#placeholder === '') this.#placeholder = `cascadetoken${crypto.randomUUID().replaceAll('-', '')}`;
    if (text.includes(this.#placeholder)) return rewriteForSession(bytes, options);
    const key = prefix + text;
    let parts = this.#entries.get(key);
    if (parts === undefined) {
      parts = rewriteForSession(bytes, { ...options, token: this.#placeholder }).split(this.#placeholder);
      this.#entries.set(key, parts);
    }
    return parts.join(options.token);
  }
}
