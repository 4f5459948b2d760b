import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectHeaders } from './cached-object.ts';

/** The origin headers worth keeping: type, caching and validators. Everything else stays behind. */
export function pickObjectHeaders(headers: IncomingHttpHeaders): ObjectHeaders {
  const picked: ObjectHeaders = {};
  if (headers['content-type'] !== undefined) picked.contentType = headers['content-type'];
  if (headers['cache-control'] !== undefined) picked.cacheControl = headers['cache-control'];
  if (headers.etag !== undefined) picked.etag = headers.etag;
  if (headers['last-modified'] !== undefined) picked.lastModified = headers['last-modified'];
  if (headers['content-encoding'] !== undefined) picked.contentEncoding = headers['content-encoding'];
  if (headers.vary !== undefined) picked.vary = headers.vary;
  return picked;
}

/** Declared body length, or undefined when absent or malformed (then the body reader enforces the cap). */
export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** `ObjectHeaders` as response headers, in the wire names. */
export function toResponseHeaders(headers: ObjectHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers.contentType !== undefined) out['content-type'] = headers.contentType;
  if (headers.cacheControl !== undefined) out['cache-control'] = headers.cacheControl;
  if (headers.etag !== undefined) out.etag = headers.etag;
  if (headers.lastModified !== undefined) out['last-modified'] = headers.lastModified;
  if (headers.contentEncoding !== undefined) out['content-encoding'] = headers.contentEncoding;
  if (headers.vary !== undefined) out.vary = headers.vary;
  return out;
}
