import { ProblemError, parseId } from '@cascade/common';
import { ManifestError, rewriteDashUrls, rewriteHlsUris } from '@cascade/manifest-rewriter';
import { Hono } from 'hono';
import { viewerAuth, type ViewerVariables } from '../auth/viewer-auth.ts';
import type { EdgeConfig } from '../config.ts';
import type { SessionTokens } from '../session/session-token.ts';
import { fetchUpstream, upstreamFailure } from '../upstream/fetch-upstream.ts';

// Manifests are UTF-8 (RFC 8216 §4.1, ISO/IEC 23009-1 XML); anything else is an upstream fault.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const MANIFESTS = {
  'master.m3u8': { contentType: 'application/vnd.apple.mpegurl', rewrite: rewriteHlsUris },
  'manifest.mpd': { contentType: 'application/dash+xml', rewrite: rewriteDashUrls },
} as const;

/**
 * `GET /v1/play/{titleId}/master.m3u8|manifest.mpd`: verify the viewer, open a playback session, fetch
 * the manifest from the shield and rewrite every media URL to come back through the edge under a
 * path-scoped session token. The answer is per viewer, so it is never cached.
 */
export function playRoutes(config: EdgeConfig, sessions: SessionTokens): Hono<{ Variables: ViewerVariables }> {
  const app = new Hono<{ Variables: ViewerVariables }>();
  app.use('*', viewerAuth(config.jwt));

  for (const [file, manifest] of Object.entries(MANIFESTS)) {
    app.get(`/:titleId/${file}`, async (c) => {
      const titleId = parseId(c.req.param('titleId'), 'title id');
      const scope = `vod/${titleId}/`;
      const upstreamUrl = new URL(scope + file, config.shieldUrl);
      const upstream = await fetchUpstream(upstreamUrl, { timeoutMs: config.upstreamTimeoutMs, shieldAuthSecret: config.shieldAuthSecret });
      if (!upstream.ok) throw upstreamFailure(upstream, new ProblemError('title-not-found', `no title "${titleId}"`));

      const viewer = c.get('viewer');
      const token = await sessions.sign({
        sid: crypto.randomUUID(),
        sub: viewer.sub,
        scope,
        ttlSeconds: config.sessionToken.ttlSeconds,
      });
      const mediaBase = `${new URL(c.req.url).origin}/v1/media/${token}/`;
      const shieldScope = new URL(scope, config.shieldUrl);
      const map = (absolute: URL): string | undefined =>
        absolute.origin === shieldScope.origin && absolute.pathname.startsWith(shieldScope.pathname)
          ? mediaBase + scope + absolute.pathname.slice(shieldScope.pathname.length)
          : undefined;

      let body: string;
      try {
        body = manifest.rewrite(utf8.decode(await upstream.arrayBuffer()), upstreamUrl, map);
      } catch (error) {
        if (error instanceof ManifestError) throw new ProblemError('upstream-error', `the upstream ${file} is not valid: ${error.reason}`);
        if (error instanceof TypeError) throw new ProblemError('upstream-error', `the upstream ${file} is not UTF-8`);
        throw error;
      }
      return c.body(body, 200, { 'content-type': manifest.contentType, 'cache-control': 'private, no-store' });
    });
  }
  return app;
}
