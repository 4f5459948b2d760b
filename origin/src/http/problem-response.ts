import { ProblemError } from '@cascade/common';
import type { Logger } from '@cascade/common/node';

/** Headers some problems must carry (RFC 9110: Allow on 405, Content-Range on 416). */
function problemHeaders(error: ProblemError): Record<string, string> {
  const headers: Record<string, string> = {};
  const { allow, size } = error.extensions;
  if (error.code === 'method-not-allowed' && Array.isArray(allow)) headers['allow'] = allow.join(', ');
  if (error.code === 'range-not-satisfiable' && typeof size === 'number') headers['content-range'] = `bytes */${size}`;
  return headers;
}

/**
 * The one rendering of errors as application/problem+json. Unexpected errors are logged with their
 * stack and answered as `internal` without details, so nothing about the file system leaks.
 */
export function problemResponse(error: unknown, rawInstance: string, logger: Logger): Response {
  // The instance echoes the request path; hostile paths can be long, so only their start is kept.
  const instance = rawInstance.slice(0, 256);
  if (error instanceof ProblemError) return error.toResponse(instance, problemHeaders(error));
  logger.error({ err: error, instance }, 'unhandled error');
  return new ProblemError('internal', 'The origin failed to answer this request').toResponse(instance);
}
