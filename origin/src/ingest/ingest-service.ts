import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { parseId, ProblemError } from '@cascade/common';
import type { Logger } from '@cascade/common/node';
import { TITLE_ENCRYPTIONS, type IngestConfig, type TitleEncryption } from '../config.ts';
import type { Job, JobSource } from '../jobs/job.ts';
import { TitleTakenError, type JobQueue } from '../jobs/job-queue.ts';
import type { WorkerPool } from '../jobs/worker-pool.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { titleState } from '../storage/title-build.ts';
import { byteLimit, parseSourceUrl } from './fetch-source.ts';

export const SOURCE_FILE = 'source';
const MAX_NAME_LENGTH = 200;

export interface IngestServiceDeps {
  queue: JobQueue;
  pool: WorkerPool;
  layout: DataLayout;
  ingest: IngestConfig;
  logger: Logger;
  /** Whether the origin holds a key-encryption key (CONTENT_KEK): encrypted ingest needs one. */
  canEncrypt?: boolean;
}

/** Per-title ingest options. */
export interface IngestOptions {
  encryption?: TitleEncryption;
  /** Package at this segment length instead of ORIGIN_SEGMENT_SECONDS (ad creatives for live channels). */
  segmentSeconds?: number;
}

/** The `encryption` ingest option: none (default), cenc, cbcs or aes-128 (HLS only); encryption needs CONTENT_KEK. */
export function parseEncryption(raw: unknown, canEncrypt: boolean): TitleEncryption {
  if (raw === undefined || raw === null || raw === '') return 'none';
  if (typeof raw !== 'string' || !(TITLE_ENCRYPTIONS as readonly string[]).includes(raw)) {
    throw new ProblemError('bad-request', `encryption: expected one of ${TITLE_ENCRYPTIONS.join(', ')}, received ${JSON.stringify(String(raw).slice(0, 40))}`);
  }
  if (raw !== 'none' && !canEncrypt) throw new ProblemError('bad-request', `encryption: ${raw} needs a key-encryption key on the origin (CONTENT_KEK), and none is configured`);
  return raw as TitleEncryption;
}

/** A title id from outside: the media path grammar (no traversal, no separators), named in the error. */
export function parseTitleId(raw: unknown, what = 'title'): string {
  if (typeof raw !== 'string' || raw === '') throw new ProblemError('bad-request', `${what} is required: a title id of [A-Za-z0-9._-], at most 64 characters`);
  try {
    return parseId(raw, what);
  } catch (error) {
    throw new ProblemError('bad-request', (error as Error).message + ` (expected [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters, no "..")`);
  }
}

/** A display name: printable, bounded; defaults to the title id. */
export function parseTitleName(raw: unknown, titleId: string): string {
  if (raw === undefined || raw === null || raw === '') return titleId;
  if (typeof raw !== 'string' || raw.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new ProblemError('bad-request', `name must be a string of at most ${MAX_NAME_LENGTH} printable characters`);
  }
  return raw;
}

/**
 * How sources become jobs: plain uploads streamed to disk, finished resumable uploads, files an
 * operator names inside ORIGIN_INGEST_DIRS, and http(s) URLs. A title id is taken by at most one job
 * that has not failed (enforced by the queue's unique index) and never by an already published title.
 */
export class IngestService {
  readonly #deps: IngestServiceDeps;

  constructor(deps: IngestServiceDeps) {
    this.#deps = deps;
  }

  get queue(): JobQueue {
    return this.#deps.queue;
  }

  async #ensureTitleFree(titleId: string): Promise<void> {
    if ((await titleState(this.#deps.layout, titleId)) !== 'absent') {
      throw new ProblemError('title-exists', `title ${JSON.stringify(titleId)} is already published`, { titleId });
    }
  }

  /** Refuse early (before a resumable upload sends its bytes) when a title is published or has a live job. */
  async assertTitleFree(titleId: string): Promise<void> {
    await this.#ensureTitleFree(titleId);
    if (this.#deps.queue.list(['uploading', 'queued', 'probing', 'transcoding', 'packaging']).some((j) => j.titleId === titleId)) {
      throw new ProblemError('title-exists', `title ${JSON.stringify(titleId)} is already being ingested`, { titleId });
    }
  }

  get canEncrypt(): boolean {
    return this.#deps.canEncrypt === true;
  }

  #add(titleId: string, titleName: string, source: JobSource, state: 'uploading' | 'queued', id: string, options: IngestOptions = {}): Job {
    try {
      return this.#deps.queue.add({ id, titleId, titleName, source, state, encryption: options.encryption ?? 'none', ...(options.segmentSeconds !== undefined && { segmentSeconds: options.segmentSeconds }) });
    } catch (error) {
      if (error instanceof TitleTakenError) throw new ProblemError('title-exists', `title ${JSON.stringify(titleId)} is already being ingested`, { titleId });
      throw error;
    }
  }

  #start(job: Job): Job {
    this.#deps.pool.pump();
    return this.#deps.queue.get(job.id) ?? job;
  }

  /**
   * Stream a request body to the job's directory (never into memory), within the size limit. The
   * job exists from the first byte (state `uploading`), so a second upload of the same title is
   * refused at once and a broken-off upload leaves a failed job that says why.
   */
  async receiveUpload(titleId: string, titleName: string, body: ReadableStream<Uint8Array> | null, declaredBytes: number | undefined, originalName?: string, options: IngestOptions = {}): Promise<Job> {
    const { ingest, layout, queue, logger } = this.#deps;
    if (declaredBytes !== undefined && declaredBytes > ingest.maxUploadBytes) {
      throw new ProblemError('payload-too-large', `the upload is ${declaredBytes} bytes; the limit is ${ingest.maxUploadBytes} (ORIGIN_MAX_UPLOAD_BYTES)`);
    }
    if (body === null) throw new ProblemError('bad-request', 'the upload has no body');
    await this.#ensureTitleFree(titleId);
    const id = randomUUID();
    const file = join(layout.jobDir(id), SOURCE_FILE);
    const job = this.#add(titleId, titleName, { kind: 'upload', file, ...(originalName ? { originalName } : {}) }, 'uploading', id, options);
    let received = 0;
    try {
      await mkdir(layout.jobDir(id), { recursive: true });
      await pipeline(
        Readable.fromWeb(body as NodeWebStream<Uint8Array>),
        byteLimit(ingest.maxUploadBytes, (total) => (received = total)),
        createWriteStream(file),
      );
      if (declaredBytes !== undefined && received !== declaredBytes) {
        throw new ProblemError('upload-incomplete', `received ${received} of ${declaredBytes} bytes`);
      }
    } catch (error) {
      const problem =
        error instanceof ProblemError ? error : new ProblemError('upload-incomplete', `the upload broke off after ${received} bytes: ${(error as Error).message}`);
      queue.fail(id, problem.code, problem.message);
      await rm(layout.jobDir(id), { recursive: true, force: true });
      logger.info({ jobId: id, titleId, received, code: problem.code }, 'upload refused');
      throw new ProblemError(problem.code, problem.message, { jobId: id });
    }
    if (queue.get(id)?.state !== 'uploading') {
      // Cancelled while the bytes were arriving: the job has already failed with its reason.
      await rm(layout.jobDir(id), { recursive: true, force: true });
      throw new ProblemError('job-cancelled', 'the job was cancelled while the upload was arriving', { jobId: id });
    }
    queue.markQueued(id);
    logger.info({ jobId: id, titleId, bytes: received }, 'upload received');
    return this.#start(job);
  }

  /** A finished resumable upload: its file moves into the job's directory (same file system). */
  async adoptFile(titleId: string, titleName: string, file: string, originalName?: string): Promise<Job> {
    await this.#ensureTitleFree(titleId);
    const id = randomUUID();
    await mkdir(this.#deps.layout.jobDir(id), { recursive: true });
    const target = join(this.#deps.layout.jobDir(id), SOURCE_FILE);
    let job: Job;
    try {
      job = this.#add(titleId, titleName, { kind: 'tus', file: target, ...(originalName ? { originalName } : {}) }, 'uploading', id);
    } catch (error) {
      await rm(this.#deps.layout.jobDir(id), { recursive: true, force: true });
      throw error;
    }
    await rename(file, target);
    this.#deps.queue.markQueued(id);
    return this.#start(job);
  }

  /**
   * A file an operator names. Only inside ORIGIN_INGEST_DIRS, judged on the real path (symlinks and
   * `..` resolved), so the API cannot be used to read the origin's own files or keys.
   */
  async addPath(titleId: string, titleName: string, path: unknown, options: IngestOptions = {}): Promise<Job> {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new ProblemError('bad-request', 'source.path must be a non-empty file path');
    const roots = this.#deps.ingest.ingestDirs;
    if (roots.length === 0) throw new ProblemError('ingest-source-forbidden', 'path ingest is off: ORIGIN_INGEST_DIRS names no directory');
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new ProblemError('ingest-source-forbidden', `source.path ${JSON.stringify(path.slice(0, 200))} does not exist or is not inside ORIGIN_INGEST_DIRS`);
    }
    const inside = await Promise.all(roots.map(async (root) => real.startsWith((await realpath(root).catch(() => root)) + sep)));
    if (!inside.some(Boolean)) throw new ProblemError('ingest-source-forbidden', `source.path ${JSON.stringify(path.slice(0, 200))} does not exist or is not inside ORIGIN_INGEST_DIRS`);
    if (!(await stat(real)).isFile()) throw new ProblemError('bad-request', 'source.path is not a regular file');
    await this.#ensureTitleFree(titleId);
    return this.#start(this.#add(titleId, titleName, { kind: 'path', file: real }, 'queued', randomUUID(), options));
  }

  /** An http(s) URL the origin downloads when the job starts (streamed, within the size limit). */
  async addUrl(titleId: string, titleName: string, url: unknown, options: IngestOptions = {}): Promise<Job> {
    if (typeof url !== 'string') throw new ProblemError('bad-request', 'source.url must be a string');
    const parsed = parseSourceUrl(url);
    await this.#ensureTitleFree(titleId);
    const id = randomUUID();
    return this.#start(this.#add(titleId, titleName, { kind: 'url', url: parsed.href, file: join(this.#deps.layout.jobDir(id), SOURCE_FILE) }, 'queued', id, options));
  }

  /** Cancel: a queued job fails at once, a running one is stopped; false when the job has already ended. */
  cancel(id: string): boolean {
    const job = this.#deps.queue.get(id);
    if (job === undefined) throw new ProblemError('job-not-found', `no job ${JSON.stringify(id)}`);
    if (job.state === 'ready' || job.state === 'failed') return false;
    if (!this.#deps.pool.cancel(id)) this.#deps.queue.fail(id, 'job-cancelled', 'cancelled by an operator');
    return true;
  }
}
