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
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toEqual({
      port: 8082,
      host: '127.0.0.1',
      originUrl: new URL('http://127.0.0.1:8081'),
      cacheBytes: 256 * 1024 * 1024,
      maxObjectBytes: 32 * 1024 * 1024,
      upstreamTimeoutMs: 10_000,
      defaultTtlSeconds: 10,
    });
    expect(config).toEqual({ ...DEFAULT_CONFIG });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SHIELD_PORT: '9000',
      SHIELD_HOST: '0.0.0.0',
      ORIGIN_URL: 'https://origin.internal:8443/media',
      SHIELD_CACHE_BYTES: '1048576',
      SHIELD_MAX_OBJECT_BYTES: '65536',
      SHIELD_UPSTREAM_TIMEOUT_MS: '250',
      SHIELD_DEFAULT_TTL_SECONDS: '0',
    });

    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      originUrl: new URL('https://origin.internal:8443/media'),
      cacheBytes: 1_048_576,
      maxObjectBytes: 65_536,
      upstreamTimeoutMs: 250,
      defaultTtlSeconds: 0,
    });
  });

  it.each([
    ['SHIELD_PORT', 'eighty', 'an integer from 0 to 65535'],
    ['SHIELD_PORT', '70000', 'an integer from 0 to 65535'],
    ['SHIELD_CACHE_BYTES', '-5', 'an integer from 1 to'],
    ['SHIELD_CACHE_BYTES', '256MiB', 'an integer from 1 to'],
    ['SHIELD_MAX_OBJECT_BYTES', '0', 'an integer from 1 to'],
    ['SHIELD_UPSTREAM_TIMEOUT_MS', '1.5', 'an integer from 1 to'],
    ['SHIELD_DEFAULT_TTL_SECONDS', 'ten', 'an integer from 0 to'],
    ['ORIGIN_URL', 'not a url', 'an absolute http:// or https:// URL'],
    ['ORIGIN_URL', 'ftp://origin', 'an absolute http:// or https:// URL'],
    ['ORIGIN_URL', 'http://origin/?x=1', 'an absolute http:// or https:// URL'],
    ['SHIELD_HOST', 'host/path', 'a host name or IP address'],
  ])('refuses %s=%j naming the variable, the expectation and the value', (name, value, expected) => {
    const error = failure({ [name]: value });

    expect(error.code).toBe('config-invalid');
    expect(error.message).toContain(name);
    expect(error.message).toContain(expected);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('does not echo credentials in ORIGIN_URL', () => {
    const error = failure({ ORIGIN_URL: 'http://user:hunter2@origin' });

    expect(error.message).toContain('ORIGIN_URL');
    expect(error.message).not.toContain('hunter2');
  });
});
