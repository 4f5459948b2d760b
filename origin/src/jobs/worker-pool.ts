import type { Logger } from '@cascade/common/node';
import type { Job } from './job.ts';
import type { JobQueue } from './job-queue.ts';
import type { StopReason } from './run-job.ts';

export interface WorkerPoolOptions {
  queue: JobQueue;
  /** Jobs run at once; at least 1. */
  concurrency: number;
  /** Starts of one job (restarts included) before it is failed for good. */
  maxAttempts: number;
  run: (job: Job, signal: AbortSignal) => Promise<void>;
  logger: Logger;
}

/**
 * Runs queued jobs, at most `concurrency` at a time, each with its own AbortController so one job
 * can be cancelled while the others go on. Jobs are pulled from the queue (not pushed), so a job
 * added while all workers are busy waits in the database, where a restart finds it.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new TypeError(`WorkerPool: concurrency must be an integer >= 1, received ${options.concurrency}`);
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) throw new TypeError(`WorkerPool: maxAttempts must be an integer >= 1, received ${options.maxAttempts}`);
    this.#options = options;
  }

  /**
   * Put jobs a previous process left unfinished back in the queue, or fail them: a plain upload that
   * was still arriving cannot resume, and a job that keeps being interrupted (it may be what crashes
   * the process) stops after maxAttempts.
   */
  recover(): { requeued: string[]; failed: string[] } {
    const { queue, maxAttempts, logger } = this.#options;
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const job of queue.interrupted()) {
      if (job.state === 'uploading') {
        queue.fail(job.id, 'upload-incomplete', 'the origin stopped while the upload was arriving; upload again (or use the resumable tus endpoint)');
        failed.push(job.id);
      } else if (job.attempts >= maxAttempts) {
        queue.fail(job.id, 'job-failed', `the job was interrupted ${job.attempts} times (ORIGIN_JOB_MAX_ATTEMPTS=${maxAttempts})`);
        failed.push(job.id);
      } else {
        queue.markQueued(job.id);
        requeued.push(job.id);
      }
    }
    if (requeued.length + failed.length > 0) logger.warn({ requeued, failed }, 'recovered jobs left by an earlier run');
    return { requeued, failed };
  }

  /** Start queued jobs while workers are free; call after adding a job. */
  pump(): void {
    while (!this.#closed && this.#running.size < this.#options.concurrency) {
      const job = this.#options.queue.claim();
      if (job === undefined) return;
      const controller = new AbortController();
      const done = this.#options
        .run(job, controller.signal)
        .catch((error: unknown) => this.#options.logger.error({ err: error, jobId: job.id }, 'worker crashed'))
        .finally(() => {
          this.#running.delete(job.id);
          this.pump();
        });
      this.#running.set(job.id, { controller, done });
    }
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** Stop a running job (it ends failed with job-cancelled); false when it is not running here. */
  cancel(id: string, reason: StopReason = 'cancel'): boolean {
    const running = this.#running.get(id);
    if (running === undefined) return false;
    running.controller.abort(reason);
    return true;
  }

  /** Stop taking jobs, stop the running ones (they resume at the next start) and wait for them. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#running.values()];
    for (const r of all) r.controller.abort('shutdown' satisfies StopReason);
    await Promise.all(all.map((r) => r.done));
  }
}
