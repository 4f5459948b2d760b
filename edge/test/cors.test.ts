import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { publicCors } from '../src/http/cors.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { call, makeIssuer, problemCode, testEnv } from './harness.ts';

const ORIGIN = { origin: 'https://player.example' };

describe('CORS on the playback routes (Fetch standard, CORS protocol)', () => {
  it('answers a preflight with 204, any origin, the allowed methods and headers, and a day of max age', async () => {
    const response = await call(testEnv({}), '/v1/media/some-token/vod/demo/seg-1.m4s', {
      method: 'OPTIONS',
      headers: { ...ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['Authorization', 'Range', 'CMCD-Request']));
    expect(response.headers.get('access-control-max-age')).toBe('86400');
  });

  it('lets a page read a refusal (problem+json) and its headers', async () => {
    const response = await call(testEnv({}), '/v1/play/demo/master.m3u8', { headers: ORIGIN });
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('token-missing');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('puts the headers on segments served from the shield and from the isolate memory alike', async () => {
    const issuer = await makeIssuer();
    const env = testEnv({ VIEWER_JWKS: issuer.jwks });
    const sessions = new SessionTokens({ keys: parseConfig(env).sessionToken.keys });
    const token = await sessions.sign({ sid: crypto.randomUUID(), sub: 'cors-viewer', acct: 'cors-viewer', ctry: 'DE', scope: 'vod/demo/', ttlSeconds: 600 });
    const path = `/v1/media/${token}/vod/demo/seg-cors-${crypto.randomUUID()}.m4s`;
    const caches: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const response = await call(env, path, { headers: ORIGIN });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      caches.push(response.headers.get('x-edge-cache'));
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')?.split(',')).toEqual(expect.arrayContaining(['X-Edge-Cache', 'Content-Range', 'X-Stream-Heartbeat']));
    }
    expect(caches).toEqual(['MISS', 'HIT']);
  });

  it('refuses options that are not header or method names', () => {
    const good = { allowMethods: ['GET'], allowHeaders: ['Range'], exposeHeaders: ['Age'], maxAgeSeconds: 60 };
    expect(() => publicCors({ ...good, allowHeaders: [] })).toThrow('allowHeaders: expected a non-empty list');
    expect(() => publicCors({ ...good, exposeHeaders: ['Bad Header'] })).toThrow('exposeHeaders: expected a non-empty list');
    expect(() => publicCors({ ...good, maxAgeSeconds: -1 })).toThrow('maxAgeSeconds: expected a whole number of seconds, received -1');
  });
});
