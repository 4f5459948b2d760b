import http from 'k6/http';
import { setTimeout } from 'k6/timers';
import type { ViewerPort, ViewerRequest, ViewerResponse } from '../viewer/viewer-port.ts';

/** Statuses k6 counts as a success when a request names none (every 2xx). */
const ok2xx = http.expectedStatuses({ min: 200, max: 299 });

/**
 * The viewer model's port on k6: `http.asyncRequest` with the request's `type` (and rendition, ad,
 * pathway) as metric tags, so thresholds like `http_req_duration{type:segment}` select one kind of
 * request. Segment bodies are not kept (`responseType: 'none'`): k6 still measures them and counts
 * their bytes in `data_received`.
 */
export function k6ViewerPort(): ViewerPort {
  return {
    async request(request: ViewerRequest): Promise<ViewerResponse> {
      const name = request.type === 'segment' ? 'segment' : `${request.type}`;
      const response = await http.asyncRequest(request.method, request.url, request.body ?? null, {
        headers: request.headers ?? {},
        tags: { type: request.type, name, ...request.tags },
        responseType: request.discardBody ? 'none' : 'text',
        responseCallback: request.expectStatuses ? http.expectedStatuses(...request.expectStatuses) : ok2xx,
        timeout: '20s',
      });
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(response.headers)) headers[key.toLowerCase()] = value;
      const body = typeof response.body === 'string' ? response.body : '';
      const length = Number(headers['content-length'] ?? NaN);
      return {
        status: response.status,
        headers,
        body,
        bytes: Number.isFinite(length) ? length : body.length,
        durationMs: response.timings.duration,
      };
    },
    now: () => Date.now(),
    // A timer, not k6's blocking sleep(): video and audio requests of the viewer stay in flight meanwhile.
    sleep: (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000))),
    random: () => Math.random(),
  };
}
