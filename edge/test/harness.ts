import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { expect, inject } from 'vitest';
import type { Env } from '../src/env.ts';
import worker from '../src/index.ts';

export const ISSUER = 'https://id.cascade.local';
export const AUDIENCE = 'cascade-play';

/** A viewer-token issuer made fresh for the test run: the same shape as the identity service. */
export async function makeIssuer(alg: 'ES256' | 'EdDSA' = 'ES256', kid = `test-${alg}`) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [jwk] }),
    jwk,
    privateKey,
    async sign(
      claims: JWTPayload = {},
      options: { expiresIn?: string | number; issuer?: string; audience?: string; header?: Record<string, unknown> } = {},
    ) {
      return new SignJWT({ plan: 'standard', ...claims })
        .setProtectedHeader({ alg, kid: jwk.kid, ...options.header })
        .setSubject((claims.sub as string | undefined) ?? 'viewer-1')
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined)
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(privateKey);
    },
  };
}

/**
 * Tests of other features open many sessions on one test account within a lease's lifetime, so the
 * default here is a limit they never reach; the stream-limit tests (streams.test.ts) set the real
 * defaults and their own limits through overrides.
 */
export const ROOMY_STREAM_LIMITS = 'basic:100,standard:100,premium:100';

export function testEnv(overrides: Partial<Env>): Env {
  return { ...(env as unknown as Env), SHIELD_URL: inject('fakeShieldUrl'), STREAM_LIMITS: ROOMY_STREAM_LIMITS, ...overrides };
}

/**
 * One request through the Worker's fetch handler. `cf` stands in for the properties Cloudflare attaches
 * to incoming requests (the viewer's `country`); a test-made Request has none unless given.
 */
export async function call(testEnvironment: Env, url: string, init?: RequestInit & { cf?: Partial<IncomingRequestCfProperties> }): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(new URL(url, 'http://edge.test'), init as RequestInit) as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(request, testEnvironment, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Register a catalogue entry in the fake shield (its media then mirror the demo title's). */
export async function putCatalogueEntry(id: string, entry: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${inject('fakeShieldUrl')}/__catalogue/${id}`, { method: 'PUT', body: JSON.stringify(entry) });
  expect(response.status).toBe(200);
}

/** Make the fake shield's catalogue reads of `id` fail (500), hang, or work again. */
export async function setCatalogueMode(id: string, mode: 'fail' | 'hang' | 'ok'): Promise<void> {
  expect((await fetch(`${inject('fakeShieldUrl')}/__catalogue/${id}/${mode}`, { method: 'PUT' })).status).toBe(200);
}

export const PERMISSIVE_RIGHTS = { countries: { allow: null, deny: [] as string[] }, windows: [] as unknown[], blackouts: [] as unknown[] };

export async function shieldRequests(): Promise<string[]> {
  return (await (await fetch(`${inject('fakeShieldUrl')}/__requests`)).json()) as string[];
}

export async function problemCode(response: Response): Promise<string | undefined> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return ((await response.json()) as { code?: string }).code;
}

/** Body as text without workerd's warning about non-text content types (playlists, MPDs). */
export async function text(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

/** Give a session forged by a test (not opened through /v1/play) the stream lease /v1/play would have taken. */
export async function holdStream(account: string, sessionId: string, titleId = 'demo'): Promise<void> {
  const namespace = (env as unknown as Env).STREAM_LIMITER!;
  const result = await namespace.get(namespace.idFromName(account)).acquire(sessionId, 'test-device', titleId, {
    limit: 100,
    policy: 'refuse-new',
    ttlSeconds: 600,
    graceSeconds: 0,
  });
  expect(result.admitted).toBe(true);
}
