import { ProblemError } from '@cascade/common';
import type { Logger, Registry } from '@cascade/common/node';
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Catalogue } from './catalogue/catalogue.ts';
import type { RightsStore } from './catalogue/rights-store.ts';
import type { HttpMetrics } from './http/http-metrics.ts';
import { observeRequests } from './http/observe-requests.ts';
import { problemResponse } from './http/problem-response.ts';
import { rawPath } from './http/raw-path.ts';
import { rawPathGuard } from './http/raw-path-guard.ts';
import { requireApiToken } from './http/require-api-token.ts';
import type { Readiness } from './readiness.ts';
import { healthRoute } from './routes/health-route.ts';
import { mediaRoute } from './routes/media-route.ts';
import { putTitleRightsRoute, titlesRoute } from './routes/titles-route.ts';
import type { DataLayout } from './storage/data-layout.ts';
import type { IngestService } from './ingest/ingest-service.ts';
import { ingestRoute } from './routes/ingest-route.ts';
import { uploadRoute } from './routes/upload-route.ts';
import { conditionCreativeRoute, creativeStatusRoute } from './routes/creatives-route.ts';
import { videoCancelRoute, videoStatusRoute } from './routes/video-status-route.ts';
import type { TusUploads } from './ingest/tus-uploads.ts';
import type { ChannelManager } from './live/channel-manager.ts';
import { channelsRoutes } from './routes/channels-route.ts';
import { liveMediaRoute } from './routes/live-media-route.ts';

export interface OriginAppDeps {
  layout: DataLayout;
  catalogue: Catalogue;
  /** Titles' mutable rights, packages and plans (PUT /api/v1/titles/{id}/rights). */
  rights: RightsStore;
  /** Bearer tokens of the operator API (config.apiTokens). */
  apiTokens: readonly string[];
  readiness: Readiness;
  logger: Logger;
  registry: Registry;
  metrics: HttpMetrics;
  ingest: IngestService;
  /** Resumable uploads (tus 1.0) under /api/v1/videos/tus/. */
  tus: TusUploads;
  /** Live channels (/api/v1/channels, /live/). */
  channels: ChannelManager;
}

function methodNotAllowed(allow: string[]) {
  return (c: { req: { method: string } }): never => {
    throw new ProblemError('method-not-allowed', `${c.req.method} is not allowed here`, { allow });
  };
}

/** The origin's HTTP surface. Every error, thrown anywhere, becomes problem+json in onError. */
export function createOriginApp(deps: OriginAppDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use('*', observeRequests(deps));
  app.use('*', rawPathGuard());

  app.get('/healthz', healthRoute(deps.readiness));
  app.all('/healthz', methodNotAllowed(['GET', 'HEAD']));

  app.get('/metrics', async (c) => {
    return c.body(await deps.registry.metrics(), 200, { 'content-type': deps.registry.contentType, 'cache-control': 'no-store' });
  });
  app.all('/metrics', methodNotAllowed(['GET', 'HEAD']));

  // The operator API: every route needs an ORIGIN_API_TOKENS bearer token.
  const operator = requireApiToken({ tokens: deps.apiTokens });
  app.all('/api/v1/videos/tus', operator, (c) => deps.tus.handle(c.req.raw));
  app.all('/api/v1/videos/tus/*', operator, (c) => deps.tus.handle(c.req.raw));
  app.post('/api/v1/videos/upload', operator, uploadRoute(deps));
  app.all('/api/v1/videos/upload', methodNotAllowed(['POST']));
  app.post('/api/v1/videos', operator, ingestRoute(deps));
  app.all('/api/v1/videos', methodNotAllowed(['POST']));
  app.get('/api/v1/videos/:id', operator, videoStatusRoute(deps));
  app.delete('/api/v1/videos/:id', operator, videoCancelRoute(deps));
  app.all('/api/v1/videos/:id', methodNotAllowed(['GET', 'HEAD', 'DELETE']));

  // Ad creatives conditioned to the ladder for server-side ad insertion (README "Ad insertion").
  app.post('/api/v1/creatives', operator, conditionCreativeRoute(deps));
  app.all('/api/v1/creatives', methodNotAllowed(['POST']));
  app.get('/api/v1/creatives/:id', operator, creativeStatusRoute(deps));
  app.all('/api/v1/creatives/:id', methodNotAllowed(['GET', 'HEAD']));
  app.use('/api/v1/channels', operator);
  app.use('/api/v1/channels/*', operator);
  app.route('/api/v1/channels', channelsRoutes(deps));
  app.all('/api/v1/channels', methodNotAllowed(['GET', 'HEAD', 'POST']));
  app.all('/api/v1/channels/:id', methodNotAllowed(['GET', 'HEAD', 'DELETE']));
  app.all('/api/v1/channels/:id/breaks', methodNotAllowed(['GET', 'HEAD', 'POST']));
  app.all('/api/v1/channels/:id/breaks/:breakId/return', methodNotAllowed(['POST']));
  app.all('/api/v1/channels/:id/vod', methodNotAllowed(['POST']));

  app.put('/api/v1/titles/:id/rights', operator, putTitleRightsRoute(deps));
  app.all('/api/v1/titles/:id/rights', methodNotAllowed(['PUT']));
  app.get('/api/v1/titles/:id', titlesRoute(deps));
  app.all('/api/v1/titles/:id', methodNotAllowed(['GET', 'HEAD']));

  // GET and HEAD are checked inside, so that every other method gets 405 with Allow.
  app.all('/vod/*', mediaRoute(deps));
  app.all('/live/*', liveMediaRoute(deps));

  app.notFound((c) => problemResponse(new ProblemError('not-found', 'No such resource'), rawPath(c), deps.logger));
  app.onError((error, c) => {
    const response = problemResponse(error, rawPath(c), deps.logger);
    // A refused upload leaves its body unread; the server drains it briefly and then drops the
    // socket. Saying so up front keeps clients from sending their next request on that connection.
    const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
    if (hasBody) response.headers.set('connection', 'close');
    return response;
  });
  return app;
}
