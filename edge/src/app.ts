import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import { parseConfig, type EdgeConfig } from './config.ts';
import type { Env } from './env.ts';
import { playbackCors } from './http/cors.ts';
import { onError } from './http/on-error.ts';
import { demoRoutes } from './routes/demo.ts';
import { mediaRoutes } from './routes/media.ts';
import { playRoutes } from './routes/play.ts';
import { SessionTokens } from './session/session-token.ts';

/** Build the edge app for one validated configuration. */
export function createEdgeApp(config: EdgeConfig): Hono<{ Bindings: Env }> {
  const sessions = new SessionTokens({ keys: config.sessionToken.keys });
  const app = new Hono<{ Bindings: Env }>();
  app.onError(onError);
  app.notFound(() => {
    throw new ProblemError('not-found', 'no such route');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok', service: 'edge', environment: config.environment }));
  app.use('/v1/*', playbackCors);
  app.route('/v1/play', playRoutes(config, sessions));
  app.route('/v1/media', mediaRoutes(config, sessions));
  app.route('/demo', demoRoutes(config.devFeatures));
  return app;
}

// The env object is stable for an isolate, so configuration is parsed and checked once per isolate.
const apps = new WeakMap<Env, Hono<{ Bindings: Env }>>();

export function appFor(env: Env): Hono<{ Bindings: Env }> {
  let app = apps.get(env);
  if (!app) {
    app = createEdgeApp(parseConfig(env));
    apps.set(env, app);
  }
  return app;
}
