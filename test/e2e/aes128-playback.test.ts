import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';

interface PlayerState { loaded: boolean; currentTime: number; error: string | null }
type DemoState = { hls: PlayerState; shaka: PlayerState };

const stack = inject('stack');
const secrets = inject('serviceSecrets');
const title = `aes128-${Date.now()}`;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  // A short clear source made here, ingested with encryption=aes-128 (the sample title is cenc).
  dir = await mkdtemp(join(tmpdir(), 'e2e-aes128-'));
  const source = join(dir, 'source.mp4');
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=8', '-f', 'lavfi', '-i', 'sine=duration=8', '-map', '0:v', '-map', '1:a',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', source],
  });
  const auth = { authorization: `Bearer ${secrets.originApiToken}` };
  const upload = await fetch(`${stack.origin}/api/v1/videos/upload?title=${title}&encryption=aes-128`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: await readFile(source) });
  expect(upload.status).toBe(202);
  const jobUrl = `${stack.origin}${upload.headers.get('location')}`;
  let job = { state: '', error: null as unknown };
  for (let i = 0; i < 240 && job.state !== 'ready' && job.state !== 'failed'; i++) {
    job = (await (await fetch(jobUrl, { headers: auth })).json()) as typeof job;
    if (job.state !== 'ready') await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(job).toMatchObject({ state: 'ready', error: null });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The /demo page with hls.js only, recording every AES-128 key answer the edge gave it. */
async function openHls(token: string): Promise<{ page: Page; keys: Array<{ status: number; bytes: number; cacheControl: string | undefined }> }> {
  const page = await browser.newPage();
  const keys: Array<{ status: number; bytes: number; cacheControl: string | undefined }> = [];
  page.on('response', async (response) => {
    if (!/\/v1\/media\/[^/]+\/vod\/[^/]+\/key\//.test(response.url())) return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    keys.push({ status: response.status(), bytes: response.status() === 200 ? body.length : 0, cacheControl: response.headers()['cache-control'] });
  });
  await page.goto(`${stack.edge}/demo?token=${encodeURIComponent(token)}&title=${title}&player=hls`);
  return { page, keys };
}

async function until(page: Page, predicate: (s: DemoState) => boolean, timeout = 90_000): Promise<DemoState> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; page state ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('HLS AES-128 title in headless Chromium (hls.js, keys from the edge)', () => {
  it('hls.js plays the title, fetching each 16-byte key from the session’s key URI', async () => {
    const { page, keys } = await openHls(await devToken('aes128-viewer'));
    try {
      const final = await until(page, (s) => s.hls.error !== null || s.hls.currentTime >= 3);
      expect(final.hls.error).toBeNull();
      expect(final.hls.currentTime).toBeGreaterThanOrEqual(3);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key).toEqual({ status: 200, bytes: 16, cacheControl: 'private, no-store' });
    } finally {
      await page.close();
    }
  }, 120_000);

  it('without a valid token the page gets no key and plays nothing', async () => {
    const { page, keys } = await openHls('not-a-token');
    try {
      const final = await until(page, (s) => s.hls.error !== null, 30_000);
      expect(final.hls.currentTime).toBe(0);
      expect(keys.filter((k) => k.status === 200)).toEqual([]);
    } finally {
      await page.close();
    }
    // A key URI taken from a real session but with its token's signature altered is refused too.
    const master = await (await fetch(`${stack.edge}/v1/play/${title}/master.m3u8?token=${await devToken('aes128-forger')}`)).text();
    const media = await (await fetch(master.split('\n').find((l) => l.includes('video-360p.m3u8'))!)).text();
    const keyUrl = /#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)",IV=0x[0-9a-f]{32}/.exec(media)![1]!;
    const forged = keyUrl.replace(/(\/v1\/media\/[^.]+\.)(.)/, (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
    const refused = await fetch(forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await refused.json()) as { code: string }).code).toBe('session-token-invalid');
    // The MPD is not offered: DASH has no AES-128.
    const dash = await fetch(`${stack.edge}/v1/play/${title}/manifest.mpd?token=${await devToken('aes128-dash')}`);
    expect(dash.status).toBe(404);
    expect(((await dash.json()) as { code: string }).code).toBe('manifest-format-unavailable');
  }, 60_000);
});
