import { describe, expect, it } from 'vitest';
import { ProblemError } from '@cascade/common';
import { DEFAULT_CONFIG, loadConfig } from '../src/index.ts';

function failure(env: Record<string, string>): ProblemError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  const SECRET = 'a-shield-secret-of-enough-length';

  it('uses the documented defaults for an environment with only the required secret', () => {
    const config = loadConfig({ SHIELD_AUTH_SECRETS: SECRET });

    expect(config).toEqual({
      port: 8082,
      host: '127.0.0.1',
      originUrl: new URL('http://127.0.0.1:8081'),
      cacheBytes: 256 * 1024 * 1024,
      maxObjectBytes: 32 * 1024 * 1024,
      upstreamTimeoutMs: 10_000,
      blockingReloadTimeoutMs: 12_000,
      defaultTtlSeconds: 10,
      vodManifestTtlSeconds: 300,
      negativeTtlSeconds: 2,
      staleIfErrorSeconds: 86_400,
      liveStaleIfErrorSeconds: 30,
      authSecrets: [SECRET],
      purgeSecrets: [],
      diskDir: undefined,
      diskBytes: 1024 * 1024 * 1024,
      clientHeadersTimeoutMs: 10_000,
    });
    expect(config).toEqual({ ...DEFAULT_CONFIG, authSecrets: [SECRET] });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SHIELD_PORT: '9000',
      SHIELD_HOST: '0.0.0.0',
      ORIGIN_URL: 'https://origin.internal:8443/media',
      SHIELD_CACHE_BYTES: '1048576',
      SHIELD_MAX_OBJECT_BYTES: '65536',
      SHIELD_UPSTREAM_TIMEOUT_MS: '250',
      SHIELD_BLOCKING_RELOAD_TIMEOUT_MS: '9000',
      SHIELD_DEFAULT_TTL_SECONDS: '0',
      SHIELD_VOD_MANIFEST_TTL_SECONDS: '60',
      SHIELD_NEGATIVE_TTL_SECONDS: '1',
      SHIELD_STALE_IF_ERROR_SECONDS: '600',
      SHIELD_LIVE_STALE_IF_ERROR_SECONDS: '12',
      SHIELD_AUTH_SECRETS: `${SECRET}, second-secret-for-rotation`,
      SHIELD_PURGE_SECRETS: 'purge-secret-0123456789',
      SHIELD_DISK_DIR: '/var/cache/shield',
      SHIELD_DISK_BYTES: '4096',
      SHIELD_CLIENT_HEADERS_TIMEOUT_MS: '5000',
    });

    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      originUrl: new URL('https://origin.internal:8443/media'),
      cacheBytes: 1_048_576,
      maxObjectBytes: 65_536,
      upstreamTimeoutMs: 250,
      blockingReloadTimeoutMs: 9000,
      defaultTtlSeconds: 0,
      vodManifestTtlSeconds: 60,
      negativeTtlSeconds: 1,
      staleIfErrorSeconds: 600,
      liveStaleIfErrorSeconds: 12,
      authSecrets: [SECRET, 'second-secret-for-rotation'],
      purgeSecrets: ['purge-secret-0123456789'],
      diskDir: '/var/cache/shield',
      diskBytes: 4096,
      clientHeadersTimeoutMs: 5000,
    });
  });

  it('refuses to start without SHIELD_AUTH_SECRETS: the shield is never open to anyone', () => {
    const error = failure({});

    expect(error.code).toBe('config-invalid');
    expect(error.message).toContain('SHIELD_AUTH_SECRETS');
  });

  it.each([['short'], ['a-good-long-secret-value,tiny'], ['has spaces in the middle of it']])(
    'refuses a weak or malformed secret list without echoing it (%j)',
    (value) => {
      const error = failure({ SHIELD_AUTH_SECRETS: value });

      expect(error.code).toBe('config-invalid');
      expect(error.message).toContain('SHIELD_AUTH_SECRETS');
      expect(error.message).not.toContain(value.split(',').at(-1));
    },
  );

  it.each([
    ['SHIELD_PORT', 'eighty', 'an integer from 0 to 65535'],
    ['SHIELD_PORT', '70000', 'an integer from 0 to 65535'],
    ['SHIELD_CACHE_BYTES', '-5', 'an integer from 1 to'],
    ['SHIELD_CACHE_BYTES', '256MiB', 'an integer from 1 to'],
    ['SHIELD_MAX_OBJECT_BYTES', '0', 'an integer from 1 to'],
    ['SHIELD_UPSTREAM_TIMEOUT_MS', '1.5', 'an integer from 1 to'],
    ['SHIELD_BLOCKING_RELOAD_TIMEOUT_MS', '12s', 'an integer from 1 to'],
    ['SHIELD_DEFAULT_TTL_SECONDS', 'ten', 'an integer from 0 to'],
    ['SHIELD_DISK_DIR', 'relative/dir', 'an absolute directory path'],
    ['SHIELD_CLIENT_HEADERS_TIMEOUT_MS', '5', 'an integer from 100 to'],
    ['ORIGIN_URL', 'not a url', 'an absolute http:// or https:// URL'],
    ['ORIGIN_URL', 'ftp://origin', 'an absolute http:// or https:// URL'],
    ['ORIGIN_URL', 'http://origin/?x=1', 'an absolute http:// or https:// URL'],
    ['SHIELD_HOST', 'host/path', 'a host name or IP address'],
  ])('refuses %s=%j naming the variable, the expectation and the value', (name, value, expected) => {
    const error = failure({ SHIELD_AUTH_SECRETS: SECRET, [name]: value });

    expect(error.code).toBe('config-invalid');
    expect(error.message).toContain(name);
    expect(error.message).toContain(expected);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('does not echo credentials in ORIGIN_URL', () => {
    const error = failure({ SHIELD_AUTH_SECRETS: SECRET, ORIGIN_URL: 'http://user:hunter2@origin' });

    expect(error.message).toContain('ORIGIN_URL');
    expect(error.message).not.toContain('hunter2');
  });
});
