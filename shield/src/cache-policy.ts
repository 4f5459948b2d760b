/** How long the shield may keep an origin answer, derived from its Cache-Control (RFC 9111 §4.2.1, §5.2.2). */
export interface CachePolicy {
  storable: boolean;
  /** Remaining freshness in seconds, already reduced by the origin's Age. 0 when not storable. */
  ttlSeconds: number;
}

/** `immutable` without an explicit lifetime means "never changes": keep it as long as LRU lets us. */
export const IMMUTABLE_TTL_SECONDS = 365 * 24 * 60 * 60;

const NOT_STORABLE: CachePolicy = { storable: false, ttlSeconds: 0 };

/**
 * The shield is a shared cache, so `s-maxage` beats `max-age`, and `private` answers are not ours to keep.
 * `no-cache` is treated like `no-store` for now: honouring it would mean revalidating on every request,
 * which only pays off once the shield can serve stale while it revalidates.
 */
export function cachePolicy(cacheControl: string | undefined, originAgeSeconds: number, defaultTtlSeconds: number): CachePolicy {
  const directives = parseCacheControl(cacheControl ?? '');
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return NOT_STORABLE;

  let lifetime: number | undefined;
  for (const name of ['s-maxage', 'max-age']) {
    if (!directives.has(name)) continue;
    const value = directives.get(name);
    // An invalid lifetime makes the answer stale (RFC 9111 §4.2.1), i.e. not worth storing.
    if (value === undefined || !/^\d+$/.test(value)) return NOT_STORABLE;
    lifetime = Number(value);
    break;
  }
  if (lifetime === undefined) lifetime = directives.has('immutable') ? IMMUTABLE_TTL_SECONDS : defaultTtlSeconds;

  const ttlSeconds = lifetime - Math.max(0, originAgeSeconds);
  return ttlSeconds > 0 ? { storable: true, ttlSeconds } : NOT_STORABLE;
}

/** Directive names lower-cased; the first occurrence of a repeated directive wins (RFC 9111 §4.2.1). */
function parseCacheControl(header: string): Map<string, string | undefined> {
  const directives = new Map<string, string | undefined>();
  for (const match of header.matchAll(/([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*)))?/g)) {
    const name = match[1]?.toLowerCase();
    if (name === undefined || directives.has(name)) continue;
    directives.set(name, match[2] ?? match[3]);
  }
  return directives;
}

/** The origin's `Age` header in whole seconds; anything unparsable counts as 0. */
export function parseAge(header: string | undefined): number {
  if (header === undefined || !/^\s*\d+\s*$/.test(header)) return 0;
  return Number(header.trim());
}
