import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import type { Env } from '../env.ts';

/**
 * `/ops`: the ops console, a static page (edge/public/ops) that calls `/v1/ops/cdn/…` with the operator's
 * JWT. The page holds no secret and no data: everything it shows needs the operator token. Served in
 * production too; same-origin only (CSP), never framed.
 */
export function opsConsoleRoutes(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.get('*', async (c) => {
    if (!c.env.ASSETS) throw new ProblemError('not-found', 'the ops console is not deployed with this Worker');
    const url = new URL(c.req.url);
    if (url.pathname === '/ops') url.pathname = '/ops/';
    if (!/^\/ops\/(index\.html|ops\.js|ops\.css)?$/.test(url.pathname)) throw new ProblemError('not-found', 'no such console file');
    const asset = await c.env.ASSETS.fetch(new Request(url, c.req.raw));
    const response = new Response(asset.body, asset);
    response.headers.set('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    response.headers.set('x-content-type-options', 'nosniff');
    response.headers.set('referrer-policy', 'no-referrer');
    return response;
  });
  return app;
}
