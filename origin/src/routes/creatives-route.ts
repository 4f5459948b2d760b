import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { Job } from '../jobs/job.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { titleState } from '../storage/title-build.ts';
import { jobView } from './job-view.ts';

const MAX_JSON_BYTES = 8 * 1024;
/** Conditioned creatives live beside titles under their own prefix (the edge derives it from creative id + mezzanine). */
const CREATIVE_TITLE = /^ad-[0-9a-f]{24}$/;
const LIVE_STATES = ['uploading', 'queued', 'probing', 'transcoding', 'packaging'] as const;

export interface CreativeDeps {
  ingest: IngestService;
  layout: DataLayout;
}

function parseCreativeTitle(raw: unknown): string {
  if (typeof raw !== 'string' || !CREATIVE_TITLE.test(raw)) throw new ProblemError('bad-request', `id must be "ad-" and 24 hex digits, received ${JSON.stringify(String(raw).slice(0, 80))}`);
  return raw;
}

async function creativeState(deps: CreativeDeps, id: string): Promise<{ id: string; state: string; job?: ReturnType<typeof jobView> } | undefined> {
  if ((await titleState(deps.layout, id)) === 'published') return { id, state: 'ready' };
  const jobs = deps.ingest.queue.list([...LIVE_STATES, 'failed']).filter((j: Job) => j.titleId === id);
  const job = jobs.find((j) => (LIVE_STATES as readonly string[]).includes(j.state)) ?? jobs.at(-1);
  return job ? { id, state: job.state === 'failed' ? 'failed' : 'conditioning', job: jobView(job) } : undefined;
}

/**
 * `POST /api/v1/creatives` `{"id": "ad-…", "url": mezzanine, "creativeId"?: …, "segmentSeconds"?: n}`: condition
 * an ad creative, i.e. ingest its mezzanine URL into the same ladder and packaging as every title (the
 * URL-ingest job and its source rules), cut at `segmentSeconds` when given (a live channel's segment length). Idempotent: a creative already published answers 200 `ready`, one being conditioned
 * 202 with its job; a failed one is tried again.
 */
export function conditionCreativeRoute(deps: CreativeDeps) {
  return async (c: Context): Promise<Response> => {
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new ProblemError('bad-request', 'the body must be application/json: {"id", "url", "creativeId"?}');
    }
    const text = await c.req.text();
    if (text.length > MAX_JSON_BYTES) throw new ProblemError('payload-too-large', `the JSON body is larger than ${MAX_JSON_BYTES} bytes`);
    let body: { id?: unknown; url?: unknown; creativeId?: unknown; segmentSeconds?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ProblemError('bad-request', 'the body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null) throw new ProblemError('bad-request', 'the body must be a JSON object');
    const id = parseCreativeTitle(body.id);
    const creativeId = body.creativeId === undefined ? id : body.creativeId;
    if (typeof creativeId !== 'string' || creativeId.length > 200 || /[\u0000-\u001f\u007f]/.test(creativeId)) {
      throw new ProblemError('bad-request', 'creativeId must be a printable string of at most 200 characters');
    }
    // A live channel's creatives are cut at its segment length (the edge names them apart: the id includes it).
    const segmentSeconds = body.segmentSeconds;
    if (segmentSeconds !== undefined && (typeof segmentSeconds !== 'number' || !Number.isInteger(segmentSeconds) || segmentSeconds < 1 || segmentSeconds > 10)) {
      throw new ProblemError('bad-request', `segmentSeconds: expected a whole number of seconds in 1..10, received ${JSON.stringify(segmentSeconds)?.slice(0, 80)}`);
    }
    const current = await creativeState(deps, id);
    if (current?.state === 'ready') return c.json(current, 200, { 'cache-control': 'no-store' });
    if (current?.state === 'conditioning') return c.json(current, 202, { 'cache-control': 'no-store' });
    const job = await deps.ingest.addUrl(id, `ad creative ${creativeId}`, body.url, segmentSeconds === undefined ? {} : { segmentSeconds });
    return c.json({ id, state: 'conditioning', job: jobView(job) }, 202, { 'cache-control': 'no-store' });
  };
}

/** `GET /api/v1/creatives/{id}`: `ready`, `conditioning` (with the job) or `failed`. */
export function creativeStatusRoute(deps: CreativeDeps) {
  return async (c: Context): Promise<Response> => {
    const id = parseCreativeTitle(c.req.param('id'));
    const state = await creativeState(deps, id);
    if (!state) throw new ProblemError('creative-not-found', `no creative ${id}`);
    return c.json(state, 200, { 'cache-control': 'no-store' });
  };
}
