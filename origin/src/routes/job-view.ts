import type { Job } from '../jobs/job.ts';

export const VIDEOS_PREFIX = '/api/v1/videos/';

/**
 * The public shape of a job (GET /api/v1/videos/{id}): state, progress per rendition, ETA, the
 * error's code and reason, and what the probe found. Server-side paths are never shown.
 */
export function jobView(job: Job): Record<string, unknown> {
  const source: Record<string, unknown> = { kind: job.source.kind };
  if (job.source.kind === 'url') source['url'] = job.source.url;
  if ((job.source.kind === 'upload' || job.source.kind === 'tus') && job.source.originalName) source['name'] = job.source.originalName;
  return {
    id: job.id,
    titleId: job.titleId,
    name: job.titleName,
    state: job.state,
    progress: { percent: job.percent, renditions: job.renditions },
    etaSeconds: job.state === 'ready' ? 0 : (job.etaSeconds ?? null),
    error: job.error ?? null,
    source,
    probe: job.probe ?? null,
    attempts: job.attempts,
    encryption: job.encryption,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    finishedAt: job.finishedAt ?? null,
    links: {
      self: `${VIDEOS_PREFIX}${job.id}`,
      ...(job.state === 'ready'
        ? { title: `/api/v1/titles/${job.titleId}`, hls: `/vod/${job.titleId}/master.m3u8`, dash: `/vod/${job.titleId}/manifest.mpd` }
        : {}),
    },
  };
}
