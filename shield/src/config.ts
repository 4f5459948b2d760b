import { ProblemError } from '@cascade/common';

/** Everything the shield needs to run; built once from the environment by `loadConfig`. */
export interface ShieldConfig {
  port: number;
  host: string;
  /** Base URL of the origin; media paths are appended to its path. */
  originUrl: URL;
  /** Upper bound for the bytes held by the memory cache (bodies plus per-entry bookkeeping). */
  cacheBytes: number;
  /** Objects larger than this are streamed through without being cached. */
  maxObjectBytes: number;
  /** Deadline for one origin fetch, from sending the request to the last body byte. */
  upstreamTimeoutMs: number;
  /**
   * Deadline for an LL-HLS blocking reload (`_HLS_msn`): the origin may hold it for up to about three
   * target durations before answering, so it gets longer than an ordinary fetch (never shorter).
   */
  blockingReloadTimeoutMs: number;
  /** Freshness lifetime when the origin sends no max-age / s-maxage. */
  defaultTtlSeconds: number;
  /** Freshness of a VOD playlist or MPD when the origin sends no max-age: they never change once packaged. */
  vodManifestTtlSeconds: number;
  /** How long an origin 404/410 is remembered, so a storm for a missing object reaches the origin once. */
  negativeTtlSeconds: number;
  /** How long past freshness a VOD object or segment may be served when the origin fails (RFC 5861). */
  staleIfErrorSeconds: number;
  /** The same for live playlists: an outage freezes the live edge only for this long. */
  liveStaleIfErrorSeconds: number;
  /** Shared secrets a CDN presents in `x-cascade-shield-auth`; several during a rotation. Never empty. */
  authSecrets: string[];
  /** Bearer tokens for the purge API; empty disables purging. */
  purgeSecrets: string[];
  /** Directory of the disk tier (survives restarts); undefined means memory only. */
  diskDir: string | undefined;
  /** Upper bound for the bytes the disk tier holds. */
  diskBytes: number;
  /** A client must send its whole request head within this time (slowloris guard). */
  clientHeadersTimeoutMs: number;
}

const MIB = 1024 * 1024;

/** Defaults for everything but the secrets, which have none: `SHIELD_AUTH_SECRETS` must be set. */
export const DEFAULT_CONFIG: Readonly<ShieldConfig> = Object.freeze({
  port: 8082,
  host: '127.0.0.1',
  originUrl: new URL('http://127.0.0.1:8081'),
  cacheBytes: 256 * MIB,
  maxObjectBytes: 32 * MIB,
  upstreamTimeoutMs: 10_000,
  blockingReloadTimeoutMs: 12_000,
  defaultTtlSeconds: 10,
  vodManifestTtlSeconds: 300,
  negativeTtlSeconds: 2,
  staleIfErrorSeconds: 86_400,
  liveStaleIfErrorSeconds: 30,
  authSecrets: [],
  purgeSecrets: [],
  diskDir: undefined,
  diskBytes: 1024 * MIB,
  clientHeadersTimeoutMs: 10_000,
});

type Env = Record<string, string | undefined>;

/**
 * Parse and validate the shield's environment. Fails on the first bad variable with a message that
 * names the variable, what was expected and what was received, so a misconfigured deploy stops at
 * startup instead of misbehaving under load.
 */
export function loadConfig(env: Env = process.env): ShieldConfig {
  return {
    port: integerVar(env, 'SHIELD_PORT', DEFAULT_CONFIG.port, 0, 65_535),
    host: hostVar(env, 'SHIELD_HOST', DEFAULT_CONFIG.host),
    originUrl: originUrlVar(env, 'ORIGIN_URL', DEFAULT_CONFIG.originUrl),
    cacheBytes: integerVar(env, 'SHIELD_CACHE_BYTES', DEFAULT_CONFIG.cacheBytes, 1, Number.MAX_SAFE_INTEGER),
    maxObjectBytes: integerVar(env, 'SHIELD_MAX_OBJECT_BYTES', DEFAULT_CONFIG.maxObjectBytes, 1, Number.MAX_SAFE_INTEGER),
    // setTimeout cannot wait longer than 2^31-1 ms.
    upstreamTimeoutMs: integerVar(env, 'SHIELD_UPSTREAM_TIMEOUT_MS', DEFAULT_CONFIG.upstreamTimeoutMs, 1, 2_147_483_647),
    blockingReloadTimeoutMs: integerVar(env, 'SHIELD_BLOCKING_RELOAD_TIMEOUT_MS', DEFAULT_CONFIG.blockingReloadTimeoutMs, 1, 2_147_483_647),
    defaultTtlSeconds: integerVar(env, 'SHIELD_DEFAULT_TTL_SECONDS', DEFAULT_CONFIG.defaultTtlSeconds, 0, 31_536_000),
    vodManifestTtlSeconds: integerVar(env, 'SHIELD_VOD_MANIFEST_TTL_SECONDS', DEFAULT_CONFIG.vodManifestTtlSeconds, 0, 31_536_000),
    negativeTtlSeconds: integerVar(env, 'SHIELD_NEGATIVE_TTL_SECONDS', DEFAULT_CONFIG.negativeTtlSeconds, 0, 3600),
    staleIfErrorSeconds: integerVar(env, 'SHIELD_STALE_IF_ERROR_SECONDS', DEFAULT_CONFIG.staleIfErrorSeconds, 0, 31_536_000),
    liveStaleIfErrorSeconds: integerVar(env, 'SHIELD_LIVE_STALE_IF_ERROR_SECONDS', DEFAULT_CONFIG.liveStaleIfErrorSeconds, 0, 3600),
    authSecrets: secretsVar(env, 'SHIELD_AUTH_SECRETS', true),
    purgeSecrets: secretsVar(env, 'SHIELD_PURGE_SECRETS', false),
    diskDir: pathVar(env, 'SHIELD_DISK_DIR'),
    diskBytes: integerVar(env, 'SHIELD_DISK_BYTES', DEFAULT_CONFIG.diskBytes, 1, Number.MAX_SAFE_INTEGER),
    clientHeadersTimeoutMs: integerVar(env, 'SHIELD_CLIENT_HEADERS_TIMEOUT_MS', DEFAULT_CONFIG.clientHeadersTimeoutMs, 100, 600_000),
  };
}

/** Shortest secret accepted: 16 characters, so a guessable placeholder cannot slip into a deploy. */
const MIN_SECRET_LENGTH = 16;

/**
 * A comma-separated list of secrets (rotation: every entry is accepted, the CDN sends one). Values are
 * never echoed in errors: only their position and length.
 */
function secretsVar(env: Env, name: string, required: boolean): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    if (!required) return [];
    throw new ProblemError('config-invalid', `${name} must be a comma-separated list of secrets (at least ${MIN_SECRET_LENGTH} visible ASCII characters each), got nothing`, { variable: name });
  }
  const secrets = raw.split(',').map((entry) => entry.trim());
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_SECRET_LENGTH || secret.length > 512 || !/^[\x21-\x7e]+$/.test(secret)) {
      throw new ProblemError(
        'config-invalid',
        `${name} must be a comma-separated list of secrets of ${MIN_SECRET_LENGTH} to 512 visible ASCII characters, got entry ${index + 1} of ${secret.length} characters (value not shown)`,
        { variable: name },
      );
    }
  });
  return secrets;
}

function pathVar(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!raw.trim().startsWith('/') || raw.includes('\0')) throw invalid(name, 'an absolute directory path', raw);
  return raw.trim();
}

function invalid(name: string, expected: string, received: string): ProblemError {
  return new ProblemError('config-invalid', `${name} must be ${expected}, got ${JSON.stringify(received)}`, { variable: name });
}

function integerVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const expected = `an integer from ${min} to ${max}`;
  if (!/^\d+$/.test(raw.trim())) throw invalid(name, expected, raw);
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) throw invalid(name, expected, raw);
  return value;
}

function hostVar(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (/[\s/?#@]/.test(raw.trim())) throw invalid(name, 'a host name or IP address', raw);
  return raw.trim();
}

function originUrlVar(env: Env, name: string, fallback: URL): URL {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return new URL(fallback);
  const expected = 'an absolute http:// or https:// URL without query or fragment';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(name, expected, raw);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw invalid(name, expected, raw);
  }
  if (url.username !== '' || url.password !== '') {
    // Do not echo the value: it holds a secret.
    throw new ProblemError('config-invalid', `${name} must be a URL without credentials, got one with user info`, { variable: name });
  }
  return url;
}
