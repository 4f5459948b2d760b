import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake origin answers one path. */
export interface FakeObject {
  status?: number;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until the fake is closed). */
  hang?: boolean;
  /** Answer only once this settles: lets a test hold a fetch in flight until its clients are all in. */
  gate?: Promise<unknown>;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A tiny stand-in for our origin: serves configured objects, counts requests per path, and can be
 * told to delay, fail or hang. Answers 304 when If-None-Match matches the object's etag.
 */
export class FakeOrigin {
  readonly objects = new Map<string, FakeObject>();
  readonly requests: SeenRequest[] = [];
  #server: http.Server;
  url = '';

  constructor() {
    this.#server = http.createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const path = (req.url ?? '').split('?')[0] ?? '';
      const object = this.objects.get(path);
      if (object === undefined) {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'https://cascade.dev/problems/not-found', title: 'No such resource', status: 404, code: 'not-found', detail: `origin: no ${path}` }));
        return;
      }
      if (object.hang === true) return;
      const answer = (): void => {
        const headers = { ...object.headers };
        if (headers.etag !== undefined && req.headers['if-none-match'] === headers.etag) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        const body = Buffer.from(object.body ?? '');
        const chunked = headers['transfer-encoding'] !== undefined;
        // Just enough Range support (`bytes=a-b`) to check that pass-through forwards it.
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
        if (range !== null && (object.status ?? 200) === 200) {
          const [start, end] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)];
          const length = chunked ? {} : { 'content-length': String(end - start + 1) };
          res.writeHead(206, { ...headers, ...length, 'content-range': `bytes ${start}-${end}/${body.length}` });
          res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
          return;
        }
        res.writeHead(object.status ?? 200, chunked ? headers : { ...headers, 'content-length': String(body.length) });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (object.gate !== undefined) void object.gate.then(answer);
      else if (object.delayMs !== undefined) setTimeout(answer, object.delayMs);
      else answer();
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests seen for a path, ignoring any query string. */
  count(path: string): number {
    return this.requests.filter((request) => request.url.split('?')[0] === path).length;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
