import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchObject {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

/**
 * The origin both caches sit in front of: serves fixed objects with an ETag, after `latencyMs`, and
 * answers 503 to everything while `down` is set (the outage switch). Counts GETs per path so the
 * bench can report how many requests reached it.
 */
export class BenchOrigin {
  readonly objects = new Map<string, BenchObject>();
  readonly counts = new Map<string, number>();
  latencyMs = 0;
  down = false;
  url = '';
  #server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/__bench/')) {
      this.#control(req, res, path);
      return;
    }
    this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    const answer = (): void => {
      if (this.down) {
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '4' });
        res.end('down');
        return;
      }
      const object = this.objects.get(path);
      if (object === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain', 'content-length': '9', 'cache-control': 'max-age=2' });
        res.end('not found');
        return;
      }
      const etag = `"${object.body.byteLength}-${path.length}"`;
      const headers = { 'content-type': object.contentType, 'cache-control': object.cacheControl, etag };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': String(object.body.byteLength) });
      res.end(object.body);
    };
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
    else answer();
  });

  /**
   * The control API the bench drives when the origin runs in its own process (so its 200 ms timer is
   * not delayed by the load generator's event loop): PUT /__bench/objects/<path> with JSON
   * {size, fill, contentType, cacheControl}, POST /__bench/latency/<ms>, POST /__bench/down/<0|1>,
   * GET /__bench/count/<path>.
   */
  #control(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const [, , what, ...rest] = path.split('/');
    const arg = `/${rest.join('/')}`;
    const reply = (value: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (what === 'latency') return reply((this.latencyMs = Number(rest[0])));
    if (what === 'down') return reply((this.down = rest[0] === '1'));
    if (what === 'count') return reply(this.count(arg));
    if (what === 'objects') {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const spec = JSON.parse(raw) as { size?: number; fill?: number; text?: string; contentType: string; cacheControl: string };
        const body = spec.text !== undefined ? Buffer.from(spec.text) : Buffer.alloc(spec.size ?? 0, spec.fill ?? 0);
        this.objects.set(arg, { body, contentType: spec.contentType, cacheControl: spec.cacheControl });
        reply(body.byteLength);
      });
      return;
    }
    res.writeHead(404);
    res.end();
  }

  async start(): Promise<this> {
    this.#server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  count(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Run as a process: start an origin and print its URL as the first line on stdout. */
if (import.meta.main) {
  const origin = await new BenchOrigin().start();
  process.stdout.write(`${origin.url}\n`);
  process.on('SIGTERM', () => void origin.close().then(() => process.exit(0)));
}
