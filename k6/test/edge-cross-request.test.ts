// The edge Worker on workerd (through miniflare, as bench:surge runs it) under concurrent requests that
// each run in their own request context, the way workerd isolates serve a crowd. The edge's workerd
// unit tests call the Worker from one test context, where sharing a promise between "requests" is
// harmless; here each request is its own context, so a request left waiting on another's work (or on
// a viewer who hung up) shows as a failed or missing answer (edge/src/isolate/refresh-claims.ts).
// Note: the code before RefreshClaims passes these too; they guard the behaviour, they did not
// reproduce the hung requests of the 2,000-viewer surge.
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevIdentity, signViewerToken, type DevIdentity } from '../../scripts/lib/dev-identity.ts';
import { freePort } from '../../test/e2e/free-port.ts';
import { startEdgeOnMiniflare, type RunningEdge } from '../bench/edge-on-miniflare.ts';

const SEGMENT = Buffer.alloc(32 * 1024, 7);
const MASTER = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e"\nvideo-360p.m3u8\n';
const PERMISSIVE = { countries: { allow: null, deny: [] }, windows: [], blackouts: [] };

/** A shield stand-in whose answers take `delayMs`; it counts what reaches it. */
class SlowShield {
  readonly seen = new Map<string, number>();
  delayMs = 0;
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req: IncomingMessage, res) => {
      const path = req.url ?? '';
      this.seen.set(path, (this.seen.get(path) ?? 0) + 1);
      setTimeout(() => {
        const title = /^\/api\/v1\/titles\/([a-z0-9-]+)$/.exec(path);
        if (title) {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
          return res.end(JSON.stringify({ id: title[1], kind: 'vod', name: title[1], rights: PERMISSIVE, packages: [], plans: ['basic', 'standard', 'premium'], renditions: [{ playlist: 'video-360p.m3u8', height: 360 }] }));
        }
        if (path.endsWith('/master.m3u8')) {
          res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'max-age=60' });
          return res.end(MASTER);
        }
        if (path.endsWith('.m4s')) {
          res.writeHead(200, { 'content-type': 'video/iso.segment', 'content-length': SEGMENT.length, 'cache-control': 'public, max-age=31536000, immutable' });
          return res.end(SEGMENT);
        }
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end('{"code":"not-found"}');
      }, this.delayMs);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${port}/`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

const shield = new SlowShield();
let edge: RunningEdge;
let identity: DevIdentity;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-cross-request-'));
  identity = await ensureDevIdentity(dir, join(dir, '.dev.vars'));
  edge = await startEdgeOnMiniflare({ identity, shieldUrl: await shield.start(), port: await freePort() });
}, 60_000);

afterAll(async () => {
  await edge?.dispose();
  await shield.stop();
});

async function play(title: string, viewer: string): Promise<Response> {
  const token = await signViewerToken(identity, { sub: viewer, plan: 'premium', role: 'viewer', ttlSeconds: 600 });
  return fetch(`${edge.url}/v1/play/${title}/master.m3u8`, { headers: { authorization: `Bearer ${token}`, 'x-dev-country': 'DE' } });
}

/** A session's media URL base (`…/v1/media/{token}/vod/{title}/`), from a play answer's first variant. */
async function sessionBase(title: string): Promise<string> {
  const answer = await play(title, `base-${title}`);
  expect(answer.status).toBe(200);
  const variant = (await answer.text()).split('\n').find((line) => line.includes('video-360p.m3u8'))!;
  return new URL(variant, `${edge.url}/v1/play/${title}/master.m3u8`).href.replace(/video-360p\.m3u8.*$/, '');
}

describe('the edge on workerd, many requests at once in one isolate', () => {
  it('plays a title twenty viewers open at the same instant while its catalogue entry, revocation list and steering state are first read', async () => {
    shield.delayMs = 300;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => play('cold-title', `cold-viewer-${i}`)));
    const statuses = await Promise.all(answers.map(async (a) => `${a.status} ${a.status === 200 ? '' : await a.text()}`.trim()));
    expect(statuses).toEqual(Array.from({ length: 20 }, () => '200'));
  }, 30_000);

  it('plays a title for the viewers who opened it together with a viewer who hung up while its catalogue entry was being read', async () => {
    shield.delayMs = 600;
    const token = await signViewerToken(identity, { sub: 'quitter', plan: 'premium', role: 'viewer', ttlSeconds: 600 });
    const quitter = new AbortController();
    const first = fetch(`${edge.url}/v1/play/abandoned-play/master.m3u8`, { headers: { authorization: `Bearer ${token}`, 'x-dev-country': 'DE' }, signal: quitter.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = Array.from({ length: 10 }, (_, i) => play('abandoned-play', `stayer-${i}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    quitter.abort();
    await first;
    const statuses = await Promise.all((await Promise.all(waiting)).map(async (a) => `${a.status} ${a.status === 200 ? '' : await a.text()}`.trim()));
    expect(statuses).toEqual(Array.from({ length: 10 }, () => '200'));
  }, 30_000);

  it('answers twenty viewers who ask for one new segment at the same instant, with the shield asked once', async () => {
    shield.delayMs = 0;
    const base = await sessionBase('hot-title');
    shield.delayMs = 300;
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}seg-360p-1.m4s`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect((await answer.arrayBuffer()).byteLength).toBe(SEGMENT.length);
    }
    expect(shield.seen.get('/vod/hot-title/seg-360p-1.m4s')).toBe(1);
  }, 30_000);

  it('answers the viewers waiting on a segment even when the viewer whose request fetches it hangs up', async () => {
    shield.delayMs = 0;
    const base = await sessionBase('abandoned-title');
    shield.delayMs = 600;
    const quitter = new AbortController();
    const first = fetch(`${base}seg-360p-2.m4s`, { signal: quitter.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = Array.from({ length: 10 }, () => fetch(`${base}seg-360p-2.m4s`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    quitter.abort();
    await first;
    const answers = await Promise.all(waiting);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect((await answer.arrayBuffer()).byteLength).toBe(SEGMENT.length);
    }
  }, 30_000);
});
