import http from 'node:http';
import https from 'node:https';
import { ProblemError } from '@cascade/common';

export interface OriginRequest {
  method: 'GET' | 'HEAD';
  /** Validated media path, e.g. `/vod/demo/seg-1.m4s`. */
  path: string;
  headers?: Record<string, string>;
  /** Aborting it destroys the request and its response body; abort with a `TimeoutError` to mean "too slow". */
  signal: AbortSignal;
}

/** Connection-level failures before the origin answered: nobody is listening or reachable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
/** A reused keep-alive socket may have been closed by the origin just as we wrote to it; that is worth one retry. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * The shield's only way to talk to the origin: node:http with keep-alive, no viewer headers, and
 * failures turned into the stable upstream problem codes. Plain node:http (not fetch) because it never
 * decodes content-encoding behind our back and its response is a Node stream we can pipe directly.
 */
export class OriginClient {
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;

  constructor(originUrl: URL) {
    this.#base = originUrl;
    const secure = originUrl.protocol === 'https:';
    this.#transport = secure ? https : http;
    this.#agent = secure ? new https.Agent({ keepAlive: true, scheduling: 'lifo' }) : new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  }

  /** Resolves when the response headers arrive; the caller owns (and must consume or destroy) the body. */
  async request(request: OriginRequest): Promise<http.IncomingMessage> {
    try {
      return await this.#send(request);
    } catch (error) {
      if (!isStaleSocketError(error) || request.signal.aborted) throw toUpstreamProblem(error, request.signal, 'connect');
    }
    try {
      return await this.#send(request);
    } catch (error) {
      throw toUpstreamProblem(error, request.signal, 'connect');
    }
  }

  /**
   * Where a media path lives on the origin; the origin URL may carry a path prefix. A blocking-reload
   * key's canonical query (already validated, `?_HLS_…` only) becomes the URL's query.
   */
  urlFor(path: string): URL {
    const url = new URL(this.#base);
    const queryAt = path.indexOf('?');
    url.pathname = url.pathname.replace(/\/+$/, '') + (queryAt === -1 ? path : path.slice(0, queryAt));
    if (queryAt !== -1) url.search = path.slice(queryAt);
    return url;
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(request: OriginRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.#transport.request(this.urlFor(request.path), {
        method: request.method,
        agent: this.#agent,
        headers: { 'user-agent': 'cascade-shield', ...request.headers },
        signal: request.signal,
      });
      req.once('response', resolve);
      req.once('error', (error) => {
        if (req.reusedSocket) Object.assign(error, { reusedSocket: true });
        reject(error);
      });
      req.end();
    });
  }
}

function isStaleSocketError(error: unknown): boolean {
  const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean };
  return reusedSocket === true && code !== undefined && STALE_SOCKET_CODES.has(code);
}

/**
 * Classify a failure talking to the origin. Anything after our deadline fired is a timeout, whatever
 * error the aborted socket surfaced; connection errors before an answer are `upstream-unreachable`;
 * the rest (a body cut short, a protocol error) is `upstream-error`. Also used while reading bodies.
 */
export function toUpstreamProblem(error: unknown, signal: AbortSignal, phase: 'connect' | 'body'): ProblemError {
  if (error instanceof ProblemError) return error;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof ProblemError) return reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new ProblemError('upstream-timeout', 'the origin did not answer in time');
    }
    return new ProblemError('upstream-error', 'the origin request was cancelled');
  }
  const code = (error as { code?: unknown }).code;
  if (phase === 'connect' && typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new ProblemError('upstream-unreachable', `the origin could not be reached (${code})`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProblemError('upstream-error', `the origin request failed: ${message}`);
}
