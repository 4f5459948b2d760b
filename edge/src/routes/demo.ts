import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import type { Env } from '../env.ts';

/**
 * `/demo`: a development-only page that plays a title with hls.js and Shaka Player side by side.
 * The page and the player libraries are static assets (edge/public/demo); the route exists only
 * when DEV_FEATURES is on, and 404s otherwise, whatever was uploaded with the Worker.
 */
export function demoRoutes(devFeatures: boolean): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.get('*', async (c) => {
    if (!devFeatures || !c.env.ASSETS) throw new ProblemError('not-found', 'the demo page is a development feature');
    const url = new URL(c.req.url);
    if (url.pathname === '/demo') url.pathname = '/demo/';
    return c.env.ASSETS.fetch(new Request(url, c.req.raw));
  });
  return app;
}
