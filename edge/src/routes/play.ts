import { ProblemError, parseId } from '@cascade/common';
import { Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { viewerAuth, type ViewerVariables } from '../auth/viewer-auth.ts';
import { viewerCountry } from '../geo/viewer-country.ts';
import { capDashRepresentations, capHlsVariants } from '../rights/cap-renditions.ts';
import { checkAvailability } from '../rights/check-availability.ts';
import { checkEntitlement } from '../rights/check-entitlement.ts';
import { rewriteForSession, type ManifestFormat } from '../session/session-urls.ts';
import { fetchUpstream, upstreamFailure } from '../upstream/fetch-upstream.ts';

const MANIFESTS: Record<string, { contentType: string; format: ManifestFormat }> = {
  'master.m3u8': { contentType: 'application/vnd.apple.mpegurl', format: 'hls' },
  'manifest.mpd': { contentType: 'application/dash+xml', format: 'dash' },
};

/**
 * `GET /v1/play/{titleId}/master.m3u8|manifest.mpd`: verify the viewer, check revocation, entitlement,
 * country and availability window, open a playback session, fetch the manifest from the shield and
 * rewrite every media URL to come back through the edge under a path-scoped session token. The answer
 * is per viewer, so it is never cached.
 */
export function playRoutes(services: AccessServices): Hono<{ Variables: ViewerVariables }> {
  const { config, sessions, catalogue, revocations } = services;
  const app = new Hono<{ Variables: ViewerVariables }>();
  app.use('*', viewerAuth(services.viewerAuth));

  for (const [file, manifest] of Object.entries(MANIFESTS)) {
    app.get(`/:titleId/${file}`, async (c) => {
      const titleId = parseId(c.req.param('titleId'), 'title id');
      const viewer = c.get('viewer');
      await revocations.check({ account: viewer.account, iat: viewer.iat });
      const entry = await catalogue.get(titleId);
      checkEntitlement(viewer, entry);
      const country = viewerCountry(c.req.raw, config.devFeatures);
      // A blackout is not a refusal: the channel's media playlists carry the slate while it lasts.
      checkAvailability(titleId, entry.rights, country, Date.now());

      const scope = `${entry.kind}/${titleId}/`;
      const upstreamUrl = new URL(scope + file, config.shieldUrl);
      const upstream = await fetchUpstream(upstreamUrl, { timeoutMs: config.upstreamTimeoutMs, shieldAuthSecret: config.shieldAuthSecret });
      if (!upstream.ok) {
        await upstream.body?.cancel();
        throw upstreamFailure(upstream, new ProblemError('title-not-found', `no title "${titleId}"`));
      }
      const token = await sessions.sign({
        sid: crypto.randomUUID(),
        sub: viewer.sub,
        acct: viewer.account,
        ctry: country ?? '',
        scope,
        mh: viewer.maxHeight ?? 0,
        ttlSeconds: config.sessionToken.ttlSeconds,
      });
      const mediaBase = `${new URL(c.req.url).origin}/v1/media/${token}/`;
      const maxHeight = viewer.maxHeight;
      const cap =
        maxHeight === undefined
          ? undefined
          : (text: string) => (manifest.format === 'hls' ? capHlsVariants(text, maxHeight) : capDashRepresentations(text, maxHeight));
      const body = rewriteForSession(await upstream.arrayBuffer(), manifest.format, upstreamUrl, new URL(scope, config.shieldUrl), scope, mediaBase, cap);
      return c.body(body, 200, { 'content-type': manifest.contentType, 'cache-control': 'private, no-store' });
    });
  }
  return app;
}
