import { afterEach, describe, expect, it } from 'vitest';
import { bytesOf, request, startHarness, type Harness } from './shield-harness.ts';

const CACHEABLE = { 'content-type': 'video/mp4', 'cache-control': 'public, max-age=60' };

describe('memory cache', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('answers a second request from cache without another origin fetch', async () => {
    h = await startHarness();
    const body = bytesOf(4096);
    h.origin.objects.set('/vod/demo/init.mp4', { body, headers: { ...CACHEABLE, etag: '"v1"', 'last-modified': 'Fri, 21 Nov 2025 05:00:00 GMT' } });

    const first = await request(h.shield.url, '/vod/demo/init.mp4');
    const second = await request(h.shield.url, '/vod/demo/init.mp4');

    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body.equals(body)).toBe(true);
    expect(h.origin.count('/vod/demo/init.mp4')).toBe(1);
    expect(second.headers).toMatchObject({
      'content-type': 'video/mp4',
      'cache-control': 'public, max-age=60',
      etag: '"v1"',
      'last-modified': 'Fri, 21 Nov 2025 05:00:00 GMT',
      'accept-ranges': 'bytes',
      'content-length': '4096',
    });
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
  });

  it('keys the cache on the path alone and never forwards the query string or viewer headers', async () => {
    h = await startHarness();
    h.origin.objects.set('/vod/demo/seg-1.m4s', { body: 'segment', headers: CACHEABLE });

    const first = await request(h.shield.url, '/vod/demo/seg-1.m4s?token=viewer-a&CMCD=bl%3D2000', {
      headers: { authorization: 'Bearer secret', cookie: 'session=1', 'x-forwarded-for': '203.0.113.9' },
    });
    const second = await request(h.shield.url, '/vod/demo/seg-1.m4s?token=viewer-b');

    expect(first.body.toString()).toBe('segment');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(h.origin.requests).toHaveLength(1);
    const seen = h.origin.requests[0];
    expect(seen?.url).toBe('/vod/demo/seg-1.m4s');
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBeUndefined();
  });

  it('evicts the least recently used object when the cache exceeds its byte bound', async () => {
    // Room for two 40 KB objects (plus bookkeeping), not three.
    h = await startHarness({ SHIELD_CACHE_BYTES: String(100_000) });
    for (const name of ['a', 'b', 'c']) h.origin.objects.set(`/vod/lru/${name}.m4s`, { body: bytesOf(40_000), headers: CACHEABLE });

    await request(h.shield.url, '/vod/lru/a.m4s');
    await request(h.shield.url, '/vod/lru/b.m4s');
    await request(h.shield.url, '/vod/lru/a.m4s'); // a is now more recently used than b
    await request(h.shield.url, '/vod/lru/c.m4s'); // must evict b

    expect((await request(h.shield.url, '/vod/lru/a.m4s')).headers['x-cache']).toBe('HIT');
    expect((await request(h.shield.url, '/vod/lru/c.m4s')).headers['x-cache']).toBe('HIT');
    expect((await request(h.shield.url, '/vod/lru/b.m4s')).headers['x-cache']).toBe('MISS');
    expect(h.origin.count('/vod/lru/b.m4s')).toBe(2);

    const metrics = await (await fetch(`${h.shield.url}/metrics`)).text();
    const cacheBytes = Number(/shield_cache_bytes\{tier="memory",service="shield"\} (\d+)/.exec(metrics)?.[1]);
    expect(cacheBytes).toBeGreaterThan(80_000);
    expect(cacheBytes).toBeLessThanOrEqual(100_000);
    expect(metrics).toMatch(/shield_cache_objects\{tier="memory",service="shield"\} 2\n/);
  });

  it('streams objects over the size limit through uncached', async () => {
    h = await startHarness({ SHIELD_MAX_OBJECT_BYTES: String(50_000) });
    const big = bytesOf(120_000, 9);
    h.origin.objects.set('/vod/demo/big.mp4', { body: big, headers: CACHEABLE });

    const first = await request(h.shield.url, '/vod/demo/big.mp4');
    const second = await request(h.shield.url, '/vod/demo/big.mp4');
    const ranged = await request(h.shield.url, '/vod/demo/big.mp4', { headers: { range: 'bytes=100000-100009' } });

    expect(first.status).toBe(200);
    expect(first.body.equals(big)).toBe(true);
    expect(second.headers['x-cache']).toBe('PASS');
    expect(second.body.equals(big)).toBe(true);
    expect(ranged.status).toBe(206);
    expect(ranged.headers['x-cache']).toBe('PASS');
    expect(ranged.headers['content-range']).toBe('bytes 100000-100009/120000');
    expect(ranged.body.equals(big.subarray(100_000, 100_010))).toBe(true);
    expect(h.origin.requests.at(-1)?.headers.range).toBe('bytes=100000-100009');
    const metrics = await (await fetch(`${h.shield.url}/metrics`)).text();
    expect(metrics).toMatch(/shield_cache_objects\{tier="memory",service="shield"\} 0\n/);
  });

  it('streams an over-limit object without Content-Length through uncached', async () => {
    h = await startHarness({ SHIELD_MAX_OBJECT_BYTES: String(50_000) });
    const big = bytesOf(120_000, 11);
    h.origin.objects.set('/vod/demo/chunked.mp4', { body: big, headers: { ...CACHEABLE, 'transfer-encoding': 'chunked' } });

    const first = await request(h.shield.url, '/vod/demo/chunked.mp4');
    const second = await request(h.shield.url, '/vod/demo/chunked.mp4');

    // The first answer's headers left before the size was known; it still gets every byte.
    expect(first.body.equals(big)).toBe(true);
    expect(second.body.equals(big)).toBe(true);
    expect(second.headers['x-cache']).toBe('PASS');
  });
});

describe('freshness', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('refetches a no-store answer every time', async () => {
    h = await startHarness();
    h.origin.objects.set('/live/ch1/index.m3u8', { body: '#EXTM3U', headers: { 'cache-control': 'no-store' } });

    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await request(h.shield.url, '/live/ch1/index.m3u8'));

    expect(h.origin.count('/live/ch1/index.m3u8')).toBe(3);
    expect(answers.map((answer) => answer.headers['x-cache'])).toEqual(['PASS', 'PASS', 'PASS']);
    expect(answers.every((answer) => answer.body.toString() === '#EXTM3U')).toBe(true);
  });

  it('does not keep private answers', async () => {
    h = await startHarness();
    h.origin.objects.set('/vod/demo/private.m3u8', { body: 'x', headers: { 'cache-control': 'private, max-age=600' } });

    await request(h.shield.url, '/vod/demo/private.m3u8');
    await request(h.shield.url, '/vod/demo/private.m3u8');

    expect(h.origin.count('/vod/demo/private.m3u8')).toBe(2);
  });

  it('refetches an entry once its max-age has passed', async () => {
    h = await startHarness();
    h.origin.objects.set('/live/ch1/seg-1.m4s', { body: 'old', headers: { 'cache-control': 'max-age=1' } });

    expect((await request(h.shield.url, '/live/ch1/seg-1.m4s')).headers['x-cache']).toBe('MISS');
    expect((await request(h.shield.url, '/live/ch1/seg-1.m4s')).headers['x-cache']).toBe('HIT');
    h.origin.objects.set('/live/ch1/seg-1.m4s', { body: 'new', headers: { 'cache-control': 'max-age=1' } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refetched = await request(h.shield.url, '/live/ch1/seg-1.m4s');

    expect(refetched.headers['x-cache']).toBe('MISS');
    expect(refetched.body.toString()).toBe('new');
    expect(h.origin.count('/live/ch1/seg-1.m4s')).toBe(2);
  });

  it('uses the default TTL when the origin sends no max-age for an object that is neither media nor manifest', async () => {
    h = await startHarness({ SHIELD_DEFAULT_TTL_SECONDS: '1' });
    h.origin.objects.set('/vod/demo/notes.json', { body: 'plain' });

    await request(h.shield.url, '/vod/demo/notes.json');
    expect((await request(h.shield.url, '/vod/demo/notes.json')).headers['x-cache']).toBe('HIT');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await request(h.shield.url, '/vod/demo/notes.json')).headers['x-cache']).toBe('MISS');
    expect(h.origin.count('/vod/demo/notes.json')).toBe(2);
  });

  it('treats segments without a lifetime as immutable and VOD manifests as long-lived', async () => {
    h = await startHarness({ SHIELD_DEFAULT_TTL_SECONDS: '1', SHIELD_VOD_MANIFEST_TTL_SECONDS: '60' });
    h.origin.objects.set('/vod/demo/plain.m4s', { body: 'plain' });
    h.origin.objects.set('/vod/demo/video.m3u8', { body: '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-ENDLIST\n' });

    await request(h.shield.url, '/vod/demo/plain.m4s');
    await request(h.shield.url, '/vod/demo/video.m3u8');
    await new Promise((resolve) => setTimeout(resolve, 1100));

    expect((await request(h.shield.url, '/vod/demo/plain.m4s')).headers['x-cache']).toBe('HIT');
    expect((await request(h.shield.url, '/vod/demo/video.m3u8')).headers['x-cache']).toBe('HIT');
  });

  it('prefers s-maxage, keeps immutable objects past the default TTL, and subtracts the origin Age', async () => {
    h = await startHarness({ SHIELD_DEFAULT_TTL_SECONDS: '1' });
    h.origin.objects.set('/vod/demo/shared.m4s', { body: 's', headers: { 'cache-control': 'max-age=0, s-maxage=60' } });
    h.origin.objects.set('/vod/demo/immutable.m4s', { body: 'i', headers: { 'cache-control': 'public, immutable' } });
    h.origin.objects.set('/vod/demo/aged.m4s', { body: 'a', headers: { 'cache-control': 'max-age=60', age: '60' } });

    for (const path of ['/vod/demo/shared.m4s', '/vod/demo/immutable.m4s', '/vod/demo/aged.m4s']) await request(h.shield.url, path);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    expect((await request(h.shield.url, '/vod/demo/shared.m4s')).headers['x-cache']).toBe('HIT');
    expect((await request(h.shield.url, '/vod/demo/immutable.m4s')).headers['x-cache']).toBe('HIT');
    const aged = await request(h.shield.url, '/vod/demo/aged.m4s');
    expect(aged.headers['x-cache']).toBe('PASS');
    expect(aged.headers.age).toBe('60');
    expect(h.origin.count('/vod/demo/aged.m4s')).toBe(2);
  });

  it('revalidates an expired entry with If-None-Match and keeps the cached bytes on 304', async () => {
    h = await startHarness();
    const body = bytesOf(2048, 5);
    h.origin.objects.set('/vod/demo/seg-2.m4s', { body, headers: { 'cache-control': 'max-age=1', etag: '"seg2"' } });

    await request(h.shield.url, '/vod/demo/seg-2.m4s');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const revalidated = await request(h.shield.url, '/vod/demo/seg-2.m4s');

    expect(h.origin.requests.map((seen) => seen.headers['if-none-match'])).toEqual([undefined, '"seg2"']);
    expect(revalidated.status).toBe(200);
    expect(revalidated.body.equals(body)).toBe(true);
    expect((await request(h.shield.url, '/vod/demo/seg-2.m4s')).headers['x-cache']).toBe('HIT');
  });
});
