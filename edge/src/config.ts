import { ProblemError } from '@cascade/common';
import type { JSONWebKeySet } from 'jose';
import { publicJwks } from './auth/public-jwks.ts';
import type { Env } from './env.ts';
import { PLANS, type Plan } from './auth/viewer.ts';
import { STREAM_POLICIES, type StreamPolicy } from '@cascade/licensing/stream-policy';
import type { SessionKey } from './session/session-token.ts';
import type { SteeringConfig } from './steering/pathway.ts';
import { parseSteeringConfig } from './steering/parse-steering-config.ts';
import { parseAdsConfig, type AdsConfig } from './ssai/ad-server-config.ts';
import { KeyEncryptionKey, VIDEO_TIERS, type VideoTier } from '@cascade/licensing/protection';

/** Asymmetric algorithms only: a viewer token signed with a shared secret (HS*) or `none` is never accepted. */
const ALLOWED_JWT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

export type { SessionKey };

export interface EdgeConfig {
  environment: 'development' | 'production';
  /** Development-only features: /demo and the x-dev-country header. Refused in production. */
  devFeatures: boolean;
  shieldUrl: URL;
  /** Sent on every shield request: the shield serves authenticated CDNs only. */
  shieldAuthSecret: string;
  upstreamTimeoutMs: number;
  jwt: {
    issuer: string;
    audience: string;
    algorithms: string[];
    keySource: ViewerKeySource;
    clockToleranceSeconds: number;
    maxTokenBytes: number;
  };
  /** maxSessionSeconds: how long media-playlist reloads may renew a session (README "Sessions"). */
  sessionToken: { ttlSeconds: number; maxSessionSeconds: number; keys: SessionKey[] };
  /** Catalogue entries (rights) are reused this long, and the last good copy up to maxStaleSeconds when the shield fails. */
  catalogue: { ttlSeconds: number; maxStaleSeconds: number };
  /**
   * Each isolate looks the revocation list up at most every cacheSeconds; the isolates of a PoP share one
   * snapshot read from the RevocationList object at most every popCacheSeconds (0: no PoP sharing).
   */
  revocation: { cacheSeconds: number; popCacheSeconds: number };
  /** The catalogue title whose playlist replaces a live channel's during a regional blackout. */
  slateTitleId: string;
  /** Operator bitrate ceiling (bits per second) for every manifest under load; undefined = off. */
  surgeCapBps: number | undefined;
  /** Concurrent streams per plan, what happens at the limit, and how long a lease lives between heartbeats. */
  streams: StreamConfig;
  /** Multi-CDN steering; pathways is empty when STEERING_PATHWAYS is unset (no steering tag in manifests). */
  steering: SteeringConfig;
  /** Server-side ad insertion: ad decision servers per title/channel and creative conditioning (README "Ad insertion"). */
  ads: AdsConfig;
  /** ClearKey licences: the key-encryption key (undefined: protected titles cannot be licensed) and each plan's highest key tier. */
  licensing: LicensingConfig;
}

export interface LicensingConfig {
  kek: KeyEncryptionKey | undefined;
  planTiers: Record<Plan, VideoTier>;
}

export interface StreamConfig {
  limits: Record<Plan, number>;
  policies: Record<Plan, StreamPolicy>;
  leaseSeconds: number;
  graceSeconds: number;
  /** A reload within this many seconds of this isolate's last renewal of the session reuses it (0: never). */
  renewalReuseSeconds: number;
}

export type ViewerKeySource =
  | { kind: 'local'; jwks: JSONWebKeySet }
  | { kind: 'remote'; url: URL; cacheSeconds: number; cooldownSeconds: number; maxStaleSeconds: number };

function invalid(variable: string, expected: string, received: unknown): ProblemError {
  const shown = typeof received === 'string' ? JSON.stringify(received.slice(0, 80)) : String(received);
  return new ProblemError('config-invalid', `${variable}: expected ${expected}, received ${shown}`);
}

function required(env: Env, name: keyof Env): string {
  const value = env[name];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(name, 'a non-empty string', value);
  return value.trim();
}

function integer(env: Env, name: keyof Env, min: number, max: number): number {
  const raw = required(env, name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(name, `an integer in ${min}..${max}`, raw);
  return value;
}

function optionalInteger(env: Env, name: keyof Env, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return fallback;
  return integer(env, name, min, max);
}

function parseJwks(raw: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('VIEWER_JWKS', 'JSON', raw);
  }
  try {
    // A private key in the edge's configuration means the signing key has leaked into the wrong place.
    return publicJwks(parsed);
  } catch (error) {
    throw invalid('VIEWER_JWKS', (error as Error).message, '(the configured JWKS)');
  }
}

/** VIEWER_JWKS_URL (fetched, cached, rotated by kid) wins over a static VIEWER_JWKS; one of them is required. */
function parseKeySource(env: Env, environment: 'development' | 'production'): ViewerKeySource {
  const rawUrl = env.VIEWER_JWKS_URL?.trim();
  if (rawUrl) {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw invalid('VIEWER_JWKS_URL', 'an absolute URL', rawUrl);
    }
    // Keys fetched over plain HTTP could be swapped on the way: only development may use http.
    const allowed = environment === 'production' ? ['https:'] : ['https:', 'http:'];
    if (!allowed.includes(url.protocol)) throw invalid('VIEWER_JWKS_URL', `${allowed.join(' or ')} in ${environment}`, rawUrl);
    return {
      kind: 'remote',
      url,
      cacheSeconds: optionalInteger(env, 'VIEWER_JWKS_CACHE_SECONDS', 300, 1, 86_400),
      cooldownSeconds: optionalInteger(env, 'VIEWER_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
      maxStaleSeconds: optionalInteger(env, 'VIEWER_JWKS_MAX_STALE_SECONDS', 86_400, 0, 7 * 86_400),
    };
  }
  if (env.VIEWER_JWKS === undefined || env.VIEWER_JWKS.trim() === '') {
    throw invalid('VIEWER_JWKS', 'the identity service’s public JWKS (or VIEWER_JWKS_URL)', env.VIEWER_JWKS);
  }
  return { kind: 'local', jwks: parseJwks(env.VIEWER_JWKS) };
}

function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function parseSessionKeys(raw: string): SessionKey[] {
  const keys: SessionKey[] = [];
  for (const entry of raw.split(',')) {
    const colon = entry.indexOf(':');
    const kid = entry.slice(0, colon).trim();
    if (colon <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw invalid('SESSION_TOKEN_KEYS', '"kid:base64secret" entries', '(redacted)');
    let secret: Uint8Array;
    try {
      secret = base64ToBytes(entry.slice(colon + 1).trim());
    } catch {
      throw invalid('SESSION_TOKEN_KEYS', `base64 secret for kid ${kid}`, '(redacted)');
    }
    if (secret.length < 32) throw invalid('SESSION_TOKEN_KEYS', `a secret of at least 32 bytes for kid ${kid}`, `${secret.length} bytes`);
    if (keys.some((key) => key.kid === kid)) throw invalid('SESSION_TOKEN_KEYS', 'unique kids', kid);
    keys.push({ kid, secret });
  }
  return keys;
}

/** The shield refuses secrets under 16 visible ASCII characters; so does the edge, without echoing the value. */
function parseShieldAuthSecret(env: Env): string {
  const secret = required(env, 'SHIELD_AUTH_SECRET');
  if (secret.length < 16 || secret.length > 512 || !/^[\x21-\x2b\x2d-\x7e]+$/.test(secret)) {
    throw invalid('SHIELD_AUTH_SECRET', '16 to 512 visible ASCII characters without commas', '(redacted)');
  }
  return secret;
}

function slateTitleId(env: Env): string {
  const value = env.SLATE_TITLE_ID?.trim() || 'slate';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) throw invalid('SLATE_TITLE_ID', 'a title id', value);
  return value;
}

/** `plan:value[,plan:value…]` over the defaults; every plan named at most once. */
function perPlan<T>(env: Env, name: 'STREAM_LIMITS' | 'STREAM_POLICIES' | 'LICENSE_PLAN_TIERS', defaults: Record<Plan, T>, parse: (raw: string) => T | undefined, expected: string): Record<Plan, T> {
  const raw = env[name]?.trim();
  const result = { ...defaults };
  if (!raw) return result;
  const seen = new Set<string>();
  for (const entry of raw.split(',')) {
    const [plan, value, extra] = entry.split(':').map((part) => part.trim());
    if (plan === undefined || !(PLANS as readonly string[]).includes(plan) || seen.has(plan) || value === undefined || extra !== undefined) {
      throw invalid(name, `"plan:${expected}" entries for distinct plans among ${PLANS.join(', ')}`, entry);
    }
    const parsed = parse(value);
    if (parsed === undefined) throw invalid(name, `${expected} for plan ${plan}`, value);
    seen.add(plan);
    result[plan as Plan] = parsed;
  }
  return result;
}

function streamConfig(env: Env): StreamConfig {
  const leaseSeconds = optionalInteger(env, 'STREAM_LEASE_SECONDS', 120, 10, 3600);
  const renewalReuseSeconds = optionalInteger(env, 'STREAM_RENEWAL_REUSE_SECONDS', 20, 0, 60);
  // A reused renewal must leave most of the lease: the next real renewal comes before it can expire.
  if (renewalReuseSeconds * 2 > leaseSeconds) {
    throw new ProblemError('config-invalid', `STREAM_RENEWAL_REUSE_SECONDS: expected at most half of STREAM_LEASE_SECONDS (${leaseSeconds / 2}), received ${renewalReuseSeconds}`);
  }
  return {
    limits: perPlan(env, 'STREAM_LIMITS', { basic: 1, standard: 2, premium: 4 }, (v) => (/^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? Number(v) : undefined), 'an integer in 1..100'),
    policies: perPlan(env, 'STREAM_POLICIES', { basic: 'refuse-new', standard: 'refuse-new', premium: 'refuse-new' }, (v) => STREAM_POLICIES.find((p) => p === v), STREAM_POLICIES.join(' or ')),
    leaseSeconds,
    graceSeconds: optionalInteger(env, 'STREAM_GRACE_SECONDS', 30, 0, 600),
    renewalReuseSeconds,
  };
}

function licensingConfig(env: Env): LicensingConfig {
  const raw = env.CONTENT_KEK?.trim();
  let kek: KeyEncryptionKey | undefined;
  if (raw) {
    try {
      kek = KeyEncryptionKey.fromBase64(raw);
    } catch {
      throw invalid('CONTENT_KEK', 'base64 of 32 random bytes', '(redacted)');
    }
  }
  return {
    kek,
    planTiers: perPlan(env, 'LICENSE_PLAN_TIERS', { basic: 'SD', standard: 'HD', premium: 'UHD' }, (v) => VIDEO_TIERS.find((t) => t === v), VIDEO_TIERS.join(' or ')),
  };
}

/** Parse and check every binding once; the result is cached per env object by the app factory. */
export function parseConfig(env: Env): EdgeConfig {
  const environment = required(env, 'ENVIRONMENT');
  if (environment !== 'development' && environment !== 'production') {
    throw invalid('ENVIRONMENT', '"development" or "production"', environment);
  }
  const devFlag = required(env, 'DEV_FEATURES');
  if (devFlag !== 'true' && devFlag !== 'false') throw invalid('DEV_FEATURES', '"true" or "false"', devFlag);
  const devFeatures = devFlag === 'true';
  if (devFeatures && environment === 'production') throw invalid('DEV_FEATURES', '"false" in production', devFlag);

  let shieldUrl: URL;
  try {
    shieldUrl = new URL(required(env, 'SHIELD_URL'));
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw invalid('SHIELD_URL', 'an absolute http(s) URL', env.SHIELD_URL);
  }
  if (shieldUrl.protocol !== 'http:' && shieldUrl.protocol !== 'https:') throw invalid('SHIELD_URL', 'http or https', env.SHIELD_URL);
  if (!shieldUrl.pathname.endsWith('/')) shieldUrl.pathname += '/';

  const algorithms = required(env, 'JWT_ALGORITHMS').split(',').map((a) => a.trim());
  for (const algorithm of algorithms) {
    if (!(ALLOWED_JWT_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw invalid('JWT_ALGORITHMS', `a list drawn from ${ALLOWED_JWT_ALGORITHMS.join(', ')}`, algorithm);
    }
  }

  return {
    environment,
    devFeatures,
    shieldUrl,
    shieldAuthSecret: parseShieldAuthSecret(env),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 100, 60_000),
    jwt: {
      issuer: required(env, 'JWT_ISSUER'),
      audience: required(env, 'JWT_AUDIENCE'),
      algorithms,
      keySource: parseKeySource(env, environment),
      clockToleranceSeconds: 30,
      maxTokenBytes: 8192,
    },
    sessionToken: {
      ttlSeconds: integer(env, 'SESSION_TOKEN_TTL_SECONDS', 60, 7 * 24 * 3600),
      maxSessionSeconds: optionalInteger(env, 'SESSION_MAX_SECONDS', 86_400, 60, 7 * 86_400),
      keys: parseSessionKeys(required(env, 'SESSION_TOKEN_KEYS')),
    },
    catalogue: {
      ttlSeconds: optionalInteger(env, 'CATALOGUE_TTL_SECONDS', 5, 0, 300),
      maxStaleSeconds: optionalInteger(env, 'CATALOGUE_MAX_STALE_SECONDS', 300, 0, 86_400),
    },
    revocation: {
      cacheSeconds: optionalInteger(env, 'REVOCATION_CACHE_SECONDS', 1, 0, 30),
      popCacheSeconds: optionalInteger(env, 'REVOCATION_POP_CACHE_SECONDS', 2, 0, 30),
    },
    slateTitleId: slateTitleId(env),
    surgeCapBps: optionalInteger(env, 'SURGE_CAP_BPS', 0, 0, 1_000_000_000) || undefined,
    streams: streamConfig(env),
    steering: parseSteeringConfig(env, environment),
    ads: parseAdsConfig(env, environment === 'production'),
    licensing: licensingConfig(env),
  };
}
