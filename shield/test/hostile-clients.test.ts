import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startHarness, TEST_SHIELD_SECRET, type Harness } from './shield-harness.ts';

const SEGMENT = '/vod/demo/seg-1.m4s';
const BODY = 'x'.repeat(1000);

/** Write raw bytes on a socket and collect everything until the server closes it (or `timeoutMs`). */
function raw(url: string, bytes: string, timeoutMs = 3_000): Promise<{ text: string; closedByServer: boolean; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes, 'latin1'));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer: false, ms: performance.now() - started });
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true, ms: performance.now() - started });
    });
    socket.on('error', () => {});
  });
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
const head = (extra: string) => `GET ${SEGMENT} HTTP/1.1\r\nHost: shield\r\nx-cascade-shield-auth: ${TEST_SHIELD_SECRET}\r\n${extra}`;

describe('hostile clients', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ SHIELD_CLIENT_HEADERS_TIMEOUT_MS: '300' });
    h.origin.objects.set(SEGMENT, { body: BODY, headers: { 'cache-control': 'max-age=60' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each([
    ['conflicting Content-Length and Transfer-Encoding (CL.TE smuggling)', head('Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG')],
    ['two different Content-Length values', head('Content-Length: 1\r\nContent-Length: 2\r\n\r\nab')],
    ['an obs-fold continuation line', head('X-Folded: first\r\n  second\r\n\r\n')],
    ['a Transfer-Encoding that is not chunked last', head('Transfer-Encoding: chunked, identity\r\n\r\n')],
    ['a bare LF inside a header value', head('X-Bad: a\nb\r\n\r\n')],
    ['a space before the colon', head('Content-Length : 0\r\n\r\n')],
  ])('answers 400 and closes the connection for %s, without asking the origin', async (_label, bytes) => {
    const before = h.origin.requests.length;
    const answer = await raw(h.shield.url, bytes);

    expect(status(answer.text)).toBe(400);
    expect(answer.closedByServer).toBe(true);
    // Exactly one response: a smuggled second request never got answered.
    expect(answer.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(h.origin.requests.length).toBe(before);
  });

  it('answers 431 to a request head larger than 16 KiB', async () => {
    const answer = await raw(h.shield.url, head(`X-Huge: ${'a'.repeat(20_000)}\r\n\r\n`));

    expect(status(answer.text)).toBe(431);
  });

  it('frees the socket of a slowloris client that never finishes its request head', async () => {
    const answer = await raw(h.shield.url, `GET ${SEGMENT} HTTP/1.1\r\nHost: shield\r\nX-Slow: `, 5_000);

    expect(answer.closedByServer).toBe(true);
    expect(answer.ms).toBeLessThan(4_000);
  });

  it.each([
    ['a start beyond any safe integer', 'bytes=99999999999999999999999-', [200, 416]],
    ['an empty suffix', 'bytes=-0', [416]],
    ['a reversed range', 'bytes=500-100', [200, 416]],
    ['a non-byte unit', 'items=0-5', [200]],
    ['a thousand scattered ranges', `bytes=${Array.from({ length: 1000 }, (_, i) => `${3 * i}-${3 * i}`).join(',')}`, [200]],
    ['garbage', 'bytes=a-b', [200]],
  ])('answers %s with a whole object or 416, never an error or a crash', async (_label, range, allowed) => {
    const answer = await request(h.shield.url, SEGMENT, { headers: { range } });

    expect(allowed).toContain(answer.status);
    if (answer.status === 200) expect(answer.body.toString()).toBe(BODY);
    expect((await request(h.shield.url, '/healthz')).status).toBe(200);
  });
});

describe('a hanging origin', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ SHIELD_UPSTREAM_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('releases every collapsed waiter with 504 when the deadline passes, after one origin request', async () => {
    h.origin.objects.set('/vod/demo/hang.m4s', { hang: true });

    const answers = await Promise.all(Array.from({ length: 20 }, () => request(h.shield.url, '/vod/demo/hang.m4s')));

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(504));
    expect(h.origin.count('/vod/demo/hang.m4s')).toBe(1);
  });
});
