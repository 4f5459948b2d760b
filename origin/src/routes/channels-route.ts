import { parseId } from '@cascade/common';
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { readJsonBody } from '../http/read-json-body.ts';
import type { ChannelManager } from '../live/channel-manager.ts';

const MAX_BODY_BYTES = 16 * 1024;
export const CHANNELS_PREFIX = '/api/v1/channels';

/**
 * The live channel API (mounted behind requireApiToken): create, list, inspect (state and health),
 * delete channels; place and list ad breaks, end a running break early.
 */
export function channelsRoutes(deps: { channels: ChannelManager }): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const noStore = { 'cache-control': 'no-store' };
  app.post('/', async (c) => {
    const view = await deps.channels.create(await readJsonBody(c, MAX_BODY_BYTES));
    return c.json(view, 201, { ...noStore, location: `${CHANNELS_PREFIX}/${view.id}` });
  });
  app.get('/', (c) => c.json({ channels: deps.channels.list() }, 200, noStore));
  app.get('/:id', (c) => c.json(deps.channels.view(parseId(c.req.param('id'), 'channel id')), 200, noStore));
  app.delete('/:id', async (c) => {
    await deps.channels.remove(parseId(c.req.param('id'), 'channel id'));
    return c.body(null, 204, noStore);
  });
  app.post('/:id/breaks', async (c) => {
    const id = parseId(c.req.param('id'), 'channel id');
    const view = deps.channels.addBreak(id, await readJsonBody(c, MAX_BODY_BYTES));
    return c.json(view, 201, { ...noStore, location: `${CHANNELS_PREFIX}/${id}/breaks/${view.id}` });
  });
  app.post('/:id/breaks/:breakId/return', async (c) => {
    const id = parseId(c.req.param('id'), 'channel id');
    const breakId = parseId(c.req.param('breakId'), 'break id');
    // No body at all is the usual call; a body, when sent, must be an empty JSON object.
    const body = (await c.req.text()) === '' ? {} : await readJsonBody(c, MAX_BODY_BYTES);
    return c.json(deps.channels.returnFromBreak(id, breakId, body), 200, noStore);
  });
  app.post('/:id/vod', async (c) => {
    const id = parseId(c.req.param('id'), 'channel id');
    const record = await deps.channels.toVod(id, await readJsonBody(c, MAX_BODY_BYTES));
    return c.json(record, 201, { ...noStore, location: `/api/v1/titles/${record.id}` });
  });
  app.get('/:id/breaks', (c) => c.json({ breaks: deps.channels.breaks(parseId(c.req.param('id'), 'channel id')) }, 200, noStore));
  return app;
}
