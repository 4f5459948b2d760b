import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';

interface PlayerState { loaded: boolean; currentTime: number; error: string | null }
type DemoState = { hls: PlayerState; shaka: PlayerState; stopUrls: string[]; licenses: { granted: number; refused: string[] } };

const stack = inject('stack');
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function openDemo(token: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('demo page error:', error.message));
  await page.goto(`${stack.edge}/demo?token=${encodeURIComponent(token)}`);
  return page;
}

const state = (page: Page) => page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);

describe('the /demo page in headless Chromium', () => {
  it('plays at least 5 s of the encrypted demo with hls.js and with Shaka Player, keys from the edge’s ClearKey licences', async () => {
    const page = await openDemo(await devToken('browser-viewer'));
    try {
      await page.waitForFunction(
        () => {
          const s = (globalThis as unknown as { demoState?: DemoState }).demoState;
          return !!s && (s.hls.error !== null || s.shaka.error !== null || (s.hls.currentTime >= 5 && s.shaka.currentTime >= 5));
        },
        undefined,
        { timeout: 90_000, polling: 250 },
      );
      const final = await state(page);
      expect(final.hls.error).toBeNull();
      expect(final.shaka.error).toBeNull();
      expect(final.hls.currentTime).toBeGreaterThanOrEqual(5);
      expect(final.shaka.currentTime).toBeGreaterThanOrEqual(5);
      // demo is encrypted (cenc): both players' CDM got their keys from POST /v1/license/clearkey.
      expect(final.licenses.granted).toBeGreaterThanOrEqual(2);
      expect(final.licenses.refused).toEqual([]);

      // Each player holds a stream; leaving the page ends both through their x-stream-stop URLs.
      expect(final.stopUrls).toHaveLength(2);
      for (const url of final.stopUrls) expect(url).toMatch(/\/v1\/media\/[^/]+\/stop$/);
      await page.goto('about:blank');
      for (const url of final.stopUrls) {
        const heartbeat = url.replace(/\/stop$/, '/heartbeat');
        let status = 0;
        for (let attempt = 0; attempt < 40 && status !== 410; attempt++) {
          status = (await fetch(heartbeat, { method: 'POST' })).status;
          if (status !== 410) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(status, heartbeat).toBe(410);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('fails to load in both players with a bad token', async () => {
    const page = await openDemo('not-a-valid-token');
    try {
      await page.waitForFunction(
        () => {
          const s = (globalThis as unknown as { demoState?: DemoState }).demoState;
          return !!s && s.hls.error !== null && s.shaka.error !== null;
        },
        undefined,
        { timeout: 60_000, polling: 250 },
      );
      const final = await state(page);
      expect(final.hls.loaded).toBe(false);
      expect(final.shaka.loaded).toBe(false);
      expect(final.hls.currentTime).toBe(0);
      expect(final.shaka.currentTime).toBe(0);
      expect(final.hls.error).toMatch(/manifestLoadError.*401/);
      expect(final.shaka.error).toMatch(/shaka error \d+/);
      // Without a session there is no licence URL: no key was ever granted.
      expect(final.licenses.granted).toBe(0);
    } finally {
      await page.close();
    }
  }, 90_000);
});
