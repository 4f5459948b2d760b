import type { RequestType, ViewerPort } from '../src/viewer/viewer-port.ts';

export interface Sample { at: number; type: RequestType; ms: number; ok: boolean; status: number; bytes: number; url: string }

/**
 * The viewer model's port for the surge bench: Node fetch, every request recorded (time, type,
 * latency, whether it got the status it expected). `end()` moves every viewer's clock past its watch
 * time, so each leaves at its next step the way it would at the end of its watch: with a stop call.
 */
export class BenchViewerPort implements ViewerPort {
  readonly samples: Sample[] = [];
  #ended = false;

  end(): void {
    this.#ended = true;
  }

  async request(request: Parameters<ViewerPort['request']>[0]): ReturnType<ViewerPort['request']> {
    const started = performance.now();
    const at = Date.now();
    try {
      const response = await fetch(request.url, {
        method: request.method,
        ...(request.headers && { headers: request.headers }),
        ...(request.body !== undefined && { body: request.body }),
        signal: AbortSignal.timeout(20_000),
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const ms = performance.now() - started;
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      const ok = request.expectStatuses ? request.expectStatuses.includes(response.status) : response.ok;
      this.samples.push({ at, type: request.type, ms, ok, status: response.status, bytes: bytes.length, url: request.url });
      return { status: response.status, headers, body: request.discardBody ? '' : new TextDecoder().decode(bytes), bytes: bytes.length, durationMs: ms };
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
