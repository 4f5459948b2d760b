import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { adTitleIdFor } from '../src/ssai/plan-ads.ts';
import { call, makeIssuer, PERMISSIVE_RIGHTS, putCatalogueEntry, text, testEnv } from './harness.ts';

const ads = inject('mockAdServerUrl');
const shield = inject('fakeShieldUrl');
const RENDITIONS = [{ playlist: 'video-360p.m3u8', height: 360 }, { playlist: 'audio.m3u8' }];

/** The channel format (BRIEF "Shared facts"): a 6-segment window, a 12 s break announced by DATERANGE, CUE-OUT/-CONT/-IN. */
function channelWindow(first: number, cue: { out: number; in: number; announce: Date }, start = Date.parse('2026-11-21T08:00:00.000Z')): string {
  // `start` is the program date of msn 100.
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-MAP:URI="init-360p.mp4"', `#EXT-X-PROGRAM-DATE-TIME:${new Date(start + (first - 100) * 4000).toISOString()}`];
  for (let msn = first; msn < first + 6; msn++) {
    if (msn === first) lines.push(`#EXT-X-DATERANGE:ID="splice-9",START-DATE="${cue.announce.toISOString()}",PLANNED-DURATION=12.000,SCTE35-OUT=0xFC302000`);
    if (msn === cue.out) lines.push('#EXT-X-CUE-OUT:DURATION=12.000');
    else if (msn > cue.out && msn < cue.in) lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${(msn - cue.out) * 4}.000,Duration=12.000`);
    else if (msn === cue.in) lines.push('#EXT-X-CUE-IN');
    lines.push('#EXTINF:4.000,', `seg-360p-${msn}.m4s`);
  }
  return lines.join('\n') + '\n';
}

async function publish(channel: string, playlist: string): Promise<void> {
  expect((await fetch(`${shield}/__live/${channel}`, { method: 'PUT', body: playlist })).status).toBe(200);
}

async function adRequests(filter: string): Promise<number> {
  return ((await (await fetch(`${ads}/requests`)).json()) as string[]).filter((r) => r.includes(filter)).length;
}

describe('live ad insertion: SCTE-35 breaks replaced per session in the sliding window', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let spotA: string;

  beforeAll(async () => {
    issuer = await makeIssuer();
    spotA = await adTitleIdFor('live-mock', 'spot-a');
    await putCatalogueEntry(spotA, { id: spotA, kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    for (const id of ['ssai-live-1', 'ssai-live-2', 'ssai-live-3', 'ssai-live-4', 'ssai-live-5']) await putCatalogueEntry(id, { id, kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    // A channel whose catalogue entry names its segment length: its creatives are the ones cut at that length.
    spotAAt4 = await adTitleIdFor('live-mock', 'spot-a', 4);
    await putCatalogueEntry(spotAAt4, { id: spotAAt4, kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    await putCatalogueEntry('ssai-live-6', { id: 'ssai-live-6', kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS, segmentDurationSeconds: 4 });
  });
  let spotAAt4: string;

  // e2e ad-insertion-live: 4 s VOD segments in a 2 s channel's slots put program date times two seconds apart
  // on four-second segments. A live channel's creatives are conditioned at its segment length, a title of their own.
  it('plays a live channel the creative cut at the channel’s segment length, named apart from the VOD packaging', async () => {
    expect(spotAAt4).not.toBe(spotA);
    expect(spotAAt4).toMatch(/^ad-[0-9a-f]{24}$/);
    const edgeEnv = env();
    const video = await open(edgeEnv, 'ssai-live-6');
    let body = '';
    for (let first = 100; first <= 104; first++) {
      await publish('ssai-live-6', channelWindow(first, { out: 104, in: 106, announce: new Date(Date.parse('2026-11-21T08:00:16.000Z')) }));
      body = await text(await call(edgeEnv, video));
    }
    expect(body).toContain(`/vod/${spotAAt4}/seg-360p-1.m4s`);
    expect(body).not.toContain(`/vod/${spotA}/`);
  });

  function env(overrides: Record<string, unknown> = {}): Env {
    return testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([{ id: 'live-mock', titles: ['ssai-live-*'], vastUrl: `${ads}/vast?v=4&ads=1&creatives=spot-a&sid={session}&region={region}&title={title}`, timeoutMs: 2000, ...overrides }]),
    });
  }

  async function open(edgeEnv: Env, channel: string, country = 'IN') {
    const token = await issuer.sign({ sub: `live-${Math.random()}` });
    const master = await call(edgeEnv, `/v1/play/${channel}/master.m3u8?token=${token}`, { headers: { 'x-dev-country': country } });
    expect(master.status).toBe(200);
    return (await text(master)).split('\n').find((l) => l.includes('video-360p.m3u8'))!;
  }

  function segments(playlist: string) {
    const lines = playlist.split('\n');
    const first = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
    let dseq = Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? '0');
    const out = new Map<number, { uri: string; dseq: number }>();
    let msn = first;
    for (const line of lines) {
      if (line === '#EXT-X-DISCONTINUITY') dseq++;
      else if (line !== '' && !line.startsWith('#')) out.set(msn++, { uri: line.replace(/\/v1\/media\/[^/]+\//, '/v1/media/T/'), dseq });
    }
    return out;
  }

  it('puts the ad and then slate in the break, returns to content at the early CUE-IN, and numbers segments the same way on every reload', async () => {
    const edgeEnv = env();
    const video = await open(edgeEnv, 'ssai-live-1');
    const seen = new Map<number, { uri: string; dseq: number }>();
    // The break: planned 12 s from msn 104 (3 segments); SCTE35-IN comes early, at msn 106.
    for (let first = 100; first <= 108; first++) {
      await publish('ssai-live-1', channelWindow(first, { out: 104, in: 106, announce: new Date(Date.parse('2026-11-21T08:00:16.000Z')) }));
      const response = await call(edgeEnv, video);
      expect(response.status).toBe(200);
      const body = await text(response);
      if (first === 104) {
        // Byte for byte, tokens included: a reload a second later lists the same ad and slate URIs (hls.js
        // fails with "media sequence mismatch" when a segment's URI changes between reloads).
        expect(body).toContain('/vod/');
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await text(await call(edgeEnv, video))).toBe(body);
      }
      for (const [msn, segment] of segments(body)) {
        if (seen.has(msn)) expect(segment, `msn ${msn} at window ${first}`).toEqual(seen.get(msn));
        seen.set(msn, segment);
      }
    }
    expect(seen.get(103)!.uri).toContain('/live/ssai-live-1/seg-360p-103.m4s');
    expect(seen.get(104)!.uri).toContain(`/vod/${spotA}/seg-360p-1.m4s`);
    expect(seen.get(105)!.uri).toContain('/vod/slate/slate-360p-1.m4s');
    expect(seen.get(106)!.uri).toContain('/live/ssai-live-1/seg-360p-106.m4s');
    expect([103, 104, 105, 106].map((m) => seen.get(m)!.dseq)).toEqual([0, 1, 2, 3]);
    // A delta update would leave the ads' discontinuities among the skipped segments uncounted: an ad session
    // forwards the blocking-reload directives but not _HLS_skip, and gets the whole playlist; a reload by
    // number alone waits for that segment's first part (liveAdsUpstreamQuery).
    expect((await call(edgeEnv, `${video}${video.includes('?') ? '&' : '?'}_HLS_msn=109&_HLS_skip=YES`)).status).toBe(200);
    const asked = ((await (await fetch(`${shield}/__requests`)).json()) as string[]).filter((r) => r.startsWith('/live/ssai-live-1/video-360p.m3u8'));
    expect(asked.at(-1)).toBe('/live/ssai-live-1/video-360p.m3u8?_HLS_msn=109&_HLS_part=0');
  });

  // e2e ad-insertion-live (Shaka, LL-HLS): each slot appeared only once the content segment it replaces was
  // whole, and Shaka ran dry before every ad segment. A break announced to start with the segment in progress
  // is frozen then, and its first slot published whole right away (it was once shape-only: an empty URI).
  it('publishes a break’s first slot whole while the segment it replaces is in progress (LL-HLS), the same slot as once that segment is whole', async () => {
    await putCatalogueEntry('ssai-live-7', { id: 'ssai-live-7', kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    const edgeEnv = env();
    const video = await open(edgeEnv, 'ssai-live-7');
    const base = Date.parse('2026-11-21T09:00:00.000Z');
    // Whole segments from `first` to `next - 1`, `next` in progress (one part); the break starts with msn 104.
    const llWindow = (first: number, next: number) => {
      const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:4', '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.000', '#EXT-X-PART-INF:PART-TARGET=1.000', `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-MAP:URI="init-360p.mp4"'];
      lines.push(`#EXT-X-DATERANGE:ID="splice-7",START-DATE="${new Date(base + 16_000).toISOString()}",PLANNED-DURATION=12.000,SCTE35-OUT=0xFC302000`);
      for (let msn = first; msn < next; msn++) {
        if (msn === 104) lines.push('#EXT-X-CUE-OUT:DURATION=12.000');
        else if (msn > 104 && msn < 107) lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${(msn - 104) * 4}.000,Duration=12.000`);
        lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(base + (msn - 100) * 4000).toISOString()}`, '#EXTINF:4.000,', `seg-360p-${msn}.m4s`);
      }
      lines.push(`#EXT-X-PART:DURATION=1.000,URI="seg-360p-${next}.0.m4s",INDEPENDENT=YES`, `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-360p-${next}.1.m4s"`);
      return lines.join('\n') + '\n';
    };
    await publish('ssai-live-7', llWindow(100, 104));
    const early = await text(await call(edgeEnv, video));
    expect(segments(early).get(104)?.uri).toContain(`/vod/${spotA}/seg-360p-1.m4s`);
    expect(early).not.toContain('seg-360p-104.0.m4s');
    await publish('ssai-live-7', llWindow(100, 105));
    const whole = await text(await call(edgeEnv, video));
    expect(segments(whole).get(104)).toEqual(segments(early).get(104));
    expect(segments(whole).get(103)).toEqual(segments(early).get(103));
  });

  it('gives a viewer who joins mid-break slate for the rest of it, not an ad from its middle', async () => {
    const edgeEnv = env();
    const video = await open(edgeEnv, 'ssai-live-4');
    // The break began at msn 104 (planned 12 s: 104-106); the window now starts at 106, past its CUE-OUT.
    await publish('ssai-live-4', channelWindow(106, { out: 104, in: 107, announce: new Date(Date.parse('2026-11-21T08:00:16.000Z')) }));
    const found = segments(await text(await call(edgeEnv, video)));
    expect(found.get(106)!.uri).toContain('/vod/slate/');
    expect(found.get(107)!.uri).toContain('/live/ssai-live-4/seg-360p-107.m4s');
    expect(found.get(107)!.dseq).toBe(found.get(106)!.dseq + 1);
    expect(await adRequests('title=ssai-live-4')).toBe(0);
  });

  it('prefetches the decision of a break announced ahead, so the break itself asks the ad server nothing', async () => {
    const edgeEnv = env({ prefetchSeconds: 10 });
    const video = await open(edgeEnv, 'ssai-live-2');
    // Announced to start (at msn 104) in 1 s with a 10 s prefetch window: this session's point in the window has passed.
    const breakStart = Date.now() + 1000;
    const base = breakStart - 16_000;
    await publish('ssai-live-2', channelWindow(100, { out: 200, in: 203, announce: new Date(breakStart) }, base));
    expect((await call(edgeEnv, video)).status).toBe(200);
    const before = await adRequests('title=ssai-live-2');
    expect(before).toBe(1);
    await publish('ssai-live-2', channelWindow(101, { out: 104, in: 107, announce: new Date(breakStart) }, base));
    const playlist = await text(await call(edgeEnv, video));
    expect(playlist).toContain(`/vod/${spotA}/seg-360p-1.m4s`);
    expect(await adRequests('title=ssai-live-2')).toBe(before);
  });

  it('with cohorting asks the ad server once for every viewer in the same region', async () => {
    const edgeEnv = env({ cohortBy: 'region' });
    const viewers = await Promise.all([open(edgeEnv, 'ssai-live-3', 'IN'), open(edgeEnv, 'ssai-live-3', 'IN'), open(edgeEnv, 'ssai-live-3', 'IN'), open(edgeEnv, 'ssai-live-3', 'GB')]);
    await publish('ssai-live-3', channelWindow(101, { out: 104, in: 107, announce: new Date(Date.parse('2026-11-21T08:00:16.000Z')) }));
    for (const video of viewers) expect(await text(await call(edgeEnv, video))).toContain(`/vod/${spotA}/seg-360p-1.m4s`);
    expect(await adRequests('title=ssai-live-3&')).toBe(0);
    const requests = ((await (await fetch(`${ads}/requests`)).json()) as string[]).filter((r) => r.includes('title=ssai-live-3'));
    expect(requests.map((r) => /region=([A-Z]*)/.exec(r)![1]).sort()).toEqual(['GB', 'IN']);
  });

  it('in interstitials mode leaves the channel’s segments alone, announces each break as an HLS Interstitial, decides it when its asset list is asked for, and marks an early return', async () => {
    const edgeEnv = env({ mode: 'interstitials' });
    const video = await open(edgeEnv, 'ssai-live-5');
    const start = new Date(Date.parse('2026-11-21T08:00:16.000Z'));
    await publish('ssai-live-5', channelWindow(101, { out: 104, in: 200, announce: start }));
    const running = await text(await call(edgeEnv, video));
    const range = new RegExp(`#EXT-X-DATERANGE:ID="ad-splice-9",CLASS="com\\.apple\\.hls\\.interstitial",START-DATE="${start.toISOString()}",PLANNED-DURATION=12\\.000,X-ASSET-LIST="([^"]+)",X-RESTRICT="SKIP,JUMP",X-SNAP="OUT,IN",X-TIMELINE-OCCUPIES="RANGE"$`, 'm').exec(running);
    expect(range, running).not.toBeNull();
    expect(running).toContain('/live/ssai-live-5/seg-360p-104.m4s');
    expect(running).not.toContain('/vod/');
    // Nobody has asked for the ads yet: no decision.
    expect(await adRequests('title=ssai-live-5')).toBe(0);
    const assetList = range![1]!;
    const listed = (await (await call(edgeEnv, assetList)).json()) as { ASSETS: { URI: string; DURATION: number }[] };
    expect(listed.ASSETS).toEqual([{ URI: expect.stringMatching(new RegExp(`/v1/media/[^/]+/vod/${spotA}/master\\.m3u8$`)), DURATION: 6 }]);
    // Asked again: the same decision. The ad-scoped token is signed anew (its iat/exp may have moved a second).
    const withoutToken = (list: { ASSETS: { URI: string; DURATION: number }[] }) => list.ASSETS.map((a) => ({ ...a, URI: a.URI.replace(/\/v1\/media\/[^/]+\//, '/v1/media/TOKEN/') }));
    expect(withoutToken((await (await call(edgeEnv, assetList)).json()) as typeof listed)).toEqual(withoutToken(listed));
    expect(await adRequests('title=ssai-live-5')).toBe(1);
    // The operator returns early: the origin's SCTE35-IN says the break aired 4 s of its planned 12.
    const returned = channelWindow(102, { out: 104, in: 105, announce: start }).replace('#EXT-X-CUE-IN', `#EXT-X-DATERANGE:ID="splice-9",START-DATE="${start.toISOString()}",DURATION=4.000,SCTE35-IN=0xFC3020\n#EXT-X-CUE-IN`);
    await publish('ssai-live-5', returned);
    const after = await text(await call(edgeEnv, video));
    expect(after).toContain(`X-TIMELINE-OCCUPIES="RANGE",DURATION=4.000,X-RESUME-OFFSET=4.000,X-PLAYOUT-LIMIT=4.000`);
    expect(after.match(/CLASS="com\.apple\.hls\.interstitial"/g)).toHaveLength(1);
  });
});
