import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { conditionCreatives } from './ad-creatives.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';
import { waitFor } from './wait-for.ts';

/**
 * HLS Interstitials (README "Ad insertion", the interstitials mode): titles `hlsi-*` keep their content
 * playlists and get each break as an interstitial date range whose X-ASSET-LIST the edge answers
 * (scripts/lib/ad-server-vars.ts: a pre-roll and a mid-roll at 4 s, spot-a then spot-b). hls.js, which
 * implements interstitials, plays both breaks' assets and returns to the content.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
const adServer = inject('adServer');
const titleId = `hlsi-e2e-${Date.now().toString(36)}`;
const api = { authorization: `Bearer ${secrets.originApiToken}` };
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-hlsi-'));
  const source = join(dir, 'content.mp4');
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=8',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=8',
      '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-movflags', '+faststart', '-y', source,
    ],
  });
  const upload = await fetch(`${stack.origin}/api/v1/videos/upload?title=${titleId}&name=Interstitials%20e2e`, { method: 'POST', headers: { ...api, 'content-type': 'application/octet-stream' }, body: await readFile(source) });
  expect(upload.status).toBe(202);
  const { id } = (await upload.json()) as { id: string };
  await waitFor('the content ingest', async () => {
    const job = (await (await fetch(`${stack.origin}/api/v1/videos/${id}`, { headers: api })).json()) as { state: string; error: unknown };
    if (job.state === 'failed') throw new Error(`ingest failed: ${JSON.stringify(job.error)}`);
    return job.state === 'ready' ? job : undefined;
  }, 120_000);
  // The creatives, conditioned as the edge would ask (this file may run before the other ad tests).
  await conditionCreatives({ url: stack.origin, apiToken: secrets.originApiToken }, adServer, 'local-mock-interstitials', [{ creative: 'spot-a', seconds: undefined }, { creative: 'spot-b', seconds: undefined }], 240_000);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface InterstitialRun {
  events: string[];
  fatal: string | null;
  primaryTime: number;
  maxStallMs: number;
}
type Hit = { event: string; ad: string; sid: string; pos: string };

describe('server-guided ad insertion: HLS Interstitials in hls.js', () => {
  it('plays the pre-roll’s and the mid-roll’s assets from the edge’s asset lists and returns to the content, with no fatal error and no stall over a segment, and the ad server records each ad’s impression and complete once per break', async () => {
    await fetch(`${adServer}/hits`, { method: 'DELETE' });
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('interstitials page error:', error.message));
    try {
      await page.goto(`${stack.edge}/demo?title=none&token=x`);
      const url = `${stack.edge}/v1/play/${titleId}/master.m3u8?token=${encodeURIComponent(await devToken('hlsi-viewer'))}`;
      await page.evaluate((src) => {
        // Runs in the page (the root tsconfig has no DOM types, hence the loose shapes).
        const w = globalThis as unknown as Record<string, any>;
        const run: InterstitialRun = { events: [], fatal: null, primaryTime: 0, maxStallMs: 0 };
        w['hlsiRun'] = run;
        const video = w['document'].createElement('video') as { currentTime: number; paused: boolean; ended: boolean; muted: boolean; play(): Promise<void> };
        video.muted = true;
        w['document'].body.append(video);
        const Hls = w['Hls'];
        const hls = new Hls();
        const E = Hls.Events;
        hls.on(E.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => { if (data.fatal) run.fatal = data.details; });
        hls.on(E.INTERSTITIAL_STARTED, (_e: unknown, data: { event: { identifier: string } }) => run.events.push(`started ${data.event.identifier}`));
        hls.on(E.INTERSTITIAL_ASSET_STARTED, (_e: unknown, data: { event: { identifier: string }; assetListIndex: number }) => run.events.push(`asset ${data.event.identifier} ${data.assetListIndex}`));
        hls.on(E.INTERSTITIAL_ASSET_ERROR, (_e: unknown, data: { error?: { message?: string } }) => run.events.push(`asset error ${data.error?.message}`));
        hls.on(E.INTERSTITIAL_ENDED, (_e: unknown, data: { event: { identifier: string } }) => run.events.push(`ended ${data.event.identifier}`));
        hls.on(E.INTERSTITIALS_PRIMARY_RESUMED, () => run.events.push('primary'));
        hls.on(E.MANIFEST_PARSED, () => void video.play().catch(() => {}));
        hls.loadSource(src);
        hls.attachMedia(video);
        // The media element's playhead (hls.js plays the assets in the same element, so it moves through ads
        // and content alike): never still for long while playing.
        let last = -1;
        let advanced = performance.now();
        setInterval(() => {
          const now = performance.now();
          const position = video.currentTime;
          if (position !== last) {
            last = position;
            advanced = now;
          } else if (!video.paused && !video.ended) {
            run.maxStallMs = Math.max(run.maxStallMs, now - advanced);
          }
          run.primaryTime = hls.interstitialsManager?.primary?.currentTime ?? video.currentTime;
        }, 100);
      }, url);
      const state = () => page.evaluate(() => (globalThis as unknown as { hlsiRun: InterstitialRun }).hlsiRun);
      // Both breaks over, and two segments of content after the mid-roll (at 4 s).
      await page.waitForFunction(() => {
        const run = (globalThis as unknown as { hlsiRun: InterstitialRun }).hlsiRun;
        return run.fatal !== null || (run.events.filter((e) => e.startsWith('ended')).length >= 2 && run.primaryTime >= 6);
      }, undefined, { timeout: 90_000, polling: 250 });
      const run = await state();
      console.info(`interstitials hls.js: ${run.events.join(', ')}; longest stall ${Math.round(run.maxStallMs)} ms`);
      expect(run.fatal).toBeNull();
      expect(run.events.filter((e) => e.startsWith('asset error'))).toEqual([]);
      const started = run.events.filter((e) => e.startsWith('started')).map((e) => e.slice(8));
      expect(started).toHaveLength(2);
      expect(run.events.filter((e) => e.startsWith('asset '))).toEqual([`asset ${started[0]} 0`, `asset ${started[0]} 1`, `asset ${started[1]} 0`, `asset ${started[1]} 1`]);
      expect(run.maxStallMs).toBeLessThanOrEqual(4000); // one content segment
    } finally {
      await page.close();
    }

    // Server-side beacons from the assets' segment fetches (ad-scoped tokens, as in stitched sessions).
    const hits = await waitFor('the beacons of both breaks', async () => {
      const list = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
      return list.filter((h) => h.event === 'complete').length >= 4 ? list : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive by now
    const final = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
    expect(final.length).toBe(hits.length);
    for (const ad of ['spot-a', 'spot-b']) {
      for (const event of ['impression', 'complete']) {
        expect(final.filter((h) => h.ad === ad && h.event === event).map((h) => h.pos).sort(), `${ad} ${event}`).toEqual(['midroll', 'preroll']);
      }
    }
  }, 180_000);
});
