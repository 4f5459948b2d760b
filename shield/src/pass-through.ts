import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '@cascade/common';
import { isBlockingReload } from './blocking-reload-query.ts';
import { createDeadline } from './deadline.ts';
import { type OriginClient, toUpstreamProblem } from './origin-client.ts';

export interface PassThroughOptions {
  origin: OriginClient;
  timeoutMs: number;
  /** Deadline for the headers of an LL-HLS blocking reload (the origin may hold it for ~3 target durations). */
  blockingReloadTimeoutMs?: number;
  onOriginFetch: (status: string) => void;
}

/** What a ranged or conditional pass-through needs from the viewer; nothing else goes upstream. */
const FORWARDED_REQUEST_HEADERS = ['range', 'if-range', 'if-none-match', 'if-modified-since'] as const;
const RELAYED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'content-encoding',
  'cache-control',
  'etag',
  'last-modified',
  'age',
] as const;

/**
 * Stream an object too large to cache straight from the origin. The deadline covers the wait for the
 * response headers; after that an idle timeout guards the body, since a big object may legitimately
 * take longer than the deadline to transfer. Rejects with a ProblemError only before anything was sent.
 */
export async function passThrough(req: IncomingMessage, res: ServerResponse, key: string, options: PassThroughOptions): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }

  const deadline = createDeadline(isBlockingReload(key) ? Math.max(options.timeoutMs, options.blockingReloadTimeoutMs ?? 0) : options.timeoutMs);
  let upstream: IncomingMessage;
  try {
    upstream = await options.origin.request({ method: req.method === 'HEAD' ? 'HEAD' : 'GET', path: key, headers, signal: deadline.signal });
  } catch (error) {
    const problem = toUpstreamProblem(error, deadline.signal, 'connect');
    options.onOriginFetch(problem.code === 'upstream-timeout' ? 'timeout' : problem.code === 'upstream-unreachable' ? 'unreachable' : 'error');
    throw problem;
  } finally {
    deadline.clear();
  }

  const status = upstream.statusCode ?? 0;
  options.onOriginFetch(String(status));
  if (status >= 500 || status < 200 || (status >= 300 && status !== 304)) {
    upstream.destroy();
    throw new ProblemError('upstream-error', `the origin answered ${status}`, { upstreamStatus: status });
  }
  if (status >= 400 && status !== 416 && upstream.headers['content-type']?.startsWith(PROBLEM_CONTENT_TYPE) !== true) {
    upstream.destroy();
    throw status === 404 || status === 410
      ? new ProblemError('not-found', 'the origin has no such object')
      : new ProblemError('upstream-error', `the origin refused the request with ${status}`, { upstreamStatus: status });
  }

  const responseHeaders: Record<string, string> = { 'accept-ranges': 'bytes', age: '0', 'x-cache': 'PASS' };
  for (const name of RELAYED_RESPONSE_HEADERS) {
    const value = upstream.headers[name];
    if (typeof value === 'string') responseHeaders[name] = value;
  }
  if (status >= 400) responseHeaders['cache-control'] = 'no-store';
  res.writeHead(status, responseHeaders);

  // An idle timer of our own rather than socket.setTimeout: the socket goes back to the keep-alive
  // pool afterwards and must not carry our timeout with it.
  const stall = (): void => {
    upstream.destroy(new ProblemError('upstream-timeout', `the origin body stalled for ${options.timeoutMs} ms`));
  };
  let idle = setTimeout(stall, options.timeoutMs);
  // pipeline() attaches its consumer synchronously, so this extra listener cannot see data it misses.
  const done = pipeline(upstream, res);
  upstream.on('data', () => {
    clearTimeout(idle);
    idle = setTimeout(stall, options.timeoutMs);
  });
  try {
    await done;
  } catch {
    // Headers are out, so the only honest signal left is a cut connection; pipeline already destroyed
    // both sides (this also covers a viewer who went away mid-stream).
  } finally {
    clearTimeout(idle);
  }
}
