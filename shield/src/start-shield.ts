import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetricsRegistry, type Logger } from '@cascade/common/node';
import { CollapsingFetcher } from './collapsing-fetcher.ts';
import type { ShieldConfig } from './config.ts';
import { DiskCacheStore } from './disk-cache-store.ts';
import { MemoryCacheStore } from './memory-cache-store.ts';
import { OriginClient } from './origin-client.ts';
import { createRequestHandler } from './request-handler.ts';
import { createSecretCheck } from './secret-check.ts';
import { createShieldMetrics } from './shield-metrics.ts';

export interface RunningShield {
  /** Base URL, e.g. `http://127.0.0.1:8082`. */
  url: string;
  port: number;
  /** Stop accepting, let in-flight requests finish (up to the grace period), then drop the rest. */
  close(): Promise<void>;
}

export interface StartShieldOptions {
  logger?: Logger;
  /** How long close() waits for in-flight requests before cutting them off. */
  shutdownGraceMs?: number;
}

/** Start a shield with an already validated config; port 0 picks a free port (handy for tests). */
export async function startShield(config: ShieldConfig, options: StartShieldOptions = {}): Promise<RunningShield> {
  const logger = options.logger ?? createLogger('shield');
  const registry = createMetricsRegistry('shield');
  if (config.authSecrets.length === 0) {
    // Defence in depth: loadConfig already refuses this, but a hand-built config must not open the shield.
    throw new TypeError('startShield: config.authSecrets must hold at least one secret');
  }
  const store = new MemoryCacheStore(config.cacheBytes);
  const disk = config.diskDir === undefined ? undefined : await DiskCacheStore.open(config.diskDir, config.diskBytes, logger);
  const origin = new OriginClient(config.originUrl);
  const metrics = createShieldMetrics(registry, store, disk);
  const fetcher = new CollapsingFetcher({
    store,
    ...(disk !== undefined && { disk }),
    origin,
    maxObjectBytes: config.maxObjectBytes,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    blockingReloadTimeoutMs: config.blockingReloadTimeoutMs,
    rules: config,
    onOriginFetch: metrics.countOriginFetch,
  });
  const handler = createRequestHandler({
    fetcher,
    passThrough: { origin, timeoutMs: config.upstreamTimeoutMs, blockingReloadTimeoutMs: config.blockingReloadTimeoutMs, onOriginFetch: (status) => metrics.countOriginFetch(status) },
    metrics,
    registry,
    logger,
    checkShieldSecret: createSecretCheck({ secrets: config.authSecrets, what: 'the CDN credential (x-cascade-shield-auth)' }),
    checkPurgeSecret: createSecretCheck({ secrets: config.purgeSecrets, what: 'a purge token (Authorization: Bearer, SHIELD_PURGE_SECRETS)' }),
  });

  // Slowloris guard: a client must deliver its request head (and body) within the timeout, and the
  // server checks for such clients often enough for the timeout to mean something.
  const server = http.createServer(
    {
      headersTimeout: config.clientHeadersTimeoutMs,
      requestTimeout: config.clientHeadersTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(config.clientHeadersTimeoutMs / 4))),
      maxHeaderSize: 16 * 1024,
    },
    handler,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, origin: config.originUrl.href, cacheBytes: config.cacheBytes, maxObjectBytes: config.maxObjectBytes, diskDir: config.diskDir, diskBytes: config.diskBytes },
    'shield listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      server.close(() => {
        clearTimeout(grace);
        origin.close();
        logger.info('shield stopped');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, port, close };
}
