import { parseId, ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { rawPath } from '../http/raw-path.ts';

export const TITLES_PREFIX = '/api/v1/titles/';

/** GET /api/v1/titles/{id}: the catalogue entry (renditions, manifests, rights). */
export function titlesRoute(deps: { catalogue: Catalogue }) {
  return async (c: Context<{ Bindings: HttpBindings }>): Promise<Response> => {
    const id = parseId(rawPath(c).slice(TITLES_PREFIX.length), 'title id');
    const title = await deps.catalogue.get(id);
    if (title === undefined) throw new ProblemError('title-not-found', `no title ${JSON.stringify(id)}`);
    // Rights may change; callers (the edge) must revalidate rather than reuse a stale copy.
    return c.json(title, 200, { 'cache-control': 'no-cache' });
  };
}
