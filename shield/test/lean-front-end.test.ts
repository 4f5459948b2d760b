import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, gateAfterSent, request, startHarness, TEST_SHIELD_SECRET, type Harness } from './shield-harness.ts';

const CACHEABLE = { 'content-type': 'video/mp4', 'cache-control': 'max-age=600' };
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: shield\r\nx-cascade-shield-auth: ${TEST_SHIELD_SECRET}\r\n${extra}\r\n`;

/** One connection: write each part (pausing between them), then read until the server closes or `quietMs` passes without bytes. */
function converse(url: string, parts: string[], { gapMs = 0, quietMs = 400 } = {}): Promise<{ text: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    let quiet: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        socket.destroy();
        resolve({ text, closedByServer: false });
      }, quietMs);
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      arm();
    });
    socket.on('close', () => {
      clearTimeout(quiet);
      resolve({ text, closedByServer: true });
    });
    socket.on('error', () => {});
    socket.on('connect', async () => {
      for (const part of parts) {
        socket.write(part, 'latin1');
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
      arm();
    });
  });
}

const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));

describe('the lean HTTP/1.1 front end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (const n of [1, 2, 3]) h.origin.objects.set(`/vod/lean/seg-${n}.m4s`, { body: `body-${n}-`.repeat(50), headers: CACHEABLE });
    h.origin.objects.set('/vod/lean/slow.m4s', { body: 'slow-body', headers: CACHEABLE, delayMs: 150 });
    for (const n of [1, 2, 3]) await request(h.shield.url, `/vod/lean/seg-${n}.m4s`);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers pipelined requests in order, each with its own object and a well-formed head', async () => {
    const { text } = await converse(h.shield.url, [get('/vod/lean/seg-2.m4s') + get('/vod/lean/seg-1.m4s') + get('/vod/lean/seg-3.m4s')]);

    expect(statuses(text)).toEqual([200, 200, 200]);
    const bodies = text.split('HTTP/1.1 200 OK\r\n').slice(1).map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(bodies).toEqual([2, 1, 3].map((n) => `body-${n}-`.repeat(50)));
    expect(text).toContain('content-length: 350\r\n');
    expect(text).toMatch(/date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect(text).toContain('x-cache: HIT\r\n');
    expect(text).toContain('cmsd-static: ot=v,st=v\r\n');
  });

  it('keeps pipelined answers in order when the first one waits for the origin', async () => {
    const { text } = await converse(h.shield.url, [get('/vod/lean/slow.m4s') + get('/vod/lean/seg-1.m4s')]);

    expect(statuses(text)).toEqual([200, 200]);
    expect(text.indexOf('slow-body')).toBeLessThan(text.indexOf('body-1-'));
    expect(text.indexOf('x-cache: MISS')).toBeLessThan(text.indexOf('x-cache: HIT'));
  });

  it('serves ranges, conditionals and refusals through the general path on the same kept-alive connection', async () => {
    const { text, closedByServer } = await converse(h.shield.url, [
      get('/vod/lean/seg-1.m4s', 'Range: bytes=0-5\r\n'),
      get('/vod/lean/seg-1.m4s', 'If-None-Match: "nope"\r\n'),
      'GET /vod/lean/seg-1.m4s HTTP/1.1\r\nHost: shield\r\n\r\n',
      get('/vod/../secret.txt'),
      get('/vod/lean/seg-2.m4s'),
    ], { gapMs: 50 });

    expect(statuses(text)).toEqual([206, 200, 403, 400, 200]);
    expect(text).toContain('body-1');
    expect(text).toContain('shield-auth-missing');
    expect(closedByServer).toBe(false);
  });

  it('streams an origin answer without Content-Length to collapsed waiters as a chunked body, then serves it whole', async () => {
    const body = bytesOf(150_000, 5);
    const { gate, onSent } = gateAfterSent(3, 100);
    h.origin.objects.set('/vod/lean/chunked.m4s', { body, gate, headers: { ...CACHEABLE, 'transfer-encoding': 'chunked' } });

    const answers = await Promise.all([1, 2, 3].map(() => request(h.shield.url, '/vod/lean/chunked.m4s', { onSent })));
    const again = await request(h.shield.url, '/vod/lean/chunked.m4s');

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['transfer-encoding']).toBe('chunked');
      expect(answer.body.equals(body)).toBe(true);
    }
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.headers['content-length']).toBe('150000');
    expect(again.body.equals(body)).toBe(true);
    expect(h.origin.count('/vod/lean/chunked.m4s')).toBe(1);
  });

  it('answers HEAD with the head alone, so a request pipelined behind it is framed correctly', async () => {
    const { text } = await converse(h.shield.url, [get('/vod/lean/seg-1.m4s').replace('GET', 'HEAD') + get('/vod/lean/seg-2.m4s')]);

    expect(statuses(text)).toEqual([200, 200]);
    expect(text).not.toContain('body-1-');
    expect(text.endsWith('body-2-'.repeat(50))).toBe(true);
  });

  it('closes after the answer when the client sends Connection: close', async () => {
    const { text, closedByServer } = await converse(h.shield.url, [get('/vod/lean/seg-1.m4s', 'Connection: close\r\n') + get('/vod/lean/seg-2.m4s')]);

    expect(statuses(text)).toEqual([200]);
    expect(text).toContain('connection: close\r\n');
    expect(closedByServer).toBe(true);
  });

  it('answers a head that arrives in pieces (node:http takes over the connection)', async () => {
    const whole = get('/vod/lean/seg-3.m4s');
    const { text } = await converse(h.shield.url, [whole.slice(0, 20), whole.slice(20), get('/vod/lean/seg-1.m4s')], { gapMs: 60 });

    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('body-3-');
    expect(text).toContain('body-1-');
  });

  it.each([
    ['conflicting Content-Length and Transfer-Encoding (CL.TE smuggling)', 'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG'],
    ['two different Content-Length values', 'Content-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['an obs-fold continuation line', 'X-Folded: first\r\n  second\r\n\r\n'],
    ['a bare LF inside a header value', 'X-Bad: a\nb\r\n\r\n'],
  ])('after answering a kept-alive request, still refuses %s with 400 and closes, answering nothing smuggled', async (_label, tail) => {
    const before = h.origin.requests.length;
    const smuggled = `GET /vod/lean/seg-2.m4s HTTP/1.1\r\nHost: shield\r\nx-cascade-shield-auth: ${TEST_SHIELD_SECRET}\r\n${tail}`;
    const { text, closedByServer } = await converse(h.shield.url, [get('/vod/lean/seg-1.m4s') + smuggled + get('/vod/lean/seg-3.m4s')]);

    expect(statuses(text)).toEqual([200, 400]);
    expect(closedByServer).toBe(true);
    expect(h.origin.requests.length).toBe(before);
  });

  it('answers 431 to a huge head that follows a served request', async () => {
    const { text } = await converse(h.shield.url, [get('/vod/lean/seg-1.m4s') + get('/vod/lean/seg-2.m4s', `X-Huge: ${'a'.repeat(20_000)}\r\n`)]);

    expect(statuses(text)).toEqual([200, 431]);
  });
});
