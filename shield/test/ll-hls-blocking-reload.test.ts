import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gateAfterSent, problemCode, request, startHarness, TEST_PURGE_SECRET, type Harness } from './shield-harness.ts';

// RFC 8216bis §6.2.5.2: a client asks the server to hold a playlist reload until segment `_HLS_msn`
// (part `_HLS_part`) exists; §6.2.5.1: `_HLS_skip` asks for a Playlist Delta Update.
const PLAYLIST = '/live/ch1/video-720p.m3u8';
const playlist = (msn: number) => `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:${msn}\n#EXTINF:4.0,\nseg-${msn}.m4s\n`;
const LIVE = { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'max-age=1' };

describe('LL-HLS blocking reload parameters', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ SHIELD_UPSTREAM_TIMEOUT_MS: '200', SHIELD_BLOCKING_RELOAD_TIMEOUT_MS: '2000' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('forwards only _HLS_msn, _HLS_part and _HLS_skip, in canonical order, and drops tokens and CMCD', async () => {
    h.origin.objects.set(PLAYLIST, { body: playlist(7), headers: LIVE });

    const answer = await request(h.shield.url, `${PLAYLIST}?token=viewer-a&_HLS_skip=YES&CMCD=bl%3D2000&_HLS_part=02&_HLS_msn=007`);

    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(playlist(7));
    expect(h.origin.requests.map((seen) => seen.url)).toEqual([`${PLAYLIST}?_HLS_msn=7&_HLS_part=2&_HLS_skip=YES`]);
  });

  it('collapses every viewer blocking on the same msn and part into one origin request, whatever else their URLs carry', async () => {
    const { gate, onSent } = gateAfterSent(30);
    h.origin.objects.set(PLAYLIST, { body: playlist(12), headers: LIVE, gate });

    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(h.shield.url, i % 2 === 0 ? `${PLAYLIST}?_HLS_msn=12&_HLS_part=3&token=v${i}` : `${PLAYLIST}?CMCD=sid%3D%22${i}%22&_HLS_part=3&_HLS_msn=12`, { onSent }),
      ),
    );

    expect(answers.every((answer) => answer.status === 200 && answer.body.toString() === playlist(12))).toBe(true);
    expect(h.origin.requests.map((seen) => seen.url)).toEqual([`${PLAYLIST}?_HLS_msn=12&_HLS_part=3`]);
  });

  it('keeps a different msn, part or skip, and the plain reload, under keys of their own', async () => {
    h.origin.objects.set(PLAYLIST, { body: playlist(20), headers: LIVE });
    const targets = [PLAYLIST, `${PLAYLIST}?_HLS_msn=20`, `${PLAYLIST}?_HLS_msn=21`, `${PLAYLIST}?_HLS_msn=21&_HLS_part=0`, `${PLAYLIST}?_HLS_skip=v2`];

    for (const target of targets) expect((await request(h.shield.url, target)).headers['x-cache']).toBe('MISS');
    for (const target of targets) expect((await request(h.shield.url, target)).headers['x-cache']).toBe('HIT');
    expect(h.origin.requests).toHaveLength(targets.length);
  });

  it('caches a blocked-reload answer like the live playlist it is: CMSD says live HLS manifest, and it expires with half the target duration', async () => {
    h.origin.objects.set(PLAYLIST, { body: playlist(30), headers: { ...LIVE, 'cache-control': 'max-age=60' } });
    const target = `${PLAYLIST}?_HLS_msn=30`;

    const first = await request(h.shield.url, target);
    const second = await request(h.shield.url, target);

    expect(first.headers['cmsd-static']).toBe('ot=m,sf=h,st=l');
    expect(second.headers['x-cache']).toBe('HIT');
    // TARGETDURATION 4 caps freshness at 2 s despite max-age=60.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await request(h.shield.url, target)).headers['x-cache']).not.toBe('HIT');
    expect(h.origin.count(PLAYLIST)).toBe(2);
  });

  it('waits for an origin that holds a blocking reload longer than an ordinary fetch may take', async () => {
    h.origin.objects.set(PLAYLIST, { body: playlist(40), headers: LIVE, delayMs: 600 });

    const blocking = await request(h.shield.url, `${PLAYLIST}?_HLS_msn=40`);
    const plain = await request(h.shield.url, PLAYLIST);

    expect(blocking.status).toBe(200);
    expect(blocking.body.toString()).toBe(playlist(40));
    expect(plain.status).toBe(504);
    expect(problemCode(plain)).toBe('upstream-timeout');
  });

  it('ignores the directives outside /live/: VOD objects stay keyed on their path', async () => {
    h.origin.objects.set('/vod/demo/video-720p.m3u8', { body: '#EXTM3U\n', headers: { 'cache-control': 'max-age=60' } });

    await request(h.shield.url, '/vod/demo/video-720p.m3u8?_HLS_msn=3');
    const second = await request(h.shield.url, '/vod/demo/video-720p.m3u8?_HLS_msn=4');

    expect(second.headers['x-cache']).toBe('HIT');
    expect(h.origin.requests.map((seen) => seen.url)).toEqual(['/vod/demo/video-720p.m3u8']);
  });

  it('purging a playlist also purges its blocking-reload answers', async () => {
    h.origin.objects.set(PLAYLIST, { body: playlist(50), headers: { ...LIVE, 'cache-control': 'max-age=60' } });
    await request(h.shield.url, PLAYLIST);
    await request(h.shield.url, `${PLAYLIST}?_HLS_msn=50`);

    const purged = await request(h.shield.url, '/purge', {
      method: 'POST',
      auth: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_PURGE_SECRET}` },
      body: JSON.stringify({ key: PLAYLIST }),
    });

    expect(JSON.parse(purged.body.toString())).toEqual({ purged: 2 });
    expect((await request(h.shield.url, `${PLAYLIST}?_HLS_msn=50`)).headers['x-cache']).toBe('MISS');
  });

  it.each([
    ['a negative msn', '_HLS_msn=-1'],
    ['a non-numeric msn', '_HLS_msn=abc'],
    ['an empty msn', '_HLS_msn='],
    ['a msn without a value', '_HLS_msn'],
    ['an exponent', '_HLS_msn=1e3'],
    ['a fractional part', '_HLS_msn=4&_HLS_part=1.5'],
    ['a msn beyond any exact integer', '_HLS_msn=99999999999999999'],
    ['a part without msn', '_HLS_part=2'],
    ['an unknown skip value', '_HLS_msn=4&_HLS_skip=NO'],
    ['a lower-case skip value', '_HLS_skip=yes'],
    ['a repeated msn', '_HLS_msn=4&_HLS_msn=5'],
    ['an encoded value', '_HLS_msn=%34'],
  ])('answers 400 bad-hls-directive for %s, without asking the origin', async (_label, query) => {
    h.origin.objects.set(PLAYLIST, { body: playlist(1), headers: LIVE });

    const answer = await request(h.shield.url, `${PLAYLIST}?${query}&token=x`);

    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('bad-hls-directive');
    expect(h.origin.requests).toHaveLength(0);
  });
});
