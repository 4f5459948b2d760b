import { ProblemError, parseId } from '@cascade/common';
import { Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { viewerAuth, type ViewerVariables } from '../auth/viewer-auth.ts';
import { viewerCountry } from '../geo/viewer-country.ts';
import { checkAvailability } from '../rights/check-availability.ts';
import { checkEntitlement } from '../rights/check-entitlement.ts';
import { preferredLanguages } from '../http/preferred-languages.ts';
import { rewriteForSession, type ManifestFormat } from '../session/session-urls.ts';
import { fetchUpstream, upstreamFailure } from '../upstream/fetch-upstream.ts';
import { steerManifest } from '../steering/steer-manifest.ts';
import { dashBlackouts } from '../blackout/dash-blackouts.ts';

/** A TCF consent string (base64url and dots) passed to the ad server's {consent} macro; anything else is refused. */
function consentString(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  if (raw.length > 4096 || !/^[A-Za-z0-9._~-]+$/.test(raw)) throw new ProblemError('bad-request', 'gdpr_consent must be a TCF consent string of at most 4096 base64url characters and dots');
  return raw;
}
import { VIDEO_TIER_MAX_HEIGHT } from '@cascade/licensing/protection';
import { licenseUrl } from './license.ts';
import { withDashLicenseUrl } from '../license/dash-license-url.ts';

const MANIFESTS: Record<string, { contentType: string; format: ManifestFormat }> = {
  'master.m3u8': { contentType: 'application/vnd.apple.mpegurl', format: 'hls' },
  'manifest.mpd': { contentType: 'application/dash+xml', format: 'dash' },
};

/**
 * `GET /v1/play/{titleId}/master.m3u8|manifest.mpd`: verify the viewer, check revocation, entitlement,
 * country and availability window, open a playback session, fetch the manifest from the shield and
 * take one of the account's concurrent-stream slots, and rewrite every media URL to come back through the edge under a path-scoped session token. The answer
 * is per viewer, so it is never cached.
 */
export function playRoutes(services: AccessServices): Hono<{ Variables: ViewerVariables }> {
  const { config, sessions, catalogue, revocations, streams } = services;
  const app = new Hono<{ Variables: ViewerVariables }>();
  app.use('*', viewerAuth(services.viewerAuth));

  for (const [file, manifest] of Object.entries(MANIFESTS)) {
    app.get(`/:titleId/${file}`, async (c) => {
      const titleId = parseId(c.req.param('titleId'), 'title id');
      const device = c.req.query('device');
      const deviceId = device === undefined ? 'unknown' : parseId(device, 'device');
      const viewer = c.get('viewer');
      await revocations.check({ account: viewer.account, iat: viewer.iat });
      const entry = await catalogue.get(titleId);
      checkEntitlement(viewer, entry);
      if (manifest.format === 'dash' && entry.protection?.scheme === 'aes-128') {
        throw new ProblemError('manifest-format-unavailable', `title "${titleId}" is encrypted with HLS AES-128, which DASH cannot carry: play master.m3u8`);
      }
      const country = viewerCountry(c.req.raw, config.devFeatures);
      // A blackout is not a refusal: the channel's media playlists carry the slate while it lasts.
      checkAvailability(titleId, entry.rights, country, Date.now());

      // A protected title's keys are per picture tier: the plan's highest tier caps the renditions this
      // session is served and the keys its licence may carry (README "Licensing").
      const planCap = entry.protection ? VIDEO_TIER_MAX_HEIGHT[config.licensing.planTiers[viewer.plan]] : undefined;
      const maxHeight = planCap === undefined ? viewer.maxHeight : Math.min(viewer.maxHeight ?? planCap, planCap);
      const scope = `${entry.kind}/${titleId}/`;
      const upstreamUrl = new URL(scope + file, config.shieldUrl);
      const upstream = await fetchUpstream(upstreamUrl, { timeoutMs: config.upstreamTimeoutMs, shieldAuthSecret: config.shieldAuthSecret });
      if (!upstream.ok) {
        await upstream.body?.cancel();
        throw upstreamFailure(upstream, new ProblemError('title-not-found', `no title "${titleId}"`));
      }
      const sid = crypto.randomUUID();
      // After the upstream answered, so a failing shield never holds one of the account's slots.
      await streams.acquire(viewer.account, viewer.plan, sid, deviceId, titleId);
      const grant = {
        sid,
        sub: viewer.sub,
        acct: viewer.account,
        ctry: country ?? '',
        scope,
        mh: maxHeight ?? 0,
        ttlSeconds: config.sessionToken.ttlSeconds,
      };
      const token = await sessions.sign(grant);
      // Ad decisions are made once per session, bounded by the ad server's timeout, and kept with the session.
      if (services.ads.enabledFor(titleId)) {
        const viewerContext = { sid, titleId, device: deviceId, region: country ?? '', consent: consentString(c.req.query('gdpr_consent')) };
        if (entry.kind === 'vod') await services.ads.planVod(viewerContext, (p) => c.executionCtx.waitUntil(p));
        else await services.ads.openLive(viewerContext);
      }
      const languages = preferredLanguages(c.req.header('accept-language'));
      const edgeOrigin = new URL(c.req.url).origin;
      // Multi-CDN steering: media URLs for the session's first pathway, the steering tag, the operator's surge cap.
      const steered = await steerManifest(services.steering, {
        sid,
        country,
        edgeOrigin,
        token,
        scope,
        format: manifest.format,
        expires: Math.floor(Date.now() / 1000) + config.sessionToken.ttlSeconds,
        // Media playlists of a query-token pathway (Akamai, CloudFront) come from this edge under a pathway-bound token.
        pathwayToken: (pw) => sessions.sign({ ...grant, pw }),
      });
      const surgeCap = steered.surgeCapBps ?? config.surgeCapBps;
      let body = rewriteForSession(await upstream.arrayBuffer(), {
        format: manifest.format,
        upstreamUrl,
        shieldScope: new URL(scope, config.shieldUrl),
        edgeOrigin,
        scope,
        token: steered.token,
        ...(steered.publicPrefix !== undefined && { publicPrefix: steered.publicPrefix }),
        personalization: {
          ...(maxHeight !== undefined && { filter: { maxHeight } }),
          ...(surgeCap !== undefined && { surgeCap }),
          ...(languages.length > 0 && { languages: { audio: languages, subtitles: languages } }),
          ...(steered.steering !== undefined && { steering: steered.steering }),
        },
      });
      // AES-128 keys come through the key URIs of the media playlists, not a ClearKey licence.
      const license = entry.protection && entry.protection.scheme !== 'aes-128' ? licenseUrl(edgeOrigin, token) : undefined;
      if (license !== undefined && manifest.format === 'dash') body = withDashLicenseUrl(body, license);
      // DASH: the session's ads as Periods; live, its country's blackouts too (slate Periods).
      const blackouts = manifest.format === 'dash' && entry.kind === 'live' ? dashBlackouts(entry.rights, country ?? '', Date.now()) : [];
      if (manifest.format === 'dash' && (blackouts.length > 0 || services.ads.enabledFor(titleId))) {
        const identity = { sid, sub: viewer.sub, acct: viewer.account, ctry: country ?? '', mh: maxHeight ?? 0, iat: Math.floor(Date.now() / 1000) };
        const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
        body = entry.kind === 'vod'
          ? await services.ads.stitchDash(identity, body, new URL(c.req.url), waitUntil)
          : await services.ads.stitchDashLive(identity, titleId, body, new URL(c.req.url), waitUntil, blackouts);
      }
      return c.body(body, 200, {
        ...(license !== undefined && { 'x-license-url': license }),
        'content-type': manifest.contentType,
        'cache-control': 'private, no-store',
        ...(steered.pathway !== undefined && { 'x-steering-pathway': steered.pathway }),
        // Where the player renews and ends this session's lease (README "Concurrent streams").
        'x-stream-heartbeat': `${edgeOrigin}/v1/media/${token}/heartbeat`,
        'x-stream-stop': `${edgeOrigin}/v1/media/${token}/stop`,
        // Client-side ad tracking for players that report themselves (README "Ad insertion").
        ...(services.ads.enabledFor(titleId) && { 'x-ad-tracking': `${edgeOrigin}/v1/media/${token}/ads.json` }),
      });
    });
  }
  return app;
}
