/**
 * What the viewer model needs from its runtime, injected so that the same logic runs under k6 (through
 * `k6/src/k6/k6-viewer-port.ts`) and under Node (the e2e test's adapter). Nothing in `k6/src/viewer/`
 * may import a runtime module: k6 has no Node built-ins, Node has no `k6/http`, and neither global `URL`
 * nor `TextDecoder` is guaranteed in k6.
 */

/** The request types every threshold and report is broken down by (k6 tag `type`). */
export type RequestType = 'manifest' | 'playlist' | 'segment' | 'license' | 'heartbeat';

export interface ViewerRequest {
  method: 'GET' | 'POST';
  url: string;
  type: RequestType;
  headers?: Record<string, string>;
  body?: string;
  /** Extra tags for the request's metrics (rendition, ad, abuse kind). */
  tags?: Record<string, string>;
  /**
   * The statuses this request is meant to get (default: 2xx). A token-abuse viewer expects 401/403/429,
   * so k6 counts those as successes in `http_req_failed` and everything else as a failure.
   */
  expectStatuses?: number[];
  /** Segments: the body is only counted, never kept (k6 `responseType: 'none'`). */
  discardBody?: boolean;
}

export interface ViewerResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The body as text, or '' when discarded. */
  body: string;
  /** Body size in bytes (from the bytes received, or Content-Length when the body was discarded). */
  bytes: number;
  /** Time from request start to the last byte, milliseconds. */
  durationMs: number;
}

export interface ViewerPort {
  request(request: ViewerRequest): Promise<ViewerResponse>;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(seconds: number): Promise<void>;
  /** Uniform in [0, 1): think-time jitter and ABR start; injected so tests are reproducible. */
  random(): number;
}
