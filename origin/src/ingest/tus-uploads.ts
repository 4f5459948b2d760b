import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '@cascade/common';
import type { Logger } from '@cascade/common/node';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import type { IngestService } from './ingest-service.ts';
import { parseTitleId, parseTitleName } from './ingest-service.ts';

export const TUS_PATH = '/api/v1/videos/tus';

export interface TusUploadsOptions {
  directory: string;
  maxBytes: number;
  ingest: IngestService;
  logger: Logger;
}

/** Thrown from tus hooks: @tus/server answers with status_code and body; `handle` turns it into problem+json. */
function tusError(problem: ProblemError): { status_code: number; body: string } {
  return { status_code: problem.status, body: JSON.stringify(problem.toBody()) };
}

/**
 * Resumable uploads over the tus 1.0 protocol (core, creation, termination, expiration), served by
 * @tus/server with its file store under `<data>/uploads/`. Upload-Metadata carries `title`
 * (required), `name` and `filename`; they are checked when the upload is created, so a bad title id
 * or a title already taken is refused before any byte is sent. When the last byte arrives the file
 * becomes an ingest job, whose status URL is in the final response's `Cascade-Job` header.
 */
export class TusUploads {
  readonly #server: Server;
  readonly #options: TusUploadsOptions;

  constructor(options: TusUploadsOptions) {
    this.#options = options;
    const { directory, maxBytes, ingest, logger } = options;
    this.#server = new Server({
      path: TUS_PATH,
      datastore: new FileStore({ directory }),
      maxSize: maxBytes,
      relativeLocation: true,
      respectForwardedHeaders: false,
      exposedHeaders: ['Cascade-Job'],
      onUploadCreate: async (_req, upload) => {
        try {
          const titleId = parseTitleId(upload.metadata?.['title'] ?? undefined, 'Upload-Metadata title');
          parseTitleName(upload.metadata?.['name'] ?? undefined, titleId);
          if (upload.size === undefined) throw new ProblemError('bad-request', 'Upload-Length is required (deferred length is not supported)');
          await ingest.assertTitleFree(titleId);
        } catch (error) {
          throw tusError(error instanceof ProblemError ? error : new ProblemError('bad-request', (error as Error).message));
        }
        return {};
      },
      onUploadFinish: async (_req, upload) => {
        const metadata = upload.metadata ?? {};
        const titleId = parseTitleId(metadata['title'] ?? undefined, 'Upload-Metadata title');
        const file = join(directory, upload.id);
        try {
          const filename = metadata['filename'] ?? undefined;
          const job = await ingest.adoptFile(titleId, parseTitleName(metadata['name'] ?? undefined, titleId), file, filename ?? undefined);
          logger.info({ uploadId: upload.id, jobId: job.id, titleId, bytes: upload.size }, 'resumable upload finished');
          return { status_code: 204, headers: { 'Cascade-Job': `/api/v1/videos/${job.id}` } };
        } catch (error) {
          const problem = error instanceof ProblemError ? error : new ProblemError('internal', 'the finished upload could not become a job');
          if (!(error instanceof ProblemError)) logger.error({ err: error, uploadId: upload.id }, 'finishing a resumable upload failed');
          await rm(file, { force: true });
          throw tusError(problem);
        } finally {
          await rm(`${file}.json`, { force: true });
        }
      },
    });
  }

  /** Answer one tus request; errors come back as application/problem+json like every other origin error. */
  async handle(request: Request): Promise<Response> {
    const response = await this.#server.handleWeb(request);
    if (response.status < 400) return response;
    const text = await response.text();
    let body: { code?: unknown } | undefined;
    try {
      body = JSON.parse(text) as { code?: unknown };
    } catch {
      body = undefined;
    }
    const headers = new Headers(response.headers);
    if (body && typeof body.code === 'string') {
      headers.set('content-type', PROBLEM_CONTENT_TYPE);
      headers.delete('content-length');
      return new Response(text, { status: response.status, headers });
    }
    // @tus/server's own refusals (offset mismatch, size exceeded, missing headers) keep their status.
    const problem = new ProblemError(response.status === 413 ? 'payload-too-large' : response.status === 404 ? 'not-found' : 'bad-request', text.trim() || `tus: ${response.status}`);
    headers.set('content-type', PROBLEM_CONTENT_TYPE);
    headers.delete('content-length');
    return new Response(JSON.stringify({ ...problem.toBody(), status: response.status }), { status: response.status, headers });
  }

  get directory(): string {
    return this.#options.directory;
  }
}
