import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ProblemError } from '@cascade/common';
import { ifRangeMatches, isNotModified, selectRange } from '@cascade/common/http';

export interface ServeFileOptions {
  method: 'GET' | 'HEAD';
  requestHeaders: Headers;
  contentType: string;
  cacheControl: string;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ELOOP']);

/** Strong validator from size and mtime: published files are never rewritten in place. */
function entityTag(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/**
 * Serve one regular file: ETag/Last-Modified validators, conditional GET (304), a single byte range
 * (206, or 416 when unsatisfiable), HEAD without a body. The body is streamed from the open file
 * handle, so the file is never held in memory. Multiple ranges are answered with the whole file,
 * which RFC 9110 14.2 allows.
 */
export async function serveFile(path: string, options: ServeFileOptions): Promise<Response> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a symlink planted in a title directory cannot point the origin elsewhere.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) throw new ProblemError('not-found', 'No such media file');
    throw error;
  }
  let streaming = false;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ProblemError('not-found', 'No such media file');
    const size = stats.size;
    const etag = entityTag(size, stats.mtimeMs);
    const lastModified = stats.mtime.toUTCString();
    const headers = new Headers({
      'content-type': options.contentType,
      'cache-control': options.cacheControl,
      'accept-ranges': 'bytes',
      etag,
      'last-modified': lastModified,
    });

    const request = options.requestHeaders;
    const validators = { etag, lastModified };
    const notModified = isNotModified(
      { 'if-none-match': request.get('if-none-match') ?? undefined, 'if-modified-since': request.get('if-modified-since') ?? undefined },
      validators,
    );
    if (notModified) {
      headers.delete('content-type');
      return new Response(null, { status: 304, headers });
    }

    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = request.get('range') ?? undefined;
    if (range !== undefined && ifRangeMatches(request.get('if-range') ?? undefined, validators)) {
      const selection = selectRange(size, range);
      if (selection.kind === 'unsatisfiable') {
        throw new ProblemError('range-not-satisfiable', `range ${JSON.stringify(range.slice(0, 64))} is outside 0..${size - 1}`, { size });
      }
      if (selection.kind === 'partial') {
        ({ start, end } = selection);
        status = 206;
        headers.set('content-range', `bytes ${start}-${end}/${size}`);
      }
    }
    headers.set('content-length', String(size === 0 ? 0 : end - start + 1));

    if (options.method === 'HEAD' || size === 0) return new Response(null, { status, headers });
    const stream = handle.createReadStream({ start, end, autoClose: true });
    streaming = true;
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status, headers });
  } finally {
    if (!streaming) await handle.close();
  }
}
