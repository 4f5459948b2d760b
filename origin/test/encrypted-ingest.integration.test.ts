import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { KeyEncryptionKey } from '@cascade/licensing/protection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleRecord } from '../src/catalogue/title-record.ts';
import { resolveFfmpegPaths } from '../src/ffmpeg-path.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { OriginApi, type JobBody } from './support/origin-api.ts';
import { testConfig } from './support/test-config.ts';

const TOKEN = `test-origin-token-${randomBytes(8).toString('hex')}`;
const KEK_TEXT = randomBytes(32).toString('base64');
let root: string;
let source: string;
let origin: RunningOrigin;
let clearOnly: RunningOrigin;
let api: OriginApi;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-encrypted-ingest-'));
  const base = { ORIGIN_PORT: '0', ORIGIN_API_TOKENS: TOKEN, ORIGIN_WORKERS: '1', ORIGIN_SEGMENT_SECONDS: '2' };
  const config = testConfig({ ...base, ORIGIN_DATA_DIR: join(root, 'data'), CONTENT_KEK: KEK_TEXT });
  source = join(root, 'mezzanine.mp4');
  await makeTestSource({ ffmpegPath: resolveFfmpegPaths(config).ffmpeg.path, outputFile: source, durationSeconds: 4, width: 1280, height: 720 });
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
  clearOnly = await startOrigin(testConfig({ ...base, ORIGIN_DATA_DIR: join(root, 'clear-only') }), { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
  api = new OriginApi(origin.url, TOKEN);
});

afterAll(async () => {
  await origin?.close();
  await clearOnly?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('per-title encryption at ingest (encryption=cenc)', () => {
  let job: JobBody;
  let title: TitleRecord;

  beforeAll(async () => {
    const response = await api.upload('locked-film', await readFile(source), '&encryption=cenc');
    expect(response.status).toBe(202);
    job = await api.waitFor(((await response.json()) as JobBody).id);
    title = (await (await fetch(`${origin.url}/api/v1/titles/locked-film`)).json()) as TitleRecord;
  }, 180_000);

  it('publishes the title with per-tier keys wrapped under CONTENT_KEK and each rendition’s key id', async () => {
    expect(job.error).toBeNull();
    expect((job as JobBody & { encryption?: string }).encryption).toBe('cenc');
    expect(title.protection?.scheme).toBe('cenc');
    const tiers = title.protection!.keys.map((k) => k.tier).sort();
    expect(tiers).toEqual(['AUDIO', 'HD', 'SD']);
    const kek = KeyEncryptionKey.fromBase64(KEK_TEXT);
    for (const key of title.protection!.keys) expect((await kek.unwrap(key)).key).toHaveLength(16);
    const byId = Object.fromEntries(title.renditions.map((r) => [r.id, r.keyId]));
    const kidOf = (tier: string) => title.protection!.keys.find((k) => k.tier === tier)!.kid;
    expect(byId['video-360p']).toBe(kidOf('SD'));
    expect(byId['video-720p']).toBe(kidOf('HD'));
    // Thumbnails were made from the encrypted SD rendition, decrypted with its key.
    expect(title.thumbnails).toBeDefined();
  });

  it('serves manifests that signal the encryption', async () => {
    const mpd = await (await fetch(`${origin.url}/vod/locked-film/manifest.mpd`)).text();
    expect(mpd).toContain('value="cenc" cenc:default_KID=');
    const media = await (await fetch(`${origin.url}/vod/locked-film/video-360p.m3u8`)).text();
    expect(media).toContain('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR');
  });

  it('refuses an unknown scheme, and any encryption on an origin without CONTENT_KEK, with 400 naming the option', async () => {
    const unknown = await api.upload('rot13-film', Buffer.from('x'), '&encryption=rot13');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/^encryption: expected one of none, cenc, cbcs/);
    const noKek = await new OriginApi(clearOnly.url, TOKEN).upload('locked-elsewhere', Buffer.from('x'), '&encryption=cenc');
    expect(noKek.status).toBe(400);
    expect(((await noKek.json()) as { detail: string }).detail).toMatch(/CONTENT_KEK/);
  });
});
