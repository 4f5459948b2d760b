import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemError, parseMediaPath } from '@cascade/common';
import type { CollapsingFetcher } from './collapsing-fetcher.ts';
import { readBody } from './read-body.ts';
import type { SecretCheck } from './secret-check.ts';
import type { ShieldMetrics } from './shield-metrics.ts';

const MAX_PURGE_BODY_BYTES = 8 * 1024;

/**
 * `POST /purge` with `Authorization: Bearer <SHIELD_PURGE_SECRETS entry>` and a JSON body of either
 * `{"key": "/vod/demo/seg-1.m4s"}` (one object) or `{"prefix": "/vod/demo/"}` (everything under it).
 * Keys and prefixes follow the media path grammar, so a purge can name only what the shield could
 * have cached. Answers `200 {"purged": n}` with the number of objects removed from both tiers.
 */
export async function handlePurge(
  req: IncomingMessage,
  res: ServerResponse,
  fetcher: CollapsingFetcher,
  checkPurgeSecret: SecretCheck,
  metrics: ShieldMetrics,
): Promise<{ kind: 'key' | 'prefix'; target: string; purged: number }> {
  if (req.method !== 'POST') throw new ProblemError('method-not-allowed', `${req.method ?? '?'} is not allowed; use POST`);
  const authorization = req.headers.authorization;
  const bearer = authorization === undefined ? undefined : /^Bearer (\S+)$/i.exec(authorization)?.[1] ?? '';
  checkPurgeSecret(bearer);
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ProblemError('bad-request', 'purge requests are application/json');

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_PURGE_BODY_BYTES) {
    // Refuse before reading, and end the connection rather than drain a body we will not use.
    res.setHeader('connection', 'close');
    throw new ProblemError('bad-request', `the purge body must be at most ${MAX_PURGE_BODY_BYTES} bytes`);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProblemError('bad-request', 'the purge body did not arrive in time')), 5_000);
  let raw: Buffer | undefined;
  try {
    raw = await readBody(req, MAX_PURGE_BODY_BYTES, controller.signal);
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw new ProblemError('bad-request', 'the purge body could not be read');
  } finally {
    clearTimeout(timer);
  }
  if (raw === undefined) throw new ProblemError('bad-request', `the purge body must be at most ${MAX_PURGE_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ProblemError('bad-request', 'the purge body is not JSON');
  }
  const { key, prefix } = (typeof body === 'object' && body !== null ? body : {}) as { key?: unknown; prefix?: unknown };
  if ((key === undefined) === (prefix === undefined)) {
    throw new ProblemError('bad-request', 'the purge body needs exactly one of "key" or "prefix"');
  }

  let result: { kind: 'key' | 'prefix'; target: string; purged: number };
  if (key !== undefined) {
    const target = purgeTarget(key, 'key', false);
    result = { kind: 'key', target, purged: await fetcher.purge(target) };
  } else {
    const target = purgeTarget(prefix, 'prefix', true);
    result = { kind: 'prefix', target, purged: await fetcher.purgePrefix(target) };
  }
  metrics.countPurge(result.kind, result.purged);
  const answer = Buffer.from(JSON.stringify({ purged: result.purged }));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.byteLength), 'cache-control': 'no-store' });
  res.end(answer);
  return result;
}

/** A key is a media path; a prefix is one too, optionally ending in `/`. The root alone is refused. */
function purgeTarget(value: unknown, field: string, prefix: boolean): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 1024) {
    throw new ProblemError('bad-request', `"${field}" must be a path starting with /`);
  }
  const trailing = prefix && value.endsWith('/');
  const segments = parseMediaPath(trailing ? value.slice(1, -1) : value.slice(1));
  if (segments.length === 0 || !['vod', 'live', 'api'].includes(segments[0] ?? '')) {
    throw new ProblemError('bad-request', `"${field}" must lie under /vod/, /live/ or /api/`);
  }
  return `/${segments.join('/')}${trailing ? '/' : ''}`;
}
