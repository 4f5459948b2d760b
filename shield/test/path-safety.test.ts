import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemCode, rawRequest, request, startHarness, type Harness } from './shield-harness.ts';

// A secret sitting next to the media on the origin: no hostile path may ever make the shield ask for it.
const SECRET = '/secret.txt';

describe('path safety', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.origin.objects.set(SECRET, { body: 'top secret' });
    h.origin.objects.set('/vod/demo/seg-1.m4s', { body: 'segment', headers: { 'cache-control': 'max-age=60' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['a parent segment', '/vod/../secret.txt'],
    ['a parent segment deeper down', '/vod/demo/../../secret.txt'],
    ['encoded dots', '/vod/%2e%2e/secret.txt'],
    ['upper-case encoded dots', '/vod/%2E%2E/secret.txt'],
    ['doubly encoded dots', '/vod/%252e%252e/secret.txt'],
    ['an encoded slash', '/vod/demo%2f..%2f..%2fsecret.txt'],
    ['an absolute path', '//etc/passwd'],
    ['an absolute path under a media root', '/vod//etc/passwd'],
    ['backslashes', '/vod/..\\..\\secret.txt'],
    ['an encoded backslash', '/vod/..%5c..%5csecret.txt'],
    ['an encoded NUL', '/vod/demo/seg-1.m4s%00.txt'],
    ['a hidden file', '/vod/demo/.env'],
  ])('refuses a path with %s with 400 bad-path', async (_name, path) => {
    const before = h.origin.requests.length;
    const response = await request(h.shield.url, path);

    expect(response.status).toBe(400);
    expect(problemCode(response)).toBe('bad-path');
    expect(response.body.toString()).not.toContain('top secret');
    expect(h.origin.requests.length).toBe(before);
  });

  it('refuses a raw NUL byte in the path without contacting the origin', async () => {
    const before = h.origin.requests.length;
    const status = await rawRequest(h.shield.url, '/vod/demo/seg-1.m4s\u0000.txt');

    expect(status).toBe(400);
    expect(h.origin.requests.length).toBe(before);
  });

  it('answers 404 for a well-formed path outside /vod and /live without contacting the origin', async () => {
    const response = await request(h.shield.url, SECRET);

    expect(response.status).toBe(404);
    expect(problemCode(response)).toBe('not-found');
    expect(h.origin.count(SECRET)).toBe(0);
  });

  it('forwards catalogue reads (/api/v1/titles/{id}) and nothing else of the origin API', async () => {
    h.origin.objects.set('/api/v1/titles/demo', { body: '{"id":"demo"}', headers: { 'content-type': 'application/json' } });
    h.origin.objects.set('/api/v1/videos/upload', { body: 'operator only' });
    h.origin.objects.set('/api/v1/titles/demo/rights', { body: 'operator only' });

    const title = await request(h.shield.url, '/api/v1/titles/demo');
    expect(title.status).toBe(200);
    expect(title.body.toString()).toBe('{"id":"demo"}');
    for (const path of ['/api/v1/videos/upload', '/api/v1/titles/demo/rights', '/api/v1/titles', '/api/v2/titles/demo']) {
      const response = await request(h.shield.url, path);
      expect(response.status, path).toBe(404);
    }
    expect(h.origin.count('/api/v1/videos/upload')).toBe(0);
    expect(h.origin.count('/api/v1/titles/demo/rights')).toBe(0);
    h.origin.objects.delete('/api/v1/titles/demo');
    h.origin.objects.delete('/api/v1/videos/upload');
    h.origin.objects.delete('/api/v1/titles/demo/rights');
  });

  it('refuses methods other than GET and HEAD with 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await request(h.shield.url, '/vod/demo/seg-1.m4s', { method });
      expect(response.status).toBe(405);
      expect(problemCode(response)).toBe('method-not-allowed');
      expect(response.headers.allow).toBe('GET, HEAD');
    }
  });

  it('never asked the origin for anything but the one valid segment', async () => {
    await request(h.shield.url, '/vod/demo/seg-1.m4s');

    expect(h.origin.count(SECRET)).toBe(0);
    expect(new Set(h.origin.requests.map((seen) => seen.url))).toEqual(new Set(['/vod/demo/seg-1.m4s', '/api/v1/titles/demo']));
  });
});
