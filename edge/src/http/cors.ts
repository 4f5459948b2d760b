import { cors } from 'hono/cors';

/** Players load manifests and segments from pages on other origins. Nothing here uses cookies. */
export const playbackCors = cors({
  origin: '*',
  allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Range', 'If-None-Match', 'Content-Type'],
  exposeHeaders: ['Content-Length', 'Content-Range', 'Age', 'X-Edge-Cache', 'X-Stream-Heartbeat', 'X-Stream-Stop', 'X-License-Url'],
  maxAge: 86_400,
});
