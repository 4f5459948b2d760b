/** Origin headers the shield keeps with an object and hands on to its clients. */
export interface ObjectHeaders {
  contentType?: string;
  cacheControl?: string;
  etag?: string;
  lastModified?: string;
  /** Kept because it describes the stored bytes; dropping it would hand out undecodable bodies. */
  contentEncoding?: string;
  /** Kept so a shared cache downstream (the edge) keys the answer the same way (RFC 9110 §12.5.5). */
  vary?: string;
}

/** One complete origin answer held in memory: a cached 200 or 404, or an uncached answer shared by collapsed waiters. */
export interface OriginObject {
  status: number;
  headers: ObjectHeaders;
  body: Buffer;
  /** When the shield received (or last revalidated) it, in ms since the epoch; the base for `Age`. */
  storedAt: number;
  /** The origin's own `Age` when we received it, added to our residence time. */
  originAge: number;
}

export interface CachedObject extends OriginObject {
  key: string;
  /** ms since the epoch; after this the entry is stale and must be revalidated or refetched. */
  expiresAt: number;
  /** Until then a stale entry is served at once while one background fetch revalidates it (RFC 5861 §3). */
  staleWhileRevalidateUntil: number;
  /** Until then a stale entry is served when the origin fails or cannot be reached (RFC 5861 §4). */
  staleIfErrorUntil: number;
}

/** `Age` in whole seconds (RFC 9111 §5.1): the origin's age plus the time the object spent here. */
export function ageSeconds(object: OriginObject, now: number): number {
  return object.originAge + Math.max(0, Math.floor((now - object.storedAt) / 1000));
}
