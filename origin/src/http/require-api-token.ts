import { ProblemError } from '@cascade/common';
import { createSecretMatcher } from '@cascade/common/node';
import type { MiddlewareHandler } from 'hono';

export interface RequireApiTokenOptions {
  /** Accepted bearer tokens; several during a rotation. An empty list refuses every request. */
  tokens: readonly string[];
}

/**
 * Guards the origin's operator API (ingest, catalogue writes) with `Authorization: Bearer <token>`.
 * Tokens are compared in constant time by `createSecretMatcher`.
 */
export function requireApiToken(options: RequireApiTokenOptions): MiddlewareHandler {
  if (!Array.isArray(options?.tokens) || options.tokens.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new TypeError('requireApiToken: options.tokens must be an array of non-empty strings');
  }
  const matches = createSecretMatcher(options.tokens);
  const configured = options.tokens.length > 0;
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || header === '') {
      throw new ProblemError('token-missing', 'The origin operator API needs Authorization: Bearer <ORIGIN_API_TOKENS entry>');
    }
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    const ok = match !== null && matches(match[1]!);
    if (!ok) {
      throw new ProblemError('token-invalid', !configured
        ? 'The origin operator API is disabled: ORIGIN_API_TOKENS is not set'
        : 'The bearer token is not an origin API token');
    }
    await next();
  };
}
