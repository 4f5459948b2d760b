import { ProblemError } from '@cascade/common';
import type { JSONWebKeySet } from 'jose';
import type { Env } from './env.ts';

/** Asymmetric algorithms only: a viewer token signed with a shared secret (HS*) or `none` is never accepted. */
const ALLOWED_JWT_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

export interface SessionKey {
  kid: string;
  secret: Uint8Array;
}

export interface EdgeConfig {
  environment: 'development' | 'production';
  /** Development-only features (today: /demo; geo rights will add the x-dev-country header). Refused in production. */
  devFeatures: boolean;
  shieldUrl: URL;
  /** Sent on every shield request: the shield serves authenticated CDNs only. */
  shieldAuthSecret: string;
  upstreamTimeoutMs: number;
  jwt: {
    issuer: string;
    audience: string;
    algorithms: string[];
    jwks: JSONWebKeySet;
    clockToleranceSeconds: number;
    maxTokenBytes: number;
  };
  sessionToken: { ttlSeconds: number; keys: SessionKey[] };
}

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

function parseJwks(raw: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('VIEWER_JWKS', 'JSON', raw);
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw invalid('VIEWER_JWKS', 'a JWKS with at least one key', raw);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') {
      throw invalid('VIEWER_JWKS', 'keys with a "kty"', JSON.stringify(key));
    }
    // A private key in the edge's configuration means the signing key has leaked into the wrong place.
    const leaked = PRIVATE_JWK_MEMBERS.filter((member) => member in key);
    if (leaked.length > 0) throw invalid('VIEWER_JWKS', 'public keys only', `a key with private member(s) ${leaked.join(',')}`);
  }
  return parsed as JSONWebKeySet;
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
      jwks: parseJwks(required(env, 'VIEWER_JWKS')),
      clockToleranceSeconds: 30,
      maxTokenBytes: 8192,
    },
    sessionToken: {
      ttlSeconds: integer(env, 'SESSION_TOKEN_TTL_SECONDS', 60, 7 * 24 * 3600),
      keys: parseSessionKeys(required(env, 'SESSION_TOKEN_KEYS')),
    },
  };
}
