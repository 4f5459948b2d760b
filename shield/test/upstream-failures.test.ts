import net from 'node:net';
import { createLogger } from '@cascade/common/node';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startShield } from '../src/index.ts';
import { baseEnv, problemCode, request, startHarness, type Harness } from './shield-harness.ts';

const SEGMENT = '/vod/demo/seg-9.m4s';

describe('upstream failures', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('turns an origin 500 into 502 upstream-error and does not cache the failure', async () => {
    h = await startHarness();
    h.origin.objects.set(SEGMENT, { status: 500, body: 'internal' });

    const failed = await request(h.shield.url, SEGMENT);
    expect(failed.status).toBe(502);
    expect(problemCode(failed)).toBe('upstream-error');

    h.origin.objects.set(SEGMENT, { body: 'fine now', headers: { 'cache-control': 'max-age=60' } });
    const recovered = await request(h.shield.url, SEGMENT);
    expect(recovered.status).toBe(200);
    expect(recovered.body.toString()).toBe('fine now');
    expect(h.origin.count(SEGMENT)).toBe(2);
  });

  it('passes an origin 404 through as not-found with the origin problem body, and remembers it only briefly', async () => {
    h = await startHarness({ SHIELD_NEGATIVE_TTL_SECONDS: '1' });

    const first = await request(h.shield.url, '/vod/demo/missing.m4s');
    const second = await request(h.shield.url, '/vod/demo/missing.m4s');

    expect(first.status).toBe(404);
    expect(problemCode(first)).toBe('not-found');
    expect(JSON.parse(first.body.toString()).detail).toBe('origin: no /vod/demo/missing.m4s');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(second.status).toBe(404);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(h.origin.count('/vod/demo/missing.m4s')).toBe(1);

    h.origin.objects.set('/vod/demo/missing.m4s', { body: 'published now' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = await request(h.shield.url, '/vod/demo/missing.m4s');
    expect(later.status).toBe(200);
    expect(later.body.toString()).toBe('published now');
    expect(h.origin.count('/vod/demo/missing.m4s')).toBe(2);
  });

  it('answers 404 not-found when the origin 404 has no problem body', async () => {
    h = await startHarness();
    h.origin.objects.set(SEGMENT, { status: 404, body: 'nope', headers: { 'content-type': 'text/plain' } });

    const response = await request(h.shield.url, SEGMENT);

    expect(response.status).toBe(404);
    expect(problemCode(response)).toBe('not-found');
  });

  it('answers 502 upstream-unreachable when nothing listens at the origin', async () => {
    const closedPort = await freePort();
    const shield = await startShield(loadConfig(baseEnv(`http://127.0.0.1:${closedPort}`)), {
      logger: createLogger('shield', 'silent'),
    });
    try {
      const response = await request(shield.url, SEGMENT);
      expect(response.status).toBe(502);
      expect(problemCode(response)).toBe('upstream-unreachable');
    } finally {
      await shield.close();
    }
  });

  it('serves a slow origin that answers within the timeout', async () => {
    h = await startHarness({ SHIELD_UPSTREAM_TIMEOUT_MS: '2000' });
    h.origin.objects.set(SEGMENT, { body: 'slow but fine', delayMs: 150 });

    const response = await request(h.shield.url, SEGMENT);

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('slow but fine');
  });

  it('answers 504 upstream-timeout within the configured timeout when the origin hangs, and does not cache it', async () => {
    h = await startHarness({ SHIELD_UPSTREAM_TIMEOUT_MS: '300' });
    h.origin.objects.set(SEGMENT, { hang: true });

    const started = performance.now();
    const responses = await Promise.all([request(h.shield.url, SEGMENT), request(h.shield.url, SEGMENT)]);
    const elapsed = performance.now() - started;

    for (const response of responses) {
      expect(response.status).toBe(504);
      expect(problemCode(response)).toBe('upstream-timeout');
    }
    // Loose bounds: the deadline fired (not an instant failure), and the shield did not hang on.
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    expect(h.origin.count(SEGMENT)).toBe(1);

    h.origin.objects.set(SEGMENT, { body: 'late but fine' });
    expect((await request(h.shield.url, SEGMENT)).body.toString()).toBe('late but fine');
  });

  it('cuts the streamed answer short (never a complete-looking body) when the origin stalls mid-body, and caches nothing', async () => {
    const stalling = await startStallingOrigin(1000);
    const shield = await startShield(loadConfig({ ...baseEnv(stalling.url), SHIELD_UPSTREAM_TIMEOUT_MS: '300' }), {
      logger: createLogger('shield', 'silent'),
    });
    try {
      // Headers (with the origin's Content-Length) went out as the body started; the cut is the signal.
      await expect(request(shield.url, SEGMENT)).rejects.toThrow();
      await expect(request(shield.url, SEGMENT)).rejects.toThrow();
      expect(stalling.requests()).toBe(2);
    } finally {
      await shield.close();
      await stalling.close();
    }
  });

  it('cuts a streamed pass-through off when the origin body stalls, instead of hanging', async () => {
    const stalling = await startStallingOrigin(100_000);
    const shield = await startShield(
      loadConfig({ ...baseEnv(stalling.url), SHIELD_UPSTREAM_TIMEOUT_MS: '300', SHIELD_MAX_OBJECT_BYTES: '50000' }),
      { logger: createLogger('shield', 'silent') },
    );
    try {
      await expect(request(shield.url, SEGMENT)).rejects.toThrow();
    } finally {
      await shield.close();
      await stalling.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An origin that sends headers promising `length` bytes, then a few bytes, then nothing. */
async function startStallingOrigin(length: number): Promise<{ url: string; requests(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {
      requests += 1;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n\r\npartial`);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests: () => requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
