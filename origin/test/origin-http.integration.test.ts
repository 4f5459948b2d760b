import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleRecord } from '../src/catalogue/title-record.ts';
import { testConfig } from './support/test-config.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { parseM3u8 } from './support/m3u8.ts';
import { rawRequest, rawSocketRequest } from './support/raw-request.ts';

let root: string;
let dataDir: string;
let origin: RunningOrigin;
const secret = `TOP-SECRET-${randomBytes(8).toString('hex')}`;

async function problem(response: Response): Promise<{ code: string; status: number }> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { code: string; status: number };
}

async function mediaRequestCount(status: number): Promise<number> {
  const text = await (await fetch(`${origin.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('origin_http_requests_total{') && l.includes('route="media"') && l.includes(`status="${status}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-http-'));
  dataDir = join(root, 'data');
  // An 8 s sample (two segments per rendition) made by the real first-start path.
  const config = testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir, ORIGIN_SAMPLE_SECONDS: '8' });
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent') });
  await origin.ready;
  // Files a traversal would aim for: beside the data dir, inside it, and beside the titles.
  await writeFile(join(root, 'secret.txt'), secret);
  await writeFile(join(dataDir, 'secret.txt'), secret);
  await writeFile(join(dataDir, 'vod', 'secret.txt'), secret);
  await symlink(join(root, 'secret.txt'), join(dataDir, 'vod', 'demo', 'link-00001.m4s'));
});

afterAll(async () => {
  await origin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('origin: sample content and catalogue', () => {
  it('answers /healthz with 200 once the sample title is published', async () => {
    const response = await fetch(`${origin.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves the catalogue entry of the sample title with renditions and rights', async () => {
    const response = await fetch(`${origin.url}/api/v1/titles/demo`);
    expect(response.status).toBe(200);
    const title = (await response.json()) as TitleRecord;
    expect(title).toMatchObject({ id: 'demo', kind: 'vod', manifests: { hls: 'master.m3u8', dash: 'manifest.mpd' } });
    // Rights come from the rights store (permissive until an operator sets them), not the media record.
    expect((title as unknown as { rights: unknown }).rights).toEqual({ countries: { allow: null, deny: [] }, windows: [], blackouts: [] });
    expect(title.durationSeconds).toBeCloseTo(8, 1);
    const videos = title.renditions.filter((r) => r.type === 'video');
    expect(videos.map((r) => [r.width, r.height])).toEqual([[640, 360], [960, 540], [1280, 720]]);
    for (const r of title.renditions) expect(r.codecs).toMatch(/^(avc1\.[0-9a-f]{6}|mp4a\.40\.2)$/i);
    // The media record as stored, with the rights store's fields in place of its legacy `rights`.
    const { rights: _legacy, ...media } = JSON.parse(await readFile(join(dataDir, 'vod', 'demo', 'title.json'), 'utf8')) as Record<string, unknown>;
    expect(title).toEqual({ ...media, rights: { countries: { allow: null, deny: [] }, windows: [], blackouts: [] }, packages: [], plans: ['basic', 'standard', 'premium'] });
  });

  it('answers 404 title-not-found for an unknown title, in the API and under /vod', async () => {
    expect(await problem(await fetch(`${origin.url}/api/v1/titles/no-such-title`))).toMatchObject({ status: 404, code: 'title-not-found' });
    expect(await problem(await fetch(`${origin.url}/vod/no-such-title/master.m3u8`))).toMatchObject({ status: 404, code: 'title-not-found' });
  });

  it('answers 404 not-found for an unknown file of a known title and for the catalogue record itself', async () => {
    expect(await problem(await fetch(`${origin.url}/vod/demo/seg-0-99999.m4s`))).toMatchObject({ status: 404, code: 'not-found' });
    expect(await problem(await fetch(`${origin.url}/vod/demo/title.json`))).toMatchObject({ status: 404, code: 'not-found' });
    expect(await problem(await fetch(`${origin.url}/no/such/route`))).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('origin: media responses', () => {
  it('types manifests and segments and gives them different cache lifetimes', async () => {
    const cases = [
      ['master.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=10'],
      ['video-360p.m3u8', 'application/vnd.apple.mpegurl', 'public, max-age=10'],
      ['manifest.mpd', 'application/dash+xml', 'public, max-age=10'],
      ['seg-0-00001.m4s', 'video/iso.segment', 'public, max-age=31536000, immutable'],
      ['init-0.mp4', 'video/mp4', 'public, max-age=31536000, immutable'],
      ['init-3.mp4', 'audio/mp4', 'public, max-age=31536000, immutable'],
    ] as const;
    for (const [file, type, cacheControl] of cases) {
      const response = await fetch(`${origin.url}/vod/demo/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect(response.headers.get('cache-control'), file).toBe(cacheControl);
      expect(response.headers.get('accept-ranges'), file).toBe('bytes');
      expect(response.headers.get('etag'), file).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(response.headers.get('last-modified'), file).not.toBeNull();
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(await readFile(join(dataDir, 'vod', 'demo', file))), file).toBe(true);
    }
  });

  it('serves playlists whose every reference resolves on the origin', async () => {
    const masterUrl = `${origin.url}/vod/demo/master.m3u8`;
    const master = parseM3u8(await (await fetch(masterUrl)).text());
    const mediaUris = [
      ...(master.playlists ?? []).map((p) => p.uri),
      ...Object.values(master.mediaGroups?.AUDIO?.['audio'] ?? {}).map((r) => r.uri ?? ''),
    ];
    expect(mediaUris).toHaveLength(4);
    for (const uri of mediaUris) {
      const playlistUrl = new URL(uri, masterUrl);
      const playlist = parseM3u8(await (await fetch(playlistUrl)).text());
      const files = [playlist.segments?.[0]?.map?.uri ?? 'missing-map', ...(playlist.segments ?? []).map((s) => s.uri)];
      for (const file of files) {
        const response = await fetch(new URL(file, playlistUrl), { method: 'HEAD' });
        expect(response.status, file).toBe(200);
      }
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const url = `${origin.url}/vod/demo/seg-2-00001.m4s`;
    const size = (await readFile(join(dataDir, 'vod', 'demo', 'seg-2-00001.m4s'))).length;
    const head = await rawRequest(origin.url, '/vod/demo/seg-2-00001.m4s', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(size));
    expect(head.headers['content-type']).toBe('video/iso.segment');
    expect(head.body).toBe('');
    const get = await fetch(url);
    expect(head.headers['etag']).toBe(get.headers.get('etag'));
    await get.body?.cancel();
  });

  it('serves a single byte range with 206, Content-Range and exactly those bytes', async () => {
    const whole = await readFile(join(dataDir, 'vod', 'demo', 'seg-1-00002.m4s'));
    const url = `${origin.url}/vod/demo/seg-1-00002.m4s`;
    const middle = await fetch(url, { headers: { range: 'bytes=1000-1999' } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 1000-1999/${whole.length}`);
    expect(middle.headers.get('content-length')).toBe('1000');
    expect(Buffer.from(await middle.arrayBuffer()).equals(whole.subarray(1000, 2000))).toBe(true);

    const suffix = await fetch(url, { headers: { range: 'bytes=-100' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe(`bytes ${whole.length - 100}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 100))).toBe(true);

    const open = await fetch(url, { headers: { range: `bytes=${whole.length - 10}-` } });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(true);
  });

  it('answers an unsatisfiable range with 416 range-not-satisfiable and the size', async () => {
    const size = (await readFile(join(dataDir, 'vod', 'demo', 'init-1.mp4'))).length;
    const response = await fetch(`${origin.url}/vod/demo/init-1.mp4`, { headers: { range: `bytes=${size}-${size + 10}` } });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
    expect(await problem(response)).toMatchObject({ code: 'range-not-satisfiable' });
  });

  it('ignores a range whose If-Range no longer matches, answering the whole file', async () => {
    const response = await fetch(`${origin.url}/vod/demo/init-1.mp4`, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).length).toBe((await readFile(join(dataDir, 'vod', 'demo', 'init-1.mp4'))).length);
  });

  it('answers a conditional GET with a matching ETag with 304 and no body', async () => {
    const url = `${origin.url}/vod/demo/manifest.mpd`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    await first.body?.cancel();
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=10');
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const changed = await fetch(url, { headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);
    await changed.body?.cancel();
  });

  it('answers other methods with 405 method-not-allowed and an Allow header', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${origin.url}/vod/demo/master.m3u8`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(await problem(response)).toMatchObject({ code: 'method-not-allowed' });
    }
  });

  it('counts every media request in origin_http_requests_total{route="media"}', async () => {
    const before200 = await mediaRequestCount(200);
    const before404 = await mediaRequestCount(404);
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const response = await fetch(`${origin.url}/vod/demo/seg-0-00002.m4s`);
        await response.arrayBuffer();
      }),
    );
    await (await fetch(`${origin.url}/vod/demo/nothing-here.m4s`)).arrayBuffer();
    expect(await mediaRequestCount(200)).toBe(before200 + 5);
    expect(await mediaRequestCount(404)).toBe(before404 + 1);
  });
});

describe('origin: path traversal (raw request targets)', () => {
  const hostile = [
    '/vod/demo/../secret.txt',
    '/vod/demo/../../secret.txt',
    '/vod/demo/../../../secret.txt',
    '/vod/../secret.txt',
    '/vod/demo/%2e%2e/secret.txt',
    '/vod/demo/%2e%2e/%2e%2e/secret.txt',
    '/vod/demo/%2E%2E/%2E%2E/%2E%2E/secret.txt',
    '/vod/demo/.%2e/.%2e/secret.txt',
    '/vod/demo/%252e%252e/%252e%252e/secret.txt',
    '/vod/demo/..%2f..%2fsecret.txt',
    '/vod/demo/..%5c..%5csecret.txt',
    '/vod/demo/..\\..\\secret.txt',
    '/vod/demo\\..\\..\\secret.txt',
    '//etc/passwd',
    '/vod//etc/passwd',
    '/vod/demo//secret.txt',
    '/vod/demo/%00../../secret.txt',
    '/vod/demo/secret.txt%00.m4s',
    '/vod/demo/link-00001.m4s',
    '/api/v1/titles/..%2f..%2fsecret.txt',
    '/api/v1/titles/%2e%2e',
  ];

  it.each(hostile)('refuses %s with 400 or 404 and never returns the secret', async (path) => {
    const response = await rawRequest(origin.url, path);
    expect([400, 404]).toContain(response.status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).not.toContain(secret);
    expect(response.body).not.toContain('root:');
  });

  it('refuses the dot-dot and encoded forms as bad-path', async () => {
    for (const path of ['/vod/demo/../../secret.txt', '/vod/demo/%2e%2e/secret.txt', '/vod/demo/%252e%252e/secret.txt', '/vod/demo/..\\secret.txt']) {
      const response = await rawRequest(origin.url, path);
      expect(response.status, path).toBe(400);
      expect((JSON.parse(response.body) as { code: string }).code, path).toBe('bad-path');
    }
  });

  it('refuses a NUL byte on the wire with 400 before any routing', async () => {
    const answer = await rawSocketRequest(origin.url, 'GET /vod/demo/\u0000../../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toContain(secret);
  });
});
