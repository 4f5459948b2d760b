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
  /** Freshness lifetime when the origin sends no max-age / s-maxage. */
  defaultTtlSeconds: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_CONFIG: Readonly<ShieldConfig> = Object.freeze({
  port: 8082,
  host: '127.0.0.1',
  originUrl: new URL('http://127.0.0.1:8081'),
  cacheBytes: 256 * MIB,
  maxObjectBytes: 32 * MIB,
  upstreamTimeoutMs: 10_000,
  defaultTtlSeconds: 10,
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
    defaultTtlSeconds: integerVar(env, 'SHIELD_DEFAULT_TTL_SECONDS', DEFAULT_CONFIG.defaultTtlSeconds, 0, 31_536_000),
  };
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
