import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { ErrorCode } from '@cascade/common';
import type { MediaProbe } from '../media/probe-media.ts';
import type { Job, JobSource, JobState, NewJob, RenditionProgress } from './job.ts';
import { TitleTakenError, type JobQueue } from './job-queue.ts';

interface JobRow {
  id: string;
  title_id: string;
  title_name: string;
  state: string;
  source: string;
  probe: string | null;
  percent: number;
  renditions: string;
  eta_seconds: number | null;
  error_code: string | null;
  error_reason: string | null;
  attempts: number;
  encryption: string | null;
  segment_seconds: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

// One row per job. The partial unique index is what makes "two uploads with the same title" safe
// under any interleaving: only one job that is not failed may hold a title id.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  title_id TEXT NOT NULL,
  title_name TEXT NOT NULL,
  state TEXT NOT NULL,
  source TEXT NOT NULL,
  probe TEXT,
  percent REAL NOT NULL DEFAULT 0,
  renditions TEXT NOT NULL DEFAULT '[]',
  eta_seconds REAL,
  error_code TEXT,
  error_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  encryption TEXT NOT NULL DEFAULT 'none',
  segment_seconds REAL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_live_title ON jobs(title_id) WHERE state <> 'failed';
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, created_at);
`;

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    titleId: row.title_id,
    titleName: row.title_name,
    state: row.state as JobState,
    source: JSON.parse(row.source) as JobSource,
    probe: row.probe === null ? undefined : (JSON.parse(row.probe) as MediaProbe),
    percent: row.percent,
    renditions: JSON.parse(row.renditions) as RenditionProgress[],
    etaSeconds: row.eta_seconds ?? undefined,
    error: row.error_code === null ? undefined : { code: row.error_code as ErrorCode, reason: row.error_reason ?? '' },
    attempts: row.attempts,
    encryption: (row.encryption ?? 'none') as Job['encryption'],
    segmentSeconds: row.segment_seconds ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at ?? undefined,
  };
}

/**
 * The job queue in one SQLite file (node:sqlite, built into Node 24). WAL mode with synchronous=FULL:
 * a job the API has acknowledged survives a crash or power loss. All access is from the origin's one
 * process, so the synchronous API is fine; every statement is a few microseconds.
 */
export class SqliteJobStore implements JobQueue {
  readonly #db: DatabaseSync;

  constructor(file: string) {
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
    // Job databases made before per-title encryption gain the column (existing jobs stay clear).
    const columns = this.#db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'encryption')) this.#db.exec("ALTER TABLE jobs ADD COLUMN encryption TEXT NOT NULL DEFAULT 'none'");
    // …and before per-job segment lengths (live-channel ad creatives): existing jobs keep the configured one.
    if (!columns.some((c) => c.name === 'segment_seconds')) this.#db.exec('ALTER TABLE jobs ADD COLUMN segment_seconds REAL');
  }

  #now(): string {
    return new Date().toISOString();
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#db.prepare(sql).run(...params);
  }

  add(job: NewJob): Job {
    const now = this.#now();
    try {
      this.#run(
        'INSERT INTO jobs (id, title_id, title_name, state, source, encryption, segment_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        job.id, job.titleId, job.titleName, job.state, JSON.stringify(job.source), job.encryption ?? 'none', job.segmentSeconds ?? null, now, now,
      );
    } catch (error) {
      if (/UNIQUE constraint failed: jobs\.title_id/.test((error as Error).message)) throw new TitleTakenError(job.titleId);
      throw error;
    }
    return this.get(job.id)!;
  }

  get(id: string): Job | undefined {
    const row = this.#db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  claim(): Job | undefined {
    const row = this.#db
      .prepare(
        `UPDATE jobs SET state = 'probing', attempts = attempts + 1, updated_at = ?
         WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, id LIMIT 1) RETURNING *`,
      )
      .get(this.#now()) as JobRow | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  markQueued(id: string): void {
    this.#run("UPDATE jobs SET state = 'queued', updated_at = ? WHERE id = ? AND state <> 'failed' AND state <> 'ready'", this.#now(), id);
  }

  setState(id: string, state: JobState): void {
    this.#run('UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?', state, this.#now(), id);
  }

  setProbe(id: string, probe: MediaProbe): void {
    this.#run('UPDATE jobs SET probe = ?, updated_at = ? WHERE id = ?', JSON.stringify(probe), this.#now(), id);
  }

  setProgress(id: string, progress: { percent: number; renditions: RenditionProgress[]; etaSeconds: number | undefined }): void {
    this.#run(
      'UPDATE jobs SET percent = ?, renditions = ?, eta_seconds = ?, updated_at = ? WHERE id = ?',
      progress.percent, JSON.stringify(progress.renditions), progress.etaSeconds ?? null, this.#now(), id,
    );
  }

  fail(id: string, code: ErrorCode, reason: string): void {
    const now = this.#now();
    this.#run(
      "UPDATE jobs SET state = 'failed', error_code = ?, error_reason = ?, eta_seconds = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND state <> 'ready'",
      code, reason.slice(0, 2000), now, now, id,
    );
  }

  finish(id: string): void {
    const now = this.#now();
    this.#run("UPDATE jobs SET state = 'ready', percent = 100, eta_seconds = 0, updated_at = ?, finished_at = ? WHERE id = ?", now, now, id);
  }

  interrupted(): Job[] {
    return this.list(['uploading', 'probing', 'transcoding', 'packaging']);
  }

  list(states: readonly JobState[]): Job[] {
    if (states.length === 0) return [];
    const rows = this.#db
      .prepare(`SELECT * FROM jobs WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY created_at, id`)
      .all(...states) as unknown as JobRow[];
    return rows.map(toJob);
  }

  counts(): Partial<Record<JobState, number>> {
    const rows = this.#db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as unknown as Array<{ state: JobState; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
