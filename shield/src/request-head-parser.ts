/**
 * The lean front end's request-head parser. It accepts only a strict, boring subset of HTTP/1.1 —
 * exactly what a CDN sends for a media object — and says `undefined` for everything else, which then
 * goes to node:http's own parser (llhttp) with the connection, so every refusal (400 on smuggling
 * shapes, 431 on huge heads, timeouts for slow heads) keeps coming from the one strict parser Node
 * ships. The subset:
 * - the whole head is in the buffer (CRLF CRLF found) and at most `maxHeadBytes` long;
 * - request line `GET|HEAD SP /<visible ASCII> SP HTTP/1.1 CRLF`;
 * - header lines `token ":" OWS value OWS CRLF`, value of visible ASCII, obs-text, SP and HTAB only
 *   (so no bare CR or LF, no NUL, no obs-fold, no space before the colon);
 * - exactly one Host; no Content-Length, Transfer-Encoding, Expect or Upgrade (a GET with a body is
 *   not ours to frame); no repeated Host, credential, Range, If-Range, If-None-Match,
 *   If-Modified-Since or Connection.
 */

export interface RequestHead {
  method: 'GET' | 'HEAD';
  /** The request target as sent (origin-form: path and query). */
  target: string;
  /** Lower-case names; repeated (harmless) headers joined with `, ` as node:http does. */
  headers: Record<string, string>;
  /** Name/value pairs as received, for node's IncomingMessage. */
  rawHeaders: string[];
  /** `Connection: close`: answer, then close. */
  close: boolean;
  /** Bytes of the head including the final CRLF CRLF. */
  length: number;
}

const END_OF_HEAD = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):([\t\x20-\x7e\x80-\xff]*)$/;
/** Headers that frame a body or switch protocols: such a request is not a plain GET. */
const REFUSED = new Set(['content-length', 'transfer-encoding', 'expect', 'upgrade']);
/** Headers the shield reads: a repeated one is ambiguous, so node:http decides what it means. */
const SINGLE = new Set(['host', 'x-cascade-shield-auth', 'range', 'if-range', 'if-none-match', 'if-modified-since', 'connection', 'authorization']);

/**
 * Parse the request head at the start of `buffer` (from `offset`), or return undefined when it is
 * incomplete or outside the strict subset: the caller then hands the connection to node:http.
 */
export function parseRequestHead(buffer: Buffer, offset: number, maxHeadBytes: number): RequestHead | undefined {
  const end = buffer.indexOf(END_OF_HEAD, offset);
  if (end === -1 || end + 4 - offset > maxHeadBytes) return undefined;
  const text = buffer.toString('latin1', offset, end);
  let lineEnd = text.indexOf('\r\n');
  const requestLine = REQUEST_LINE.exec(lineEnd === -1 ? text : text.slice(0, lineEnd));
  if (requestLine === null) return undefined;
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  let host = false;
  let close = false;
  while (lineEnd !== -1) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf('\r\n', start);
    const line = HEADER_LINE.exec(lineEnd === -1 ? text.slice(start) : text.slice(start, lineEnd));
    if (line === null) return undefined;
    const rawName = line[1]!;
    const value = trimOws(line[2]!);
    const name = rawName.toLowerCase();
    if (REFUSED.has(name)) return undefined;
    const previous = headers[name];
    if (previous !== undefined) {
      if (SINGLE.has(name)) return undefined;
      headers[name] = `${previous}, ${value}`;
    } else {
      headers[name] = value;
    }
    rawHeaders.push(rawName, value);
    if (name === 'host') host = true;
    else if (name === 'connection') {
      for (const token of value.toLowerCase().split(',')) {
        const option = token.trim();
        if (option === 'close') close = true;
        else if (option === 'upgrade') return undefined;
      }
    }
  }
  if (!host) return undefined;
  return { method: requestLine[1] as 'GET' | 'HEAD', target: requestLine[2]!, headers, rawHeaders, close, length: end + 4 - offset };
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start += 1;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end -= 1;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
