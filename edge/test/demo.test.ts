import { beforeAll, describe, expect, it } from 'vitest';
import { call, makeIssuer, problemCode, testEnv } from './harness.ts';

let jwks: string;
beforeAll(async () => {
  jwks = (await makeIssuer()).jwks;
});

describe('/demo', () => {
  it('serves the player page when development features are on', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: jwks }), '/demo');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('hls.js');
    expect(html).toContain('Shaka');
  });

  it('does not exist when development features are off', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: jwks, DEV_FEATURES: 'false' }), '/demo');
    expect(response.status).toBe(404);
    expect(await problemCode(response)).toBe('not-found');
  });
});

describe('/healthz', () => {
  it('answers 200 once the configuration is valid', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: jwks }), '/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', service: 'edge' });
  });
});
