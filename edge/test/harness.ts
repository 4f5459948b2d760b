import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { expect, inject } from 'vitest';
import type { Env } from '../src/env.ts';
import worker from '../src/index.ts';

export const ISSUER = 'https://id.cascade.local';
export const AUDIENCE = 'cascade-play';

/** A viewer-token issuer made fresh for the test run: the same shape as the identity service. */
export async function makeIssuer(alg: 'ES256' | 'EdDSA' = 'ES256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `test-${alg}`, alg, use: 'sig' };
  return {
    jwks: JSON.stringify({ keys: [jwk] }),
    async sign(claims: JWTPayload = {}, options: { expiresIn?: string | number; issuer?: string; audience?: string } = {}) {
      return new SignJWT({ plan: 'standard', ...claims })
        .setProtectedHeader({ alg, kid: jwk.kid })
        .setSubject((claims.sub as string | undefined) ?? 'viewer-1')
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(privateKey);
    },
  };
}

export function testEnv(overrides: Partial<Env>): Env {
  return { ...(env as unknown as Env), SHIELD_URL: inject('fakeShieldUrl'), ...overrides };
}

export async function call(testEnvironment: Env, url: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  // Incoming requests carry workerd's `cf` object; a test-made Request has none, and the edge does not read it yet.
  const request = new Request(new URL(url, 'http://edge.test'), init) as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(request, testEnvironment, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

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
