import { afterEach, describe, expect, it } from 'vitest';
import { problemCode, request, startHarness, type Harness } from './shield-harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const livePlaylist = (sequence: number) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${sequence}\n#EXTINF:2.0,\nseg-${sequence}.m4s\n`;

describe('live-aware freshness', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('keeps a live media playlist for at most half its target duration, whatever max-age the origin sends', async () => {
    h = await startHarness();
    const path = '/live/ch1/video-720p.m3u8';
    h.origin.objects.set(path, { body: livePlaylist(1), headers: { 'cache-control': 'max-age=60' } });

    expect((await request(h.shield.url, path)).headers['x-cache']).toBe('MISS');
    expect((await request(h.shield.url, path)).headers['x-cache']).toBe('HIT');
    h.origin.objects.set(path, { body: livePlaylist(2), headers: { 'cache-control': 'max-age=60' } });
    await sleep(1_100);

    const moved = await request(h.shield.url, path);
    expect(moved.body.toString()).toBe(livePlaylist(2));
    expect(h.origin.count(path)).toBe(2);
  });

  it('serves a stale object at once under stale-while-revalidate and refreshes it in the background with one fetch', async () => {
    h = await startHarness();
    const path = '/vod/demo/video-720p.m3u8';
    h.origin.objects.set(path, { body: 'v1', headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' } });
    await request(h.shield.url, path);
    await sleep(1_100);
    h.origin.objects.set(path, { body: 'v2', headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' }, delayMs: 100 });

    const stale = await Promise.all([request(h.shield.url, path), request(h.shield.url, path), request(h.shield.url, path)]);
    expect(stale.map((answer) => answer.headers['x-cache'])).toEqual(['STALE', 'STALE', 'STALE']);
    expect(stale.every((answer) => answer.body.toString() === 'v1')).toBe(true);
    await sleep(300);

    const fresh = await request(h.shield.url, path);
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(fresh.body.toString()).toBe('v2');
    expect(h.origin.count(path)).toBe(2);
  });

  it('answers from a stale copy when the origin fails (stale-if-error), and from the origin again once it recovers', async () => {
    h = await startHarness();
    const path = '/vod/demo/video-720p-00001.m4s';
    h.origin.objects.set(path, { body: 'segment', headers: { 'cache-control': 'max-age=1' } });
    await request(h.shield.url, path);
    await sleep(1_100);
    h.origin.objects.set(path, { status: 503, body: 'down' });

    const during = await request(h.shield.url, path);
    expect(during.status).toBe(200);
    expect(during.headers['x-cache']).toBe('STALE');
    expect(during.body.toString()).toBe('segment');

    h.origin.objects.set(path, { body: 'segment v2', headers: { 'cache-control': 'max-age=60' } });
    const after = await request(h.shield.url, path);
    expect(after.body.toString()).toBe('segment v2');
  });

  it('serves the last live playlist through an outage only for the live stale-if-error window', async () => {
    h = await startHarness({ SHIELD_LIVE_STALE_IF_ERROR_SECONDS: '1' });
    const path = '/live/ch1/audio.m3u8';
    h.origin.objects.set(path, { body: livePlaylist(7), headers: { 'cache-control': 'max-age=1' } });
    await request(h.shield.url, path);
    await sleep(1_100);
    h.origin.objects.set(path, { status: 500, body: 'boom' });

    const within = await request(h.shield.url, path);
    expect(within.status).toBe(200);
    expect(within.headers['x-cache']).toBe('STALE');
    await sleep(1_000);

    const beyond = await request(h.shield.url, path);
    expect(beyond.status).toBe(502);
    expect(problemCode(beyond)).toBe('upstream-error');
  });

  it('honours an origin stale-if-error of 0: an outage is reported, not papered over', async () => {
    h = await startHarness();
    const path = '/vod/demo/strict.m4s';
    h.origin.objects.set(path, { body: 'x', headers: { 'cache-control': 'max-age=1, stale-if-error=0' } });
    await request(h.shield.url, path);
    await sleep(1_100);
    h.origin.objects.set(path, { status: 500, body: 'boom' });

    expect((await request(h.shield.url, path)).status).toBe(502);
  });
});
