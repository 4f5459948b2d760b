import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startHarness, type Harness } from './shield-harness.ts';

describe('CMSD headers (CTA-5006)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (const path of ['/vod/demo/video-720p-00001.m4s', '/vod/demo/audio-00001.m4s', '/vod/demo/init-720p.mp4', '/vod/demo/master.m3u8', '/live/ch1/manifest.mpd']) {
      h.origin.objects.set(path, { body: 'x', headers: { 'cache-control': 'max-age=60' } });
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['/vod/demo/video-720p-00001.m4s', 'ot=v,st=v'],
    ['/vod/demo/audio-00001.m4s', 'ot=a,st=v'],
    ['/vod/demo/init-720p.mp4', 'ot=i,st=v'],
    ['/vod/demo/master.m3u8', 'ot=m,sf=h,st=v'],
    ['/live/ch1/manifest.mpd', 'ot=m,sf=d,st=l'],
  ])('describes %s with CMSD-Static %s on a miss and on a hit', async (path, expected) => {
    const miss = await request(h.shield.url, path);
    const hit = await request(h.shield.url, path);

    expect(miss.headers['cmsd-static']).toBe(expected);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cmsd-static']).toBe(expected);
    expect(hit.headers['cmsd-dynamic']).toMatch(/^"cascade-shield";rd=\d+$/);
  });
});

describe('cache keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('never splits the cache on CMCD, tokens or any other query parameter', async () => {
    const path = '/vod/demo/video-720p-00002.m4s';
    h.origin.objects.set(path, { body: 'seg', headers: { 'cache-control': 'max-age=60' } });

    await request(h.shield.url, `${path}?CMCD=bl%3D21300%2Cbr%3D3200%2Csid%3D%226e2fb550%22`);
    await request(h.shield.url, `${path}?token=abc.def.ghi`);
    const third = await request(h.shield.url, `${path}?CMCD=sid%3D%22other%22&x=1`);

    expect(third.headers['x-cache']).toBe('HIT');
    expect(h.origin.count(path)).toBe(1);
    expect(h.origin.requests.every((seen) => !seen.url.includes('?'))).toBe(true);
  });

  it('keeps an answer that varies only on Accept-Encoding (the shield asks for identity) and passes Vary on', async () => {
    const path = '/vod/demo/vary-ae.m3u8';
    h.origin.objects.set(path, { body: '#EXTM3U', headers: { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' } });

    await request(h.shield.url, path, { headers: { 'accept-encoding': 'gzip' } });
    const second = await request(h.shield.url, path);

    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers.vary).toBe('Accept-Encoding');
    expect(h.origin.requests.at(-1)?.headers['accept-encoding']).toBeUndefined();
  });

  it('does not store an answer that varies on a request header the shield does not key on', async () => {
    const path = '/vod/demo/vary-lang.m3u8';
    h.origin.objects.set(path, { body: '#EXTM3U', headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' } });

    await request(h.shield.url, path, { headers: { 'accept-language': 'fr' } });
    const second = await request(h.shield.url, path, { headers: { 'accept-language': 'de' } });

    expect(second.headers['x-cache']).toBe('PASS');
    expect(h.origin.count(path)).toBe(2);
  });
});
