import { describe, expect, it } from 'vitest';
import { call, makeIssuer, problemCode, testEnv } from './harness.ts';

describe('the edge authenticates to the shield', () => {
  it('sends the shared secret on shield requests, so the shield (which refuses anything else) serves it', async () => {
    const issuer = await makeIssuer();
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks }), `/v1/play/demo/master.m3u8?token=${await issuer.sign()}`);

    expect(response.status).toBe(200);
  });

  it('fails as upstream-error, not as a viewer problem, when the shield refuses its secret', async () => {
    const issuer = await makeIssuer();
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, SHIELD_AUTH_SECRET: 'a-rotated-away-secret-0123456789' });
    const response = await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign()}`);

    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-error');
  });

  it.each([
    ['missing', undefined],
    ['too short', 'short-secret'],
    ['holding a comma', 'one-secret-0123456789,two-secret-0123456789'],
  ])('refuses to run with a SHIELD_AUTH_SECRET that is %s', async (_label, value) => {
    const issuer = await makeIssuer();
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, SHIELD_AUTH_SECRET: value as string }), '/healthz');

    expect(response.status).toBe(500);
    expect(await problemCode(response)).toBe('config-invalid');
  });
});
