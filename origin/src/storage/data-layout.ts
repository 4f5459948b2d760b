import { join } from 'node:path';

/**
 * Where things live under the data dir. Published titles are whole directories under `vod/`; work in
 * progress lives under `tmp/` on the same file system, so publishing is one atomic rename.
 */
export interface DataLayout {
  dataDir: string;
  vodDir: string;
  tmpDir: string;
  /** Sources of ingest jobs (`ingest/<jobId>/`), kept until the job ends. */
  ingestDir: string;
  /** Resumable (tus) uploads in progress. */
  uploadsDir: string;
  /** The job database (SQLite). */
  jobsDb: string;
  /** Live channels' media, one directory per channel (`live/<channelId>/`). */
  liveDir: string;
  /** Live channels, their segments and ad breaks (SQLite). */
  liveDb: string;
  titleDir(titleId: string): string;
  jobDir(jobId: string): string;
}

export function dataLayout(dataDir: string): DataLayout {
  const vodDir = join(dataDir, 'vod');
  return {
    dataDir,
    vodDir,
    tmpDir: join(dataDir, 'tmp'),
    ingestDir: join(dataDir, 'ingest'),
    uploadsDir: join(dataDir, 'uploads'),
    jobsDb: join(dataDir, 'jobs.sqlite'),
    liveDir: join(dataDir, 'live'),
    liveDb: join(dataDir, 'live.sqlite'),
    titleDir: (titleId) => join(vodDir, titleId),
    jobDir: (jobId) => join(dataDir, 'ingest', jobId),
  };
}
