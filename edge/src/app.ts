import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import { createLocalJWKSet } from 'jose';
import type { AccessServices } from './access-services.ts';
import { RemoteJwks } from './auth/remote-jwks.ts';
import { CatalogueClient } from './catalogue/catalogue-client.ts';
import { parseConfig, type EdgeConfig } from './config.ts';
import type { Env } from './env.ts';
import { playbackCors } from './http/cors.ts';
import { onError } from './http/on-error.ts';
import { RevocationChecker } from './revocation/revocation-checker.ts';
import { PopSnapshotCache } from './revocation/pop-snapshot-cache.ts';
import { demoRoutes } from './routes/demo.ts';
import { opsConsoleRoutes } from './routes/ops-console.ts';
import { licenseRoutes } from './routes/license.ts';
import { TitleKeys } from './license/title-keys.ts';
import { mediaRoutes } from './routes/media.ts';
import { opsRoutes, revocationList } from './routes/ops.ts';
import { playRoutes } from './routes/play.ts';
import { SessionTokens } from './session/session-token.ts';
import { StreamLeases } from './streams/stream-leases.ts';
import { steeringRoutes } from './routes/steering.ts';
import { steeringControl } from './steering/steering-control-stub.ts';
import { SteeringService } from './steering/steering-service.ts';
import { emptySteeringState } from './steering/steering-state.ts';
import { QoeAggregator } from './steering/qoe-aggregator.ts';
import { AdInsertion } from './ssai/ad-insertion.ts';

const REVOCATION_CLAIM_SECONDS = 1;

/** The per-isolate services for one validated configuration and its bindings. */
export function accessServices(config: EdgeConfig, env: Env): AccessServices {
  const source = config.jwt.keySource;
  const keys =
    source.kind === 'local'
      ? createLocalJWKSet(source.jwks)
      : new RemoteJwks({ ...source, timeoutMs: config.upstreamTimeoutMs }).getKey;
  const sessions = new SessionTokens({ keys: config.sessionToken.keys });
  const catalogue = new CatalogueClient({
      shieldUrl: config.shieldUrl,
      shieldAuthSecret: config.shieldAuthSecret,
      timeoutMs: config.upstreamTimeoutMs,
      ttlSeconds: config.catalogue.ttlSeconds,
      maxStaleSeconds: config.catalogue.maxStaleSeconds,
  });
  return {
    config,
    viewerAuth: { ...config.jwt, keys },
    sessions,
    catalogue,
    revocations: new RevocationChecker({
      read: () => revocationList(env).snapshot(),
      cacheSeconds: config.revocation.cacheSeconds,
      readTimeoutMs: config.upstreamTimeoutMs,
      ...(config.revocation.popCacheSeconds > 0 && {
        pop: new PopSnapshotCache({
          cache: () => caches.open('revocations'),
          ttlSeconds: config.revocation.popCacheSeconds,
          // Far above a Durable Object RPC's round trip from any PoP, so one isolate refreshes while the
          // others wait; short, because it adds to the time a revocation takes to reach every isolate.
          claimSeconds: REVOCATION_CLAIM_SECONDS,
          // Kept past freshness as the fallback while the object cannot be read (the checker's 60 s grace).
          keepSeconds: 60,
        }),
      }),
    }),
    streams: new StreamLeases(env.STREAM_LIMITER, config.streams),
    steering: new SteeringService({
      config: config.steering,
      // Without the binding (a unit test's bare env) only the configuration decides.
      read: env.STEERING_CONTROL ? () => steeringControl(env).state() : async () => emptySteeringState(),
    }),
    qoe: new QoeAggregator({
      flush: async (batch) => {
        if (env.STEERING_CONTROL) await steeringControl(env).recordQoe(batch, config.steering.probeFailures, config.steering.probeRecoveries);
      },
      analytics: env.STEERING_QOE,
      // At most every 5 s (one control-plane write per isolate), sooner with a shorter steering TTL.
      flushSeconds: Math.min(5, config.steering.ttlSeconds),
    }),
    ads: new AdInsertion({ config, env, catalogue, sessions }),
  };
}

/** Build the edge app for one validated configuration. */
export function createEdgeApp(config: EdgeConfig, env: Env): Hono<{ Bindings: Env }> {
  if (!env.REVOCATIONS) throw new ProblemError('config-invalid', 'REVOCATIONS: expected a Durable Object binding to RevocationList, received none');
  const services = accessServices(config, env);
  const app = new Hono<{ Bindings: Env }>();
  app.onError(onError);
  app.notFound(() => {
    throw new ProblemError('not-found', 'no such route');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok', service: 'edge', environment: config.environment }));
  app.use('/v1/play/*', playbackCors);
  app.use('/v1/media/*', playbackCors);
  app.use('/v1/license/*', playbackCors);
  app.route('/v1/play', playRoutes(services));
  // One per isolate: the ClearKey licence route and HLS AES-128 key delivery share unwrapped keys.
  const titleKeys = new TitleKeys(config.licensing.kek);
  app.route('/v1/media', mediaRoutes(services, titleKeys));
  app.use('/v1/steering/*', playbackCors);
  app.route('/v1/steering', steeringRoutes(services));
  app.route('/v1/license', licenseRoutes(services, titleKeys));
  app.route('/v1/ops', opsRoutes(services));
  app.route('/demo', demoRoutes(config.devFeatures));
  app.route('/ops', opsConsoleRoutes());
  return app;
}

// The env object is stable for an isolate, so configuration is parsed and checked once per isolate.
const apps = new WeakMap<Env, Hono<{ Bindings: Env }>>();

export function appFor(env: Env): Hono<{ Bindings: Env }> {
  let app = apps.get(env);
  if (!app) {
    app = createEdgeApp(parseConfig(env), env);
    apps.set(env, app);
  }
  return app;
}
