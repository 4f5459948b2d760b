import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemCode, request, startHarness, TEST_SHIELD_SECRET_OLD, type Harness } from './shield-harness.ts';

const SEGMENT = '/vod/demo/video-720p-00001.m4s';

describe('only authenticated CDNs may pull', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.origin.objects.set(SEGMENT, { body: 'bytes', headers: { 'cache-control': 'max-age=60' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers 403 shield-auth-missing to a request without the secret, without contacting the origin', async () => {
    const response = await request(h.shield.url, SEGMENT, { auth: false });

    expect(response.status).toBe(403);
    expect(problemCode(response)).toBe('shield-auth-missing');
    expect(h.origin.count(SEGMENT)).toBe(0);
  });

  it.each([
    ['a wrong secret', 'not-the-secret-at-all-0123456789'],
    ['a prefix of the secret', 'test-shield-secret'],
    ['an empty-looking secret', ' '],
  ])('answers 403 shield-auth-invalid to %s', async (_label, secret) => {
    const response = await request(h.shield.url, SEGMENT, { auth: false, headers: { 'x-cascade-shield-auth': secret } });

    expect(response.status).toBe(403);
    expect(['shield-auth-invalid', 'shield-auth-missing']).toContain(problemCode(response));
    expect(h.origin.count(SEGMENT)).toBe(0);
  });

  it('refuses a secret that is hidden in the query string rather than the header', async () => {
    const response = await request(h.shield.url, `${SEGMENT}?x-cascade-shield-auth=test-shield-secret-current-0123456789`, { auth: false });

    expect(response.status).toBe(403);
  });

  it('accepts every secret of the rotation list', async () => {
    const current = await request(h.shield.url, SEGMENT);
    const previous = await request(h.shield.url, SEGMENT, { auth: false, headers: { 'x-cascade-shield-auth': TEST_SHIELD_SECRET_OLD } });

    expect(current.status).toBe(200);
    expect(previous.status).toBe(200);
    expect(previous.body.toString()).toBe('bytes');
  });

  it('leaves /healthz and /metrics open for probes and scrapers', async () => {
    expect((await request(h.shield.url, '/healthz', { auth: false })).status).toBe(200);
    expect((await request(h.shield.url, '/metrics', { auth: false })).status).toBe(200);
  });
});
