import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { problemCode, request, startHarness, TEST_PURGE_SECRET, TEST_SHIELD_SECRET, type Harness } from './shield-harness.ts';

const CACHEABLE = { 'cache-control': 'public, max-age=600' };
const purge = (h: Harness, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_PURGE_SECRET}` }) =>
  request(h.shield.url, '/purge', { method: 'POST', auth: false, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('purge API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    for (const path of ['/vod/a/seg-1.m4s', '/vod/a/seg-2.m4s', '/vod/ab/seg-1.m4s', '/vod/b/seg-1.m4s']) {
      h.origin.objects.set(path, { body: path, headers: CACHEABLE });
      await request(h.shield.url, path);
    }
  });
  afterEach(async () => {
    await h.close();
  });

  it('purges one exact key: the next request goes to the origin, the others stay cached', async () => {
    const answer = await purge(h, { key: '/vod/a/seg-1.m4s' });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({ purged: 1 });
    expect((await request(h.shield.url, '/vod/a/seg-1.m4s')).headers['x-cache']).toBe('MISS');
    expect((await request(h.shield.url, '/vod/a/seg-2.m4s')).headers['x-cache']).toBe('HIT');
  });

  it('purges by prefix, and a prefix ending in / does not reach a sibling that merely starts the same', async () => {
    const answer = await purge(h, { prefix: '/vod/a/' });

    expect(JSON.parse(answer.body.toString())).toEqual({ purged: 2 });
    expect((await request(h.shield.url, '/vod/a/seg-2.m4s')).headers['x-cache']).toBe('MISS');
    expect((await request(h.shield.url, '/vod/ab/seg-1.m4s')).headers['x-cache']).toBe('HIT');
    expect((await request(h.shield.url, '/vod/b/seg-1.m4s')).headers['x-cache']).toBe('HIT');
  });

  it('refuses a purge without a token, with the CDN secret instead of a purge token, or with a wrong token', async () => {
    const missing = await purge(h, { prefix: '/vod/' }, {});
    const cdnSecret = await purge(h, { prefix: '/vod/' }, { authorization: `Bearer ${TEST_SHIELD_SECRET}` });
    const wrong = await purge(h, { prefix: '/vod/' }, { authorization: 'Bearer not-a-purge-token-0123456789' });

    expect(missing.status).toBe(403);
    expect(problemCode(missing)).toBe('shield-auth-missing');
    expect(problemCode(cdnSecret)).toBe('shield-auth-invalid');
    expect(problemCode(wrong)).toBe('shield-auth-invalid');
    expect((await request(h.shield.url, '/vod/a/seg-1.m4s')).headers['x-cache']).toBe('HIT');
  });

  it.each([
    ['both key and prefix', { key: '/vod/a/seg-1.m4s', prefix: '/vod/' }, 'bad-request'],
    ['neither', {}, 'bad-request'],
    ['a traversal', { key: '/vod/../etc/passwd' }, 'bad-path'],
    ['the whole cache as "/"', { prefix: '/' }, 'bad-path'],
    ['a path outside the media roots', { prefix: '/admin/' }, 'bad-request'],
    ['a non-string key', { key: 42 }, 'bad-request'],
  ])('refuses a purge body with %s', async (_label, body, code) => {
    const answer = await purge(h, body);

    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe(code);
  });

  it('refuses a body that is not JSON, or too large, and GET on /purge', async () => {
    const notJson = await request(h.shield.url, '/purge', {
      method: 'POST',
      auth: false,
      headers: { authorization: `Bearer ${TEST_PURGE_SECRET}`, 'content-type': 'application/json' },
      body: '{"key":',
    });
    const huge = await purge(h, { key: '/vod/a/seg-1.m4s', padding: 'x'.repeat(20_000) });
    const get = await request(h.shield.url, '/purge', { auth: false });

    expect(problemCode(notJson)).toBe('bad-request');
    expect(problemCode(huge)).toBe('bad-request');
    expect(get.status).toBe(405);
  });

  it('disables purging when no SHIELD_PURGE_SECRETS are configured', async () => {
    const other = await startHarness({ SHIELD_PURGE_SECRETS: '' });
    try {
      const answer = await purge(other, { prefix: '/vod/' });
      expect(answer.status).toBe(403);
      expect(problemCode(answer)).toBe('shield-auth-invalid');
    } finally {
      await other.close();
    }
  });
});
