import { execFile } from 'node:child_process';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger } from '@cascade/common/node';
import { KeyEncryptionKey } from '@cascade/licensing/protection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleRecord } from '../src/catalogue/title-record.ts';
import { resolveFfmpegPaths } from '../src/ffmpeg-path.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { OriginApi, type JobBody } from './support/origin-api.ts';
import { testConfig } from './support/test-config.ts';

const run = promisify(execFile);
const TOKEN = `test-origin-token-${randomBytes(8).toString('hex')}`;
const KEK_TEXT = randomBytes(32).toString('base64');
let root: string;
let ffprobe: string;
let origin: RunningOrigin;
let title: TitleRecord;
let job: JobBody;

/** RFC 8216 §4.3.2.4 attribute list of one EXT-X-KEY line. */
function keyAttributes(line: string): { method: string; uri: string; iv: string } {
  const method = /METHOD=([^,]+)/.exec(line)?.[1] ?? '';
  const uri = /URI="([^"]+)"/.exec(line)?.[1] ?? '';
  const iv = /IV=0x([0-9a-fA-F]+)/.exec(line)?.[1] ?? '';
  return { method, uri, iv };
}

async function get(path: string): Promise<Buffer> {
  const response = await fetch(`${origin.url}/vod/aes-film/${path}`);
  expect(response.status, path).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-aes128-ingest-'));
  const config = testConfig({ ORIGIN_PORT: '0', ORIGIN_API_TOKENS: TOKEN, ORIGIN_WORKERS: '1', ORIGIN_SEGMENT_SECONDS: '2', ORIGIN_DATA_DIR: join(root, 'data'), CONTENT_KEK: KEK_TEXT });
  const tools = resolveFfmpegPaths(config);
  ffprobe = tools.ffprobe.path;
  const source = join(root, 'mezzanine.mp4');
  await makeTestSource({ ffmpegPath: tools.ffmpeg.path, outputFile: source, durationSeconds: 4, width: 1280, height: 720 });
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
  const api = new OriginApi(origin.url, TOKEN);
  const response = await api.upload('aes-film', await readFile(source), '&encryption=aes-128');
  expect(response.status).toBe(202);
  job = await api.waitFor(((await response.json()) as JobBody).id);
  title = (await (await fetch(`${origin.url}/api/v1/titles/aes-film`)).json()) as TitleRecord;
}, 180_000);

afterAll(async () => {
  await origin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('HLS AES-128 at ingest (encryption=aes-128, RFC 8216 §4.3.2.4 and §5.2)', () => {
  it('publishes the title as aes-128 with per-tier keys wrapped under CONTENT_KEK', () => {
    expect(job.error).toBeNull();
    expect(title.protection?.scheme).toBe('aes-128');
    expect(title.protection!.keys.map((k) => k.tier).sort()).toEqual(['AUDIO', 'HD', 'SD']);
    const kidOf = (tier: string) => title.protection!.keys.find((k) => k.tier === tier)!.kid;
    expect(title.renditions.find((r) => r.id === 'video-360p')?.keyId).toBe(kidOf('SD'));
    expect(title.renditions.find((r) => r.id === 'video-720p')?.keyId).toBe(kidOf('HD'));
  });

  it('writes an AES-128 EXT-X-KEY with the KID key URI and its own IV before the EXT-X-MAP and before every segment', async () => {
    const sd = title.protection!.keys.find((k) => k.tier === 'SD')!;
    const lines = (await get('video-360p.m3u8')).toString('utf8').split('\n');
    const keys = lines.filter((l) => l.startsWith('#EXT-X-KEY:'));
    const segments = lines.filter((l) => l.startsWith('#EXTINF:'));
    expect(segments.length).toBeGreaterThan(0);
    // One for the initialization section (§4.3.2.5: its IV is required) and one per segment.
    expect(keys).toHaveLength(segments.length + 1);
    expect(lines[lines.findIndex((l) => l.startsWith('#EXT-X-MAP:')) - 1]).toMatch(/^#EXT-X-KEY:METHOD=AES-128,/);
    for (const key of keys) {
      const attributes = keyAttributes(key);
      expect(attributes.method).toBe('AES-128');
      expect(attributes.uri).toBe(`key/${sd.kid.replace(/-/g, '')}`);
      expect(attributes.iv).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(keys.map((k) => keyAttributes(k).iv)).size).toBe(keys.length);
    expect(lines.join('\n')).not.toContain('KEYFORMAT');
  });

  it('encrypts the init and media segments whole: node:crypto with the tier key and the IV decrypts them to media ffprobe reads', async () => {
    const hd = title.protection!.keys.find((k) => k.tier === 'HD')!;
    const key = (await KeyEncryptionKey.fromBase64(KEK_TEXT).unwrap(hd)).key;
    const lines = (await get('video-720p.m3u8')).toString('utf8').split('\n');
    const initUri = /URI="([^"]+)"/.exec(lines.find((l) => l.startsWith('#EXT-X-MAP:'))!)![1]!;
    const initIv = keyAttributes(lines[lines.findIndex((l) => l.startsWith('#EXT-X-MAP:')) - 1]!).iv;
    const firstInf = lines.findIndex((l) => l.startsWith('#EXTINF:'));
    const segmentIv = keyAttributes(lines[firstInf - 1]!).iv;
    const segmentUri = lines[firstInf + 1]!;
    const decrypt = (bytes: Buffer, iv: string) => {
      const decipher = createDecipheriv('aes-128-cbc', key, Buffer.from(iv, 'hex'));
      return Buffer.concat([decipher.update(bytes), decipher.final()]);
    };
    const encryptedInit = await get(initUri);
    const encryptedSegment = await get(segmentUri);
    // Encrypted whole: neither begins with an MP4 box any more, and both are whole cipher blocks.
    expect(encryptedInit.subarray(4, 8).toString('latin1')).not.toBe('ftyp');
    expect(encryptedInit.length % 16).toBe(0);
    expect(encryptedSegment.length % 16).toBe(0);
    const clear = Buffer.concat([decrypt(encryptedInit, initIv), decrypt(encryptedSegment, segmentIv)]);
    expect(clear.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const file = join(root, 'decrypted.mp4');
    await writeFile(file, clear);
    const probe = JSON.parse((await run(ffprobe, ['-v', 'error', '-show_streams', '-of', 'json', file])).stdout) as { streams: Array<{ codec_type: string; height?: number }> };
    expect(probe.streams[0]).toMatchObject({ codec_type: 'video', height: 720 });
    // Each segment needs its own IV: with another segment's IV its first block comes out wrong.
    const right = decrypt(encryptedSegment, segmentIv).subarray(0, 16);
    const wrongIv = Buffer.from(right.length === 16 ? initIv : segmentIv, 'hex');
    const wrong = createDecipheriv('aes-128-cbc', key, wrongIv).update(encryptedSegment.subarray(0, 32)).subarray(0, 16);
    expect(wrong.equals(right)).toBe(false);
  });

  it('refuses a misspelt scheme with 400 naming the option and aes-128 among the choices', async () => {
    const response = await new OriginApi(origin.url, TOKEN).upload('aes-film-2', Buffer.from('x'), '&encryption=AES128');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toBe('encryption: expected one of none, cenc, cbcs, aes-128, received "AES128"');
  });

  it('offers no I-frame playlists and leaves the MPD without ContentProtection (DASH has no AES-128)', async () => {
    const master = (await get('master.m3u8')).toString('utf8');
    expect(master).not.toContain('EXT-X-I-FRAME-STREAM-INF');
    const mpd = (await get('manifest.mpd')).toString('utf8');
    expect(mpd).not.toContain('ContentProtection');
  });
});
