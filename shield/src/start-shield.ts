import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetricsRegistry, type Logger } from '@cascade/common/node';
import { CollapsingFetcher } from './collapsing-fetcher.ts';
import type { ShieldConfig } from './config.ts';
import { MemoryCacheStore } from './memory-cache-store.ts';
import { OriginClient } from './origin-client.ts';
import { createRequestHandler } from './request-handler.ts';
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
  const store = new MemoryCacheStore(config.cacheBytes);
  const origin = new OriginClient(config.originUrl);
  const metrics = createShieldMetrics(registry, store);
  const fetcher = new CollapsingFetcher({
    store,
    origin,
    maxObjectBytes: config.maxObjectBytes,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    defaultTtlSeconds: config.defaultTtlSeconds,
    onOriginFetch: metrics.countOriginFetch,
  });
  const handler = createRequestHandler({
    fetcher,
    passThrough: { origin, timeoutMs: config.upstreamTimeoutMs, onOriginFetch: metrics.countOriginFetch },
    metrics,
    registry,
    logger,
  });

  const server = http.createServer(handler);
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
  logger.info({ url, origin: config.originUrl.href, cacheBytes: config.cacheBytes, maxObjectBytes: config.maxObjectBytes }, 'shield listening');

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
