import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { PERMISSIVE_RIGHTS, call, holdStream, makeIssuer, problemCode, putCatalogueEntry, testEnv, text } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  // Rights re-read on every request so a blackout can start and end between two reloads.
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, CATALOGUE_TTL_SECONDS: '0' });
});

const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const uris = (playlist: string) => playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
const HOUR = 3_600_000;

async function openLive(channel: string, country: string): Promise<string> {
  const master = await text(await call(edgeEnv, `/v1/play/${channel}/master.m3u8?token=${await issuer.sign()}`, { headers: { 'x-dev-country': country } }));
  return uris(master).find((uri) => uri.endsWith('video-360p.m3u8'))!;
}

function blackoutNow(regions: string[]) {
  return { ...PERMISSIVE_RIGHTS, blackouts: [{ start: iso(-HOUR), end: iso(HOUR), regions }] };
}

describe('live blackout', () => {
  it('serves the slate, looping as a live playlist, to a viewer in a blacked-out region', async () => {
    await putCatalogueEntry('live-cricket', { kind: 'live', rights: blackoutNow(['IN']) });
    const playlistUrl = await openLive('live-cricket', 'IN');
    expect(playlistUrl).toMatch(/\/live\/live-cricket\/video-360p\.m3u8$/);
    const response = await call(edgeEnv, playlistUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-blackout')).toBe('slate');
    const playlist = await text(response);
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    expect(playlist).toMatch(/#EXT-X-MEDIA-SEQUENCE:\d+/);
    const segments = uris(playlist);
    expect(segments).toHaveLength(3);
    for (const uri of segments) expect(uri).toMatch(/\/v1\/media\/[^/]+\/vod\/slate\/slate-360p-[12]\.m4s$/);
    // The slate alternates its two segments, with a discontinuity at each wrap.
    expect(playlist).toContain('#EXT-X-DISCONTINUITY\n');
    expect(/#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]).toMatch(/\/vod\/slate\/init-360p\.mp4$/);
    // And the slate's segments are served under the slate-scoped token.
    expect((await call(edgeEnv, segments[0]!)).status).toBe(200);
  });

  it('gives an audio rendition’s reload the slate’s audio, not its video', async () => {
    await putCatalogueEntry('live-cricket-audio', { kind: 'live', rights: blackoutNow(['IN']) });
    const master = await text(await call(edgeEnv, `/v1/play/live-cricket-audio/master.m3u8?token=${await issuer.sign()}`, { headers: { 'x-dev-country': 'IN' } }));
    const audioUrl = /URI="([^"]+audio\.m3u8)"/.exec(master)![1]!;
    const playlist = await text(await call(edgeEnv, audioUrl));
    for (const uri of uris(playlist)) expect(uri).toMatch(/\/vod\/slate\/slate-audio-[12]\.m4s$/);
  });

  it('serves the programme to viewers outside the blacked-out regions', async () => {
    await putCatalogueEntry('live-cricket-2', { kind: 'live', rights: blackoutNow(['IN']) });
    const response = await call(edgeEnv, await openLive('live-cricket-2', 'GB'));
    expect(response.headers.get('x-blackout')).toBeNull();
    expect(uris(await text(response))[0]).toMatch(/\/live\/live-cricket-2\/seg-360p-100\.m4s$/);
  });

  it('switches to the slate when a blackout starts mid-session and back to the programme when it ends', async () => {
    await putCatalogueEntry('live-final', { kind: 'live', rights: PERMISSIVE_RIGHTS });
    const playlistUrl = await openLive('live-final', 'IN');
    expect(uris(await text(await call(edgeEnv, playlistUrl)))[0]).toMatch(/\/live\/live-final\//);

    await putCatalogueEntry('live-final', { kind: 'live', rights: blackoutNow(['IN', 'LK']) });
    const during = await call(edgeEnv, playlistUrl);
    expect(during.headers.get('x-blackout')).toBe('slate');

    await putCatalogueEntry('live-final', { kind: 'live', rights: { ...PERMISSIVE_RIGHTS, blackouts: [{ start: iso(-2 * HOUR), end: iso(-1000), regions: ['IN'] }] } });
    const after = await call(edgeEnv, playlistUrl);
    expect(after.headers.get('x-blackout')).toBeNull();
    expect(uris(await text(after))[0]).toMatch(/\/live\/live-final\/seg-360p-100\.m4s$/);
  });

  it('does not black out a VOD title (blackouts are for live channels)', async () => {
    await putCatalogueEntry('vod-with-blackout', { kind: 'vod', rights: blackoutNow(['IN']) });
    const response = await call(edgeEnv, await openLive('vod-with-blackout', 'IN'));
    expect(response.headers.get('x-blackout')).toBeNull();
  });
});

describe('media-playlist reloads in long sessions', () => {
  it('keep working after the playlist URL’s own token expired, within SESSION_MAX_SECONDS, and stop after', async () => {
    await putCatalogueEntry('live-marathon', { kind: 'live', rights: PERMISSIVE_RIGHTS });
    const keys = parseConfig(edgeEnv).sessionToken.keys;
    const grant = { sid: 'marathon', sub: 'v', acct: 'v', ctry: 'DE', scope: 'live/live-marathon/', ttlSeconds: 60 };
    // Opened 2 h ago with a 60 s token: long expired, but the session is younger than 24 h.
    const twoHoursAgo = new SessionTokens({ keys, now: () => Math.floor(Date.now() / 1000) - 7200 });
    const expired = await twoHoursAgo.sign(grant);
    await holdStream('v', 'marathon');
    expect(await problemCode(await call(edgeEnv, `/v1/media/${expired}/live/live-marathon/seg-360p-100.m4s`))).toBe('session-token-expired');
    const reload = await call(edgeEnv, `/v1/media/${expired}/live/live-marathon/video-360p.m3u8`);
    expect(reload.status).toBe(200);
    expect((await call(edgeEnv, uris(await text(reload))[0]!)).status).toBe(200);

    const twoDaysAgo = new SessionTokens({ keys, now: () => Math.floor(Date.now() / 1000) - 2 * 86_400 });
    const tooOld = await call(edgeEnv, `/v1/media/${await twoDaysAgo.sign(grant)}/live/live-marathon/video-360p.m3u8`);
    expect(tooOld.status).toBe(401);
    expect(await problemCode(tooOld)).toBe('session-token-expired');
  });
});
