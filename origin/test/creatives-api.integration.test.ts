import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { testConfig } from './support/test-config.ts';

const TOKEN = `test-origin-token-${randomBytes(8).toString('hex')}`;
const CREATIVE = `ad-${'0123456789abcdef01234567'}`;
let root: string;
let origin: RunningOrigin;
let mezzanineHost: Server;
let mezzanineUrl: string;

function post(body: unknown, token = TOKEN): Promise<Response> {
  return fetch(`${origin.url}/api/v1/creatives`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-creatives-'));
  // An ad server's CDN that answers 404: the conditioning job fails, which is all these tests need.
  mezzanineHost = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => mezzanineHost.listen(0, '127.0.0.1', resolve));
  mezzanineUrl = `http://127.0.0.1:${(mezzanineHost.address() as AddressInfo).port}/spot.mp4`;
  const config = testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: join(root, 'data'), ORIGIN_API_TOKENS: TOKEN, ORIGIN_WORKERS: '1' });
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
});

afterAll(async () => {
  await origin?.close();
  mezzanineHost?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('POST /api/v1/creatives: ad creative conditioning', () => {
  it('refuses a caller without the operator token', async () => {
    expect((await post({ id: CREATIVE, url: mezzanineUrl }, 'wrong-token-wrong-token')).status).toBe(401);
  });

  it('refuses ids outside the ad- namespace, non-http sources and credentials in the URL, with precise problems', async () => {
    for (const [body, code] of [
      [{ id: 'demo', url: mezzanineUrl }, 'bad-request'],
      [{ id: 'ad-../../etc', url: mezzanineUrl }, 'bad-request'],
      [{ id: CREATIVE, url: 'file:///etc/passwd' }, 'ingest-source-forbidden'],
      [{ id: CREATIVE, url: 'http://user:pw@127.0.0.1/x.mp4' }, 'ingest-source-forbidden'],
      [{ id: CREATIVE, url: mezzanineUrl, creativeId: 'x'.repeat(201) }, 'bad-request'],
      // A live channel's segment length: whole seconds in 1..10, as channels allow.
      [{ id: CREATIVE, url: mezzanineUrl, segmentSeconds: 0 }, 'bad-request'],
      [{ id: CREATIVE, url: mezzanineUrl, segmentSeconds: 11 }, 'bad-request'],
      [{ id: CREATIVE, url: mezzanineUrl, segmentSeconds: 2.5 }, 'bad-request'],
      [{ id: CREATIVE, url: mezzanineUrl, segmentSeconds: '2' }, 'bad-request'],
    ] as const) {
      const response = await post(body);
      expect(response.headers.get('content-type'), JSON.stringify(body)).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code, JSON.stringify(body)).toBe(code);
    }
  });

  it('starts one conditioning job per creative, reports it, and retries a failed one', async () => {
    const first = await post({ id: CREATIVE, url: mezzanineUrl, creativeId: 'spot-a' });
    expect(first.status).toBe(202);
    const deadline = Date.now() + 20_000;
    let state = '';
    while (Date.now() < deadline) {
      state = ((await (await fetch(`${origin.url}/api/v1/creatives/${CREATIVE}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string }).state;
      if (state === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('failed');
    const retry = await post({ id: CREATIVE, url: mezzanineUrl, creativeId: 'spot-a' });
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { state: string }).state).toBe('conditioning');
  });

  it('answers creative-not-found for a creative never conditioned', async () => {
    const response = await fetch(`${origin.url}/api/v1/creatives/ad-ffffffffffffffffffffffff`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('creative-not-found');
  });
});
