/** A delivery path players can fetch media from (README "Multi-CDN steering"). */
export interface Pathway {
  /** RFC 8216bis PATHWAY-ID / DASH serviceLocation: [A-Za-z0-9._~-], at most 32 characters. */
  id: string;
  /**
   * `self` for this edge (media through `/v1/media/{sessionToken}/…`), else the CDN's absolute URL prefix
   * ending in '/', under which the CDN serves `{token part}/{vod|live}/{title}/{file}`.
   */
  baseUrl: 'self' | URL;
  /** How URLs on this pathway are authorised: the edge's session token or the CDN's own token. */
  tokenFormat: TokenFormat;
  /** Relative share of new sessions (0: fallback only). */
  weight: number;
  /** ISO 3166 alpha-2 countries this pathway serves; empty: everywhere. */
  regions: string[];
  /** Relative cost per delivered byte; among fallbacks, cheaper comes first. */
  cost: number;
  /** Configured state; operators override it at run time. */
  state: PathwayState;
  /** Secret for the CDN token (nginx secure_link; Akamai: the hex key), from STEERING_TOKEN_SECRETS; never logged. */
  secret?: string;
  /** CloudFront signing key (key pair id and PKCS#8 PEM), from STEERING_TOKEN_SECRETS; never logged. */
  cloudFront?: { keyPairId: string; privateKeyPem: string };
}

export const TOKEN_FORMATS = ['edge', 'nginx-secure-link', 'akamai', 'cloudfront'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/**
 * Token formats that travel in the query string, which relative URIs do not inherit: the edge serves such a
 * pathway's HLS media playlists itself, with every segment URI absolute on the CDN and tokenized.
 */
export function isQueryTokenPathway(pathway: Pathway): boolean {
  return pathway.tokenFormat === 'akamai' || pathway.tokenFormat === 'cloudfront';
}

export const PATHWAY_STATES = ['active', 'draining', 'down'] as const;
/** active: takes sessions; draining: takes none and sessions leave it at their next steering reload; down: removed. */
export type PathwayState = (typeof PATHWAY_STATES)[number];

export const PATHWAY_ID = /^[A-Za-z0-9._~-]{1,32}$/;
export const COUNTRY = /^[A-Z]{2}$/;

export interface SteeringConfig {
  pathways: Pathway[];
  /** Seconds between a player's steering-manifest reloads (TTL): operator changes reach every session within it. */
  ttlSeconds: number;
  /** How long an isolate reuses the control plane's state; at most the TTL. */
  cacheSeconds: number;
  /** Path (below a pathway's scope root) the health probe fetches, e.g. `vod/slate/master.m3u8`. */
  probePath: string;
  /** Consecutive failed probes that drain a pathway, and consecutive good ones that restore it. */
  probeFailures: number;
  probeRecoveries: number;
}
