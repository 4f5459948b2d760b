import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '@cascade/common';
import { ifRangeMatches, isNotModified, selectRange } from '@cascade/common/http';
import { ageSeconds, type ObjectHeaders, type OriginObject } from './cached-object.ts';
import type { LookupSource } from './collapsing-fetcher.ts';
import { cmsdStatic } from './cmsd-headers.ts';
import type { OriginFlight } from './origin-flight.ts';
import { toResponseHeaders } from './origin-headers.ts';
import { sendProblem } from './send-problem.ts';

const X_CACHE: Record<LookupSource, string> = {
  hit: 'HIT',
  miss: 'MISS',
  collapsed: 'COLLAPSED',
  pass: 'PASS',
  stale: 'STALE',
  revalidated: 'REVALIDATED',
};

/** Per object, the response headers that never change while it is cached: built once, on its first hit. */
const FIXED_HEADERS = new WeakMap<OriginObject, [string, string][]>();

function fixedHeaders(object: OriginObject, key: string): [string, string][] {
  let fixed = FIXED_HEADERS.get(object);
  if (fixed === undefined) {
    fixed = Object.entries(toResponseHeaders(object.headers));
    fixed.push(['accept-ranges', 'bytes'], ['content-length', String(object.body.byteLength)], ['cmsd-static', cmsdStatic(key)]);
    FIXED_HEADERS.set(object, fixed);
  }
  return fixed;
}

/**
 * The hot path: a plain GET/HEAD (no Range, no conditional) of a fresh 200 held in memory. Returns
 * false when the request needs the general path instead.
 */
export function sendHotObject(req: IncomingMessage, res: ServerResponse, object: OriginObject, now: number, key: string, cmsdDynamic: string): number | false {
  const h = req.headers;
  if (object.status !== 200 || h.range !== undefined || h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return false;
  const headers: [string, string][] = [...fixedHeaders(object, key), ['age', String(ageSeconds(object, now))], ['x-cache', 'HIT'], ['cmsd-dynamic', cmsdDynamic]];
  res.writeHead(200, headers.flat());
  if (req.method === 'HEAD') {
    res.end();
    return 0;
  }
  res.end(object.body);
  return object.body.byteLength;
}

/**
 * Answer a GET or HEAD from a buffered object: conditional requests, byte ranges and the cache
 * headers. Non-200 origin answers (404 and other 4xx) are relayed with `no-store`. Returns the bytes
 * of body sent, for the metrics.
 */
export function sendObject(
  req: IncomingMessage,
  res: ServerResponse,
  object: OriginObject,
  source: LookupSource,
  now: number,
  extra: Record<string, string>,
): number {
  const head = req.method === 'HEAD';
  const cacheHeaders = { age: String(ageSeconds(object, now)), 'x-cache': X_CACHE[source], ...extra };
  if (object.status !== 200) {
    return sendOriginError(res, object, head, cacheHeaders);
  }

  const headers: Record<string, string> = { ...toResponseHeaders(object.headers), 'accept-ranges': 'bytes', ...cacheHeaders };
  if (isNotModified(req.headers, object.headers)) {
    delete headers['content-type'];
    delete headers['content-encoding'];
    res.writeHead(304, headers);
    res.end();
    return 0;
  }

  const size = object.body.byteLength;
  const ifRange = req.headers['if-range'];
  const rangeApplies = ifRangeMatches(typeof ifRange === 'string' ? ifRange : undefined, object.headers);
  const selection = rangeApplies ? selectRange(size, req.headers.range) : { kind: 'full' as const };
  if (selection.kind === 'unsatisfiable') {
    const problem = new ProblemError('range-not-satisfiable', `the range ${JSON.stringify(req.headers.range?.slice(0, 100))} is outside the object's ${size} bytes`);
    sendProblem(res, problem, { head, headers: { 'content-range': `bytes */${size}`, 'accept-ranges': 'bytes', ...cacheHeaders } });
    return 0;
  }
  if (selection.kind === 'partial') {
    headers['content-range'] = `bytes ${selection.start}-${selection.end}/${size}`;
    headers['content-length'] = String(selection.end - selection.start + 1);
    res.writeHead(206, headers);
    res.end(head ? undefined : object.body.subarray(selection.start, selection.end + 1));
    return head ? 0 : selection.end - selection.start + 1;
  }
  headers['content-length'] = String(size);
  res.writeHead(200, headers);
  res.end(head ? undefined : object.body);
  return head ? 0 : size;
}

/** Whether a request can take a 200 as it streams in; ranges and conditionals need the whole object first. */
export function canStream(req: IncomingMessage): boolean {
  const h = req.headers;
  return h.range === undefined && h['if-none-match'] === undefined && h['if-modified-since'] === undefined;
}

/**
 * Answer a plain GET/HEAD with a 200 while its body arrives from the origin. With the origin's
 * Content-Length the client can tell a cut-short body; without it the answer is chunked and a failure
 * leaves the chunked body unterminated. Either way a failed fetch destroys the connection: a truncated
 * object is never ended as if it were complete.
 */
export function sendStream(
  req: IncomingMessage,
  res: ServerResponse,
  flight: OriginFlight,
  start: { headers: ObjectHeaders; length: number | undefined; originAge: number },
  source: LookupSource,
  extra: Record<string, string>,
  onBytes: (bytes: number) => void,
): void {
  const headers: Record<string, string> = { ...toResponseHeaders(start.headers), 'accept-ranges': 'bytes', age: String(start.originAge), 'x-cache': X_CACHE[source], ...extra };
  if (start.length !== undefined) headers['content-length'] = String(start.length);
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let sent = 0;
  const unsubscribe = flight.subscribe({
    data(chunk) {
      sent += chunk.byteLength;
      res.write(chunk);
    },
    end() {
      res.end();
      onBytes(sent);
    },
    error() {
      res.destroy();
      onBytes(sent);
    },
  });
  res.once('close', unsubscribe);
}

/** The origin's own problem body when it sent one; otherwise ours, with the stable code for 404. */
function sendOriginError(res: ServerResponse, object: OriginObject, head: boolean, cacheHeaders: Record<string, string>): number {
  if (object.headers.contentType?.startsWith(PROBLEM_CONTENT_TYPE) === true && object.body.byteLength > 0) {
    res.writeHead(object.status, {
      'content-type': object.headers.contentType,
      'content-length': String(object.body.byteLength),
      'cache-control': 'no-store',
      ...cacheHeaders,
    });
    res.end(head ? undefined : object.body);
    return head ? 0 : object.body.byteLength;
  }
  const problem =
    object.status === 404 || object.status === 410
      ? new ProblemError('not-found', 'the origin has no such object')
      : new ProblemError('upstream-error', `the origin refused the request with ${object.status}`, { upstreamStatus: object.status });
  sendProblem(res, problem, { head, headers: cacheHeaders });
  return 0;
}
