import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { log } from './log.ts';

/** The one place where the edge turns errors into application/problem+json. */
export function onError(error: Error, c: Context): Response {
  const instance = new URL(c.req.url).pathname.replace(/^\/v1\/media\/[^/]+\//, '/v1/media/…/');
  let problem: ProblemError;
  if (error instanceof ProblemError) problem = error;
  else if (error instanceof HTTPException && error.status < 500) problem = new ProblemError('bad-request', error.message);
  else problem = new ProblemError('internal', 'unexpected error');

  if (problem.status >= 500) {
    log('error', 'request failed', { code: problem.code, detail: problem.message, path: instance, cause: String(error) });
  }
  return problem.toResponse(instance, { 'access-control-allow-origin': '*' });
}
