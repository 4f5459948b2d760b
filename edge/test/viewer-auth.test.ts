import { SignJWT, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { AUDIENCE, ISSUER, call, makeIssuer, problemCode, testEnv } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer('ES256');
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
});

const master = '/v1/play/demo/master.m3u8';

describe('viewer token verification on the play route', () => {
  it('refuses a request without a token with 401 token-missing', async () => {
    const response = await call(edgeEnv, master);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('token-missing');
  });

  it('accepts the token as ?token= and as a Bearer header', async () => {
    const token = await issuer.sign();
    expect((await call(edgeEnv, `${master}?token=${token}`)).status).toBe(200);
    expect((await call(edgeEnv, master, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses an expired token with 401 token-expired', async () => {
    const token = await issuer.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    const response = await call(edgeEnv, `${master}?token=${token}`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('token-expired');
  });

  it.each([
    ['another issuer', { issuer: 'https://evil.example' }],
    ['another audience', { audience: 'someone-else' }],
  ])('refuses a token from %s', async (_name, options) => {
    const response = await call(edgeEnv, `${master}?token=${await issuer.sign({}, options)}`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('token-invalid');
  });

  it('refuses a token signed by a key that is not in the JWKS', async () => {
    const stranger = await makeIssuer('ES256');
    const response = await call(edgeEnv, `${master}?token=${await stranger.sign()}`);
    expect(await problemCode(response)).toBe('token-invalid');
  });

  it('refuses an HS256 token even when its secret is the JWKS text (algorithm confusion)', async () => {
    const forged = await new SignJWT({ plan: 'premium' })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-ES256' })
      .setSubject('attacker').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m')
      .sign(new TextEncoder().encode(issuer.jwks));
    expect(await problemCode(await call(edgeEnv, `${master}?token=${forged}`))).toBe('token-invalid');
  });

  it('refuses an unsigned alg:none token', async () => {
    const b64 = (value: object) => btoa(JSON.stringify(value)).replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp })}.`;
    expect(await problemCode(await call(edgeEnv, `${master}?token=${unsigned}`))).toBe('token-invalid');
  });

  it('refuses a token larger than the size limit before verifying it', async () => {
    const huge = await issuer.sign({ pad: 'x'.repeat(10_000) });
    const response = await call(edgeEnv, `${master}?token=${huge}`);
    expect(await problemCode(response)).toBe('token-invalid');
  });

  it('refuses an unknown plan claim', async () => {
    expect(await problemCode(await call(edgeEnv, `${master}?token=${await issuer.sign({ plan: 'gold' })}`))).toBe('token-invalid');
  });

  it('refuses a malformed Authorization header', async () => {
    const response = await call(edgeEnv, master, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(await problemCode(response)).toBe('token-invalid');
  });

  it('accepts EdDSA tokens when the JWKS holds an Ed25519 key', async () => {
    const ed = await makeIssuer('EdDSA');
    const response = await call(testEnv({ VIEWER_JWKS: ed.jwks }), `${master}?token=${await ed.sign()}`);
    expect(response.status).toBe(200);
  });

  it('refuses an ES256 token when the allow-list names only EdDSA', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, JWT_ALGORITHMS: 'EdDSA' }), `${master}?token=${await issuer.sign()}`);
    expect(await problemCode(response)).toBe('token-invalid');
  });
});

describe('edge configuration', () => {
  it('refuses to run dev features in production', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, ENVIRONMENT: 'production', DEV_FEATURES: 'true' }), '/healthz');
    expect(response.status).toBe(500);
    expect(await problemCode(response)).toBe('config-invalid');
  });

  it('refuses a JWKS that contains a private key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await crypto.subtle.exportKey('jwk', privateKey as CryptoKey);
    const response = await call(testEnv({ VIEWER_JWKS: JSON.stringify({ keys: [jwk] }) }), '/healthz');
    expect(await problemCode(response)).toBe('config-invalid');
  });

  it('refuses a symmetric algorithm in the allow-list', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, JWT_ALGORITHMS: 'ES256,HS256' }), '/healthz');
    expect(await problemCode(response)).toBe('config-invalid');
  });

  it('refuses a session key shorter than 32 bytes', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, SESSION_TOKEN_KEYS: `k1:${btoa('short')}` }), '/healthz');
    expect(await problemCode(response)).toBe('config-invalid');
  });
});
