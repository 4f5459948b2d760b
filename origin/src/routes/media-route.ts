import { join, sep } from 'node:path';
import { parseId, parseMediaPath, ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { mediaFileType } from '../http/content-type.ts';
import { rawPath } from '../http/raw-path.ts';
import { serveFile } from '../http/serve-file.ts';
import type { DataLayout } from '../storage/data-layout.ts';

export const MEDIA_PREFIX = '/vod/';

/**
 * GET|HEAD /vod/{titleId}/{file}: packaged media straight from the title's directory. The raw path
 * is checked against the strict media grammar before anything touches the file system; a title is
 * one flat directory, so exactly two segments are accepted.
 */
export function mediaRoute(deps: { layout: DataLayout; catalogue: Catalogue }) {
  return async (c: Context<{ Bindings: HttpBindings }>): Promise<Response> => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      throw new ProblemError('method-not-allowed', `${method} is not allowed on media`, { allow: ['GET', 'HEAD'] });
    }
    const raw = rawPath(c);
    if (!raw.startsWith(MEDIA_PREFIX)) throw new ProblemError('bad-path', 'media paths start with /vod/');
    const segments = parseMediaPath(raw.slice(MEDIA_PREFIX.length));
    const [titleId, fileName] = segments;
    if (segments.length !== 2 || titleId === undefined || fileName === undefined) {
      throw new ProblemError('not-found', 'media paths are /vod/{titleId}/{file}');
    }
    const title = await deps.catalogue.get(parseId(titleId, 'title id'));
    if (title === undefined) throw new ProblemError('title-not-found', `no title ${JSON.stringify(titleId)}`);
    const type = mediaFileType(fileName, title);
    if (type === undefined) throw new ProblemError('not-found', 'No such media file');

    const titleDir = deps.layout.titleDir(titleId);
    const path = join(titleDir, fileName);
    // The grammar already rules out escaping; this keeps the invariant visible where files are opened.
    if (!path.startsWith(titleDir + sep)) throw new ProblemError('bad-path', 'path leaves the title directory');
    return serveFile(path, {
      method,
      requestHeaders: c.req.raw.headers,
      contentType: type.contentType,
      cacheControl: type.cacheControl,
    });
  };
}
