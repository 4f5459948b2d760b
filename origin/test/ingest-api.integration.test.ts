import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleRecord } from '../src/catalogue/title-record.ts';
import { resolveFfmpegPaths, type FfmpegPaths } from '../src/ffmpeg-path.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { parseMpd } from '../src/media/parse-mpd.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { parseM3u8 } from './support/m3u8.ts';
import { make8k, makeCorruptMidFile, makeMedia, makeTextFile, makeTruncatedMp4, makeVfr, makeWithSubtitles } from './support/make-media.ts';
import { OriginApi, type JobBody } from './support/origin-api.ts';
import { rawRequest } from './support/raw-request.ts';
import { testConfig } from './support/test-config.ts';

const TOKEN = `test-origin-token-${randomBytes(8).toString('hex')}`;
const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
let root: string;
let dataDir: string;
let media: string;
let ingestDir: string;
let tools: FfmpegPaths;
let origin: RunningOrigin;
let api: OriginApi;

async function upload(title: string, file: string, query = ''): Promise<Response> {
  return api.upload(title, await readFile(file), query);
}

async function accepted(response: Response): Promise<JobBody> {
  const body = (await response.json()) as JobBody;
  expect(response.status, JSON.stringify(body)).toBe(202);
  expect(response.headers.get('location')).toBe(`/api/v1/videos/${body.id}`);
  return body;
}

async function published(): Promise<string[]> {
  return (await readdir(join(dataDir, 'vod'))).sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-ingest-'));
  dataDir = join(root, 'data');
  media = join(root, 'media');
  ingestDir = join(root, 'dropbox');
  await mkdir(media);
  await mkdir(ingestDir);
  const config = testConfig({
    ORIGIN_PORT: '0',
    ORIGIN_DATA_DIR: dataDir,
    ORIGIN_API_TOKENS: TOKEN,
    ORIGIN_WORKERS: '2',
    ORIGIN_SEGMENT_SECONDS: '2',
    ORIGIN_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    ORIGIN_INGEST_DIRS: ingestDir,
  });
  tools = resolveFfmpegPaths(config);
  // No sample title here: these tests are about ingest, and the sample would only take cores.
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
  api = new OriginApi(origin.url, TOKEN);
});

afterAll(async () => {
  await origin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('POST /api/v1/videos/upload: upload to a playable title', () => {
  let job: JobBody;
  let title: TitleRecord;

  beforeAll(async () => {
    const source = join(media, 'mezzanine-640x360.mp4');
    await makeTestSource({ ffmpegPath: tools.ffmpeg.path, outputFile: source, durationSeconds: 4, width: 640, height: 360 });
    const response = await upload('feature-film', source, '&name=Feature%20Film&filename=mezzanine.mp4');
    const first = await accepted(response);
    expect(['queued', 'probing', 'transcoding']).toContain(first.state);
    job = await api.waitFor(first.id);
    title = (await (await fetch(`${origin.url}/api/v1/titles/feature-film`)).json()) as TitleRecord;
  });

  it('ends ready at 100 % with every rendition at 100 % and links to the manifests', () => {
    expect(job.error).toBeNull();
    expect(job.state).toBe('ready');
    expect(job.progress.percent).toBe(100);
    expect(job.etaSeconds).toBe(0);
    expect(job.progress.renditions.map((r) => r.id)).toEqual(['video-240p', 'video-360p', 'audio-aac-128k']);
    expect(job.probe?.video).toMatchObject({ width: 640, height: 360 });
    expect(job.links).toMatchObject({ hls: '/vod/feature-film/master.m3u8', dash: '/vod/feature-film/manifest.mpd' });
  });

  it('makes the default ladder up to the source height and never upscales', () => {
    const videos = title.renditions.filter((r) => r.type === 'video');
    expect(videos.map((r) => [r.width, r.height])).toEqual([[426, 240], [640, 360]]);
    expect(title).toMatchObject({ id: 'feature-film', name: 'Feature Film', sourceJobId: job.id });
  });

  it('serves HLS and DASH manifests that m3u8-parser and mpd-parser read, over the same segments', async () => {
    const master = parseM3u8(await (await fetch(`${origin.url}/vod/feature-film/master.m3u8`)).text());
    expect(master.playlists?.map((p) => p.attributes.RESOLUTION?.height)).toEqual([240, 360]);
    const mpd = parseMpd(await (await fetch(`${origin.url}/vod/feature-film/manifest.mpd`)).text());
    expect(mpd.playlists?.map((p) => p.attributes.RESOLUTION?.height)).toEqual([240, 360]);
    for (const variant of master.playlists ?? []) {
      const playlist = parseM3u8(await (await fetch(`${origin.url}/vod/feature-film/${variant.uri}`)).text());
      expect(playlist.segments).toHaveLength(2);
      const segment = await fetch(`${origin.url}/vod/feature-film/${playlist.segments?.[0]?.uri}`);
      expect(segment.status).toBe(200);
      expect((await segment.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('deletes the uploaded source once the title is published', async () => {
    expect(await readdir(join(dataDir, 'ingest'))).not.toContain(job.id);
  });

  it('refuses a second upload of the same title with 409 title-exists', async () => {
    const response = await upload('feature-film', join(media, 'mezzanine-640x360.mp4'));
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'title-exists' });
  });
});

describe('the operator API needs an origin API token', () => {
  it('answers 401 token-missing without a token and token-invalid with a wrong one, storing nothing', async () => {
    const none = await fetch(`${origin.url}/api/v1/videos/upload?title=x`, { method: 'POST', body: 'abc' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'token-missing' });
    const wrong = await fetch(`${origin.url}/api/v1/videos/upload?title=x`, { method: 'POST', body: 'abc', headers: { authorization: 'Bearer not-the-origin-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'token-invalid' });
    const status = await fetch(`${origin.url}/api/v1/videos/00000000-0000-0000-0000-000000000000`);
    expect(status.status).toBe(401);
  });
});

describe('bad input: each ends in a clear state and reason, others keep running, nothing half-published', () => {
  const cases: Array<{ name: string; title: string; make: (file: string) => Promise<string>; code: string; reason: RegExp }> = [
    { name: 'a truncated MP4 whose moov box is missing', title: 'bad-truncated', make: (f) => makeTruncatedMp4(tools.ffmpeg.path, f), code: 'source-unreadable', reason: /moov atom not found/ },
    { name: 'a text file renamed .mp4', title: 'bad-text', make: (f) => makeTextFile(f), code: 'source-unreadable', reason: /Invalid data found/ },
    { name: 'a zero-length file', title: 'bad-empty', make: async (f) => (await writeFile(f, ''), f), code: 'source-unreadable', reason: /empty \(0 bytes\)/ },
    { name: 'audio only', title: 'bad-audio-only', make: (f) => makeMedia(tools.ffmpeg.path, f, { video: false }), code: 'source-unsupported', reason: /audio only/ },
    { name: 'an 8K source', title: 'bad-8k', make: (f) => make8k(tools.ffmpeg.path, f), code: 'source-unsupported', reason: /7680x4320.*at most 4096/ },
  ];
  const good: Array<{ name: string; title: string; make: (file: string) => Promise<string>; check: (title: TitleRecord) => void }> = [
    {
      name: 'video only (no audio rendition)',
      title: 'odd-video-only',
      make: (f) => makeMedia(tools.ffmpeg.path, f, { audioLanguages: [] }),
      check: (t) => expect(t.renditions.map((r) => r.type)).toEqual(['video']),
    },
    {
      name: 'variable frame rate (made constant at the nominal rate)',
      title: 'odd-vfr',
      make: (f) => makeVfr(tools.ffmpeg.path, f),
      check: (t) => expect(t.renditions.find((r) => r.type === 'video')?.frameRate).toBe(25),
    },
    {
      name: 'odd dimensions 853x480 (even widths out, no upscaling)',
      title: 'odd-853x480',
      make: (f) => makeMedia(tools.ffmpeg.path, f, { width: 853, height: 480, pixFmt: 'yuv444p', seconds: 2 }),
      check: (t) => expect(t.renditions.filter((r) => r.type === 'video').map((r) => [r.width, r.height])).toEqual([[426, 240], [640, 360], [854, 480]]),
    },
    {
      name: 'corrupt frames mid-file (decoded with concealment)',
      title: 'odd-corrupt-mid',
      make: (f) => makeCorruptMidFile(tools.ffmpeg.path, f),
      check: (t) => expect(t.durationSeconds).toBeGreaterThan(2),
    },
  ];
  const jobs = new Map<string, JobBody>();

  beforeAll(async () => {
    const started: Array<Promise<void>> = [];
    for (const c of [...cases, ...good]) {
      const file = await c.make(join(media, `${c.title}.mp4`));
      started.push(
        (async () => {
          const first = await accepted(await upload(c.title, file));
          jobs.set(c.title, await api.waitFor(first.id));
        })(),
      );
    }
    await Promise.all(started);
  });

  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code} and publishes nothing`, async () => {
      const job = jobs.get(c.title)!;
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe(c.code);
      expect(job.error?.reason).toMatch(c.reason);
      expect(await published()).not.toContain(c.title);
      const title = await fetch(`${origin.url}/api/v1/titles/${c.title}`);
      expect(title.status).toBe(404);
    });
  }

  for (const c of good) {
    it(`makes a title from ${c.name}`, async () => {
      const job = jobs.get(c.title)!;
      expect(job.error).toBeNull();
      expect(job.state).toBe('ready');
      const title = (await (await fetch(`${origin.url}/api/v1/titles/${c.title}`)).json()) as TitleRecord;
      c.check(title);
    });
  }

  it('leaves no build directories or sources behind', async () => {
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dataDir, 'ingest'))).toEqual([]);
  });
});

describe('uploads that break off or are too large', () => {
  it('fails a job with upload-incomplete when the client disconnects midway, and publishes nothing', async () => {
    const url = new URL(`${origin.url}/api/v1/videos/upload?title=cut-off`);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': '1000000' } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(200_000, 1));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    const deadline = Date.now() + 10_000;
    let failed: { state: string; error: { code: string; reason: string } | null } | undefined;
    while (Date.now() < deadline) {
      failed = origin.jobs.queue.list(['failed', 'uploading']).map((j) => ({ ...j, error: j.error ?? null })).find((j) => j.titleId === 'cut-off');
      if (failed?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(failed?.state).toBe('failed');
    expect(failed?.error?.code).toBe('upload-incomplete');
    expect(await published()).not.toContain('cut-off');
    // The title is free again: a complete upload of it is accepted.
    const retry = await upload('cut-off', await makeMedia(tools.ffmpeg.path, join(media, 'cut-off.mp4'), { seconds: 1 }));
    const job = await accepted(retry);
    expect((await api.waitFor(job.id)).state).toBe('ready');
  });

  it('refuses an upload whose declared size is over ORIGIN_MAX_UPLOAD_BYTES with 413 before reading it', async () => {
    const url = new URL(`${origin.url}/api/v1/videos/upload?title=too-big`);
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(MAX_UPLOAD_BYTES + 1) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write('x');
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'payload-too-large' });
  });

  it('fails a streamed upload with 413 once it passes the limit, with no declared size', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_UPLOAD_BYTES + 4 * 1024 * 1024) controller.close();
        sent += 1024 * 1024;
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const response = await fetch(`${origin.url}/api/v1/videos/upload?title=too-big-streamed`, {
      method: 'POST',
      headers: api.headers(),
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload-too-large' });
    expect(await published()).not.toContain('too-big-streamed');
  });
});

describe('names from outside: path traversal is refused', () => {
  it('refuses title ids that are not flat names', async () => {
    for (const title of ['../escape', 'a/b', '..', '%2e%2e', 'x\\y', '.hidden', '']) {
      const response = await api.upload(title, 'abc');
      expect(response.status, title).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'bad-request' });
    }
    expect(await published()).not.toContain('escape');
  });

  it('refuses job ids that are not UUIDs, raw dot segments included', async () => {
    const response = await fetch(`${origin.url}/api/v1/videos/not-a-job`, { headers: api.headers() });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'job-not-found' });
    const raw = await rawRequest(origin.url, '/api/v1/videos/../titles/demo');
    expect(raw.status).toBe(400);
  });

  it('ingests a path only inside ORIGIN_INGEST_DIRS, judged after resolving .. and symlinks', async () => {
    const post = (path: string) =>
      fetch(`${origin.url}/api/v1/videos`, {
        method: 'POST',
        headers: api.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({ title: 'from-path', source: { path } }),
      });
    for (const path of [join(ingestDir, '..', 'media', 'mezzanine-640x360.mp4'), '/etc/passwd', join(ingestDir, 'missing.mp4')]) {
      const response = await post(path);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'ingest-source-forbidden' });
    }
    await makeMedia(tools.ffmpeg.path, join(ingestDir, 'clip.mp4'), { seconds: 1 });
    const job = await accepted(await post(join(ingestDir, 'clip.mp4')));
    expect((await api.waitFor(job.id)).state).toBe('ready');
    // The operator's own file is left where it was.
    expect(await readdir(ingestDir)).toContain('clip.mp4');
  });

  it('ingests only http(s) URLs', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.invalid/x.mp4', 'http://user:pw@example.invalid/x.mp4']) {
      const response = await fetch(`${origin.url}/api/v1/videos`, {
        method: 'POST',
        headers: api.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({ title: 'from-url', source: { url } }),
      });
      expect(response.status, url).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'ingest-source-forbidden' });
    }
  });
});

describe('resumable uploads (tus 1.0) under /api/v1/videos/tus', () => {
  const tus = (path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> }) =>
    fetch(`${origin.url}${path}`, { ...init, headers: api.headers({ 'tus-resumable': '1.0.0', ...init.headers }) });
  const metadata = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');

  it('resumes after a broken-off PATCH from the offset the server reports, then makes the title', async () => {
    const bytes = await readFile(await makeMedia(tools.ffmpeg.path, join(media, 'resumable.mp4'), { seconds: 2 }));
    const created = await tus('/api/v1/videos/tus', {
      method: 'POST',
      headers: { 'upload-length': String(bytes.length), 'upload-metadata': metadata({ title: 'resumable', name: 'Resumable', filename: 'resumable.mp4' }) },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/videos\/tus\/[A-Za-z0-9_-]+$/);

    const half = Math.floor(bytes.length / 2);
    const first = await tus(location, { method: 'PATCH', headers: { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: bytes.subarray(0, half) });
    expect(first.status).toBe(204);
    // The client lost track: it asks where to go on.
    const head = await tus(location, { method: 'HEAD' });
    expect(head.headers.get('upload-offset')).toBe(String(half));
    const wrong = await tus(location, { method: 'PATCH', headers: { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: bytes.subarray(0, 10) });
    expect(wrong.status).toBe(409);
    expect(wrong.headers.get('content-type')).toBe('application/problem+json');

    const rest = await tus(location, { method: 'PATCH', headers: { 'upload-offset': String(half), 'content-type': 'application/offset+octet-stream' }, body: bytes.subarray(half) });
    expect(rest.status).toBe(204);
    const jobUrl = rest.headers.get('cascade-job');
    expect(jobUrl).toMatch(/^\/api\/v1\/videos\/[0-9a-f-]{36}$/);
    const job = await api.waitFor(jobUrl!.split('/').pop()!);
    expect(job.state).toBe('ready');
    expect(await readdir(join(dataDir, 'uploads'))).toEqual([]);
  });

  it('refuses to create an upload for a traversal title or a title already taken', async () => {
    for (const [title, code, status] of [['../../etc', 'bad-request', 400], ['feature-film', 'title-exists', 409]] as const) {
      const response = await tus('/api/v1/videos/tus', { method: 'POST', headers: { 'upload-length': '10', 'upload-metadata': metadata({ title }) } });
      expect(response.status, title).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code });
    }
    const unauthenticated = await fetch(`${origin.url}/api/v1/videos/tus`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(unauthenticated.status).toBe(401);
  });
});

describe('URL ingest and alternate audio', () => {
  it('downloads an http source and makes one audio rendition per language, grouped in HLS and DASH', async () => {
    const file = await makeMedia(tools.ffmpeg.path, join(media, 'two-languages.mp4'), { seconds: 2, audioLanguages: ['eng', 'fra'] });
    const server = createServer(async (req, res) => {
      if (req.url !== '/two-languages.mp4') {
        res.writeHead(404).end();
        return;
      }
      const bytes = await readFile(file);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const post = (title: string, path: string) =>
        fetch(`${origin.url}/api/v1/videos`, {
          method: 'POST',
          headers: api.headers({ 'content-type': 'application/json' }),
          body: JSON.stringify({ title, source: { url: `http://127.0.0.1:${port}${path}` } }),
        });
      const missing = await api.waitFor((await accepted(await post('url-missing', '/nothing.mp4'))).id);
      expect(missing).toMatchObject({ state: 'failed', error: { code: 'ingest-source-failed' } });
      expect(missing.error?.reason).toMatch(/404/);

      const job = await api.waitFor((await accepted(await post('two-languages', '/two-languages.mp4'))).id);
      expect(job.error).toBeNull();
      expect(job.progress.renditions.map((r) => r.id)).toEqual(['video-240p', 'audio-aac-128k', 'audio-aac-128k-fr']);
    } finally {
      server.close();
    }
    const master = parseM3u8(await (await fetch(`${origin.url}/vod/two-languages/master.m3u8`)).text());
    const group = master.mediaGroups?.AUDIO?.['audio'] ?? {};
    expect(Object.values(group).map((r) => [r.uri, r.default])).toEqual([
      ['audio-aac-128k.m3u8', true],
      ['audio-aac-128k-fr.m3u8', false],
    ]);
    const masterText = await (await fetch(`${origin.url}/vod/two-languages/master.m3u8`)).text();
    expect(masterText).toContain('LANGUAGE="en"');
    expect(masterText).toContain('LANGUAGE="fr"');
    const mpdText = await (await fetch(`${origin.url}/vod/two-languages/manifest.mpd`)).text();
    const mpd = parseMpd(mpdText);
    expect(Object.values(mpd.mediaGroups?.AUDIO?.['audio'] ?? {}).map((e) => e.language).sort()).toEqual(['en', 'fr']);
    expect(mpdText.match(/<AdaptationSet[^>]*contentType="audio"/g)).toHaveLength(2);
  });
});

describe('subtitles, thumbnails and I-frame playlists', () => {
  let title: TitleRecord;
  const get = (file: string) => fetch(`${origin.url}/vod/with-extras/${file}`);

  beforeAll(async () => {
    const file = await makeWithSubtitles(tools.ffmpeg.path, join(media, 'with-extras.mp4'), 5);
    const job = await api.waitFor((await accepted(await upload('with-extras', file))).id);
    expect(job.error).toBeNull();
    title = (await (await fetch(`${origin.url}/api/v1/titles/with-extras`)).json()) as TitleRecord;
  });

  it('publishes the subtitle track as WebVTT in an HLS SUBTITLES group and a DASH text AdaptationSet', async () => {
    expect(title.subtitles).toEqual([{ id: 'subtitles-en', language: 'en', file: 'subtitles-en.vtt', playlist: 'subtitles-en.m3u8' }]);
    const vtt = await get('subtitles-en.vtt');
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    const vttText = await vtt.text();
    expect(vttText.startsWith('WEBVTT')).toBe(true);
    expect(vttText).toContain('Hello from the subtitle track');
    const masterText = await (await get('master.m3u8')).text();
    expect(masterText).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="en",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="subtitles-en.m3u8"/);
    const master = parseM3u8(masterText) as ReturnType<typeof parseM3u8> & { mediaGroups?: { SUBTITLES?: Record<string, Record<string, { uri?: string; language?: string }>> } };
    expect(Object.values(master.mediaGroups?.SUBTITLES?.['subs'] ?? {}).map((s) => s.uri)).toEqual(['subtitles-en.m3u8']);
    for (const variant of master.playlists ?? []) expect((variant.attributes as Record<string, unknown>)['SUBTITLES']).toBe('subs');
    const playlist = parseM3u8(await (await get('subtitles-en.m3u8')).text());
    expect(playlist.segments?.map((s) => s.uri)).toEqual(['subtitles-en.vtt']);
    const mpd = parseMpd(await (await get('manifest.mpd')).text()) as ReturnType<typeof parseMpd> & { mediaGroups?: { SUBTITLES?: Record<string, Record<string, { language?: string; playlists?: Array<{ segments?: Array<{ uri?: string; resolvedUri?: string }> }> }>> } };
    const subs = Object.values(mpd.mediaGroups?.SUBTITLES?.['subs'] ?? {});
    expect(subs.map((s) => s.language)).toEqual(['en']);
  });

  it('publishes a WebVTT thumbnail track whose cues point at tiles of JPEG sprites', async () => {
    expect(title.thumbnails).toMatchObject({ track: 'thumbnails.vtt', intervalSeconds: 2, width: 160, height: 120, columns: 5, rows: 5 });
    const track = await (await get('thumbnails.vtt')).text();
    const cues = track.split('\n').filter((l) => l.includes('#xywh='));
    expect(cues).toEqual(['thumbs-0001.jpg#xywh=0,0,160,120', 'thumbs-0001.jpg#xywh=160,0,160,120', 'thumbs-0001.jpg#xywh=320,0,160,120']);
    expect(track).toContain('00:00:04.000 --> 00:00:05.000');
    const sprite = await get('thumbs-0001.jpg');
    expect(sprite.status).toBe(200);
    expect(sprite.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await sprite.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  });

  it('lists an I-frame playlist per video rendition in the multivariant playlist', async () => {
    const masterText = await (await get('master.m3u8')).text();
    expect(masterText).toMatch(/#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=320x240,CODECS="avc1\.[0-9a-f]{6}",URI="video-240p-iframes.m3u8"/);
    const video = title.renditions.find((r) => r.type === 'video');
    expect(video?.iFrames?.playlist).toBe('video-240p-iframes.m3u8');
  });
});
