import { inject, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, testEnv } from './harness.ts';

/**
 * VIEWER_JWKS_URL against a mock identity provider served by the test harness (fake-shield global
 * setup): it publishes, rotates and fails the way a real one does.
 */
const master = '/v1/play/demo/master.m3u8';
let providers = 0;

async function provider(state: Record<string, unknown>, name = `idp${++providers}-${crypto.randomUUID().slice(0, 8)}`) {
  const base = `${inject('fakeShieldUrl')}/__idp/${name}`;
  const set = async (next: Record<string, unknown>) => expect((await fetch(base, { method: 'PUT', body: JSON.stringify(next) })).status).toBe(200);
  await set(state);
  return {
    url: `${base}/jwks.json`,
    set,
    fetches: async () => ((await (await fetch(`${base}/fetches`)).json()) as { fetches: number }).fetches,
  };
}

function remoteEnv(url: string, overrides: Partial<Env> = {}): Env {
  return testEnv({ VIEWER_JWKS: '', VIEWER_JWKS_URL: url, VIEWER_JWKS_COOLDOWN_SECONDS: '0', UPSTREAM_TIMEOUT_MS: '500', ...overrides });
}

const jwksOf = (...issuers: Array<{ jwk: object }>) => ({ keys: issuers.map((i) => i.jwk) });

describe('viewer keys from VIEWER_JWKS_URL', () => {
  it('verifies tokens with keys fetched from the URL and caches them', async () => {
    const issuer = await makeIssuer('ES256', 'k-2026-01');
    const idp = await provider({ jwks: jwksOf(issuer) });
    const env = remoteEnv(idp.url);
    for (let i = 0; i < 3; i++) expect((await call(env, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
    expect(await idp.fetches()).toBe(1);
  });

  it('follows a key rotation by kid: old and new keys both verify during the rollover, then the old one stops', async () => {
    const old = await makeIssuer('ES256', 'k-old');
    const next = await makeIssuer('ES256', 'k-new');
    const idp = await provider({ jwks: jwksOf(old) });
    const env = remoteEnv(idp.url);
    expect((await call(env, `${master}?token=${await old.sign()}`)).status).toBe(200);

    await idp.set({ jwks: jwksOf(old, next) });
    // A token naming a kid the cached set lacks makes the edge fetch the set again.
    expect((await call(env, `${master}?token=${await next.sign()}`)).status).toBe(200);
    expect((await call(env, `${master}?token=${await old.sign()}`)).status).toBe(200);

    await idp.set({ jwks: jwksOf(next) });
    const afterRollover = remoteEnv(idp.url, { VIEWER_JWKS_CACHE_SECONDS: '1' });
    expect((await call(afterRollover, `${master}?token=${await next.sign()}`)).status).toBe(200);
    const retired = await call(afterRollover, `${master}?token=${await old.sign()}`);
    expect(retired.status).toBe(401);
    expect(await problemCode(retired)).toBe('token-invalid');
  });

  it('rate-limits refetches caused by unknown kids', async () => {
    const issuer = await makeIssuer('ES256', 'k-known');
    const idp = await provider({ jwks: jwksOf(issuer) });
    const env = remoteEnv(idp.url, { VIEWER_JWKS_COOLDOWN_SECONDS: '60' });
    expect((await call(env, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const response = await call(env, `${master}?token=${await issuer.sign({}, { header: { kid: `random-${i}` } })}`);
      expect(response.status).toBe(401);
    }
    expect(await idp.fetches()).toBe(1);
  });

  it.each([
    ['answers 500', { status: 500 }],
    ['answers 404', { status: 404 }],
    ['serves a body that is not JSON', { body: '<html>maintenance</html>' }],
    ['serves a JWKS holding a private key', { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c', kid: 'k' }] } }],
    ['hangs past the timeout', { hang: true }],
  ])('answers 503 identity-unavailable, not 401, when the identity provider %s and no keys were ever fetched', async (_name, state) => {
    const issuer = await makeIssuer();
    const idp = await provider(state);
    const response = await call(remoteEnv(idp.url), `${master}?token=${await issuer.sign()}`);
    expect(response.status).toBe(503);
    expect(await problemCode(response)).toBe('identity-unavailable');
  });

  it('keeps verifying with the last good keys while the identity provider is down, within the staleness bound', async () => {
    const issuer = await makeIssuer('ES256', 'k-stale');
    const idp = await provider({ jwks: jwksOf(issuer) });
    const env = remoteEnv(idp.url, { VIEWER_JWKS_CACHE_SECONDS: '1', VIEWER_JWKS_MAX_STALE_SECONDS: '600' });
    const strict = remoteEnv(idp.url, { VIEWER_JWKS_CACHE_SECONDS: '1', VIEWER_JWKS_MAX_STALE_SECONDS: '0' });
    expect((await call(env, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
    expect((await call(strict, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
    await idp.set({ status: 503 });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // let the 1 s cache age out
    expect((await call(env, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
    const refused = await call(strict, `${master}?token=${await issuer.sign()}`);
    expect(refused.status).toBe(503);
    // And it recovers when the provider does.
    await idp.set({ jwks: jwksOf(issuer) });
    expect((await call(strict, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
  });

  it('refuses an http JWKS URL in production', async () => {
    const response = await call(remoteEnv('http://id.example.com/jwks.json', { ENVIRONMENT: 'production', DEV_FEATURES: 'false' }), '/healthz');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/^VIEWER_JWKS_URL: expected https: in production/);
  });
});
