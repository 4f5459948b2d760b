import { expect } from 'vitest';

export interface JobBody {
  id: string;
  titleId: string;
  state: string;
  progress: { percent: number; renditions: Array<{ id: string; percent: number }> };
  etaSeconds: number | null;
  error: { code: string; reason: string } | null;
  attempts: number;
  probe: { video?: { width: number; height: number }; audioTracks: unknown[] } | null;
  links: Record<string, string>;
}

/** A tiny client for the origin's operator API, as the tests use it. */
export class OriginApi {
  readonly url: string;
  readonly token: string;
  constructor(url: string, token: string) {
    this.url = url;
    this.token = token;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  upload(title: string, body: RequestInit['body'], query = ''): Promise<Response> {
    return fetch(`${this.url}/api/v1/videos/upload?title=${encodeURIComponent(title)}${query}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/octet-stream' }),
      body,
    });
  }

  async job(id: string): Promise<JobBody> {
    const response = await fetch(`${this.url}/api/v1/videos/${id}`, { headers: this.headers() });
    expect(response.status).toBe(200);
    return (await response.json()) as JobBody;
  }

  /** Poll until the job is ready or failed (or `until` says stop); returns the last state seen. */
  async waitFor(id: string, until: (job: JobBody) => boolean = (j) => j.state === 'ready' || j.state === 'failed', timeoutMs = 90_000): Promise<JobBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (until(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
