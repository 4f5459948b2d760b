import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@cascade/common/node';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startShield, type RunningShield } from '../src/index.ts';
import { baseEnv, bytesOf, TEST_SHIELD_SECRET } from './shield-harness.ts';

const SEGMENT = '/live/ch1/video-720p-00042.m4s';
const BODY = bytesOf(200_000, 42);
const HALF = 100_000;

/**
 * An origin that sends the headers and the first half of the body at once, then holds the rest until
 * the test calls `release()` (or `cut()` to drop the connection mid-body, like a crashing origin).
 */
async function startTricklingOrigin(): Promise<{ url: string; count(): number; release(): void; cut(): void; close(): Promise<void> }> {
  let requests = 0;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'video/iso.segment', 'content-length': String(BODY.length), 'cache-control': 'max-age=60' });
    res.write(BODY.subarray(0, HALF));
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => requests,
    release: () => held.splice(0).forEach((res) => res.end(BODY.subarray(HALF))),
    cut: () => held.splice(0).forEach((res) => res.socket?.destroy()),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface StreamingClient {
  /** Resolves once at least `bytes` have arrived. */
  received(bytes: number): Promise<void>;
  done: Promise<{ status: number; body: Buffer; complete: boolean }>;
}

function streamingGet(url: string): StreamingClient {
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: { bytes: number; resolve: () => void }[] = [];
  const done = new Promise<{ status: number; body: Buffer; complete: boolean }>((resolve) => {
    const req = http.get(url, { headers: { 'x-cascade-shield-auth': TEST_SHIELD_SECRET }, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
        for (const waiter of waiters.filter((w) => total >= w.bytes)) waiter.resolve();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), complete: false }));
    });
    req.on('error', () => resolve({ status: 0, body: Buffer.concat(chunks), complete: false }));
  });
  return {
    received: (bytes) => (total >= bytes ? Promise.resolve() : new Promise((resolve) => waiters.push({ bytes, resolve }))),
    done,
  };
}

describe('request collapsing streams to every waiter as bytes arrive', () => {
  let shield: RunningShield | undefined;
  let origin: Awaited<ReturnType<typeof startTricklingOrigin>> | undefined;
  afterEach(async () => {
    await shield?.close();
    await origin?.close();
  });

  it('gives the first half of a segment to three concurrent clients before the origin has sent the rest, from one origin fetch', async () => {
    origin = await startTricklingOrigin();
    shield = await startShield(loadConfig(baseEnv(origin.url)), { logger: createLogger('shield', 'silent') });

    const first = streamingGet(shield.url + SEGMENT);
    await first.received(1);
    const late = [streamingGet(shield.url + SEGMENT), streamingGet(shield.url + SEGMENT)];
    // All three have the first half while the origin still holds the second: nobody waits for the whole object.
    await Promise.all([first, ...late].map((client) => client.received(HALF)));
    expect(origin.count()).toBe(1);

    origin.release();
    for (const client of [first, ...late]) {
      const answer = await client.done;
      expect(answer.status).toBe(200);
      expect(answer.complete).toBe(true);
      expect(answer.body.equals(BODY)).toBe(true);
    }
    const cached = streamingGet(shield.url + SEGMENT);
    expect((await cached.done).body.equals(BODY)).toBe(true);
    expect(origin.count()).toBe(1);
  });

  it('cuts every waiter short when the origin dies mid-body, caches nothing, and lets the next request retry', async () => {
    origin = await startTricklingOrigin();
    shield = await startShield(loadConfig(baseEnv(origin.url)), { logger: createLogger('shield', 'silent') });

    const clients = [streamingGet(shield.url + SEGMENT), streamingGet(shield.url + SEGMENT)];
    await Promise.all(clients.map((client) => client.received(HALF)));
    origin.cut();

    for (const client of clients) {
      const answer = await client.done;
      // Content-Length promised 200,000 bytes: a client can tell this body is not the object.
      expect(answer.complete).toBe(false);
      expect(answer.body.length).toBeLessThan(BODY.length);
    }
    const retry = streamingGet(shield.url + SEGMENT);
    await retry.received(HALF);
    expect(origin.count()).toBe(2);
    origin.release();
    const answer = await retry.done;
    expect(answer.complete).toBe(true);
    expect(answer.body.equals(BODY)).toBe(true);
  });
});
