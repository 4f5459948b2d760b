import { describe, expect, it } from 'vitest';
import { parseRequestHead } from '../src/request-head-parser.ts';

const parse = (text: string, max = 16 * 1024) => parseRequestHead(Buffer.from(text, 'latin1'), 0, max);
const plain = 'GET /vod/demo/seg-1.m4s?token=a HTTP/1.1\r\nHost: shield\r\nX-Cascade-Shield-Auth: s3cret\r\nAccept: */*\r\n\r\n';

describe('the lean front end request-head parser', () => {
  it('parses a plain GET: method, target, lower-case headers with optional whitespace trimmed, and its length', () => {
    const head = parse(`${plain}GET /next HTTP/1.1\r\n`);

    expect(head).toEqual({
      method: 'GET',
      target: '/vod/demo/seg-1.m4s?token=a',
      headers: { host: 'shield', 'x-cascade-shield-auth': 's3cret', accept: '*/*' },
      rawHeaders: ['Host', 'shield', 'X-Cascade-Shield-Auth', 's3cret', 'Accept', '*/*'],
      close: false,
      length: plain.length,
    });
  });

  it('parses HEAD, joins repeated harmless headers and notices Connection: close', () => {
    const head = parse('HEAD /live/c/a.m3u8 HTTP/1.1\r\nHost: s\r\nAccept: a\r\nAccept:  b \t\r\nConnection: keep-alive, Close\r\n\r\n');

    expect(head?.method).toBe('HEAD');
    expect(head?.headers.accept).toBe('a, b');
    expect(head?.close).toBe(true);
  });

  it('parses the second of two pipelined requests from its offset', () => {
    const buffer = Buffer.from(plain + plain.replace('seg-1', 'seg-2'), 'latin1');

    expect(parseRequestHead(buffer, plain.length, 16 * 1024)?.target).toBe('/vod/demo/seg-2.m4s?token=a');
  });

  // Each of these goes to node:http (llhttp) with the connection, which refuses or handles it.
  it.each([
    ['an incomplete head', 'GET /vod/a.m4s HTTP/1.1\r\nHost: s\r\n'],
    ['conflicting Content-Length and Transfer-Encoding (CL.TE)', 'GET /a HTTP/1.1\r\nHost: s\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['a Content-Length', 'GET /a HTTP/1.1\r\nHost: s\r\nContent-Length: 0\r\n\r\n'],
    ['two Content-Length values', 'GET /a HTTP/1.1\r\nHost: s\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['a Transfer-Encoding', 'GET /a HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked, identity\r\n\r\n'],
    ['an obs-fold continuation line', 'GET /a HTTP/1.1\r\nHost: s\r\nX-Folded: first\r\n  second\r\n\r\n'],
    ['a bare LF inside a header value', 'GET /a HTTP/1.1\r\nHost: s\r\nX-Bad: a\nb\r\n\r\n'],
    ['a bare CR inside a header value', 'GET /a HTTP/1.1\r\nHost: s\r\nX-Bad: a\rb\r\n\r\n'],
    ['bare LF line endings', 'GET /a HTTP/1.1\nHost: s\n\n\r\n\r\n'],
    ['a space before the colon', 'GET /a HTTP/1.1\r\nHost: s\r\nContent-Length : 0\r\n\r\n'],
    ['a NUL in a header value', 'GET /a HTTP/1.1\r\nHost: s\r\nX-Nul: a\u0000b\r\n\r\n'],
    ['a NUL in the target', 'GET /vod/a\u0000.m4s HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['a space in the target', 'GET /vod/a b.m4s HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['a non-ASCII target', 'GET /vod/\u00e9.m4s HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['HTTP/1.0', 'GET /a HTTP/1.0\r\nHost: s\r\n\r\n'],
    ['HTTP/2 prior knowledge', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    ['a POST', 'POST /purge HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['a lower-case method', 'get /a HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['an absolute-form target', 'GET http://origin/secret.txt HTTP/1.1\r\nHost: s\r\n\r\n'],
    ['a missing Host', 'GET /a HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['two Host headers', 'GET /a HTTP/1.1\r\nHost: s\r\nHost: t\r\n\r\n'],
    ['two credentials', 'GET /a HTTP/1.1\r\nHost: s\r\nx-cascade-shield-auth: a\r\nx-cascade-shield-auth: b\r\n\r\n'],
    ['two Range headers', 'GET /a HTTP/1.1\r\nHost: s\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n'],
    ['Expect: 100-continue', 'GET /a HTTP/1.1\r\nHost: s\r\nExpect: 100-continue\r\n\r\n'],
    ['an Upgrade', 'GET /a HTTP/1.1\r\nHost: s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['an empty header name', 'GET /a HTTP/1.1\r\nHost: s\r\n: value\r\n\r\n'],
    ['trailing whitespace after the version', 'GET /a HTTP/1.1 \r\nHost: s\r\n\r\n'],
  ])('declines %s', (_label, text) => {
    expect(parse(text)).toBeUndefined();
  });

  it('declines a head larger than the limit, so node:http answers 431', () => {
    expect(parse(`GET /a HTTP/1.1\r\nHost: s\r\nX-Huge: ${'a'.repeat(2_000)}\r\n\r\n`, 1_024)).toBeUndefined();
    expect(parse(`GET /a HTTP/1.1\r\nHost: s\r\nX-Big: ${'a'.repeat(900)}\r\n\r\n`, 1_024)).toBeDefined();
  });
});
