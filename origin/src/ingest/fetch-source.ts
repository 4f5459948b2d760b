import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProblemError } from '@cascade/common';

/**
 * Parse an operator-named source URL. Only http and https: file:, data:, ftp: and the rest are
 * refused, so a URL cannot be used to read the origin's own files. Credentials in the URL are refused
 * too (they would land in the job record and logs).
 */
export function parseSourceUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProblemError('bad-request', `source.url is not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProblemError('ingest-source-forbidden', `source.url must be http or https, received ${JSON.stringify(url.protocol)}`);
  }
  if (url.username !== '' || url.password !== '') throw new ProblemError('ingest-source-forbidden', 'source.url must not carry credentials');
  return url;
}

/** Counts bytes through a stream and fails it once they pass `limit`. */
export function byteLimit(limit: number, onBytes?: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onBytes?.(total);
      if (total > limit) callback(new ProblemError('payload-too-large', `the source is larger than the limit of ${limit} bytes (ORIGIN_MAX_UPLOAD_BYTES)`));
      else callback(null, chunk);
    },
  });
}

/** Download `url` to `file` streaming, within `maxBytes`; redirects are followed only to http(s). */
export async function fetchSource(url: URL, file: string, options: { maxBytes: number; signal?: AbortSignal; timeoutMs?: number }): Promise<void> {
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, AbortSignal.timeout(options.timeoutMs ?? 30 * 60_000)]);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ProblemError('ingest-source-failed', `fetching ${url.origin}${url.pathname} failed: ${(error as Error).message}`);
  }
  parseSourceUrl(response.url || url.href);
  if (!response.ok || response.body === null) {
    throw new ProblemError('ingest-source-failed', `fetching ${url.origin}${url.pathname} answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body.cancel();
    throw new ProblemError('payload-too-large', `the source is ${declared} bytes; the limit is ${options.maxBytes} (ORIGIN_MAX_UPLOAD_BYTES)`);
  }
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), byteLimit(options.maxBytes), createWriteStream(file), { signal });
  } catch (error) {
    if (error instanceof ProblemError || options.signal?.aborted) throw error;
    throw new ProblemError('ingest-source-failed', `fetching ${url.origin}${url.pathname} broke off: ${(error as Error).message}`);
  }
}
