import type { ErrorCode } from '@cascade/common';
import type { MediaProbe } from '../media/probe-media.ts';
import type { Job, JobState, NewJob, RenditionProgress } from './job.ts';

/**
 * What the worker pool and the API need from a job queue. One node: SqliteJobStore (node:sqlite).
 * Several nodes: the same interface over Postgres (pg-boss) or Redis (BullMQ); see README "Scaling
 * the origin". `claim` must hand a job to exactly one worker.
 */
export interface JobQueue {
  /** Insert a job. Throws TitleTakenError when another live or ready job already holds the title. */
  add(job: NewJob): Job;
  get(id: string): Job | undefined;
  /** Take the oldest queued job, mark it `probing` and count the attempt; undefined when none is queued. */
  claim(): Job | undefined;
  markQueued(id: string): void;
  setState(id: string, state: JobState): void;
  setProbe(id: string, probe: MediaProbe): void;
  setProgress(id: string, progress: { percent: number; renditions: RenditionProgress[]; etaSeconds: number | undefined }): void;
  fail(id: string, code: ErrorCode, reason: string): void;
  finish(id: string): void;
  /** Jobs a previous process left running or receiving: put back in the queue or failed (see recoverInterrupted). */
  interrupted(): Job[];
  /** Jobs whose state is one of `states`, oldest first. */
  list(states: readonly JobState[]): Job[];
  /** Number of jobs in each state (for metrics). */
  counts(): Partial<Record<JobState, number>>;
  close(): void;
}

export class TitleTakenError extends Error {
  readonly titleId: string;
  constructor(titleId: string) {
    super(`title ${JSON.stringify(titleId)} already has a job that is not failed`);
    this.name = 'TitleTakenError';
    this.titleId = titleId;
  }
}
