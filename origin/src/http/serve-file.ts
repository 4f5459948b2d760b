import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ProblemError } from '@cascade/common';
import parseRange from 'range-parser';

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

/** RFC 9110 13.1.2: If-None-Match uses weak comparison; `*` matches any current representation. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** RFC 9110 13.1.5: a Range applies only if If-Range still names the current representation (strongly). */
function rangeStillValid(ifRange: string | null, etag: string, lastModified: string): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  return value === lastModified;
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

    const ifNoneMatch = options.requestHeaders.get('if-none-match');
    const ifModifiedSince = options.requestHeaders.get('if-modified-since');
    const notModified =
      ifNoneMatch !== null
        ? noneMatch(ifNoneMatch, etag)
        : ifModifiedSince !== null && Math.floor(stats.mtimeMs / 1000) * 1000 <= Date.parse(ifModifiedSince);
    if (notModified) {
      headers.delete('content-type');
      return new Response(null, { status: 304, headers });
    }

    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = options.requestHeaders.get('range');
    if (range !== null && rangeStillValid(options.requestHeaders.get('if-range'), etag, lastModified)) {
      const ranges = parseRange(size, range, { combine: true });
      if (ranges === -1) {
        throw new ProblemError('range-not-satisfiable', `range ${JSON.stringify(range.slice(0, 64))} is outside 0..${size - 1}`, { size });
      }
      // -2 (malformed) and non-byte units are ignored as RFC 9110 14.2 says; one range is honoured.
      if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
        start = ranges[0]!.start;
        end = ranges[0]!.end;
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
