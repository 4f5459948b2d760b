import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { IngestService } from '../ingest/ingest-service.ts';
import { parseEncryption, parseTitleId, parseTitleName } from '../ingest/ingest-service.ts';
import { jobView, VIDEOS_PREFIX } from './job-view.ts';

const MAX_JSON_BYTES = 16 * 1024;

/**
 * POST /api/v1/videos with JSON `{"title": ID, "name"?: …, "encryption"?: "none"|"cenc"|"cbcs"|"aes-128", "source": {"path": …} | {"url": …}}`:
 * ingest a file the origin can already reach. 202 with the job.
 */
export function ingestRoute(deps: { ingest: IngestService }) {
  return async (c: Context): Promise<Response> => {
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new ProblemError('bad-request', 'the body must be application/json: {"title", "source": {"path"} or {"url"}}');
    }
    const text = await c.req.text();
    if (text.length > MAX_JSON_BYTES) throw new ProblemError('payload-too-large', `the JSON body is larger than ${MAX_JSON_BYTES} bytes`);
    let body: { title?: unknown; name?: unknown; encryption?: unknown; source?: { path?: unknown; url?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ProblemError('bad-request', 'the body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null) throw new ProblemError('bad-request', 'the body must be a JSON object');
    const titleId = parseTitleId(body.title, 'title');
    const name = parseTitleName(body.name, titleId);
    const options = { encryption: parseEncryption(body.encryption, deps.ingest.canEncrypt) };
    const source = body.source;
    if (typeof source !== 'object' || source === null || (source.path === undefined) === (source.url === undefined)) {
      throw new ProblemError('bad-request', 'source must be an object with exactly one of "path" or "url"');
    }
    const job = source.path !== undefined ? await deps.ingest.addPath(titleId, name, source.path, options) : await deps.ingest.addUrl(titleId, name, source.url, options);
    return c.json(jobView(job), 202, { location: `${VIDEOS_PREFIX}${job.id}`, 'cache-control': 'no-store' });
  };
}
