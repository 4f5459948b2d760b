import type { ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, type ProblemError } from '@cascade/common';

/** Render the one error class as application/problem+json; HEAD gets the headers without the body. */
export function sendProblem(res: ServerResponse, error: ProblemError, options: { head?: boolean; instance?: string; headers?: Record<string, string> } = {}): void {
  const body = Buffer.from(JSON.stringify(error.toBody(options.instance)));
  res.writeHead(error.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(body.byteLength),
    'cache-control': 'no-store',
    ...options.headers,
  });
  res.end(options.head === true ? undefined : body);
}
