import type { ObjectHeaders } from './cached-object.ts';
import { isImmutableKind, keyInfo } from './object-kind.ts';

/** The shield's own freshness defaults, for answers whose origin headers leave them open. */
export interface FreshnessRules {
  defaultTtlSeconds: number;
  vodManifestTtlSeconds: number;
  negativeTtlSeconds: number;
  staleIfErrorSeconds: number;
  liveStaleIfErrorSeconds: number;
}

/** How long the shield may keep an origin answer and how long it may serve it stale. All in ms. */
export interface Freshness {
  storable: boolean;
  /** Remaining freshness, already reduced by the origin's Age. */
  ttlMs: number;
  /** After freshness ends: serve stale while one background fetch revalidates. */
  staleWhileRevalidateMs: number;
  /** After freshness ends: serve stale when the origin fails. */
  staleIfErrorMs: number;
}

/** `immutable` without an explicit lifetime means "never changes": keep it as long as LRU lets us. */
export const IMMUTABLE_TTL_SECONDS = 365 * 24 * 60 * 60;

const NOT_STORABLE: Freshness = { storable: false, ttlMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 };

/**
 * Freshness of an origin answer for a shared cache (RFC 9111 §4.2.1, §5.2.2; RFC 5861):
 * - `no-store`, `private`, `no-cache` and a `Vary` other than Accept-Encoding are not kept (`no-cache` would mean a round trip per
 *   request; our origin sends it only for catalogue reads, which are collapsed but not cached);
 * - `s-maxage` beats `max-age`; without either, media segments are immutable, VOD manifests get
 *   `vodManifestTtlSeconds`, anything else `defaultTtlSeconds`;
 * - a live HLS playlist is fresh for at most half its target duration, a live MPD for half its
 *   minimumUpdatePeriod, so players always see the live edge move;
 * - 404/410 are kept `negativeTtlSeconds` (or less if the origin says so), never served stale;
 * - `stale-while-revalidate` comes from the origin only; `stale-if-error` from the origin, else the
 *   shield's defaults (short for live manifests: an outage may freeze the live edge only briefly).
 */
export function freshness(key: string, status: number, headers: ObjectHeaders, originAgeSeconds: number, body: Buffer, rules: FreshnessRules): Freshness {
  const directives = parseCacheControl(headers.cacheControl ?? '');
  if (directives.has('no-store') || directives.has('private') || directives.has('no-cache')) return NOT_STORABLE;
  if (!varyIsKeyable(headers.vary)) return NOT_STORABLE;

  let lifetime: number | undefined;
  for (const name of ['s-maxage', 'max-age']) {
    if (!directives.has(name)) continue;
    const value = seconds(directives.get(name));
    // An invalid lifetime makes the answer stale (RFC 9111 §4.2.1), i.e. not worth storing.
    if (value === undefined) return NOT_STORABLE;
    lifetime = value;
    break;
  }
  const age = Math.max(0, originAgeSeconds);

  if (status === 404 || status === 410) {
    const ttl = Math.min(rules.negativeTtlSeconds, lifetime ?? Infinity) - age;
    return ttl > 0 ? { storable: true, ttlMs: ttl * 1000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 } : NOT_STORABLE;
  }
  if (status !== 200) return NOT_STORABLE;

  const { kind, live } = keyInfo(key);
  const manifest = kind === 'playlist' || kind === 'mpd';
  if (lifetime === undefined) {
    if (directives.has('immutable') || isImmutableKind(kind)) lifetime = IMMUTABLE_TTL_SECONDS;
    else if (manifest && !live) lifetime = rules.vodManifestTtlSeconds;
    else lifetime = rules.defaultTtlSeconds;
  }
  let ttlMs = (lifetime - age) * 1000;
  let swrMs = (seconds(directives.get('stale-while-revalidate')) ?? 0) * 1000;
  const liveCapMs = live && manifest ? liveRefreshCapMs(kind, body) : undefined;
  if (liveCapMs !== undefined) {
    ttlMs = Math.min(ttlMs, liveCapMs);
    swrMs = Math.min(swrMs, liveCapMs);
  }
  if (ttlMs <= 0) return NOT_STORABLE;
  const defaultSie = live && manifest ? rules.liveStaleIfErrorSeconds : rules.staleIfErrorSeconds;
  const sieMs = (seconds(directives.get('stale-if-error')) ?? defaultSie) * 1000;
  return { storable: true, ttlMs, staleWhileRevalidateMs: swrMs, staleIfErrorMs: sieMs };
}

/**
 * Half the playlist's EXT-X-TARGETDURATION (RFC 8216 §6.2.2 has clients reload about once per target
 * duration) or half the MPD's minimumUpdatePeriod; a multivariant playlist has neither and keeps the
 * origin's lifetime.
 */
function liveRefreshCapMs(kind: 'playlist' | 'mpd' | string, body: Buffer): number | undefined {
  const head = body.toString('latin1', 0, Math.min(body.byteLength, 16_384));
  if (kind === 'playlist') {
    const target = /#EXT-X-TARGETDURATION:\s*(\d+(?:\.\d+)?)/.exec(head)?.[1];
    return target === undefined ? undefined : (Number(target) * 1000) / 2;
  }
  const period = /minimumUpdatePeriod="PT(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?"/.exec(head);
  if (period === null || (period[1] === undefined && period[2] === undefined)) return undefined;
  return ((Number(period[1] ?? 0) * 60 + Number(period[2] ?? 0)) * 1000) / 2;
}

/**
 * The shield sends the origin no viewer headers at all, Accept-Encoding included, so an answer that
 * varies only on Accept-Encoding is the identity answer and right for every client. An answer that
 * varies on anything else (or `*`) would need a cache entry per header value: it is collapsed but not
 * stored, which is correct if slower, and our origin sends none.
 */
function varyIsKeyable(vary: string | undefined): boolean {
  if (vary === undefined) return true;
  return vary.split(',').every((name) => {
    const trimmed = name.trim().toLowerCase();
    return trimmed === '' || trimmed === 'accept-encoding';
  });
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
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
