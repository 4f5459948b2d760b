import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';

interface PlayerState { loaded: boolean; currentTime: number; error: string | null }
type DemoState = { hls: PlayerState; shaka: PlayerState };

const stack = inject('stack');
const secrets = inject('serviceSecrets');
// The e2e origin keeps its data between local runs, and a title id can be ingested once.
const titleId = `e2e-ingest-${Date.now().toString(36)}`;
let browser: Browser;
let dir: string;
let job: { id: string; state: string; error: unknown; progress: { renditions: Array<{ id: string }> } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-ingest-'));
  const source = join(dir, 'mezzanine.mp4');
  const srt = join(dir, 'subs.srt');
  await writeFile(srt, '1\n00:00:01,000 --> 00:00:04,000\nSubtitles made it through every tier\n');
  // Shaped like a studio delivery: picture with motion, two audio languages, a soft-subtitle track.
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
      '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=10',
      '-i', srt,
      '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-c:a', 'aac', '-c:s', 'mov_text',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=spa', '-metadata:s:s:0', 'language=eng',
      '-movflags', '+faststart', '-y', source,
    ],
  });
  const response = await fetch(`${stack.origin}/api/v1/videos/upload?title=${titleId}&name=E2E%20ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/octet-stream' },
    body: await readFile(source),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  const deadline = Date.now() + 120_000;
  for (;;) {
    job = (await (await fetch(`${stack.origin}/api/v1/videos/${id}`, { headers: { authorization: `Bearer ${secrets.originApiToken}` } })).json()) as typeof job;
    if (job.state === 'ready' || job.state === 'failed' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('upload to play: an ingested title in hls.js and Shaka through edge, shield and origin', () => {
  it('ends the ingest job ready with two video renditions and both audio languages', () => {
    expect(job.error).toBeNull();
    expect(job.state).toBe('ready');
    expect(job.progress.renditions.map((r) => r.id)).toEqual(['video-240p', 'video-360p', 'audio-aac-128k', 'audio-aac-128k-es']);
  });

  it('serves the personalized manifests with the alternate audio and the subtitles through the edge', async () => {
    const token = await devToken('ingest-viewer');
    const master = await (await fetch(`${stack.edge}/v1/play/${titleId}/master.m3u8?token=${token}`)).text();
    expect(master).toContain('LANGUAGE="es"');
    expect(master).toContain('TYPE=SUBTITLES');
    expect(master).toContain('#EXT-X-I-FRAME-STREAM-INF');
    const mpd = await fetch(`${stack.edge}/v1/play/${titleId}/manifest.mpd?token=${token}`);
    expect(mpd.status).toBe(200);
    expect(await mpd.text()).toContain('mimeType="text/vtt"');
  });

  it('plays at least 4 s of the new title in both players', async () => {
    const page: Page = await browser.newPage();
    page.on('pageerror', (error) => console.error('demo page error:', error.message));
    try {
      await page.goto(`${stack.edge}/demo?title=${titleId}&token=${encodeURIComponent(await devToken('ingest-viewer'))}`);
      await page.waitForFunction(
        () => {
          const s = (globalThis as unknown as { demoState?: DemoState }).demoState;
          return !!s && (s.hls.error !== null || s.shaka.error !== null || (s.hls.currentTime >= 4 && s.shaka.currentTime >= 4));
        },
        undefined,
        { timeout: 90_000, polling: 250 },
      );
      const final = await page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);
      expect(final.hls.error).toBeNull();
      expect(final.shaka.error).toBeNull();
      expect(final.hls.currentTime).toBeGreaterThanOrEqual(4);
      expect(final.shaka.currentTime).toBeGreaterThanOrEqual(4);
    } finally {
      await page.close();
    }
  }, 120_000);
});
