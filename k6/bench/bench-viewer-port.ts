import { Agent, request as undiciRequest } from 'undici';
import type { RequestType, ViewerPort } from '../src/viewer/viewer-port.ts';

export interface Sample { at: number; type: RequestType; ms: number; ok: boolean; status: number; bytes: number; url: string }

const DECODER = new TextDecoder();
/** No answer or no body progress for this long is a failed request (status 0 in the report). */
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * The viewer model's port for the surge bench: undici's `request()` on one keep-alive pool (not
 * `fetch`, whose WHATWG Request/Response/Headers objects cost this process about three times the
 * CPU per request: 0.29–0.45 ms against 0.10–0.17 ms measured here, see README "Measured local
 * surge"), every request recorded (time, type, latency, whether it got the status it expected).
 * `end()` moves every viewer's clock past its watch time, so each leaves at its next step the way it
 * would at the end of its watch: with a stop call.
 */
export class BenchViewerPort implements ViewerPort {
  readonly samples: Sample[] = [];
  #ended = false;
  readonly #agent: Agent;

  /**
   * `connections`: sockets per origin (no pipelining: browsers do not). Idle sockets are dropped after
   * 10 s, under the 15 s after which workerd closes an idle kept-alive connection (measured here): with
   * 30 s, a socket was now and then closed by workerd just as a viewer reused it, and that request got no
   * answer (status 0 in the report); 10 s keeps a viewer's socket across its 3 s request spacing.
   */
  constructor(options: { connections?: number } = {}) {
    this.#agent = new Agent({ connections: options.connections ?? 256, pipelining: 1, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 });
  }

  end(): void {
    this.#ended = true;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async request(request: Parameters<ViewerPort['request']>[0]): ReturnType<ViewerPort['request']> {
    const started = performance.now();
    const at = Date.now();
    try {
      const response = await undiciRequest(request.url, {
        dispatcher: this.#agent,
        method: request.method,
        ...(request.headers && { headers: request.headers }),
        ...(request.body !== undefined && { body: request.body }),
        // undici's own timers (one shared timer wheel), not an AbortSignal.timeout per request.
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      let bytes = 0;
      let body = '';
      if (request.discardBody) {
        // Counted and dropped chunk by chunk: 'data' events cost less than an async iterator's promise per chunk.
        bytes = await new Promise<number>((resolve, reject) => {
          let n = 0;
          response.body.on('data', (chunk: Buffer) => { n += chunk.length; });
          response.body.once('end', () => resolve(n));
          response.body.once('error', reject);
        });
      } else {
        const buffer = Buffer.from(await response.body.arrayBuffer());
        bytes = buffer.length;
        body = DECODER.decode(buffer);
      }
      const ms = performance.now() - started;
      const headers: Record<string, string> = {};
      for (const key in response.headers) {
        const value = response.headers[key];
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      const status = response.statusCode;
      const ok = request.expectStatuses ? request.expectStatuses.includes(status) : status >= 200 && status < 300;
      this.samples.push({ at, type: request.type, ms, ok, status, bytes, url: request.url });
      return { status, headers, body, bytes, durationMs: ms };
    } catch {
      const ms = performance.now() - started;
      this.samples.push({ at, type: request.type, ms, ok: false, status: 0, bytes: 0, url: request.url });
      return { status: 0, headers: {}, body: '', bytes: 0, durationMs: ms };
    }
  }

  now(): number {
    return Date.now() + (this.#ended ? 1e12 : 0);
  }

  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000)));
  }

  random(): number {
    return Math.random();
  }
}
