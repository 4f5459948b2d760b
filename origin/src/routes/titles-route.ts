import { parseId, ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Catalogue } from '../catalogue/catalogue.ts';
import type { RightsStore } from '../catalogue/rights-store.ts';
import type { TitleRecord } from '../catalogue/title-record.ts';
import { PERMISSIVE_ENTITLEMENTS, parseTitleEntitlements } from '../catalogue/title-rights.ts';
import { rawPath } from '../http/raw-path.ts';
import type { ChannelManager } from '../live/channel-manager.ts';

export const TITLES_PREFIX = '/api/v1/titles/';
const RIGHTS_SUFFIX = '/rights';
const MAX_RIGHTS_BODY_BYTES = 256 * 1024;

interface TitlesDeps {
  catalogue: Catalogue;
  rights: RightsStore;
  channels: ChannelManager;
}

/**
 * GET /api/v1/titles/{id}: the catalogue entry: the media record (renditions, manifests) with the
 * title's current rights, packages and plans from the rights store (permissive when none were set).
 * Records published before the rights store existed carry a `rights` field of their own; it is never
 * served: the store is the one source.
 */
export function titlesRoute(deps: TitlesDeps) {
  return async (c: Context<{ Bindings: HttpBindings }>): Promise<Response> => {
    const id = parseId(rawPath(c).slice(TITLES_PREFIX.length), 'title id');
    const title = await deps.catalogue.get(id);
    if (title === undefined) {
      // A live channel is a catalogue entry too (kind "live"), with the same rights document.
      const channel = deps.channels.titleRecord(id);
      if (channel === undefined) throw new ProblemError('title-not-found', `no title ${JSON.stringify(id)}`);
      const entitlements = (await deps.rights.get(id, 'live')) ?? PERMISSIVE_ENTITLEMENTS;
      return c.json({ ...channel, ...entitlements }, 200, { 'cache-control': 'no-cache' });
    }
    const entitlements = (await deps.rights.get(id, title.kind)) ?? PERMISSIVE_ENTITLEMENTS;
    const { rights: _legacy, ...media } = title as TitleRecord & { rights?: unknown };
    // Rights may change; callers (the edge) must revalidate rather than reuse a stale copy.
    return c.json({ ...media, ...entitlements }, 200, { 'cache-control': 'no-cache' });
  };
}

/**
 * PUT /api/v1/titles/{id}/rights (operator API, behind requireApiToken): replace the title's rights,
 * packages and plans. The body is checked field by field; the answer is the stored document.
 */
export function putTitleRightsRoute(deps: TitlesDeps) {
  return async (c: Context<{ Bindings: HttpBindings }>): Promise<Response> => {
    const path = rawPath(c);
    const id = parseId(path.slice(TITLES_PREFIX.length, path.length - RIGHTS_SUFFIX.length), 'title id');
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new ProblemError('bad-request', `content-type: expected application/json, received ${JSON.stringify(type)}`);
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_RIGHTS_BODY_BYTES) throw new ProblemError('bad-request', `body: expected at most ${MAX_RIGHTS_BODY_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new ProblemError('bad-request', `body: expected JSON, ${(error as Error).message}`);
    }
    const title = await deps.catalogue.get(id);
    const kind = title?.kind ?? (deps.channels.has(id) ? 'live' : undefined);
    if (kind === undefined) throw new ProblemError('title-not-found', `no title ${JSON.stringify(id)}`);
    const entitlements = parseTitleEntitlements(body, kind);
    await deps.rights.put(id, entitlements);
    return c.json(entitlements, 200, { 'cache-control': 'no-store' });
  };
}
