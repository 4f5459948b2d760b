/** The validators a stored or served representation carries. */
export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

/** The conditional request headers, lower-cased as Node's IncomingHttpHeaders has them. */
export interface ConditionalHeaders {
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
}

/**
 * RFC 9110 §13.1.2 / §13.1.3 for GET and HEAD: If-None-Match (weak comparison) decides when present;
 * otherwise If-Modified-Since against Last-Modified.
 */
export function isNotModified(request: ConditionalHeaders, object: Validators): boolean {
  const ifNoneMatch = request['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (object.etag === undefined) return false;
    if (ifNoneMatch.trim() === '*') return true;
    const current = opaqueTag(object.etag);
    return splitTags(ifNoneMatch).some((tag) => opaqueTag(tag) === current);
  }
  const ifModifiedSince = request['if-modified-since'];
  if (ifModifiedSince !== undefined && object.lastModified !== undefined) {
    const since = Date.parse(ifModifiedSince);
    const modified = Date.parse(object.lastModified);
    return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
  }
  return false;
}

/**
 * RFC 9110 §13.1.5: a Range applies only if If-Range still names this representation, by strong ETag
 * comparison or by exact Last-Modified date; otherwise the client gets the whole object.
 */
export function ifRangeMatches(ifRange: string | undefined, object: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    return object.etag !== undefined && !object.etag.startsWith('W/') && !value.startsWith('W/') && value === object.etag;
  }
  if (object.lastModified === undefined) return false;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(object.lastModified);
}

function splitTags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/** Weak comparison ignores the W/ prefix. */
function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}
