import { parseMediaPath } from '@cascade/common';
import type { Context } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { preferredLanguages } from '../http/preferred-languages.ts';
import { withDashLicenseUrl } from '../license/dash-license-url.ts';
import { checkAvailability } from '../rights/check-availability.ts';
import { rewriteForSession } from '../session/session-urls.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { dashBlackouts } from '../blackout/dash-blackouts.ts';
import { licenseUrl } from './license.ts';

/**
 * `GET /v1/media/{token}/live/{channel}/manifest.mpd`: a live MPD reload (the MPD's `Location`, which the
 * edge points here). Checked like an HLS media-playlist reload: revocation, the stream lease (a reload is
 * the live player's heartbeat), the channel's rights now (a closed window stops the session; a blackout is slate). The MPD is rewritten for the session as the play
 * route did (rendition cap, language order, licence URL) under a token renewed once half its life is gone,
 * so a DASH live session lives as long as HLS ones (up to `SESSION_MAX_SECONDS`), and the session's ad
 * breaks and its country's blackouts are stitched in as Periods.
 */
export async function liveMpdReload(services: AccessServices, c: Context, token: string, rawPath: string): Promise<Response> {
  const { config, sessions, catalogue, revocations } = services;
  const claims = await sessions.verifyForReload(token, rawPath, config.sessionToken.maxSessionSeconds);
  const path = parseMediaPath(rawPath).join('/');
  await revocations.check({ sid: claims.sid, account: claims.acct, iat: claims.iat });
  await services.streams.heartbeat(claims.acct, claims.sid);
  const titleId = claims.scope.split('/')[1]!;
  const entry = await catalogue.get(titleId);
  const now = Date.now();
  const { blackout } = checkAvailability(titleId, entry.rights, claims.ctry === '' ? undefined : claims.ctry, now);

  const url = new URL(c.req.url);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const object = await fetchMediaObject(config, url, path, waitUntil);
  // Segment URLs change only when the token is renewed (once per half TTL), so players see the same
  // segment references on every reload.
  const keep = claims.exp * 1000 - now > (config.sessionToken.ttlSeconds * 1000) / 2;
  const fresh = keep
    ? token
    : await sessions.sign({ sid: claims.sid, sub: claims.sub, acct: claims.acct, ctry: claims.ctry, scope: claims.scope, mh: claims.mh, iat: claims.iat, ttlSeconds: config.sessionToken.ttlSeconds });
  const languages = preferredLanguages(c.req.header('accept-language'));
  let body = rewriteForSession(await object.response.arrayBuffer(), {
    format: 'dash',
    upstreamUrl: new URL(path, config.shieldUrl),
    shieldScope: new URL(claims.scope, config.shieldUrl),
    edgeOrigin: url.origin,
    scope: claims.scope,
    token: fresh,
    personalization: {
      ...(claims.mh > 0 && { filter: { maxHeight: claims.mh } }),
      ...(config.surgeCapBps !== undefined && { surgeCap: config.surgeCapBps }),
      ...(languages.length > 0 && { languages: { audio: languages, subtitles: languages } }),
    },
  });
  if (entry.protection && entry.protection.scheme !== 'aes-128') body = withDashLicenseUrl(body, licenseUrl(url.origin, fresh));
  const identity = { sid: claims.sid, sub: claims.sub, acct: claims.acct, ctry: claims.ctry, mh: claims.mh, iat: claims.iat };
  // Breaks become the session's ads; blackouts for its country (current and past, while in the rights) slate.
  const blackouts = dashBlackouts(entry.rights, claims.ctry, now);
  if (claims.ad === undefined && (blackouts.length > 0 || services.ads.enabledFor(titleId))) {
    body = await services.ads.stitchDashLive(identity, titleId, body, url, waitUntil, blackouts);
  }
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/dash+xml', 'cache-control': 'private, no-store', 'x-edge-cache': object.cache, ...(blackout && { 'x-blackout': 'slate' }) },
  });
}
