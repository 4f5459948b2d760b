import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { adTitleIdFor } from '../src/ssai/plan-ads.ts';
import { call, holdStream, makeIssuer, PERMISSIVE_RIGHTS, problemCode, putCatalogueEntry, testEnv, text } from './harness.ts';

const ads = inject('mockAdServerUrl');
const shield = inject('fakeShieldUrl');
const RENDITIONS = [{ playlist: 'video-180p.m3u8', height: 180 }, { playlist: 'audio.m3u8' }];

/**
 * The channel's dynamic MPD as the origin writes it (origin/src/live/dash-live-mpd.ts): availabilityStartTime
 * `anchor` (epoch ms), 2 s segments from `from` to `to` seconds on the channel timeline, and SCTE-35 break 7
 * at 90 s for `eventSeconds` (10 planned).
 */
function channelMpd(anchor: number, from: number, to: number, eventSeconds: number | undefined = 10): string {
  const event = eventSeconds === undefined ? '' : `<EventStream schemeIdUri="urn:scte:scte35:2014:xml+bin" timescale="1000"><Event presentationTime="90000" duration="${eventSeconds * 1000}" id="7"><scte35:Signal><scte35:Binary>/DAlAAAAAAAA///wFAUAAAAHf+/+AHuYoP4ADbugAAEBAQAAGSz4FQ==</scte35:Binary></scte35:Signal></Event></EventStream>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:scte35="http://www.scte.org/schemas/35/2016" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="dynamic" availabilityStartTime="${new Date(anchor).toISOString()}" publishTime="2026-01-01T00:01:40.000Z" minimumUpdatePeriod="PT2S" timeShiftBufferDepth="PT300S" maxSegmentDuration="PT2S" minBufferTime="PT2S">
<Location>manifest.mpd</Location>
<Period id="live" start="PT0S">${event}
<AdaptationSet id="0" contentType="video" mimeType="video/mp4"><Representation id="video-180p" bandwidth="300000" codecs="avc1.42c00d" width="320" height="180">
<SegmentTemplate timescale="15360" initialization="video-180p-init-1.mp4" media="video-180p-t$Time$.m4s"><SegmentTimeline><S t="${from * 15360}" d="30720" r="${(to - from) / 2 - 1}"/></SegmentTimeline></SegmentTemplate>
</Representation></AdaptationSet>
<AdaptationSet id="1" contentType="audio" mimeType="audio/mp4"><Representation id="audio" bandwidth="64000" codecs="mp4a.40.2" audioSamplingRate="48000">
<SegmentTemplate timescale="48000" initialization="audio-init-1.mp4" media="audio-t$Time$.m4s"><SegmentTimeline><S t="${from * 48000}" d="96000" r="${(to - from) / 2 - 1}"/></SegmentTimeline></SegmentTemplate>
</Representation></AdaptationSet>
</Period>
</MPD>
`;
}

/** A conditioned title's static MPD as the origin packages VOD ($Number$, SegmentTimeline). */
function vodMpd(seconds: number, segment: number): string {
  const full = Math.floor(seconds / segment);
  const rest = seconds - full * segment;
  const s = `<S t="0" d="${segment * 1000}"${full > 1 ? ` r="${full - 1}"` : ''}/>${rest > 0 ? `<S d="${rest * 1000}"/>` : ''}`;
  return `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT${seconds}S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
<Period id="0" start="PT0S"><AdaptationSet contentType="video" mimeType="video/mp4">
<SegmentTemplate timescale="1000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1"><SegmentTimeline>${s}</SegmentTimeline></SegmentTemplate>
<Representation id="0" bandwidth="800000" width="640" height="360" codecs="avc1.64001e"/></AdaptationSet></Period>
</MPD>
`;
}

async function put(path: string, body: string): Promise<void> {
  expect((await fetch(`${shield}/__object/${path}`, { method: 'PUT', body })).status).toBe(200);
}

async function adRequests(session: string): Promise<number> {
  return ((await (await fetch(`${ads}/requests`)).json()) as string[]).filter((r) => r.includes(`sid=${session}`)).length;
}

function periods(mpd: string) {
  return [...mpd.matchAll(/<Period ([^>]*)>([\s\S]*?)<\/Period>/g)].map((m) => ({
    id: /id="([^"]+)"/.exec(m[1]!)?.[1],
    start: /start="PT([\d.]+)S"/.exec(m[1]!)?.[1],
    duration: /duration="PT([\d.]+)S"/.exec(m[1]!)?.[1],
    base: /<BaseURL>([^<]+)<\/BaseURL>/.exec(m[2]!)?.[1],
  }));
}

function claimsOf(url: string): Record<string, unknown> {
  const payload = url.split('/v1/media/')[1]!.split('.')[0]!;
  return JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>;
}

describe('live DASH ad insertion through the Worker: SCTE-35 breaks of a dynamic MPD as Periods per session', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let spotA: string;
  let edgeEnv: Env;
  const channels = ['ssai-dash-live-1', 'ssai-dash-live-2', 'plain-dash-live'];

  beforeAll(async () => {
    issuer = await makeIssuer();
    spotA = await adTitleIdFor('dash-live-mock', 'spot-a');
    await putCatalogueEntry(spotA, { id: spotA, kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    for (const id of channels) await putCatalogueEntry(id, { id, kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    await put(`vod/${spotA}/manifest.mpd`, vodMpd(6, 4));
    await put('vod/slate/manifest.mpd', vodMpd(4, 2));
    edgeEnv = testEnv({
      VIEWER_JWKS: issuer.jwks,
      AD_SERVERS: JSON.stringify([{ id: 'dash-live-mock', titles: ['ssai-dash-live-*'], vastUrl: `${ads}/vast?v=4&ads=1&creatives=spot-a&sid={session}&dur={duration}`, timeoutMs: 2000 }]),
    });
  });

  /** Open a DASH session; returns the session's reload URL (the MPD's Location) and the first answer. */
  async function open(channel: string, sub = `dash-live-${Math.random()}`) {
    const response = await call(edgeEnv, `/v1/play/${channel}/manifest.mpd?token=${await issuer.sign({ sub })}`, { headers: { 'x-dev-country': 'IN' } });
    expect(response.status).toBe(200);
    const mpd = await text(response);
    return { mpd, location: /<Location>([^<]+)<\/Location>/.exec(mpd)![1]! };
  }

  async function reload(location: string): Promise<string> {
    const response = await call(edgeEnv, location);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dash+xml');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    return text(response);
  }

  it('stitches the break as the ad’s Period then slate once the live edge reaches it, resumes the content after it, and decides the pod once for all reloads', async () => {
    const anchor = Date.now() - 80_000; // the break starts 10 s after the session opens
    await put('live/ssai-dash-live-1/manifest.mpd', channelMpd(anchor, 70, 86));
    const { mpd, location } = await open('ssai-dash-live-1');
    // Before the break is within a segment of the live edge: the channel's one Period, reloads through the edge.
    expect(periods(mpd).map((p) => p.id)).toEqual(['live']);
    expect(location).toMatch(/^http:\/\/edge\.test\/v1\/media\/[^/]+\/live\/ssai-dash-live-1\/manifest\.mpd$/);
    const sid = claimsOf(location)['sid'] as string;

    await put('live/ssai-dash-live-1/manifest.mpd', channelMpd(anchor, 80, 92));
    const during = periods(await reload(location));
    expect(during.map((p) => [p.id, p.start, p.duration])).toEqual([['live', '0', undefined], ['splice-7-ad-1', '90', '6']]);
    expect(during[1]!.base).toContain(`/vod/${spotA}/`);
    // The ad's segments carry the break, the ad and its segment count for the beacons.
    expect(claimsOf(during[1]!.base!)).toMatchObject({ sid, scope: `vod/${spotA}/`, ad: '0.0.2' });

    await put('live/ssai-dash-live-1/manifest.mpd', channelMpd(anchor, 84, 104));
    const after = periods(await reload(location));
    expect(after.map((p) => [p.id, p.start, p.duration])).toEqual([['live', '0', undefined], ['splice-7-ad-1', '90', '6'], ['splice-7-slate-1', '96', '4'], ['live-after-splice-7', '100', undefined]]);
    expect(after[2]!.base).toContain('/vod/slate/');
    expect(claimsOf(after[2]!.base!)['ad']).toBeUndefined();
    expect(await adRequests(sid)).toBe(1);
  });

  it('cuts the ad at an early return and keeps the Periods where they were after the Event has left the MPD', async () => {
    const anchor = Date.now() - 88_000;
    await put('live/ssai-dash-live-2/manifest.mpd', channelMpd(anchor, 80, 92));
    const { location } = await open('ssai-dash-live-2');
    expect(periods(await reload(location)).map((p) => p.id)).toEqual(['live', 'splice-7-ad-1']);
    // The channel returned at 94 s: the Event now says 4 s.
    await put('live/ssai-dash-live-2/manifest.mpd', channelMpd(anchor, 80, 98, 4));
    expect(periods(await reload(location)).map((p) => [p.id, p.start, p.duration])).toEqual([['live', '0', undefined], ['splice-7-ad-1', '90', '4'], ['live-after-splice-7', '94', undefined]]);
    // Minutes later the break and its Event are out of the window: the content keeps its Period id and start.
    await put('live/ssai-dash-live-2/manifest.mpd', channelMpd(anchor, 400, 420, undefined));
    expect(periods(await reload(location)).map((p) => [p.id, p.start])).toEqual([['live-after-splice-7', '94']]);
  });

  // e2e ad-insertion-dash-live, CI run of 2026-11-21: the 4 s VOD segments of an ad in a 2 s channel raised
  // Shaka's longest-segment figure, which moved its live edge 2 s back behind its playhead (a 4.1 s stall at the break).
  it('plays a channel that names its segment length the creative cut at that length, so the ad Period keeps the channel’s 2 s segments and maxSegmentDuration', async () => {
    const channel = 'ssai-dash-live-cut';
    await putCatalogueEntry(channel, { id: channel, kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS, segmentDurationSeconds: 2 });
    const cut = await adTitleIdFor('dash-live-mock', 'spot-a', 2);
    expect(cut).not.toBe(spotA);
    await putCatalogueEntry(cut, { id: cut, kind: 'vod', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS });
    await put(`vod/${cut}/manifest.mpd`, vodMpd(6, 2));
    const anchor = Date.now() - 88_000;
    await put(`live/${channel}/manifest.mpd`, channelMpd(anchor, 80, 92));
    const { location } = await open(channel);
    const mpd = await reload(location);
    const ad = periods(mpd)[1]!;
    expect([ad.id, ad.start]).toEqual(['splice-7-ad-1', '90']);
    expect(ad.base).toContain(`/vod/${cut}/`);
    expect(mpd).toContain('maxSegmentDuration="PT2S"');
    expect(mpd).not.toContain('availabilityTimeOffset');
  });

  it('plays the VOD packaging, offered early, while the channel’s cut of the creative is not ready', async () => {
    const channel = 'ssai-dash-live-nocut';
    await putCatalogueEntry(channel, { id: channel, kind: 'live', rights: PERMISSIVE_RIGHTS, renditions: RENDITIONS, segmentDurationSeconds: 3 });
    const anchor = Date.now() - 88_000;
    await put(`live/${channel}/manifest.mpd`, channelMpd(anchor, 80, 92));
    const { location } = await open(channel);
    const mpd = await reload(location);
    expect(periods(mpd)[1]!.base).toContain(`/vod/${spotA}/`);
    expect(mpd).toContain('availabilityTimeOffset="2"');
  });

  it('gives a viewer who joins in the middle of a break slate, not the ad from its middle, and leaves a break over before the session alone', async () => {
    const anchor = Date.now() - 96_000; // the break began 6 s before the session opens
    await put('live/ssai-dash-live-1/manifest.mpd', channelMpd(anchor, 80, 96));
    const { mpd, location } = await open('ssai-dash-live-1');
    expect(periods(mpd).map((p) => p.id)).toEqual(['live', 'splice-7-slate-1', 'splice-7-slate-2']);
    expect(await adRequests(claimsOf(location)['sid'] as string)).toBe(0);
    await put('live/ssai-dash-live-1/manifest.mpd', channelMpd(Date.now() - 120_000, 90, 110));
    const late = await open('ssai-dash-live-1');
    expect(periods(late.mpd).map((p) => p.id)).toEqual(['live']);
  });

  it('rewrites a reload of a channel without ads for the session (BaseURL and Location under its token) and leaves its Period alone', async () => {
    await put('live/plain-dash-live/manifest.mpd', channelMpd(Date.now() - 200_000, 80, 100));
    const { location } = await open('plain-dash-live');
    const mpd = await reload(location);
    expect(periods(mpd).map((p) => p.id)).toEqual(['live']);
    expect(mpd).toContain('<EventStream');
    const token = location.split('/v1/media/')[1]!.split('/')[0]!;
    expect(mpd).toContain(`<BaseURL>http://edge.test/v1/media/${token}/live/plain-dash-live/</BaseURL>`);
    expect(mpd).toContain(`<Location>${location}</Location>`);
  });

  it('renews the token of a session past its token’s life on reload, so a DASH live session is not capped at the token TTL', async () => {
    await put('live/plain-dash-live/manifest.mpd', channelMpd(Date.now() - 200_000, 80, 100));
    const secret = Uint8Array.from(atob('dGVzdC1zZWNyZXQtdHdvLXR3by10d28tdHdvLXR3by10d28tdHdvLXR3bw=='), (c) => c.charCodeAt(0));
    const sid = crypto.randomUUID();
    await holdStream('dash-renew', sid, 'plain-dash-live');
    const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
    const old = await new SessionTokens({ keys: [{ kid: 'test-k2', secret }], now: () => twoHoursAgo }).sign({
      sid, sub: 'dash-renew', acct: 'dash-renew', ctry: 'IN', scope: 'live/plain-dash-live/', mh: 0, ttlSeconds: 600,
    });
    const mpd = await reload(`http://edge.test/v1/media/${old}/live/plain-dash-live/manifest.mpd`);
    const renewed = /<Location>([^<]+)<\/Location>/.exec(mpd)![1]!;
    expect(renewed).not.toContain(old);
    expect(claimsOf(renewed)).toMatchObject({ sid, scope: 'live/plain-dash-live/' });
    expect(claimsOf(renewed)['exp']).toBeGreaterThan(Date.now() / 1000);
  });

  it('shows a blackout for the session’s country as slate Periods from its start, on the first MPD and on reloads, and brings the channel back in a Period of its own after it', async () => {
    const now = Date.now();
    const anchor = now - 100_000; // the live edge (100 s) is now; the blackout began 6 s ago, at 94 s
    const blackout = { start: new Date(now - 6000).toISOString(), end: new Date(now + 8000).toISOString(), regions: ['IN'] };
    await putCatalogueEntry('dark-dash-live', { id: 'dark-dash-live', kind: 'live', rights: { ...PERMISSIVE_RIGHTS, blackouts: [blackout] }, renditions: RENDITIONS });
    await put('live/dark-dash-live/manifest.mpd', channelMpd(anchor, 80, 100, undefined));
    const { mpd, location } = await open('dark-dash-live');
    const id = `blackout-${now - 6000}`;
    expect(periods(mpd).map((p) => [p.id, p.start, p.duration])).toEqual([['live', '0', undefined], [`${id}-slate-1`, '94', '4'], [`${id}-slate-2`, '98', '4']]);
    expect(periods(mpd)[1]!.base).toContain('/vod/slate/');
    const during = await call(edgeEnv, location);
    expect(during.headers.get('x-blackout')).toBe('slate');
    // A blackout that ended 6 s ago (80..94 s) is still slate in the window, and the channel resumes at its end.
    const over = { start: new Date(now - 20_000).toISOString(), end: new Date(now - 6000).toISOString(), regions: ['IN'] };
    await putCatalogueEntry('was-dark-dash-live', { id: 'was-dark-dash-live', kind: 'live', rights: { ...PERMISSIVE_RIGHTS, blackouts: [over] }, renditions: RENDITIONS });
    await put('live/was-dark-dash-live/manifest.mpd', channelMpd(anchor, 70, 100, undefined));
    const later = await open('was-dark-dash-live');
    const after = await call(edgeEnv, later.location);
    expect(after.headers.get('x-blackout')).toBeNull();
    const past = `blackout-${now - 20_000}`;
    expect(periods(await text(after)).map((p) => [p.id, p.start])).toEqual([['live', '0'], [`${past}-slate-1`, '80'], [`${past}-slate-2`, '84'], [`${past}-slate-3`, '88'], [`${past}-slate-4`, '92'], [`live-after-${past}`, '94']]);
    // A viewer elsewhere sees the channel as it is.
    const elsewhere = await call(edgeEnv, `/v1/play/dark-dash-live/manifest.mpd?token=${await issuer.sign({ sub: 'dash-us' })}`, { headers: { 'x-dev-country': 'US' } });
    expect(periods(await text(elsewhere)).map((p) => p.id)).toEqual(['live']);
  });

  it('refuses a reload with a token of another channel, a forged token and a path that escapes the scope', async () => {
    await put('live/plain-dash-live/manifest.mpd', channelMpd(Date.now() - 200_000, 80, 100));
    const { location } = await open('plain-dash-live');
    const other = await call(edgeEnv, location.replace('/live/plain-dash-live/', '/live/ssai-dash-live-1/'));
    expect(other.status).toBe(401);
    expect(await problemCode(other)).toBe('session-token-invalid');
    const [head, rest] = location.split('/v1/media/') as [string, string];
    const [token, ...path] = rest.split('/');
    const [payload, signature] = token!.split('.') as [string, string];
    const forged = await call(edgeEnv, `${head}/v1/media/${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}/${path.join('/')}`);
    expect(forged.status).toBe(401);
    expect(await problemCode(forged)).toBe('session-token-invalid');
    const escape = await call(edgeEnv, location.replace('/live/plain-dash-live/manifest.mpd', '/live/plain-dash-live/..%2f..%2fmanifest.mpd'));
    expect(escape.status).toBeGreaterThanOrEqual(400);
    expect(escape.status).toBeLessThan(500);
  });
});
