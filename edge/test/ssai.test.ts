import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { parseConfig } from '../src/config.ts';
import { eventsForSegment } from '../src/ssai/ad-beacon-message.ts';
import { fillUrlTemplate } from '../src/ssai/ad-server-config.ts';
import { adTitleIdFor } from '../src/ssai/plan-ads.ts';
import { resolvePod } from '../src/ssai/resolve-pod.ts';
import { parseVast, parseVmap } from '../src/ssai/vast-document.ts';
import { AdResponseError, parseXmlTree } from '../src/ssai/xml-tree.ts';
import { call, makeIssuer, PERMISSIVE_RIGHTS, problemCode, putCatalogueEntry, text, testEnv } from './harness.ts';

const ads = inject('mockAdServerUrl');

async function vast(path: string): Promise<string> {
  return (await fetch(`${ads}${path}`)).text();
}

function pod(source: { url: string } | { document: string }, options: { breakSeconds?: number; timeoutMs?: number; maxWrapperDepth?: number } = {}) {
  return resolvePod(source, {
    fetch,
    maxWrapperDepth: options.maxWrapperDepth ?? 5,
    signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    breakSeconds: options.breakSeconds ?? 30,
  });
}

describe('VAST 2, 3 and 4 inline answers from the local ad server', () => {
  for (const version of ['2', '3', '4']) {
    it(`reads VAST ${version}: creative id, duration, the MP4 mezzanine and every tracker`, async () => {
      const document = parseVast(await vast(`/vast?v=${version}&ads=2&sid=s1`));
      expect(document.ads).toHaveLength(2);
      const first = document.ads[0]!;
      expect(first.kind).toBe('inline');
      if (first.kind !== 'inline') return;
      expect(first.creativeId).toBe('spot-a');
      expect(first.durationSeconds).toBe(6);
      expect(first.mediaFiles.find((m) => m.type === 'video/mp4')?.url).toBe(`${ads}/media/spot-a.mp4`);
      expect(first.tracking.impression).toHaveLength(1);
      for (const event of ['start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete'] as const) expect(first.tracking[event]).toHaveLength(1);
    });
  }

  it('fills a pod in sequence order up to the break duration', async () => {
    const result = await pod({ url: `${ads}/vast?v=4&ads=3&sid=s1` }, { breakSeconds: 10 });
    // spot-a 6 s + spot-b 4 s fill 10 s; spot-c (8 s) no longer fits.
    expect(result.ads.map((a) => a.creativeId)).toEqual(['spot-a', 'spot-b']);
    expect(result.filledSeconds).toBe(10);
  });

  it('follows a wrapper chain and keeps every level’s impression and quartile trackers', async () => {
    const result = await pod({ url: `${ads}/vast/wrapper?depth=3&ads=1&sid=s1` });
    expect(result.ads).toHaveLength(1);
    expect(result.ads[0]!.tracking.impression).toHaveLength(4);
    expect(result.ads[0]!.tracking.complete).toHaveLength(4);
  });

  it('stops at the wrapper depth limit and says so', async () => {
    const result = await pod({ url: `${ads}/vast/wrapper?depth=7&ads=1` }, { maxWrapperDepth: 5 });
    expect(result.ads).toEqual([]);
    expect(result.problems.join()).toContain('deeper than 5');
  });

  it('answers an empty, malformed, failing or slow ad server with no ads instead of an error', async () => {
    for (const [path, reason] of [['/vast/empty', 'empty VAST'], ['/vast/malformed', 'malformed VAST'], ['/vast/error', 'answered 500'], ['/vast/slow?ms=3000', 'timed out']] as const) {
      const result = await pod({ url: `${ads}${path}` }, { timeoutMs: 400 });
      expect(result.ads, path).toEqual([]);
      expect(result.problems.join(), path).toContain(reason);
    }
  });

  it('reads a VMAP playlist’s pre-, mid- and post-roll breaks', async () => {
    const breaks = parseVmap(await vast('/vmap?pre=1&mid=5.5&post=1&sid=s1'));
    expect(breaks.map((b) => b.offset)).toEqual([0, 5.5, 'end']);
    expect(breaks[0]!.source).toMatchObject({ kind: 'url' });
  });
});

describe('hostile ad server answers', () => {
  it('refuses a DOCTYPE (no entity expansion), unbalanced tags and undefined entities', () => {
    expect(() => parseXmlTree('<!DOCTYPE VAST [<!ENTITY a "aaaa">]><VAST version="3.0">&a;</VAST>')).toThrow(AdResponseError);
    expect(() => parseXmlTree('<VAST version="3.0"><Ad></VAST>')).toThrow(AdResponseError);
    expect(() => parseXmlTree('<VAST version="3.0">&bogus;</VAST>')).toThrow(AdResponseError);
    expect(() => parseXmlTree('<a>'.repeat(100) + '</a>'.repeat(100))).toThrow(/deeper/);
  });

  it('refuses a document that is not VAST 2-4 and drops trackers that are not http(s)', () => {
    expect(() => parseVast('<VAST version="1.0"/>')).toThrow(/unsupported VAST version/);
    expect(() => parseVast('<html/>')).toThrow(/expected a <VAST>/);
    const document = parseVast(`<VAST version="3.0"><Ad id="x"><InLine><Impression>javascript:alert(1)</Impression><Impression>file:///etc/passwd</Impression>
      <Creatives><Creative id="c"><Linear><Duration>00:00:05</Duration><MediaFiles><MediaFile type="video/mp4" delivery="progressive">https://cdn.example/x.mp4</MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>`);
    expect(document.ads[0]!.tracking.impression).toEqual([]);
  });
});

describe('AD_SERVERS configuration', () => {
  const base = env as unknown as Env;
  const parse = (servers: unknown) => () => parseConfig({ ...base, SHIELD_URL: 'http://127.0.0.1:1', AD_SERVERS: JSON.stringify(servers) });

  it('refuses unknown macros, non-http URLs, both or neither of vastUrl and vmapUrl, and unknown fields, naming the place', () => {
    expect(parse([{ id: 'a', titles: ['x'], vastUrl: 'https://ads.example/vast?u={user}' }])).toThrow(/AD_SERVERS\[0\]\.vastUrl: expected macros/);
    expect(parse([{ id: 'a', titles: ['x'], vastUrl: 'ftp://ads.example/' }])).toThrow(/AD_SERVERS\[0\]\.vastUrl/);
    expect(parse([{ id: 'a', titles: ['x'], vastUrl: 'https://a/', vmapUrl: 'https://b/' }])).toThrow(/exactly one of vastUrl or vmapUrl/);
    expect(parse([{ id: 'a', titles: ['x'], vastUrl: 'https://a/', timeout: 5 }])).toThrow(/only the fields/);
    expect(parse([{ id: 'a', titles: ['../x'], vastUrl: 'https://a/' }])).toThrow(/titles/);
    expect(parse([{ id: 'a', titles: ['x'], vastUrl: 'https://a/', timeoutMs: 60_000 }])).toThrow(/timeoutMs: expected an integer in 100..10000/);
    expect(() => parseConfig({ ...base, AD_CONDITIONING_URL: 'http://127.0.0.1:1' })).toThrow(/both or neither/);
  });

  it('percent-encodes macro values so a consent string cannot add parameters', () => {
    expect(fillUrlTemplate('https://ads.example/vast?gdpr={consent}&dur={duration}', { consent: 'a&b=c', duration: '30' })).toBe('https://ads.example/vast?gdpr=a%26b%3Dc&dur=30');
  });
});

describe('beacon positions', () => {
  it('fires impression and start on the first segment, each quartile on the segment that holds it, complete on the last', () => {
    expect(eventsForSegment(1, 1)).toEqual(['impression', 'start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete']);
    expect([1, 2, 3, 4].map((i) => eventsForSegment(i, 4))).toEqual([['impression', 'start', 'firstQuartile'], ['midpoint'], ['thirdQuartile'], ['complete']]);
    expect([1, 2].map((i) => eventsForSegment(i, 2))).toEqual([['impression', 'start', 'firstQuartile', 'midpoint'], ['thirdQuartile', 'complete']]);
  });
});

describe('stitched VOD sessions through the Worker', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let edgeEnv: Env;
  const creatives = ['spot-a', 'spot-b'];
  const ready = new Map<string, string>();

  beforeAll(async () => {
    issuer = await makeIssuer();
    edgeEnv = testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([
        { id: 'mock', titles: ['ssai-*'], vastUrl: `${ads}/vast?v=4&ads=2&sid={session}&creatives=spot-a,spot-b&dur={duration}&pos={position}`, cuePoints: [0, 'end'], breakSeconds: 10, timeoutMs: 2000 },
      ]),
    });
    // Conditioned creatives are catalogued titles on the origin; only spot-a is ready.
    const id = await adTitleIdFor('mock', 'spot-a');
    ready.set('spot-a', id);
    const entry = { kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions: [{ playlist: 'video-360p.m3u8', height: 360 }, { playlist: 'audio.m3u8' }] };
    await putCatalogueEntry(id, { id, ...entry });
    await putCatalogueEntry('ssai-vod', { id: 'ssai-vod', ...entry });
    void creatives;
  });

  async function openSession() {
    const token = await issuer.sign({ sub: 'ad-viewer' });
    const master = await call(edgeEnv, `/v1/play/ssai-vod/master.m3u8?token=${token}`);
    expect(master.status).toBe(200);
    const tracking = master.headers.get('x-ad-tracking');
    expect(tracking).toMatch(/\/ads\.json$/);
    const body = await text(master);
    const video = body.split('\n').find((l) => l.includes('video-360p.m3u8'))!;
    return { video, tracking: tracking! };
  }

  it('stitches the ready creative as pre- and post-roll, fenced by discontinuities, under an ad-scoped token', async () => {
    const { video } = await openSession();
    const playlist = await text(await call(edgeEnv, video));
    const lines = playlist.split('\n');
    const adSegments = lines.filter((l) => l.includes(`/vod/${ready.get('spot-a')}/seg-360p-1.m4s`));
    expect(adSegments).toHaveLength(2);
    expect(lines.filter((l) => l === '#EXT-X-DISCONTINUITY')).toHaveLength(2);
    expect(lines.indexOf(adSegments[0]!)).toBeLessThan(lines.findIndex((l) => l.includes('/vod/ssai-vod/seg-360p-1.m4s')));
    expect(lines.filter((l) => l.startsWith('#EXT-X-MAP'))).toHaveLength(4);
  });

  it('fires each impression and quartile exactly once at the ad server however often the segments are fetched', async () => {
    const { video, tracking } = await openSession();
    const plan = (await (await call(edgeEnv, tracking)).json()) as { sessionId: string; avails: { ads: { adId: string }[] }[] };
    expect(plan.avails.map((a) => a.ads.map((ad) => ad.adId))).toEqual([['spot-a'], ['spot-a']]);
    const playlist = await text(await call(edgeEnv, video));
    const preRoll = playlist.split('\n').find((l) => l.includes(`/vod/${ready.get('spot-a')}/seg-360p-1.m4s`))!;
    for (let i = 0; i < 3; i++) expect((await call(edgeEnv, preRoll)).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let hits: { event: string; sid: string; source: string; ad: string }[] = [];
    while (Date.now() < deadline) {
      hits = ((await (await fetch(`${ads}/hits`)).json()) as typeof hits).filter((h) => h.sid === plan.sessionId);
      if (hits.length >= 6) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500)); // any duplicate would arrive in this time
    hits = ((await (await fetch(`${ads}/hits`)).json()) as typeof hits).filter((h) => h.sid === plan.sessionId);
    expect(hits.map((h) => h.event).sort()).toEqual(['complete', 'firstQuartile', 'impression', 'midpoint', 'start', 'thirdQuartile']);
  });

  it('takes the breaks from a VMAP answer when the ad server is configured with vmapUrl', async () => {
    const vmapEnv = testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([{ id: 'mock', titles: ['ssai-*'], vmapUrl: `${ads}/vmap?pre=1&post=1&ads=1&creatives=spot-a&sid={session}`, breakSeconds: 10 }]),
    });
    const token = await issuer.sign({ sub: 'ad-viewer' });
    const master = await call(vmapEnv, `/v1/play/ssai-vod/master.m3u8?token=${token}`);
    const plan = (await (await call(vmapEnv, master.headers.get('x-ad-tracking')!)).json()) as { avails: { position: string; ads: { adId: string }[] }[] };
    expect(plan.avails.map((a) => [a.position, a.ads.map((ad) => ad.adId)])).toEqual([['preroll', ['spot-a']], ['postroll', ['spot-a']]]);
  });

  it('leaves a creative that is not conditioned out of the break', async () => {
    const { tracking } = await openSession();
    const plan = (await (await call(edgeEnv, tracking)).json()) as { avails: { ads: { adId: string }[] }[] };
    expect(plan.avails.flatMap((a) => a.ads.map((ad) => ad.adId))).not.toContain('spot-b');
  });

  it('plays without ads when the ad server is slow, malformed or empty', async () => {
    for (const path of ['/vast/slow?ms=3000', '/vast/malformed', '/vast/empty']) {
      const slowEnv = testEnv({ VIEWER_JWKS: issuer.jwks, AD_SERVERS: JSON.stringify([{ id: 'bad', titles: ['ssai-*'], vastUrl: `${ads}${path}`, timeoutMs: 300 }]) });
      const token = await issuer.sign({ sub: 'ad-viewer' });
      const master = await call(slowEnv, `/v1/play/ssai-vod/master.m3u8?token=${token}`);
      expect(master.status, path).toBe(200);
      const video = (await text(master)).split('\n').find((l) => l.includes('video-360p.m3u8'))!;
      const playlist = await text(await call(slowEnv, video));
      expect(playlist, path).not.toContain('DISCONTINUITY');
      expect(playlist, path).toContain('/vod/ssai-vod/seg-360p-1.m4s');
    }
  });

  it('in interstitials mode leaves the content alone and serves each break as an X-ASSET-LIST of ad-scoped assets', async () => {
    const interstitialEnv = testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([{ id: 'mock', titles: ['ssai-*'], vastUrl: `${ads}/vast?v=4&ads=1&sid={session}&creatives=spot-a`, cuePoints: [0, 'end'], breakSeconds: 10, mode: 'interstitials' }]),
    });
    const token = await issuer.sign({ sub: 'ad-viewer' });
    const master = await text(await call(interstitialEnv, `/v1/play/ssai-vod/master.m3u8?token=${token}`));
    const video = master.split('\n').find((l) => l.includes('video-360p.m3u8'))!;
    const playlist = await text(await call(interstitialEnv, video));
    expect(playlist).not.toContain('#EXT-X-DISCONTINUITY');
    const ranges = playlist.split('\n').filter((l) => l.startsWith('#EXT-X-DATERANGE:'));
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toContain('CLASS="com.apple.hls.interstitial"');
    expect(ranges[0]).toContain('X-CUE="PRE"');
    expect(ranges[1]).toContain('X-CUE="POST"');
    expect(playlist).toMatch(/^#EXT-X-PROGRAM-DATE-TIME:/m);
    const assetList = /X-ASSET-LIST="([^"]+)"/.exec(ranges[0]!)![1]!;
    const assets = (await (await call(interstitialEnv, assetList)).json()) as { ASSETS: { URI: string; DURATION: number }[] };
    expect(assets.ASSETS).toHaveLength(1);
    expect(assets.ASSETS[0]!.DURATION).toBe(6);
    const adMaster = await call(interstitialEnv, assets.ASSETS[0]!.URI);
    expect(adMaster.status).toBe(200);
    const adVariant = (await text(adMaster)).split('\n').find((l) => l.includes('video-360p.m3u8'))!;
    const adPlaylist = await text(await call(interstitialEnv, adVariant));
    expect(adPlaylist).toContain(`/vod/${ready.get('spot-a')}/seg-360p-1.m4s`);
  });

  it('serves an MPD it cannot cut into Periods (no SegmentTimeline) without ads rather than failing', async () => {
    const token = await issuer.sign({ sub: 'ad-viewer' });
    const response = await call(edgeEnv, `/v1/play/ssai-vod/manifest.mpd?token=${token}`);
    expect(response.status).toBe(200);
    expect((await text(response)).match(/<Period/g)).toHaveLength(1);
  });

  it('refuses a consent string that is not a TCF string', async () => {
    const token = await issuer.sign({ sub: 'ad-viewer' });
    const response = await call(edgeEnv, `/v1/play/ssai-vod/master.m3u8?token=${token}&gdpr_consent=${encodeURIComponent('a&b')}`);
    expect(response.status).toBe(400);
    expect(await problemCode(response)).toBe('bad-request');
  });
});

describe('subtitles of stitched VOD sessions through the Worker (README "Ad insertion", subtitles)', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let edgeEnv: Env;
  let spotA: string;
  // ssai-subs: 20 s of content in 4 s segments with English sidecar subtitles; a pre-roll and a mid-roll at 4 s.
  const VTT = 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nbefore the mid-roll\n\n2\n00:00:03.000 --> 00:00:05.000\nacross it\n\n00:00:10.000 --> 00:00:11.000\nafter it\n';
  const SUBTITLES = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:20\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:20.000000,\nsubtitles-en.vtt\n#EXT-X-ENDLIST\n';
  const mpd = (seconds: number, subtitles: boolean) => `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT${seconds}S" minBufferTime="PT4S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
<Period id="0" start="PT0S"><AdaptationSet id="0" contentType="video" mimeType="video/mp4">
<SegmentTemplate timescale="1000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1"><SegmentTimeline><S t="0" d="2000" r="${seconds / 2 - 1}"/></SegmentTimeline></SegmentTemplate>
<Representation id="0" bandwidth="800000" width="640" height="360" codecs="avc1.64001e"/></AdaptationSet>${subtitles ? `
<AdaptationSet id="1" contentType="text" mimeType="text/vtt" lang="en"><Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/><Representation id="subtitles-en" bandwidth="256"><BaseURL>subtitles-en.vtt</BaseURL></Representation></AdaptationSet>` : ''}
</Period>
</MPD>
`;
  const put = async (path: string, body: string) => expect((await fetch(`${inject('fakeShieldUrl')}/__object/${path}`, { method: 'PUT', body })).status).toBe(200);
  const cues = (vtt: string) => vtt.split('\n').filter((l) => l.includes('-->'));

  beforeAll(async () => {
    issuer = await makeIssuer();
    edgeEnv = testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([{ id: 'mock', titles: ['ssai-subs'], vastUrl: `${ads}/vast?v=4&ads=2&sid={session}&creatives=spot-a,spot-b&dur={duration}&pos={position}`, cuePoints: [0, 4], breakSeconds: 10, timeoutMs: 2000 }]),
    });
    spotA = await adTitleIdFor('mock', 'spot-a'); // the only creative conditioned: 6 s in each break
    const renditions = [{ playlist: 'video-360p.m3u8', height: 360 }, { playlist: 'audio.m3u8' }];
    await putCatalogueEntry(spotA, { id: spotA, kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions });
    await putCatalogueEntry('ssai-subs', { id: 'ssai-subs', kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions, segmentDurationSeconds: 4 });
    await put('vod/ssai-subs/subtitles-en.m3u8', SUBTITLES);
    await put('vod/ssai-subs/subtitles-en.vtt', VTT);
    await put('vod/ssai-subs/broken.vtt', '<html>an error page</html>');
    await put('vod/ssai-subs/manifest.mpd', mpd(20, true));
    await put(`vod/${spotA}/manifest.mpd`, mpd(6, false));
  });

  async function subtitlePlaylist(): Promise<string> {
    const token = await issuer.sign({ sub: 'subtitle-viewer' });
    const master = await call(edgeEnv, `/v1/play/ssai-subs/master.m3u8?token=${token}`);
    expect(master.status).toBe(200);
    const video = (await text(master)).split('\n').find((l) => l.includes('video-360p.m3u8'))!;
    const response = await call(edgeEnv, video.replace('video-360p.m3u8', 'subtitles-en.m3u8'));
    expect(response.status).toBe(200);
    return text(response);
  }

  it('lengthens the HLS subtitle playlist by the ads and serves its WebVTT with every cue moved past the ads before it', async () => {
    const playlist = await subtitlePlaylist();
    expect(playlist).toContain('#EXTINF:32.000000,');
    const uri = playlist.split('\n').find((l) => l.includes('subtitles-en.vtt'))!;
    expect(uri).toMatch(/\/v1\/media\/[^/]+\/vod\/ssai-subs\/subtitles-en\.vtt\?breaks=0:6,4:6$/);
    const response = await call(edgeEnv, uri);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(cues(await text(response))).toEqual(['00:00:07.000 --> 00:00:08.000', '00:00:09.000 --> 00:00:10.000', '00:00:16.000 --> 00:00:17.000', '00:00:22.000 --> 00:00:23.000']);
  });

  it('points each DASH content Period’s subtitles at its window of the cues, timed from the Period’s start', async () => {
    const token = await issuer.sign({ sub: 'subtitle-viewer' });
    const response = await call(edgeEnv, `/v1/play/ssai-subs/manifest.mpd?token=${token}`);
    expect(response.status).toBe(200);
    const body = await text(response);
    const periods = [...body.matchAll(/<Period id="([^"]+)"[\s\S]*?<\/Period>/g)].map((m) => ({ id: m[1]!, vtt: /<BaseURL>([^<]*subtitles-en\.vtt[^<]*)<\/BaseURL>/.exec(m[0])?.[1]?.replaceAll('&amp;', '&') }));
    expect(periods.map((p) => [p.id, p.vtt?.split('?')[1]])).toEqual([['ad-1', undefined], ['content-1', 'window=0-4'], ['ad-2', undefined], ['content-2', 'window=4-20']]);
    const second = await call(edgeEnv, new URL(periods[3]!.vtt!, 'http://edge.test/').href);
    expect(second.status).toBe(200);
    expect(cues(await text(second))).toEqual(['00:00:00.000 --> 00:00:01.000', '00:00:06.000 --> 00:00:07.000']);
  });

  it('refuses a malformed re-timing with 400 bad-request and a subtitle file that is not WebVTT with 502 upstream-error', async () => {
    const uri = (await subtitlePlaylist()).split('\n').find((l) => l.includes('subtitles-en.vtt'))!;
    for (const query of ['breaks=4:0', 'window=9-3', 'breaks=1:1&window=0-4']) {
      const refused = await call(edgeEnv, uri.replace(/\?.*$/, `?${query}`));
      expect(refused.status, query).toBe(400);
      expect(await problemCode(refused), query).toBe('bad-request');
    }
    const broken = await call(edgeEnv, uri.replace('subtitles-en.vtt', 'broken.vtt'));
    expect(broken.status).toBe(502);
    expect(await problemCode(broken)).toBe('upstream-error');
    // Without a re-timing the file is served as the origin has it.
    expect(cues(await text(await call(edgeEnv, uri.replace(/\?.*$/, ''))))[0]).toBe('00:00:01.000 --> 00:00:02.000');
  });
});
