import http from 'node:http';

export interface SurgeResult {
  latenciesMs: number[];
  statuses: Map<number, number>;
  failures: number;
}

/**
 * `count` requests for one URL fired at once over an agent with that many keep-alive sockets. Each
 * latency runs from the moment its request is issued to the last byte of its answer.
 */
export async function surge(agent: http.Agent, url: string, count: number, headers: Record<string, string>): Promise<SurgeResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let failures = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      timedGet(agent, url, headers).then(
        ({ status, ms }) => {
          latenciesMs.push(ms);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
        () => {
          failures += 1;
        },
      ),
    ),
  );
  return { latenciesMs, statuses, failures };
}

export function timedGet(agent: http.Agent, url: string, headers: Record<string, string>): Promise<{ status: number; ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers, timeout: 30_000 }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
