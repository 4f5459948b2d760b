import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '@cascade/common';
import { ifRangeMatches, isNotModified, selectRange } from '@cascade/common/http';
import { ageSeconds, type OriginObject } from './cached-object.ts';
import type { LookupSource } from './collapsing-fetcher.ts';
import { toResponseHeaders } from './origin-headers.ts';
import { sendProblem } from './send-problem.ts';

/**
 * Answer a GET or HEAD from a buffered object: conditional requests, byte ranges and the cache
 * headers. Non-200 origin answers (404 and other 4xx) are relayed uncached.
 */
export function sendObject(req: IncomingMessage, res: ServerResponse, object: OriginObject, source: LookupSource, now: number): void {
  const head = req.method === 'HEAD';
  const cacheHeaders = {
    age: String(ageSeconds(object, now)),
    'x-cache': source.toUpperCase(),
  };
  if (object.status !== 200) {
    sendOriginError(res, object, head, cacheHeaders);
    return;
  }

  const headers: Record<string, string> = { ...toResponseHeaders(object.headers), 'accept-ranges': 'bytes', ...cacheHeaders };
  if (isNotModified(req.headers, object.headers)) {
    delete headers['content-type'];
    delete headers['content-encoding'];
    res.writeHead(304, headers);
    res.end();
    return;
  }

  const size = object.body.byteLength;
  const ifRange = req.headers['if-range'];
  const rangeApplies = ifRangeMatches(typeof ifRange === 'string' ? ifRange : undefined, object.headers);
  const selection = rangeApplies ? selectRange(size, req.headers.range) : { kind: 'full' as const };
  if (selection.kind === 'unsatisfiable') {
    const problem = new ProblemError('range-not-satisfiable', `the range ${JSON.stringify(req.headers.range)} is outside the object's ${size} bytes`);
    sendProblem(res, problem, { head, headers: { 'content-range': `bytes */${size}`, 'accept-ranges': 'bytes', ...cacheHeaders } });
    return;
  }
  if (selection.kind === 'partial') {
    headers['content-range'] = `bytes ${selection.start}-${selection.end}/${size}`;
    headers['content-length'] = String(selection.end - selection.start + 1);
    res.writeHead(206, headers);
    res.end(head ? undefined : object.body.subarray(selection.start, selection.end + 1));
    return;
  }
  headers['content-length'] = String(size);
  res.writeHead(200, headers);
  res.end(head ? undefined : object.body);
}

/** The origin's own problem body when it sent one; otherwise ours, with the stable code for 404. */
function sendOriginError(res: ServerResponse, object: OriginObject, head: boolean, cacheHeaders: Record<string, string>): void {
  if (object.headers.contentType?.startsWith(PROBLEM_CONTENT_TYPE) === true && object.body.byteLength > 0) {
    res.writeHead(object.status, {
      'content-type': object.headers.contentType,
      'content-length': String(object.body.byteLength),
      'cache-control': 'no-store',
      ...cacheHeaders,
    });
    res.end(head ? undefined : object.body);
    return;
  }
  const problem =
    object.status === 404 || object.status === 410
      ? new ProblemError('not-found', 'the origin has no such object')
      : new ProblemError('upstream-error', `the origin refused the request with ${object.status}`, { upstreamStatus: object.status });
  sendProblem(res, problem, { head, headers: cacheHeaders });
}
