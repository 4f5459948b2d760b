import http from 'node:http';
import net from 'node:net';
import { createLogger } from '@cascade/common/node';
import { loadConfig, startShield, type RunningShield } from '../src/index.ts';
import { FakeOrigin } from './fake-origin.ts';

export interface Harness {
  origin: FakeOrigin;
  shield: RunningShield;
  close(): Promise<void>;
}

/** A fake origin and a shield in front of it; `env` overrides the shield's environment. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const origin = await new FakeOrigin().start();
  const config = loadConfig({ SHIELD_PORT: '0', ORIGIN_URL: origin.url, ...env });
  const shield = await startShield(config, { logger: createLogger('shield', 'silent'), shutdownGraceMs: 100 });
  return {
    origin,
    shield,
    async close() {
      await shield.close();
      await origin.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A request whose path goes on the wire exactly as given: fetch() and URL would normalise `..` and
 * friends away before the shield ever saw them.
 */
export function request(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; onSent?: () => void } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.onSent !== undefined) req.once('finish', options.onSent);
    req.end();
  });
}

/** For bytes http.request refuses to send (NUL): write the request line on a socket ourselves. */
export function rawRequest(baseUrl: string, target: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      status === undefined ? reject(new Error(`no status line in ${JSON.stringify(received.slice(0, 80))}`)) : resolve(Number(status));
    });
    socket.on('error', reject);
  });
}

export function problemCode(response: RawResponse): unknown {
  expectProblem(response);
  return (JSON.parse(response.body.toString('utf8')) as { code?: unknown }).code;
}

function expectProblem(response: RawResponse): void {
  if (response.headers['content-type'] !== 'application/problem+json') {
    throw new Error(`expected problem+json, got ${String(response.headers['content-type'])} (${response.status})`);
  }
}

/** Deterministic bytes of a given size, different per seed, so a wrong slice cannot pass by accident. */
export function bytesOf(size: number, seed = 1): Buffer {
  const buffer = Buffer.alloc(size);
  let state = Math.imul(seed, 2_654_435_761) >>> 0;
  for (let i = 0; i < size; i += 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    buffer[i] = state >>> 24;
  }
  return buffer;
}

/**
 * A gate for the fake origin that opens once `count` client requests are on the wire, plus a moment
 * for the shield to read them: that makes "concurrent misses" a fact rather than a timing hope.
 */
export function gateAfterSent(count: number, settleMs = 200): { gate: Promise<void>; onSent: () => void } {
  let sent = 0;
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const onSent = (): void => {
    sent += 1;
    if (sent === count) setTimeout(release, settleMs);
  };
  return { gate, onSent };
}
