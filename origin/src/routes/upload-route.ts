import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { IngestService } from '../ingest/ingest-service.ts';
import { parseEncryption, parseTitleId, parseTitleName } from '../ingest/ingest-service.ts';
import { jobView, VIDEOS_PREFIX } from './job-view.ts';

/**
 * POST /api/v1/videos/upload?title=ID[&name=…][&filename=…][&encryption=none|cenc|cbcs|aes-128]: the body is the media file, streamed
 * to disk. 202 with the job (Location: its status URL) once every byte is stored; probing and
 * transcoding follow in the worker pool.
 */
export function uploadRoute(deps: { ingest: IngestService }) {
  return async (c: Context): Promise<Response> => {
    const titleId = parseTitleId(c.req.query('title'), 'title');
    const name = parseTitleName(c.req.query('name'), titleId);
    const filename = c.req.query('filename');
    const encryption = parseEncryption(c.req.query('encryption'), deps.ingest.canEncrypt);
    const rawLength = c.req.header('content-length');
    let declared: number | undefined;
    if (rawLength !== undefined) {
      declared = Number(rawLength);
      if (!/^\d+$/.test(rawLength) || !Number.isSafeInteger(declared)) throw new ProblemError('bad-request', `content-length ${JSON.stringify(rawLength)} is not a byte count`);
    }
    const job = await deps.ingest.receiveUpload(titleId, name, c.req.raw.body, declared, filename ? parseTitleName(filename, '') : undefined, { encryption });
    return c.json(jobView(job), 202, { location: `${VIDEOS_PREFIX}${job.id}`, 'cache-control': 'no-store' });
  };
}
