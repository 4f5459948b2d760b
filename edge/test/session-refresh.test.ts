import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { SessionTokens, type SessionClaims } from '../src/session/session-token.ts';
import { base64urlToBytes } from '../src/session/base64url.ts';
import { PERMISSIVE_RIGHTS, call, holdStream, makeIssuer, problemCode, putCatalogueEntry, testEnv, text } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
});

const TOKEN_IN_URL = /\/v1\/media\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\//;
const claimsOf = (token: string) => JSON.parse(new TextDecoder().decode(base64urlToBytes(token.split('.')[0]!))) as SessionClaims;
const uris = (playlist: string) => playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
const mapUri = (playlist: string) => /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]!;

async function openSession(title = 'demo', headers: Record<string, string> = {}): Promise<string> {
  const master = await text(await call(edgeEnv, `/v1/play/${title}/master.m3u8?token=${await issuer.sign({ acct: 'family-7' })}`, { headers }));
  return uris(master).find((uri) => uri.endsWith('video-360p.m3u8'))!;
}

describe('media playlists carry a fresh session token on every reload', () => {
  it('rewrites every URI of a media playlist for this viewer, answered private and uncached', async () => {
    const playlistUrl = await openSession();
    const response = await call(edgeEnv, playlistUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const playlist = await text(response);
    for (const uri of [...uris(playlist), mapUri(playlist)]) {
      expect(uri).toMatch(/^http:\/\/edge\.test\/v1\/media\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/vod\/demo\/[a-z0-9-]+\.(m4s|mp4)$/);
    }
    // The segments it names are served with the token it carries.
    expect((await call(edgeEnv, uris(playlist)[0]!)).status).toBe(200);
  });

  it('keeps the token while it has more than half its life left, so a live playlist’s URIs stay the same from reload to reload', async () => {
    // hls.js compares the segment URIs of successive live reloads and reports "media sequence
    // mismatch" when they differ: a new token on every reload would break live playback.
    const playlistUrl = await openSession();
    const opened = TOKEN_IN_URL.exec(playlistUrl)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a reload one second later
    const first = await text(await call(edgeEnv, playlistUrl));
    const second = await text(await call(edgeEnv, playlistUrl));
    // The kept token, with only the variant's bandwidth for the surge cap added (README "Surge cap"):
    // same session, same expiry.
    const claims = (token: string) => JSON.parse(atob(token.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>;
    const { bw, ...kept } = claims(TOKEN_IN_URL.exec(uris(first)[0]!)![1]!);
    expect(kept).toEqual(claims(opened));
    expect(bw).toBe(0);
    expect(second).toBe(first);
  });

  it('renews the token past half its life, keeping the play session id, account and issue time while the expiry moves forward', async () => {
    const config = parseConfig(edgeEnv).sessionToken;
    const ttl = config.ttlSeconds;
    // Issued just over half a TTL ago.
    const aged = new SessionTokens({ keys: config.keys, now: () => Math.floor(Date.now() / 1000) - Math.ceil(ttl / 2) - 5 });
    const token = await aged.sign({ sid: 'aged-sid', sub: 'viewer-2', acct: 'family-7', ctry: 'DE', scope: 'vod/demo/', iat: Math.floor(Date.now() / 1000) - ttl, ttlSeconds: ttl });
    await holdStream('family-7', 'aged-sid');
    const opened = claimsOf(token);
    const refreshed = claimsOf(TOKEN_IN_URL.exec(uris(await text(await call(edgeEnv, `/v1/media/${token}/vod/demo/video-360p.m3u8`)))[0]!)![1]!);
    expect(refreshed.sid).toBe('aged-sid');
    expect(refreshed.acct).toBe('family-7');
    expect(refreshed.scope).toBe('vod/demo/');
    expect(refreshed.iat).toBe(opened.iat);
    expect(refreshed.exp).toBeGreaterThan(opened.exp);
  });

  it('lets a live session outlive its first token: the reload made with a nearly expired token hands out a valid one', async () => {
    await putCatalogueEntry('live-long', { kind: 'live', rights: PERMISSIVE_RIGHTS });
    const keys = parseConfig(edgeEnv).sessionToken.keys;
    // A token issued 59 s ago with a 60 s life: one second left.
    const old = new SessionTokens({ keys, now: () => Math.floor(Date.now() / 1000) - 59 });
    const token = await old.sign({ sid: 'live-sid-1', sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope: 'live/live-long/', ttlSeconds: 60 });
    await holdStream('viewer-1', 'live-sid-1');
    const playlist = await text(await call(edgeEnv, `/v1/media/${token}/live/live-long/video-360p.m3u8`));
    const fresh = TOKEN_IN_URL.exec(uris(playlist)[0]!)![1]!;
    expect(claimsOf(fresh).sid).toBe('live-sid-1');
    expect(claimsOf(fresh).exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3600);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const expired = await call(edgeEnv, `/v1/media/${token}/live/live-long/seg-360p-100.m4s`);
    expect(await problemCode(expired)).toBe('session-token-expired');
    expect((await call(edgeEnv, `/v1/media/${fresh}/live/live-long/seg-360p-101.m4s`)).status).toBe(200);
  });

  it('stops refreshing once the title’s rights no longer allow the session’s country', async () => {
    await putCatalogueEntry('revoked-region', { rights: PERMISSIVE_RIGHTS });
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, CATALOGUE_TTL_SECONDS: '0' });
    const master = await text(await call(env, `/v1/play/revoked-region/master.m3u8?token=${await issuer.sign()}`, { headers: { 'x-dev-country': 'BR' } }));
    const playlistUrl = uris(master).find((uri) => uri.endsWith('video-360p.m3u8'))!;
    expect((await call(env, playlistUrl)).status).toBe(200);
    await putCatalogueEntry('revoked-region', { rights: { ...PERMISSIVE_RIGHTS, countries: { allow: null, deny: ['BR'] } } });
    const refused = await call(env, playlistUrl);
    expect(refused.status).toBe(451);
  });
});
