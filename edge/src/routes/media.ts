import { ProblemError, parseMediaPath } from '@cascade/common';
import { Hono, type Context } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { loopingSlatePlaylist } from '../blackout/looping-slate-playlist.ts';
import { checkAvailability } from '../rights/check-availability.ts';
import type { SessionClaims } from '../session/session-token.ts';
import { rewriteForSession } from '../session/session-urls.ts';
import { PlaylistRewriteMemo } from '../session/playlist-rewrite-memo.ts';
import { BoundedCache } from '../session/bounded-cache.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { cmcdReport, hasCmcd } from '../steering/cmcd-report.ts';
import { trackingJson } from '../ssai/tracking-json.ts';
import { hlsDeliveryQuery } from '../upstream/hls-delivery-directives.ts';
import { liveAdsUpstreamQuery } from '../ssai/live-ads-upstream-query.ts';
import { retimedSubtitles, subtitleRetiming } from '../ssai/retimed-subtitles.ts';
import type { UrlRewriter } from '@cascade/manifest-rewriter';
import { cdnQuery } from '../steering/cdn-query.ts';
import { cdnUrlRewriter } from '../steering/cdn-url-rewriter.ts';
import { isQueryTokenPathway } from '../steering/pathway.ts';
import { checkDashSegment, checkSurgeCap, currentSurgeCap, playlistBandwidth } from '../steering/surge-cap.ts';
import { liveMpdReload } from './live-mpd-reload.ts';

/** A blocking reload may be held upstream for three target durations; the shield allows 12 s. */
const BLOCKING_RELOAD_TIMEOUT_MS = 15_000;
import { hlsKeyKid, hlsKeyResponse } from '../license/hls-key-delivery.ts';
import type { TitleKeys } from '../license/title-keys.ts';

const PREFIX = '/v1/media/';
/** Per isolate: a live media playlist is rewritten once per upstream version, not once per viewer reload. */
const playlistRewrites = new PlaylistRewriteMemo();

/**
 * `GET /v1/media/{sessionToken}/{vod|live}/{id}/{file}`: media playlists, init and media segments.
 *
 * Segments (the hot path): the token is checked (a map lookup once verified), then the object comes
 * from the Cache API under a key without the token, or from the shield.
 *
 * Media playlists: also checked against the revocation list and the title's current rights, then
 * rewritten for this viewer with a fresh session token (same play session id, new expiry) in every
 * URI. A player reloading a live playlist therefore never holds an expired token, and a revoked
 * session or a closed window stops at the next reload.
 */
export function mediaRoutes(services: AccessServices, titleKeys: TitleKeys): Hono {
  const { config, sessions } = services;
  const app = new Hono();

  // Session-level calls for players: renew the stream lease (DASH and VOD players, which reload no
  // playlist) and end it when playback stops, so the slot frees at once rather than at lease expiry.
  app.post('/:token/heartbeat', async (c) => {
    const claims = await sessions.verifySession(c.req.param('token'), config.sessionToken.maxSessionSeconds);
    await services.revocations.check({ sid: claims.sid, account: claims.acct, iat: claims.iat });
    const stream = await services.streams.heartbeat(claims.acct, claims.sid);
    return c.json({ ...stream, heartbeatSeconds: config.streams.leaseSeconds }, 200, { 'cache-control': 'no-store' });
  });
  app.post('/:token/stop', async (c) => {
    const claims = await sessions.verifySession(c.req.param('token'), config.sessionToken.maxSessionSeconds);
    await services.streams.release(claims.acct, claims.sid);
    return c.body(null, 204, { 'cache-control': 'no-store' });
  });

  // Client-side ad tracking for this session (README "Ad insertion"): the plan's breaks, ads and beacon URLs.
  app.get('/:token/ads.json', async (c) => {
    const claims = await sessions.verifySession(c.req.param('token'), config.sessionToken.maxSessionSeconds);
    const plan = await services.ads.plan(claims.sid).catch(() => undefined);
    if (!plan) throw new ProblemError('ad-session-not-found', `session ${claims.sid} has no ads`);
    return c.json(trackingJson(plan), 200, { 'cache-control': 'private, no-store' });
  });

  // HLS Interstitials: the X-ASSET-LIST of one break of this session (its ads' multivariant playlists).
  app.get('/:token/ads/:file', async (c) => {
    const claims = await sessions.verifySession(c.req.param('token'), config.sessionToken.maxSessionSeconds);
    const index = /^(\d{1,3})\.json$/.exec(c.req.param('file'))?.[1];
    if (index === undefined) throw new ProblemError('not-found', 'asset lists have the form /v1/media/{token}/ads/{break}.json');
    const assets = await services.ads.assetList(claims, Number(index), new URL(c.req.url), (p) => c.executionCtx.waitUntil(p));
    return c.json(assets, 200, { 'cache-control': 'private, no-store' });
  });

  app.get('/:token/*', async (c) => {
    const url = new URL(c.req.url);
    const token = c.req.param('token');
    // The raw (still percent-encoded) remainder: parseMediaPath refuses any '%' so doubled encodings
    // never get decoded into something that passed the check.
    const rawPath = url.pathname.slice(PREFIX.length + token.length + 1);
    // HLS AES-128 key URIs (`{scope}key/{KID hex}`): never cached, never fetched upstream.
    const kid = hlsKeyKid(rawPath);
    if (kid !== undefined) return hlsKeyResponse(services, titleKeys, token, rawPath, kid);
    if (rawPath.endsWith('.m3u8')) {
      const claims = await sessions.verifyForReload(token, rawPath, config.sessionToken.maxSessionSeconds);
      return mediaPlaylist(services, c, claims, parseMediaPath(rawPath).join('/'), token);
    }
    // A live MPD reload (its Location points here): rewritten, renewed and stitched per session like a playlist.
    if (rawPath.startsWith('live/') && rawPath.endsWith('.mpd')) return liveMpdReload(services, c, token, rawPath);
    const claims = await sessions.verify(token, rawPath);
    const path = parseMediaPath(rawPath).join('/');
    // A segment of a variant above the operator's surge cap: the player steps down at its next segment.
    if (claims.bw !== undefined) checkSurgeCap(claims.bw, await currentSurgeCap(services), `segment ${path.slice(claims.scope.length)}`);
    else if (claims.ad === undefined) await checkDashSegment(services, url, claims.scope, path.slice(claims.scope.length), (p) => c.executionCtx.waitUntil(p));
    // QoE for steering: CMCD on a segment fetched through this edge describes the edge's own pathway.
    const selfPathway = services.steering.selfPathwayId;
    if (selfPathway !== undefined && hasCmcd(c.req.raw, url)) {
      const cmcd = cmcdReport(c.req.raw, url);
      const flush = cmcd && services.qoe.report({ pathway: selfPathway, country: claims.ctry === '' ? undefined : claims.ctry, sessionId: claims.sid, ...cmcd });
      if (flush) c.executionCtx.waitUntil(flush);
    }
    // An ad's segment: its fetch is what counts as the ad being played (server-side beaconing).
    if (claims.ad !== undefined) services.ads.onAdSegment(claims, path, (p) => c.executionCtx.waitUntil(p));

    // Subtitles of a stitched session, re-timed around its ads (the playlist or MPD put the re-timing in the URL).
    const retiming = subtitleRetiming(path, url);
    if (retiming !== undefined) return retimedSubtitles(config, url, path, retiming, (p) => c.executionCtx.waitUntil(p));

    const object = await fetchMediaObject(config, url, path, (p) => c.executionCtx.waitUntil(p), {
      range: c.req.header('range'),
      ifNoneMatch: c.req.header('if-none-match'),
    });
    // Set on the answer itself (no copy) unless its headers are immutable (a Cache API hit).
    let response = object.response;
    try {
      response.headers.set('x-edge-cache', object.cache);
    } catch {
      response = new Response(response.body, response);
      response.headers.set('x-edge-cache', object.cache);
    }
    return response;
  });

  app.all('*', () => {
    throw new ProblemError('not-found', 'media URLs have the form /v1/media/{token}/{path}');
  });
  return app;
}

async function mediaPlaylist(services: AccessServices, c: Context, claims: SessionClaims, path: string, token: string): Promise<Response> {
  const { config, sessions, catalogue, revocations } = services;
  await revocations.check({ sid: claims.sid, account: claims.acct, iat: claims.iat });
  // A reload is the live player's heartbeat; an evicted or ended session stops here (README "Stream
  // limits": a renewal by this isolate within STREAM_RENEWAL_REUSE_SECONDS is reused).
  await services.streams.renewOnReload(claims.acct, claims.sid);
  const titleId = claims.scope.split('/')[1]!;
  const entry = await catalogue.get(titleId);
  const { blackout } = checkAvailability(titleId, entry.rights, claims.ctry === '' ? undefined : claims.ctry, Date.now());
  if (blackout && entry.kind === 'live') return slatePlaylist(services, c, claims);
  const file = path.slice(claims.scope.length);
  const rendition = entry.renditions.find((r) => r.playlist === file);
  if (claims.mh > 0 && rendition?.height !== undefined && rendition.height > claims.mh) {
    throw new ProblemError('not-entitled', `rendition ${file} is taller than the viewer's maximum of ${claims.mh} lines (max_height)`);
  }

  const url = new URL(c.req.url);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  // Surge cap (README "Surge cap"): a variant above the cap is refused at its next reload, and its segment
  // tokens carry its BANDWIDTH so a VOD player that never reloads is refused at its next segment.
  const bandwidth = claims.ad === undefined ? await playlistBandwidth(services, url, claims.scope, file, waitUntil) : undefined;
  if (bandwidth) checkSurgeCap(bandwidth, await currentSurgeCap(services), `playlist ${file}`);
  // LL-HLS blocking reloads and delta updates travel to the origin (live playlists only).
  const directives = entry.kind === 'live' ? hlsDeliveryQuery(url.searchParams) : '';
  // A session with live ads always gets the whole playlist and waits for a segment's first part only
  // (liveAdsUpstreamQuery says why).
  const liveAds = entry.kind === 'live' && claims.ad === undefined && services.ads.enabledFor(titleId);
  const query = liveAds ? liveAdsUpstreamQuery(directives) : directives;
  const object = await fetchMediaObject(config, url, path, (p) => c.executionCtx.waitUntil(p), {}, {
    query,
    ...(query.includes('_HLS_msn') && { timeoutMs: Math.max(config.upstreamTimeoutMs, BLOCKING_RELOAD_TIMEOUT_MS) }),
  });
  // A token with more than half its life left is kept: players compare a live playlist's segment URIs
  // across reloads (hls.js reports "media sequence mismatch" when they change), so they change only
  // when the token is renewed, once per half TTL.
  const keep = claims.exp * 1000 - Date.now() > (config.sessionToken.ttlSeconds * 1000) / 2;
  // A kept token gains the variant's BANDWIDTH under its own expiry: the same claims sign to the same token,
  // so segment URIs stay stable across reloads.
  const freshExp = keep ? claims.exp : Math.floor(Date.now() / 1000) + config.sessionToken.ttlSeconds;
  const sign = () => sessions.sign({ ...renewal(claims, claims.scope, config.sessionToken.ttlSeconds), exp: freshExp, ...(bandwidth !== undefined && { bw: bandwidth }) });
  const fresh = keep && claims.bw === bandwidth ? token : keep ? await keptTokenWithBandwidth(sessions, token, bandwidth, sign) : await sign();
  const shieldScope = new URL(claims.scope, config.shieldUrl);
  let body = playlistRewrites.rewrite(await object.response.arrayBuffer(), {
    format: 'hls',
    upstreamUrl: new URL(path, config.shieldUrl),
    shieldScope,
    edgeOrigin: url.origin,
    scope: claims.scope,
    token: fresh,
    ...(await cdnUrls(services, claims, shieldScope, `${url.origin}/v1/media/${fresh}/${claims.scope}`, freshExp)),
  });
  if (entry.kind === 'vod' && claims.ad === undefined && services.ads.enabledFor(titleId)) {
    body = await services.ads.stitchVod(claims, fresh, file, rendition?.height, body, url, (p) => c.executionCtx.waitUntil(p));
  } else if (entry.kind === 'live' && claims.ad === undefined && services.ads.enabledFor(titleId)) {
    body = await services.ads.stitchLive(claims, file, rendition?.height, body, url, (p) => c.executionCtx.waitUntil(p), { token: fresh, exp: freshExp });
  }
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'private, no-store', 'x-edge-cache': object.cache },
  });
}

/**
 * A player reloads the media playlist URL from the multivariant playlist, whose token carries no
 * BANDWIDTH: every reload of a kept token re-signed the same claims (same expiry) into the same token.
 * Per isolate and per signer, that result is remembered: same input token and bandwidth, same output.
 */
const keptTokens = new WeakMap<object, BoundedCache<string, string>>();
async function keptTokenWithBandwidth(signer: object, token: string, bandwidth: number | undefined, sign: () => Promise<string>): Promise<string> {
  let memo = keptTokens.get(signer);
  if (memo === undefined) keptTokens.set(signer, (memo = new BoundedCache(10_000)));
  const key = `${token}\n${bandwidth ?? ''}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const signed = await sign();
  memo.set(key, signed);
  return signed;
}

function renewal(claims: SessionClaims, scope: string, ttlSeconds: number) {
  // An ad's playlists (HLS Interstitials assets) keep the ad claim, so their segments still fire beacons.
  const ad = claims.ad !== undefined && scope === claims.scope ? { ad: claims.ad } : {};
  // A query-token pathway's playlists stay on that pathway.
  const pw = claims.pw !== undefined && scope === claims.scope ? { pw: claims.pw } : {};
  return { sid: claims.sid, sub: claims.sub, acct: claims.acct, ctry: claims.ctry, scope, mh: claims.mh, iat: claims.iat, ttlSeconds, ...ad, ...pw };
}

/**
 * A media playlist under a token bound to a query-token pathway (Akamai, CloudFront): its URIs absolute on
 * that CDN with a CDN token expiring with the session token written into it (the same token, and so the
 * same URIs, on every reload until the session token is renewed). A pathway no longer configured as such
 * falls back to this edge.
 */
async function cdnUrls(services: AccessServices, claims: SessionClaims, shieldScope: URL, edgePrefix: string, expires: number): Promise<{ urls?: UrlRewriter }> {
  const pathway = claims.pw === undefined ? undefined : services.steering.pathway(claims.pw);
  if (pathway === undefined || !isQueryTokenPathway(pathway) || pathway.baseUrl === 'self') return {};
  return {
    urls: cdnUrlRewriter({ upstreamPrefix: shieldScope.href, cdnPrefix: `${pathway.baseUrl.href}${claims.scope}`, query: await cdnQuery(pathway, claims.scope, expires), edgePrefix }),
  };
}

/**
 * A live channel in blackout for the session's country: in place of the channel's media playlist,
 * the slate title's rendition looped as a live playlist, its URIs under a slate-scoped token of the
 * same play session. The player keeps reloading the channel's URL, so the programme comes back on
 * the first reload after the window ends.
 */
async function slatePlaylist(services: AccessServices, c: Context, claims: SessionClaims): Promise<Response> {
  const { config, sessions } = services;
  const url = new URL(c.req.url);
  const scope = `vod/${config.slateTitleId}/`;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const master = await (await fetchMediaObject(config, url, `${scope}master.m3u8`, waitUntil)).response.text();
  // An audio rendition's reload gets the slate's audio, every other one its video (the packager names
  // audio renditions audio-…).
  const wantsAudio = /\/audio[^/]*\.m3u8$/.test(new URL(c.req.url).pathname);
  const variant = wantsAudio
    ? /#EXT-X-MEDIA:[^\n]*TYPE=AUDIO[^\n]*URI="([^"]+)"/.exec(master)?.[1]
    : master.split(/\r?\n/).find((line) => line !== '' && !line.startsWith('#'));
  if (variant === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]*\.m3u8$/.test(variant)) {
    throw new ProblemError('upstream-error', 'the slate title has no usable rendition');
  }
  const media = await (await fetchMediaObject(config, url, scope + variant, waitUntil)).response.text();
  const token = await sessions.sign(renewal(claims, scope, config.sessionToken.ttlSeconds));
  const body = rewriteForSession(new TextEncoder().encode(loopingSlatePlaylist(media, Date.now())).buffer as ArrayBuffer, {
    format: 'hls',
    upstreamUrl: new URL(scope + variant, config.shieldUrl),
    shieldScope: new URL(scope, config.shieldUrl),
    edgeOrigin: url.origin,
    scope,
    token,
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'private, no-store', 'x-blackout': 'slate' },
  });
}
