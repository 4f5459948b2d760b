import http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@cascade/common/node';
import type { Lookup, LookupSource } from './collapsing-fetcher.ts';
import { objectFixedHead, streamFixedHead, varyingHead, writeObject } from './raw-response.ts';
import { parseRequestHead, type RequestHead } from './request-head-parser.ts';
import type { PriorLookup, ShieldRequestHandler } from './request-handler.ts';
import { SHIELD_AUTH_HEADER } from './secret-check.ts';

export interface LeanFrontEndOptions {
  handler: ShieldRequestHandler;
  logger: Logger;
  /** The largest request head accepted (node:http answers 431 to larger ones). */
  maxHeadBytes: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

export interface LeanFrontEnd {
  /** Stop reading new requests: idle connections end now, busy ones after their answer. */
  closeIdle(): void;
  /** Drop every lean connection at once (end of the shutdown grace). */
  closeAll(): void;
}

const X_CACHE: Record<LookupSource, string> = { hit: 'HIT', miss: 'MISS', collapsed: 'COLLAPSED', pass: 'PASS', stale: 'STALE', revalidated: 'REVALIDATED' };
const EMPTY = Buffer.alloc(0);
/** Requests pipelined behind a busy one are buffered up to this much; then the socket stops reading. */
const MAX_PENDING_BYTES = 64 * 1024;
const CRLF = '\r\n';
const MAX_REMEMBERED_TARGETS = 4096;
const MAX_REMEMBERED_TARGET = 512;

/** Uncorks still pending at the end of this event-loop turn, flushed by one shared setImmediate. */
let pendingUncorks: (() => void)[] = [];
function uncorkSoon(uncork: () => void): void {
  if (pendingUncorks.length === 0) {
    setImmediate(() => {
      const due = pendingUncorks;
      pendingUncorks = [];
      for (const run of due) run();
    });
  }
  pendingUncorks.push(uncork);
}
const LAST_CHUNK = '0\r\n\r\n';

/**
 * A lean HTTP/1.1 front end on the server's raw sockets, for the requests that make a shield's load:
 * GET and HEAD of media by a CDN. It answers plain (no Range, no conditional) requests for objects in
 * memory and objects streaming in from the origin with pre-serialised header bytes written straight to
 * the socket, one request at a time per connection (pipelined requests wait their turn, so answers
 * stay in order). Everything else takes the general path:
 * - ranges, conditionals, ops routes, refused requests and uncommon origin answers get node's own
 *   IncomingMessage/ServerResponse on the same socket, answered by the shield's request handler;
 * - anything outside the strict request subset of `parseRequestHead` (bodies, HTTP/1.0, malformed or
 *   smuggling-shaped heads, heads split across reads, huge heads) hands the connection, with the bytes
 *   not yet parsed, to node:http for the rest of its life: llhttp then refuses or serves it exactly as
 *   it would have without this front end (400, 431, header timeouts).
 */
export function attachLeanFrontEnd(server: http.Server, options: LeanFrontEndOptions): LeanFrontEnd {
  const nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  if (nodeListeners.length !== 1) throw new Error('attachLeanFrontEnd: expected node:http to have exactly one connection listener');
  const nodeConnection = nodeListeners[0]!;
  server.removeListener('connection', nodeConnection);
  const { handler, logger } = options;
  const { fetcher, metrics, checkShieldSecret } = handler;
  const connections = new Set<LeanConnection>();
  // Validating a target (path grammar, LL-HLS directives) is pure: the answer for a popular target is
  // kept. Only targets that passed, only short ones, and the whole map is dropped when it fills up.
  const keysByTarget = new Map<string, string>();
  const rememberKey = (target: string, key: string): void => {
    if (target.length > MAX_REMEMBERED_TARGET) return;
    if (keysByTarget.size >= MAX_REMEMBERED_TARGETS) keysByTarget.clear();
    keysByTarget.set(target, key);
  };
  let closing = false;

  class LeanConnection {
    readonly socket: Socket;
    buffer: Buffer = EMPTY;
    offset = 0;
    busy = false;
    handedOff = false;
    ended = false;
    /** A credential this connection already proved (checked in constant time once, then compared to itself). */
    accepted: string | undefined;
    unsubscribe: (() => void) | undefined;

    constructor(socket: Socket) {
      this.socket = socket;
      socket.on('data', this.onData);
      socket.on('end', this.onEnd);
      socket.on('close', this.onClose);
      socket.on('error', this.onError);
      socket.on('timeout', this.onTimeout);
      socket.setTimeout(options.keepAliveTimeoutMs);
    }

    onData = (chunk: Buffer): void => {
      if (this.offset >= this.buffer.length) {
        this.buffer = chunk;
      } else {
        this.buffer = Buffer.concat([this.buffer.subarray(this.offset), chunk]);
      }
      this.offset = 0;
      if (!this.busy) this.pump();
      else if (this.buffer.length > MAX_PENDING_BYTES) this.socket.pause();
    };

    onEnd = (): void => {
      this.ended = true;
      if (!this.busy && !this.handedOff) this.pump();
    };

    onClose = (): void => {
      connections.delete(this);
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    };

    onError = (): void => {
      // 'close' follows; a reset by the client is not ours to report.
    };

    onTimeout = (): void => {
      // A slow origin is bounded by the upstream deadline, not by the keep-alive timer.
      if (!this.busy) this.socket.destroy();
    };

    /** Serve every complete request in the buffer, in order, until one needs to wait. */
    pump(): void {
      while (!this.busy && !this.handedOff && !this.socket.destroyed) {
        if (this.offset >= this.buffer.length) {
          this.buffer = EMPTY;
          this.offset = 0;
          if (this.ended || closing) this.socket.end();
          return;
        }
        if (closing) {
          this.socket.end();
          return;
        }
        const head = parseRequestHead(this.buffer, this.offset, options.maxHeadBytes);
        if (head === undefined) {
          this.handOff();
          return;
        }
        this.offset += head.length;
        try {
          this.serve(head);
        } catch (error) {
          this.broken(error);
          return;
        }
        if (!this.busy && this.socket.writableNeedDrain) {
          // A client that does not read its answers: stop parsing until it does.
          this.busy = true;
          this.socket.once('drain', () => this.done(false));
          return;
        }
      }
    }

    /** The answer in progress is complete; go on with the next request (or close). */
    done(close: boolean): void {
      this.busy = false;
      this.unsubscribe = undefined;
      if (close) {
        this.socket.end();
        return;
      }
      if (this.socket.isPaused()) this.socket.resume();
      this.pump();
    }

    handOff(): void {
      this.handedOff = true;
      connections.delete(this);
      const { socket } = this;
      socket.removeListener('data', this.onData);
      socket.removeListener('end', this.onEnd);
      socket.removeListener('close', this.onClose);
      socket.removeListener('error', this.onError);
      socket.removeListener('timeout', this.onTimeout);
      socket.setTimeout(0);
      const rest = this.offset < this.buffer.length ? this.buffer.subarray(this.offset) : EMPTY;
      this.buffer = EMPTY;
      this.offset = 0;
      if (rest.length > 0) socket.unshift(rest);
      nodeConnection.call(server, socket);
      if (socket.isPaused()) socket.resume();
      // The client may have half-closed while we held the bytes; node:http must see that too.
      if (this.ended) socket.push(null);
    }

    serve(head: RequestHead): void {
      const started = performance.now();
      const queryAt = head.target.indexOf('?');
      const rawPath = queryAt === -1 ? head.target : head.target.slice(0, queryAt);
      const h = head.headers;
      if (rawPath === '/healthz' || rawPath === '/metrics' || rawPath === '/purge') return this.general(head, undefined);
      let key: string | undefined;
      try {
        const presented = h[SHIELD_AUTH_HEADER];
        if (presented === undefined || presented !== this.accepted) {
          checkShieldSecret(presented);
          this.accepted = presented;
        }
        key = keysByTarget.get(head.target);
        if (key === undefined) {
          key = handler.mediaKey(rawPath, queryAt === -1 ? '' : head.target.slice(queryAt + 1));
          rememberKey(head.target, key);
        }
      } catch {
        // The general path refuses it with the right problem.
        return this.general(head, undefined);
      }
      if (h.range !== undefined || h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return this.general(head, undefined);

      const hot = fetcher.freshInMemory(key);
      if (hot !== undefined && hot.status === 200) {
        const fixed = objectFixedHead(hot, key);
        if (fixed !== undefined) {
          metrics.countBytes(writeObject(this.socket, hot, fixed, 'HIT', started, head.method === 'HEAD', head.close));
          handler.recordAnswer(head.method, key, 200, 'hit', started, true);
          if (head.close) this.socket.end();
          return;
        }
      }
      this.busy = true;
      fetcher
        .lookup(key)
        .then(
          (lookup) => this.answerLookup(head, key, lookup, started),
          (error: unknown) => this.general(head, { key, started, error }),
        )
        .catch((error: unknown) => this.broken(error));
    }

    /** A bug, not a bad request: log it and drop the connection rather than the process. */
    broken(error: unknown): void {
      logger.error({ err: error }, 'unexpected error in the lean front end');
      this.socket.destroy();
    }

    answerLookup(head: RequestHead, key: string, lookup: Lookup, started: number): void {
      if (this.socket.destroyed) return;
      if (lookup.kind === 'object' && lookup.object.status === 200) {
        const fixed = objectFixedHead(lookup.object, key);
        if (fixed !== undefined) {
          metrics.countBytes(writeObject(this.socket, lookup.object, fixed, X_CACHE[lookup.source], started, head.method === 'HEAD', head.close));
          handler.recordAnswer(head.method, key, 200, lookup.source, started, true);
          this.done(head.close);
          return;
        }
      }
      if (lookup.kind === 'stream') {
        const isHead = head.method === 'HEAD';
        const fixed = streamFixedHead(lookup.start, key, isHead);
        if (fixed !== undefined) return this.stream(head, key, lookup, fixed, started);
      }
      this.general(head, { key, started, lookup });
    }

    /** A 200 arriving from the origin: head now, then each chunk as it lands (shared by every waiter). */
    stream(head: RequestHead, key: string, lookup: Extract<Lookup, { kind: 'stream' }>, fixed: Buffer, started: number): void {
      const { socket } = this;
      socket.cork();
      socket.write(varyingHead(Date.now(), lookup.start.originAge, X_CACHE[lookup.source], performance.now() - started, head.close), 'latin1');
      socket.write(fixed);
      if (head.method === 'HEAD') {
        socket.uncork();
        handler.recordAnswer(head.method, key, 200, lookup.source, started, true);
        this.done(head.close);
        return;
      }
      const chunked = lookup.start.length === undefined;
      let sent = 0;
      // The head stays corked until the first body chunk (usually in the same packet from the origin)
      // so both leave in one writev, or until this turn of the event loop ends, whichever is first:
      // one syscall per waiter instead of two when a surge is answered.
      let corked = true;
      const uncork = (): void => {
        if (!corked) return;
        corked = false;
        socket.uncork();
      };
      uncorkSoon(uncork);
      const finish = (whole: boolean): void => {
        uncork();
        metrics.countBytes(sent);
        handler.recordAnswer(head.method, key, 200, lookup.source, started, whole);
      };
      this.unsubscribe = lookup.flight.subscribe({
        data: (chunk) => {
          sent += chunk.byteLength;
          if (socket.destroyed) return;
          if (corked) {
            if (chunked) socket.write(chunk.byteLength.toString(16) + CRLF, 'latin1');
            socket.write(chunk);
            if (chunked) socket.write(CRLF, 'latin1');
            uncork();
            return;
          }
          if (chunked) {
            socket.cork();
            socket.write(chunk.byteLength.toString(16) + CRLF, 'latin1');
            socket.write(chunk);
            socket.write(CRLF, 'latin1');
            socket.uncork();
          } else {
            socket.write(chunk);
          }
        },
        end: () => {
          if (chunked && !socket.destroyed) socket.write(LAST_CHUNK, 'latin1');
          finish(!socket.destroyed);
          if (!socket.destroyed) this.done(head.close);
        },
        error: () => {
          // Never end a cut-short body as if it were complete: the client must see a broken answer.
          finish(false);
          socket.destroy();
        },
      });
      if (socket.destroyed) {
        this.unsubscribe();
        this.unsubscribe = undefined;
      }
    }

    /**
     * Node's own request/response objects on this socket, answered by the general handler: every
     * header rule, problem body and pass-through behaves exactly as on a node:http connection.
     */
    general(head: RequestHead, prior: PriorLookup | undefined): void {
      const { socket } = this;
      if (socket.destroyed) return;
      this.busy = true;
      const req = new http.IncomingMessage(socket);
      req.method = head.method;
      req.url = head.target;
      req.httpVersion = '1.1';
      req.httpVersionMajor = 1;
      req.httpVersionMinor = 1;
      req.headers = head.headers;
      req.rawHeaders = head.rawHeaders;
      req.complete = true;
      req.push(null);
      const res = new http.ServerResponse(req);
      res.shouldKeepAlive = !head.close && !closing;
      res.assignSocket(socket);
      // node:http's connection listener relays the socket's 'drain' to the answer in progress; here we
      // do, or a piped pass-through would wait forever once the socket pushed back.
      const onDrain = (): void => {
        res.emit('drain');
      };
      socket.on('drain', onDrain);
      res.once('finish', () => {
        socket.removeListener('drain', onDrain);
        res.detachSocket(socket);
        // node:http emits 'close' once an answer is done; the handler records its access line on it.
        process.nextTick(() => res.emit('close'));
        this.done(!res.shouldKeepAlive);
      });
      handler.handle(req, res, prior);
    }
  }

  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    connections.add(new LeanConnection(socket));
  });

  return {
    closeIdle() {
      closing = true;
      for (const connection of connections) if (!connection.busy) connection.socket.end();
    },
    closeAll() {
      closing = true;
      for (const connection of connections) connection.socket.destroy();
    },
  };
}
