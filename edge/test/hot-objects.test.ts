import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { SEGMENT_BYTES } from './fake-shield.global-setup.ts';
import { call, makeIssuer, problemCode, shieldRequests, testEnv } from './harness.ts';
import { freshUntil, HotObjects, type HotObject } from '../src/upstream/hot-objects.ts';

const object = (bytes: number, expiresAt: number): HotObject => ({ body: new ArrayBuffer(bytes), headers: [['content-type', 'video/iso.segment']], expiresAt });

describe('HotObjects (the isolate memory in front of the Cache API)', () => {
  it('answers a fresh object from memory and forgets it once its lifetime has passed', () => {
    const hot = new HotObjects({ maxBytes: 1000, maxObjectBytes: 500 });
    hot.hold('a', object(100, 2_000));
    expect(hot.get('a', 1_999)?.body.byteLength).toBe(100);
    expect(hot.get('a', 2_000)).toBeUndefined();
    expect(hot.size).toBe(0);
    expect(hot.bytes).toBe(0);
  });

  it('lets one request at a time claim the fetch of a key, until it ends the fetch or its deadline passes', () => {
    const hot = new HotObjects({ maxBytes: 1000, maxObjectBytes: 500 });
    expect(hot.claimFetch('seg-7', 0, 300)).toBe(true);
    expect(hot.fetching('seg-7', 1)).toBe(true);
    expect(hot.claimFetch('seg-7', 1, 300)).toBe(false);
    expect(hot.claimFetch('seg-8', 1, 300)).toBe(true);
    hot.endFetch('seg-7');
    expect(hot.fetching('seg-7', 2)).toBe(false);
    expect(hot.claimFetch('seg-7', 2, 300)).toBe(true);
    // A request cancelled mid-fetch never ends its claim: it lapses at its deadline.
    expect(hot.fetching('seg-8', 300)).toBe(true);
    expect(hot.fetching('seg-8', 301)).toBe(false);
    expect(hot.claimFetch('seg-8', 301, 300)).toBe(true);
  });

  it('drops the least recently used objects past its byte budget and never holds an oversized one', () => {
    const hot = new HotObjects({ maxBytes: 300, maxObjectBytes: 200 });
    hot.hold('a', object(100, 9e12));
    hot.hold('b', object(100, 9e12));
    hot.get('a', 0); // a is now the most recently used
    hot.hold('c', object(150, 9e12));
    expect(hot.get('b', 0)).toBeUndefined();
    expect(hot.get('a', 0)).toBeDefined();
    expect(hot.get('c', 0)).toBeDefined();
    expect(hot.bytes).toBe(250);
    hot.hold('big', object(201, 9e12));
    expect(hot.get('big', 0)).toBeUndefined();
    expect(hot.fits(200)).toBe(true);
    expect(hot.fits(201)).toBe(false);
  });

  it('refuses a budget that is not a positive whole number of bytes', () => {
    expect(() => new HotObjects({ maxBytes: 0, maxObjectBytes: 1 })).toThrow('maxBytes: expected a positive integer, received 0');
    expect(() => new HotObjects({ maxBytes: 10, maxObjectBytes: 1.5 })).toThrow('maxObjectBytes: expected a positive integer, received 1.5');
  });
});

describe('freshUntil (RFC 9111 shared-cache lifetime)', () => {
  const at = (cacheControl: string | null, extra: Record<string, string> = {}) =>
    freshUntil(new Headers({ ...(cacheControl !== null && { 'cache-control': cacheControl }), ...extra }), 1_000_000);

  it('takes s-maxage over max-age and subtracts the Age the upstream reported', () => {
    expect(at('public, max-age=31536000, immutable')).toBe(1_000_000 + 31_536_000_000);
    expect(at('max-age=10, s-maxage=2')).toBe(1_002_000);
    expect(at('public, max-age=1', { age: '0' })).toBe(1_001_000);
    expect(at('max-age=60', { age: '45' })).toBe(1_015_000);
  });

  it('keeps nothing that is stale on arrival, private, uncacheable, cookie-bearing or without a lifetime', () => {
    expect(at('max-age=1', { age: '1' })).toBeUndefined();
    expect(at('private, max-age=60')).toBeUndefined();
    expect(at('no-store')).toBeUndefined();
    expect(at('no-cache, max-age=60')).toBeUndefined();
    expect(at('max-age=60', { 'set-cookie': 'a=b' })).toBeUndefined();
    expect(at(null)).toBeUndefined();
    expect(at('max-age=abc')).toBeUndefined();
  });
});

describe('GET /v1/media/{session}/… through the isolate memory', () => {
  it('sends twenty viewers who ask for one new live segment at the same instant to the shield once', async () => {
    const issuer = await makeIssuer();
    const env = testEnv({ VIEWER_JWKS: issuer.jwks });
    const sessions = new SessionTokens({ keys: parseConfig(env).sessionToken.keys });
    const path = `vod/demo/seg-surge-${crypto.randomUUID()}.m4s`;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sessions.sign({ sid: crypto.randomUUID(), sub: `viewer-${i}`, acct: `viewer-${i}`, ctry: 'DE', scope: 'vod/demo/', ttlSeconds: 600 })),
    );
    const answers = await Promise.all(tokens.map((token) => call(env, `/v1/media/${token}/${path}`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect((await answer.arrayBuffer()).byteLength).toBe(SEGMENT_BYTES);
    }
    expect(answers.map((a) => a.headers.get('x-edge-cache')).filter((c) => c === 'MISS')).toHaveLength(1);
    expect((await shieldRequests()).filter((p) => p === `/${path}`)).toHaveLength(1);
  });
});

describe('a shield answer whose body stalls', () => {
  it('is the shield timing out (504 upstream-timeout) for the viewer, not an internal error', async () => {
    const issuer = await makeIssuer();
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, UPSTREAM_TIMEOUT_MS: '300' });
    const sessions = new SessionTokens({ keys: parseConfig(env).sessionToken.keys });
    const token = await sessions.sign({ sid: crypto.randomUUID(), sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope: 'vod/stalled-body/', ttlSeconds: 600 });
    const response = await call(env, `/v1/media/${token}/vod/stalled-body/seg-1.m4s`);
    expect(response.status).toBe(504);
    expect(await problemCode(response)).toBe('upstream-timeout');
  });
});
