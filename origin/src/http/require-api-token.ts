import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '@cascade/common';
import type { MiddlewareHandler } from 'hono';

export interface RequireApiTokenOptions {
  /** Accepted bearer tokens; several during a rotation. An empty list refuses every request. */
  tokens: readonly string[];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Guards the origin's operator API (ingest, catalogue writes) with `Authorization: Bearer <token>`.
 * Tokens are compared as SHA-256 digests with timingSafeEqual, so neither the length nor the
 * content of a configured token leaks through timing.
 */
export function requireApiToken(options: RequireApiTokenOptions): MiddlewareHandler {
  if (!Array.isArray(options?.tokens) || options.tokens.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new TypeError('requireApiToken: options.tokens must be an array of non-empty strings');
  }
  const accepted = options.tokens.map(digest);
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || header === '') {
      throw new ProblemError('token-missing', 'The origin operator API needs Authorization: Bearer <ORIGIN_API_TOKENS entry>');
    }
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    const presented = match ? digest(match[1]!) : undefined;
    let ok = false;
    // Check every accepted token so the time taken does not say which one (or none) matched.
    for (const candidate of accepted) if (presented && timingSafeEqual(candidate, presented)) ok = true;
    if (!ok) {
      throw new ProblemError('token-invalid', accepted.length === 0
        ? 'The origin operator API is disabled: ORIGIN_API_TOKENS is not set'
        : 'The bearer token is not an origin API token');
    }
    await next();
  };
}
