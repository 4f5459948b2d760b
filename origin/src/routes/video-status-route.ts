import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { IngestService } from '../ingest/ingest-service.ts';
import { rawPath } from '../http/raw-path.ts';
import { jobView, VIDEOS_PREFIX } from './job-view.ts';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function jobId(c: Context): string {
  const id = rawPath(c).slice(VIDEOS_PREFIX.length);
  if (!JOB_ID.test(id)) throw new ProblemError('job-not-found', `no job ${JSON.stringify(id.slice(0, 64))} (job ids are UUIDs)`);
  return id;
}

/** GET /api/v1/videos/{id}: the job's state, progress per rendition, ETA and error reason. */
export function videoStatusRoute(deps: { ingest: IngestService }) {
  return (c: Context): Response => {
    const id = jobId(c);
    const job = deps.ingest.queue.get(id);
    if (job === undefined) throw new ProblemError('job-not-found', `no job ${JSON.stringify(id)}`);
    return c.json(jobView(job), 200, { 'cache-control': 'no-store' });
  };
}

/** DELETE /api/v1/videos/{id}: cancel a job that has not ended (202); 400 when it already has. */
export function videoCancelRoute(deps: { ingest: IngestService }) {
  return (c: Context): Response => {
    const id = jobId(c);
    if (!deps.ingest.cancel(id)) {
      throw new ProblemError('bad-request', 'the job has already ended (ready or failed); nothing to cancel');
    }
    const job = deps.ingest.queue.get(id)!;
    return c.json(jobView(job), 202, { 'cache-control': 'no-store' });
  };
}
