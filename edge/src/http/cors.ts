import { cors } from 'hono/cors';

/** Players load manifests and segments from pages on other origins. Nothing here uses cookies. */
export const playbackCors = cors({
  origin: '*',
  allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Range', 'If-None-Match', 'Content-Type', 'CMCD-Request', 'CMCD-Object', 'CMCD-Status', 'CMCD-Session'],
  exposeHeaders: ['Content-Length', 'Content-Range', 'Age', 'X-Edge-Cache', 'X-Stream-Heartbeat', 'X-Stream-Stop', 'X-Steering-Pathway', 'X-License-Url'],
  maxAge: 86_400,
});
