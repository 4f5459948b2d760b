import type { MiddlewareHandler } from 'hono';

export interface PublicCorsOptions {
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * CORS for routes any page may call without credentials (Fetch standard, CORS protocol): every answer
 * gets `Access-Control-Allow-Origin: *` and the exposed headers; an OPTIONS request (a preflight) is
 * answered 204 here with the allowed methods, headers and max age, as hono/cors does.
 *
 * Why not hono/cors: it sets its headers on a placeholder response before the route runs, which Hono
 * then copies onto the route's own response (two Response objects and a header merge per request),
 * 5–10 % of the Worker's CPU in the surge profile, where most answers are segments and playlists.
 * Here the headers are set once, on the route's response (copied only when its headers are immutable).
 */
export function publicCors(options: PublicCorsOptions): MiddlewareHandler {
  for (const name of ['allowMethods', 'allowHeaders', 'exposeHeaders'] as const) {
    const list = options[name];
    if (!Array.isArray(list) || list.length === 0 || !list.every((token) => TOKEN.test(token))) {
      throw new TypeError(`${name}: expected a non-empty list of header or method names, received ${JSON.stringify(list)}`);
    }
  }
  if (!Number.isInteger(options.maxAgeSeconds) || options.maxAgeSeconds < 0) {
    throw new RangeError(`maxAgeSeconds: expected a whole number of seconds, received ${options.maxAgeSeconds}`);
  }
  const preflight: Array<[string, string]> = [
    ['access-control-allow-origin', '*'],
    ['access-control-allow-methods', options.allowMethods.join(',')],
    ['access-control-allow-headers', options.allowHeaders.join(',')],
    ['access-control-max-age', String(options.maxAgeSeconds)],
  ];
  const expose = options.exposeHeaders.join(',');

  return async function publicCorsMiddleware(c, next) {
    if (c.req.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: preflight });
    }
    await next();
    let response = c.res;
    try {
      response.headers.set('access-control-allow-origin', '*');
    } catch {
      // Immutable headers (an answer passed through as fetched): a copy that shares the body stream.
      response = new Response(response.body, response);
      response.headers.set('access-control-allow-origin', '*');
      c.res = response;
    }
    response.headers.set('access-control-expose-headers', expose);
  };
}

/** Players load manifests, segments and licences from pages on other origins. Nothing here uses cookies. */
export const playbackCors = publicCors({
  allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Range', 'If-None-Match', 'Content-Type', 'CMCD-Request', 'CMCD-Object', 'CMCD-Status', 'CMCD-Session'],
  exposeHeaders: ['Content-Length', 'Content-Range', 'Age', 'X-Edge-Cache', 'X-Stream-Heartbeat', 'X-Stream-Stop', 'X-Steering-Pathway', 'X-License-Url'],
  maxAgeSeconds: 86_400,
});
