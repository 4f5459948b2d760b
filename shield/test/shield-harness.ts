import http from 'node:http';
import net from 'node:net';
import { createLogger } from '@cascade/common/node';
import { loadConfig, startShield, type RunningShield } from '../src/index.ts';
import { FakeOrigin } from './fake-origin.ts';

/** The CDN secret every harness shield accepts (the first of two, so rotation can be tested). */
export const TEST_SHIELD_SECRET = 'test-shield-secret-current-0123456789';
export const TEST_SHIELD_SECRET_OLD = 'test-shield-secret-previous-9876543210';
export const TEST_PURGE_SECRET = 'test-purge-secret-0123456789abcdef';

/** The environment every test shield starts from: auth secrets set, as they must be. */
export function baseEnv(originUrl: string): Record<string, string> {
  return {
    SHIELD_PORT: '0',
    ORIGIN_URL: originUrl,
    SHIELD_AUTH_SECRETS: `${TEST_SHIELD_SECRET},${TEST_SHIELD_SECRET_OLD}`,
    SHIELD_PURGE_SECRETS: TEST_PURGE_SECRET,
  };
}

export interface Harness {
  origin: FakeOrigin;
  shield: RunningShield;
  close(): Promise<void>;
}

/** A fake origin and a shield in front of it; `env` overrides the shield's environment. */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const origin = await new FakeOrigin().start();
  const config = loadConfig({ ...baseEnv(origin.url), ...env });
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
  options: { method?: string; headers?: Record<string, string>; onSent?: () => void; body?: string; auth?: false } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  // Every request authenticates as the edge does, unless a test says otherwise.
  const headers = { ...(options.auth !== false && { 'x-cascade-shield-auth': TEST_SHIELD_SECRET }), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.onSent !== undefined) req.once('finish', options.onSent);
    req.end(options.body);
  });
}

/** For bytes http.request refuses to send (NUL): write the request line on a socket ourselves. */
export function rawRequest(baseUrl: string, target: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nx-cascade-shield-auth: ${TEST_SHIELD_SECRET}\r\nConnection: close\r\n\r\n`, 'latin1');
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
