import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemError, parseMediaPath } from '@cascade/common';
import type { Logger } from '@cascade/common/node';
import type { Registry } from 'prom-client';
import { blockingReloadQuery } from './blocking-reload-query.ts';
import { cmsdDynamic, cmsdStatic } from './cmsd-headers.ts';
import type { CollapsingFetcher } from './collapsing-fetcher.ts';
import { type PassThroughOptions, passThrough } from './pass-through.ts';
import { handlePurge } from './purge-route.ts';
import { SHIELD_AUTH_HEADER, type SecretCheck } from './secret-check.ts';
import { canStream, sendHotObject, sendObject, sendStream } from './send-object.ts';
import { sendProblem } from './send-problem.ts';
import type { RequestResult, ShieldMetrics } from './shield-metrics.ts';

export interface RequestHandlerOptions {
  fetcher: CollapsingFetcher;
  passThrough: PassThroughOptions;
  metrics: ShieldMetrics;
  registry: Registry;
  logger: Logger;
  /** Checks the CDN's `x-cascade-shield-auth` on every media request. */
  checkShieldSecret: SecretCheck;
  /** Checks the purge API's bearer token. */
  checkPurgeSecret: SecretCheck;
}

const MEDIA_ROOTS = new Set(['vod', 'live']);
const HEALTH_BODY = Buffer.from(JSON.stringify({ status: 'ok' }));

/**
 * The shield's routes: `/healthz` and `/metrics` (open: bind the shield to a private interface),
 * `POST /purge` (purge secret), and GET/HEAD of media paths (CDN secret). The request target is
 * validated raw, before any decoding, and the query string is dropped from both the cache key and
 * the origin request: tokens, CMCD and other per-viewer parameters never split the cache or reach the origin.
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { fetcher, metrics, registry, logger, checkShieldSecret } = options;

  async function handleMedia(req: IncomingMessage, res: ServerResponse, rawPath: string, log: AccessLog, started: number): Promise<void> {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      throw new ProblemError('method-not-allowed', `${req.method ?? '?'} is not allowed; use GET or HEAD`);
    }
    checkShieldSecret(req.headers[SHIELD_AUTH_HEADER]);
    const key = mediaKey(rawPath, rawQuery(req.url));
    log.key = key;
    const lookup = await fetcher.lookup(key);
    if (lookup.kind === 'pass-through') {
      log.result = 'pass';
      await passThrough(req, res, key, options.passThrough);
      return;
    }
    log.result = lookup.source;
    const extra = { 'cmsd-static': cmsdStatic(key), 'cmsd-dynamic': cmsdDynamic(performance.now() - started) };
    if (lookup.kind === 'stream') {
      if (canStream(req)) {
        sendStream(req, res, lookup.flight, lookup.start, lookup.source, extra, metrics.countBytes);
        return;
      }
      let object;
      try {
        object = await lookup.flight.result;
      } catch (error) {
        if (!lookup.flight.overflowed) throw error;
        log.result = 'pass';
        await passThrough(req, res, key, options.passThrough);
        return;
      }
      metrics.countBytes(sendObject(req, res, object, lookup.source, Date.now(), extra));
      return;
    }
    metrics.countBytes(sendObject(req, res, lookup.object, lookup.source, Date.now(), extra));
  }

  /** Metrics and the access log line, once the answer is done. */
  function record(req: IncomingMessage, res: ServerResponse, rawPath: string, log: AccessLog, started: number, sentWhole = res.writableFinished): void {
    const seconds = (performance.now() - started) / 1000;
    metrics.countRequest(log.result ?? 'error', seconds);
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        method: req.method,
        // Never the query string: it carries viewer tokens.
        path: log.key ?? rawPath.slice(0, 256),
        status: res.statusCode,
        cache: log.result ?? 'error',
        ...(log.code !== undefined && { code: log.code }),
        ms: Math.round(seconds * 10_000) / 10,
        ...(req.headers.range !== undefined && { range: req.headers.range.slice(0, 100) }),
        ...(!sentWhole && { aborted: true }),
      },
      'request',
    );
  }

  /**
   * The hot path, synchronous from request to `res.end`: an authenticated plain GET/HEAD of a fresh
   * object in memory. Anything else (including every kind of bad request, which the general path
   * then refuses with the right problem) returns false.
   */
  function answerHot(req: IncomingMessage, res: ServerResponse, rawPath: string, log: AccessLog, started: number): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let key: string;
    try {
      checkShieldSecret(req.headers[SHIELD_AUTH_HEADER]);
      key = mediaKey(rawPath, rawQuery(req.url));
    } catch {
      return false;
    }
    const hot = fetcher.freshInMemory(key);
    if (hot === undefined) return false;
    const sent = sendHotObject(req, res, hot, Date.now(), key, cmsdDynamic(performance.now() - started));
    if (sent === false) return false;
    log.key = key;
    log.result = 'hit';
    metrics.countBytes(sent);
    // Recorded now rather than on 'close' (a listener per request costs on the hot path); the whole
    // answer is handed to the socket, so it counts as sent.
    record(req, res, rawPath, log, started, true);
    return true;
  }

  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const log: AccessLog = { result: undefined, key: undefined, code: undefined };

    if (rawPath === '/healthz' || rawPath === '/metrics') {
      handleOps(req, res, rawPath, registry).catch((error: unknown) => fail(res, error, req.method === 'HEAD', undefined, logger));
      return;
    }
    if (rawPath === '/purge') {
      handlePurge(req, res, fetcher, options.checkPurgeSecret, metrics).then(
        (purge) => logger.info({ purge: purge.kind, target: purge.target, purged: purge.purged }, 'purge'),
        (error: unknown) => {
          const code = fail(res, error, false, '/purge', logger);
          logger.warn({ code }, 'purge refused');
        },
      );
      return;
    }

    if (answerHot(req, res, rawPath, log, started)) return;
    res.once('close', () => record(req, res, rawPath, log, started));

    handleMedia(req, res, rawPath, log, started).catch((error: unknown) => {
      log.result = 'error';
      log.code = fail(res, error, req.method === 'HEAD', log.key, logger);
    });
  };
}

interface AccessLog {
  result: RequestResult | undefined;
  key: string | undefined;
  code: string | undefined;
}

/** `api/v1/titles/{id}`: catalogue reads, which the edge makes for rights checks. */
function isCatalogueRead(segments: string[]): boolean {
  return segments.length === 4 && segments[0] === 'api' && segments[1] === 'v1' && segments[2] === 'titles';
}

/** What follows the `?` of the request target, or `''`. */
function rawQuery(url: string | undefined): string {
  const at = url?.indexOf('?') ?? -1;
  return at === -1 || url === undefined ? '' : url.slice(at + 1);
}

/**
 * `/vod/...`, `/live/...` or `/api/v1/titles/{id}`, checked against the strict media grammar; the key
 * is the path itself, plus the canonical LL-HLS delivery directives for `/live/` objects (see
 * `blockingReloadQuery`). Nothing else of the origin (its operator API above all) is reachable through here.
 */
function mediaKey(rawPath: string, query: string): string {
  if (!rawPath.startsWith('/')) throw new ProblemError('bad-path', 'the request target must be an origin-form path');
  const segments = parseMediaPath(rawPath.slice(1));
  if (!isCatalogueRead(segments) && (segments.length < 2 || !MEDIA_ROOTS.has(segments[0] ?? ''))) {
    throw new ProblemError('not-found', 'shield paths are /vod/…, /live/… and /api/v1/titles/{id}');
  }
  const path = `/${segments.join('/')}`;
  return path + blockingReloadQuery(path, query);
}

async function handleOps(req: IncomingMessage, res: ServerResponse, path: string, registry: Registry): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    throw new ProblemError('method-not-allowed', `${req.method ?? '?'} is not allowed; use GET or HEAD`);
  }
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HEALTH_BODY.byteLength), 'cache-control': 'no-store' });
    res.end(head ? undefined : HEALTH_BODY);
    return;
  }
  const body = Buffer.from(await registry.metrics());
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': String(body.byteLength), 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/** Answer with the problem (or cut the connection if the answer already started); returns the code for the log. */
function fail(res: ServerResponse, error: unknown, head: boolean, instance: string | undefined, logger: Logger): string {
  const problem = error instanceof ProblemError ? error : new ProblemError('internal');
  if (!(error instanceof ProblemError)) logger.error({ err: error }, 'unexpected error while answering a request');
  if (res.headersSent) {
    res.destroy();
    return problem.code;
  }
  const allow = problem.code === 'method-not-allowed' ? { allow: instance === '/purge' ? 'POST' : 'GET, HEAD' } : undefined;
  sendProblem(res, problem, { head, ...(instance !== undefined && { instance }), ...(allow !== undefined && { headers: allow }) });
  return problem.code;
}
