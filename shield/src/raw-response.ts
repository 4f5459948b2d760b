import type { Socket } from 'node:net';
import { ageSeconds, type ObjectHeaders, type OriginObject } from './cached-object.ts';
import { cmsdStatic } from './cmsd-headers.ts';
import { toResponseHeaders } from './origin-headers.ts';

/**
 * Response heads written as bytes by the lean front end. What never changes for an object (its origin
 * headers, length, CMSD-Static) is serialised once, on first use, and kept with the object; per
 * answer only the status line, Date (rebuilt once a second), Age, X-Cache and CMSD-Dynamic are new.
 */

const FIXED_HEADS = new WeakMap<object, Buffer | null>();
/** Header values must never carry CR/LF (or other controls) into our framing. */
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

let dateSecond = -1;
let dateValue = '';

/** The IMF-fixdate for `now`, computed once per second. */
export function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(second * 1000).toUTCString();
  }
  return dateValue;
}

function serialise(headers: Record<string, string>, extra: [string, string][]): Buffer | null {
  let text = '';
  for (const name in headers) {
    const value = headers[name]!;
    if (!SAFE_VALUE.test(value)) return null;
    text += `${name}: ${value}\r\n`;
  }
  for (const [name, value] of extra) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

/**
 * The fixed part of a 200's head for a buffered object, ending with the blank line, or undefined when
 * an origin header value is unfit to be written raw (the general path then refuses it properly).
 */
export function objectFixedHead(object: OriginObject, key: string): Buffer | undefined {
  let fixed = FIXED_HEADS.get(object);
  if (fixed === undefined) {
    fixed = serialise(toResponseHeaders(object.headers), [
      ['accept-ranges', 'bytes'],
      ['content-length', String(object.body.byteLength)],
      ['cmsd-static', cmsdStatic(key)],
    ]);
    FIXED_HEADS.set(object, fixed);
  }
  return fixed ?? undefined;
}

/** The same for a 200 streaming in from the origin: with its Content-Length, or chunked without one. */
export function streamFixedHead(start: { headers: ObjectHeaders; length: number | undefined }, key: string, head: boolean): Buffer | undefined {
  const cacheKey = head ? (start.headers as object) : start;
  let fixed = FIXED_HEADS.get(cacheKey);
  if (fixed === undefined) {
    const framing: [string, string][] =
      start.length !== undefined ? [['content-length', String(start.length)]] : head ? [] : [['transfer-encoding', 'chunked']];
    fixed = serialise(toResponseHeaders(start.headers), [['accept-ranges', 'bytes'], ...framing, ['cmsd-static', cmsdStatic(key)]]);
    FIXED_HEADS.set(cacheKey, fixed);
  }
  return fixed ?? undefined;
}

/** Status line and the headers that change per answer. */
export function varyingHead(now: number, age: number, xCache: string, responseDelayMs: number, close: boolean): string {
  return `HTTP/1.1 200 OK\r\ndate: ${httpDate(now)}\r\nage: ${age}\r\nx-cache: ${xCache}\r\ncmsd-dynamic: "cascade-shield";rd=${Math.max(0, Math.round(responseDelayMs))}\r\n${close ? 'connection: close\r\n' : ''}`;
}

/**
 * Answers up to this size are copied into one buffer (cut from Node's shared pool, so no allocation of
 * its own): one write() beats a writev of three. Larger bodies go out as they are, in one writev.
 */
const COPY_ANSWER_BYTES = 4 * 1024 - 64;

/** Head and body of a buffered 200 as one write (small bodies) or one corked writev (large ones). Returns the body bytes sent. */
export function writeObject(socket: Socket, object: OriginObject, fixed: Buffer, xCache: string, started: number, head: boolean, close: boolean): number {
  const now = Date.now();
  const varying = varyingHead(now, ageSeconds(object, now), xCache, performance.now() - started, close);
  const body = head ? undefined : object.body;
  const size = varying.length + fixed.byteLength + (body?.byteLength ?? 0);
  if (body === undefined || size <= COPY_ANSWER_BYTES) {
    const out = Buffer.allocUnsafe(size);
    let at = out.write(varying, 0, 'latin1');
    at += fixed.copy(out, at);
    if (body !== undefined) body.copy(out, at);
    socket.write(out);
  } else {
    socket.cork();
    socket.write(varying, 'latin1');
    socket.write(fixed);
    socket.write(body);
    socket.uncork();
  }
  return body?.byteLength ?? 0;
}
