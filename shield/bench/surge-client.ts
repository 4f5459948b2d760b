import http from 'node:http';
import net from 'node:net';

export interface SurgeResult {
  latenciesMs: number[];
  /** Time to each answer's first byte. */
  firstByteMs: number[];
  statuses: Map<number, number>;
  failures: number;
}

/**
 * 2,000 keep-alive connections, each sending one GET at the same moment. Plain sockets and a minimal
 * response reader (status line, Content-Length, byte count) rather than node:http's client: with
 * thousands of answers arriving at once, the client's own parsing would otherwise dominate the
 * latencies it is there to measure. Each latency runs from its request's write to its last byte.
 */
export class SurgeClient {
  readonly #sockets: net.Socket[] = [];
  readonly #host: string;

  private constructor(host: string) {
    this.#host = host;
  }

  static async open(url: string, connections: number): Promise<SurgeClient> {
    const { hostname, port } = new URL(url);
    const client = new SurgeClient(`${hostname}:${port}`);
    await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = net.connect(Number(port), hostname, () => resolve());
            socket.setNoDelay(true);
            socket.once('error', reject);
            client.#sockets.push(socket);
          }),
      ),
    );
    return client;
  }

  /** One GET of `path` on every connection at once; resolves when every answer is complete (or failed). */
  async surge(path: string, headers: Record<string, string>): Promise<SurgeResult> {
    const head = Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n`,
      'latin1',
    );
    const latenciesMs: number[] = [];
    const firstByteMs: number[] = [];
    const statuses = new Map<number, number>();
    let failures = 0;
    await Promise.all(
      this.#sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            let header = '';
            let bodyLeft = -1;
            let status = 0;
            const started = performance.now();
            const finish = (ok: boolean): void => {
              socket.off('data', onData);
              socket.off('close', onClose);
              if (ok) {
                latenciesMs.push(performance.now() - started);
                statuses.set(status, (statuses.get(status) ?? 0) + 1);
              } else failures += 1;
              resolve();
            };
            const onData = (chunk: Buffer): void => {
              if (header === '' && bodyLeft < 0) firstByteMs.push(performance.now() - started);
              if (bodyLeft < 0) {
                header += chunk.toString('latin1');
                const end = header.indexOf('\r\n\r\n');
                if (end === -1) return;
                status = Number(header.slice(9, 12));
                const length = /\r\ncontent-length:\s*(\d+)/i.exec(header.slice(0, end))?.[1];
                if (length === undefined) return finish(false);
                bodyLeft = Number(length) - (Buffer.byteLength(header, 'latin1') - end - 4);
              } else bodyLeft -= chunk.byteLength;
              if (bodyLeft <= 0) finish(true);
            };
            const onClose = (): void => finish(false);
            // A connection the server already closed (idle timeout) never closes again: count it failed now.
            if (socket.destroyed || !socket.writable) return finish(false);
            socket.on('data', onData);
            socket.once('close', onClose);
            socket.write(head);
          }),
      ),
    );
    return { latenciesMs, firstByteMs, statuses, failures };
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
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
