import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uuidToClearKeyKid } from '@cascade/licensing/protection';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';

interface PlayerState { loaded: boolean; currentTime: number; error: string | null }
type DemoState = { hls: PlayerState; shaka: PlayerState; stopUrls: string[]; licenses: { granted: number; refused: string[] } };
interface Licence { status: number; kids: string[]; body: { code?: string } }

const stack = inject('stack');
const secrets = inject('serviceSecrets');
let browser: Browser;
let tierOfKid: Map<string, string>;

beforeAll(async () => {
  browser = await launchChromium();
  // The catalogue entry names each key's tier (keys themselves are wrapped: nothing here can read them).
  const entry = (await (await fetch(`${stack.origin}/api/v1/titles/demo`)).json()) as { protection: { keys: { kid: string; tier: string }[] } };
  tierOfKid = new Map(entry.protection.keys.map((k) => [uuidToClearKeyKid(k.kid), k.tier]));
});

afterAll(async () => {
  await browser?.close();
});

/** A /demo page, recording every licence answer the edge gave it (the page itself holds no keys). */
async function openDemo(token: string, query = ''): Promise<{ page: Page; licences: Licence[]; licenseUrls: string[] }> {
  const page = await browser.newPage();
  const licences: Licence[] = [];
  const licenseUrls: string[] = [];
  page.on('response', async (response) => {
    const url = response.url();
    const header = response.headers()['x-license-url'];
    if (header) licenseUrls.push(header);
    if (!url.includes('/v1/license/') || response.request().method() !== 'POST') return;
    const body = (await response.json().catch(() => ({}))) as { keys?: { kid: string }[]; code?: string };
    licences.push({ status: response.status(), kids: (body.keys ?? []).map((k) => k.kid), body });
  });
  await page.goto(`${stack.edge}/demo?token=${encodeURIComponent(token)}${query}`);
  return { page, licences, licenseUrls };
}

const state = (page: Page) => page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);

async function until(page: Page, predicate: (s: DemoState) => boolean, timeout = 90_000): Promise<DemoState> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await state(page);
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; page state ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const playing = (who: 'hls' | 'shaka', seconds = 3) => (s: DemoState) => s[who].error !== null || s[who].currentTime >= seconds;

async function operator(path: string, init: RequestInit): Promise<Response> {
  const token = await devToken('e2e-operator', 600, { role: 'operator' });
  return fetch(`${stack.edge}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
}

describe('encrypted demo in headless Chromium (ClearKey CDM, licences from the edge)', () => {
  it('the demo title is encrypted: cenc ContentProtection in DASH, SAMPLE-AES-CTR ClearKey tags in HLS', async () => {
    const token = await devToken('drm-signalling');
    const mpd = await fetch(`${stack.edge}/v1/play/demo/manifest.mpd?token=${token}`);
    const licenseUrl = mpd.headers.get('x-license-url')!;
    expect(licenseUrl).toMatch(/\/v1\/license\/clearkey\?session=/);
    const mpdText = await mpd.text();
    expect(mpdText).toContain('schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID=');
    expect(mpdText).toContain(`<dashif:Laurl>${licenseUrl}</dashif:Laurl>`);
    const master = await (await fetch(`${stack.edge}/v1/play/demo/master.m3u8?token=${token}`)).text();
    const media = master.split('\n').find((line) => line.includes('video-360p.m3u8'))!;
    expect(await (await fetch(media)).text()).toMatch(/#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,[^\n]*KEYFORMAT="org.w3.clearkey"/);
  });

  it('a basic-plan viewer plays with only the SD and audio keys and is served only SD renditions', async () => {
    const { page, licences } = await openDemo(await devToken('drm-basic', 600, { plan: 'basic', acct: 'drm-basic' }));
    try {
      const final = await until(page, (s) => playing('hls')(s) && playing('shaka')(s));
      expect(final.hls.error).toBeNull();
      expect(final.shaka.error).toBeNull();
      const granted = licences.filter((l) => l.status === 200).flatMap((l) => l.kids.map((kid) => tierOfKid.get(kid)));
      expect(granted.length).toBeGreaterThan(0);
      expect(new Set(granted)).toEqual(new Set(['SD', 'AUDIO']));
      const heights = await page.evaluate(() => {
        const g = globalThis as unknown as { demoHls: { levels: { height: number }[] }; demoShaka: { getVariantTracks(): { height: number | null }[] } };
        return { hls: g.demoHls.levels.map((l) => l.height), shaka: g.demoShaka.getVariantTracks().map((t) => t.height ?? 0) };
      });
      expect(Math.max(...heights.hls)).toBeLessThanOrEqual(576);
      expect(Math.max(...heights.shaka)).toBeLessThanOrEqual(576);
      expect(heights.hls.length).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('a third stream on a 2-stream account is refused, and starts once one of the first two stops', async () => {
    const acct = `drm-limit-${Date.now()}`;
    expect((await operator(`/v1/ops/accounts/${acct}/stream-limit`, { method: 'PUT', body: JSON.stringify({ limit: 2 }) })).status).toBe(200);
    const token = await devToken('drm-limit-viewer', 600, { plan: 'standard', acct });
    const first = await openDemo(token, '&player=hls');
    const second = await openDemo(token, '&player=shaka');
    try {
      expect((await until(first.page, playing('hls'))).hls.error).toBeNull();
      expect((await until(second.page, playing('shaka'))).shaka.error).toBeNull();
      const third = await openDemo(token, '&player=hls');
      const refused = await until(third.page, (s) => s.hls.error !== null, 30_000);
      expect(refused.hls.error).toMatch(/manifestLoadError.*429/);
      expect(refused.hls.currentTime).toBe(0);
      await third.page.close();
      // Leaving the first page ends its stream (x-stream-stop); a new one is admitted at once.
      await first.page.goto('about:blank');
      let admitted: DemoState | undefined;
      for (let attempt = 0; attempt < 10 && admitted?.hls.currentTime === undefined; attempt++) {
        const retry = await openDemo(token, '&player=hls');
        const s = await until(retry.page, (x) => x.hls.error !== null || x.hls.currentTime >= 3);
        await retry.page.close();
        if (s.hls.error === null) admitted = s;
        else await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(admitted?.hls.currentTime).toBeGreaterThanOrEqual(3);
    } finally {
      await first.page.close();
      await second.page.close();
    }
  }, 180_000);

  it('under evict-oldest a new stream stops the oldest player: its heartbeat and licence requests are refused with stream-evicted', async () => {
    const acct = `drm-evict-${Date.now()}`;
    expect((await operator(`/v1/ops/accounts/${acct}/stream-limit`, { method: 'PUT', body: JSON.stringify({ limit: 1 }) })).status).toBe(200);
    const token = await devToken('drm-evict-viewer', 600, { plan: 'premium', acct });
    const oldest = await openDemo(token, '&player=shaka&heartbeat=1');
    try {
      expect((await until(oldest.page, playing('shaka'))).shaka.error).toBeNull();
      const newer = await openDemo(token, '&player=hls');
      try {
        expect((await until(newer.page, playing('hls'))).hls.error).toBeNull();
        const stopped = await until(oldest.page, (s) => s.shaka.error !== null, 30_000);
        expect(stopped.shaka.error).toBe('stream-evicted');
        const position = stopped.shaka.currentTime;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect((await state(oldest.page)).shaka.currentTime).toBeLessThan(position + 0.5);
        // The evicted session's licence URL gets no key.
        const kid = [...tierOfKid.entries()].find(([, tier]) => tier === 'SD')![0];
        const licence = await fetch(oldest.licenseUrls[0]!, { method: 'POST', body: JSON.stringify({ kids: [kid], type: 'temporary' }) });
        expect(licence.status).toBe(409);
        expect(((await licence.json()) as { code: string }).code).toBe('stream-evicted');
      } finally {
        await newer.page.close();
      }
    } finally {
      await oldest.page.close();
    }
  }, 180_000);

  it('plays a title ingested with encryption=cbcs (AES-CBC 1:9 pattern) with hls.js and Shaka', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-cbcs-'));
    const title = `cbcs-${Date.now()}`;
    try {
      const source = join(dir, 'source.mp4');
      await runFfmpeg({
        ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
        args: ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=8', '-f', 'lavfi', '-i', 'sine=duration=8', '-map', '0:v', '-map', '1:a',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-y', source],
      });
      const auth = { authorization: `Bearer ${secrets.originApiToken}` };
      const upload = await fetch(`${stack.origin}/api/v1/videos/upload?title=${title}&encryption=cbcs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: await readFile(source) });
      expect(upload.status).toBe(202);
      const jobUrl = `${stack.origin}${upload.headers.get('location')}`;
      let job = { state: '', error: null as unknown };
      for (let i = 0; i < 240 && job.state !== 'ready' && job.state !== 'failed'; i++) {
        job = (await (await fetch(jobUrl, { headers: auth })).json()) as typeof job;
        if (job.state !== 'ready') await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(job).toMatchObject({ state: 'ready', error: null });
      const { page, licences } = await openDemo(await devToken('drm-cbcs'), `&title=${title}`);
      try {
        const final = await until(page, (s) => playing('hls')(s) && playing('shaka')(s));
        expect(final.hls.error).toBeNull();
        expect(final.shaka.error).toBeNull();
        expect(licences.filter((l) => l.status === 200).length).toBeGreaterThan(0);
      } finally {
        await page.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
