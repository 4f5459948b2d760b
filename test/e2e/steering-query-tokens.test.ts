import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';
import { QueryTokenCdn } from './query-token-cdns.ts';
import { startSteeringEdge } from './steering-pathways.ts';

/**
 * Akamai and CloudFront as steering pathways with real players (issue 9, README "Query-token pathways"):
 * stand-in CDNs that verify every request's token as the real ones do sit in front of the shared shield; a
 * second edge steers live-demo to the Akamai pathway first, CloudFront second (cheaper than the edge). hls.js
 * plays through Akamai, every object it fetches from a CDN carries a token the CDN accepts, and when
 * Akamai dies the player goes on through CloudFront.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
const require = createRequire(join(repoRoot, 'package.json'));
const CHANNEL = 'live-demo';
const SEGMENT_SECONDS = 2;
const TTL_SECONDS = 2;
const AKAMAI_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const KEY_PAIR_ID = 'KE2ESTEERING01';
let browser: Browser;
let akamai: QueryTokenCdn;
let cloudFront: QueryTokenCdn;
let edge: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  const logDir = join(repoRoot, '.cache', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  akamai = await QueryTokenCdn.create({ kind: 'akamai', host: 'localhost', shieldUrl: stack.shield, shieldSecret: secrets.shieldSecret, akamaiKeyHex: AKAMAI_KEY });
  cloudFront = await QueryTokenCdn.create({
    kind: 'cloudfront',
    host: '127.0.0.1',
    shieldUrl: stack.shield,
    shieldSecret: secrets.shieldSecret,
    cloudFront: { keyPairId: KEY_PAIR_ID, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  });
  await akamai.start();
  await cloudFront.start();
  edge = await startSteeringEdge(
    stack.shield,
    {
      STREAM_LIMITS: 'basic:100,standard:100,premium:100',
      STEERING_TTL_SECONDS: String(TTL_SECONDS),
      STEERING_PATHWAYS: JSON.stringify([
        { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: 0 },
        { id: 'akamai', baseUrl: akamai.baseUrl, tokenFormat: 'akamai', weight: 50 },
        { id: 'cloudfront', baseUrl: cloudFront.baseUrl, tokenFormat: 'cloudfront', weight: 0, cost: 0.5 },
      ]),
      STEERING_TOKEN_SECRETS: JSON.stringify({
        akamai: AKAMAI_KEY,
        cloudfront: { keyPairId: KEY_PAIR_ID, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      }),
    },
    (line) => appendFileSync(join(logDir, 'steering-query-tokens-edge.log'), `${line}\n`),
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await akamai?.kill();
  await cloudFront?.kill();
});

interface PlayerLog {
  fatal: string | null;
  currentTime: number;
  firstTime: number | null;
  loads: Array<{ t: number; url: string }>;
  stalls: Array<{ t: number; ms: number }>;
}

/** Every media object the browser requested from a CDN or the edge (wall-clock time, URL). */
let requests: Array<{ at: number; url: string }> = [];
const isSegment = (url: string) => !new URL(url).pathname.endsWith('.m3u8');

async function openPlayer(src: string): Promise<Page> {
  const page = await browser.newPage();
  requests = [];
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith(akamai.baseUrl) || url.startsWith(cloudFront.baseUrl) || url.includes('/v1/media/')) requests.push({ at: Date.now(), url });
  });
  page.on('pageerror', (error) => console.error('query-token page error:', error.message));
  await page.setContent('<video id="v" muted autoplay playsinline></video>');
  await page.addScriptTag({ path: require.resolve('hls.js/dist/hls.min.js') });
  await page.evaluate((src) => {
    const video = (globalThis as unknown as { document: { getElementById(id: string): { currentTime: number; play(): Promise<void> } } }).document.getElementById('v');
    const log: PlayerLog = { fatal: null, currentTime: 0, firstTime: null, loads: [], stalls: [] };
    (globalThis as unknown as { playerLog: PlayerLog }).playerLog = log;
    let last = 0;
    let lastAdvance = 0;
    setInterval(() => {
      const now = performance.now();
      log.currentTime = video.currentTime;
      if (video.currentTime > last) {
        log.firstTime ??= video.currentTime;
        if (lastAdvance > 0 && now - lastAdvance > 250) log.stalls.push({ t: now, ms: now - lastAdvance });
        lastAdvance = now;
        last = video.currentTime;
      }
    }, 50);
    const Hls = (globalThis as unknown as { Hls: any }).Hls;
    // The failover settings of README "Players": one quick retry, then the next pathway.
    const retry = { maxNumRetry: 1, retryDelayMs: 200, maxRetryDelayMs: 200 };
    const hls = new Hls({
      fragLoadPolicy: { default: { maxTimeToFirstByteMs: 3000, maxLoadTimeMs: 10000, timeoutRetry: retry, errorRetry: retry } },
      playlistLoadPolicy: { default: { maxTimeToFirstByteMs: 3000, maxLoadTimeMs: 10000, timeoutRetry: retry, errorRetry: retry } },
    });
    hls.on(Hls.Events.FRAG_LOADED, (_: unknown, data: { frag: { url: string } }) => log.loads.push({ t: performance.now(), url: data.frag.url }));
    hls.on(Hls.Events.ERROR, (_: unknown, data: { fatal: boolean; details: string }) => {
      if (data.fatal) log.fatal = data.details;
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    void video.play().catch(() => undefined);
  }, src);
  return page;
}

const playerLog = (page: Page) => page.evaluate(() => (globalThis as unknown as { playerLog: PlayerLog }).playerLog);
const pageNow = (page: Page) => page.evaluate(() => performance.now());

async function waitFor(page: Page, what: string, done: (log: PlayerLog) => boolean, timeoutMs = 60_000): Promise<PlayerLog> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await playerLog(page);
    if (log.fatal !== null) throw new Error(`fatal player error while waiting for ${what}: ${log.fatal}`);
    if (done(log)) return log;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ ...log, loads: log.loads.slice(-5) })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Akamai and CloudFront pathways with hls.js', () => {
  it('the stand-in CDNs refuse what the real ones refuse: no token, a forged, expired or foreign-path token', async () => {
    const master = await fetch(`${edge.url}/v1/play/${CHANNEL}/master.m3u8?token=${await devToken('qt-probe')}`);
    expect(master.headers.get('x-steering-pathway')).toBe('akamai');
    const variant = (await master.text()).split('\n').find((l) => l.startsWith('http') && l.includes('.m3u8'))!;
    const media = (await (await fetch(variant)).text()).split('\n').filter((l) => l.startsWith('http'));
    const segment = media.at(-1)!;
    expect(segment.startsWith(akamai.baseUrl)).toBe(true);
    const status = async (url: string) => {
      const response = await fetch(url);
      await response.body?.cancel();
      return response.status;
    };
    expect(await status(segment)).toBe(200);
    expect(await status(segment.slice(0, segment.indexOf('?')))).toBe(403);
    expect(await status(segment.replace(/hmac=[0-9a-f]{4}/, 'hmac=0000'))).toBe(403);
    expect(await status(segment.replace(/exp=\d+/, `exp=${Math.floor(Date.now() / 1000) - 1}`))).toBe(403);
    expect(await status(segment.replace(`/live/${CHANNEL}/`, '/live/other-channel/'))).toBe(403);
    expect(akamai.refused.map((r) => r.why)).toEqual(['no token', 'bad hmac', 'expired', 'path outside the ACL']);
    // CloudFront: the same session's clone URL gives CloudFront-signed segment URIs.
    const priority = await (await fetch(`${/SERVER-URI="([^"]+)"/.exec(await (await fetch(`${edge.url}/v1/play/${CHANNEL}/master.m3u8?token=${await devToken('qt-probe-2')}`)).text())![1]}?_HLS_pathway=akamai`)).json() as { 'PATHWAY-CLONES': Array<{ ID: string; 'URI-REPLACEMENT': { 'PER-VARIANT-URIS': Record<string, string> } }> };
    const clone = priority['PATHWAY-CLONES'].find((c) => c.ID === 'cloudfront')!;
    const cfVariant = Object.values(clone['URI-REPLACEMENT']['PER-VARIANT-URIS'])[0]!;
    const cfSegment = (await (await fetch(cfVariant)).text()).split('\n').filter((l) => l.startsWith('http')).at(-1)!;
    expect(cfSegment.startsWith(cloudFront.baseUrl)).toBe(true);
    expect(await status(cfSegment)).toBe(200);
    expect(await status(cfSegment.replace(/Signature=[A-Za-z0-9~_-]{6}/, 'Signature=AAAAAA'))).toBe(403);
    expect(await status(cfSegment.replace(`/live/${CHANNEL}/`, '/live/other-channel/'))).toBe(403);
    expect(cloudFront.refused.map((r) => r.why)).toEqual(['bad signature', 'URL outside the policy']);
    akamai.refused.length = 0;
    cloudFront.refused.length = 0;
  }, 60_000);

  it('hls.js plays live-demo through Akamai with every CDN request verified, and through CloudFront when Akamai dies, without a fatal error or a stall over one segment', async () => {
    const src = `${edge.url}/v1/play/${CHANNEL}/master.m3u8?token=${await devToken('qt-player')}`;
    const page = await openPlayer(src);
    try {
      const before = await waitFor(page, 'playback through Akamai', (log) => log.firstTime !== null && log.currentTime - log.firstTime >= 6 && log.loads.length >= 3);
      const segmentsBefore = requests.filter((r) => isSegment(r.url)).map((r) => r.url);
      expect(segmentsBefore.length).toBeGreaterThan(0);
      expect(segmentsBefore.every((url) => url.startsWith(akamai.baseUrl)), JSON.stringify(segmentsBefore)).toBe(true);
      expect(akamai.served.length).toBeGreaterThan(0);
      expect(akamai.refused).toEqual([]);
      const killedAt = await pageNow(page);
      const killedAtWall = Date.now();
      const playedAtKill = before.currentTime;
      await akamai.kill();
      const after = await waitFor(page, 'playback on after the outage', (log) => log.currentTime >= playedAtKill + 10 && requests.some((r) => r.at > killedAtWall && r.url.startsWith(cloudFront.baseUrl)), 60_000);
      expect(after.fatal).toBeNull();
      const segmentsAfter = requests.filter((r) => r.at > killedAtWall && isSegment(r.url)).map((r) => r.url);
      const switched = segmentsAfter.findIndex((url) => url.startsWith(cloudFront.baseUrl));
      expect(switched, JSON.stringify(segmentsAfter)).toBeGreaterThanOrEqual(0);
      expect(segmentsAfter.slice(switched).every((url) => url.startsWith(cloudFront.baseUrl)), JSON.stringify(segmentsAfter)).toBe(true);
      // Every object the player fetched from either CDN carried a token that CDN accepted.
      expect(cloudFront.served.length).toBeGreaterThan(0);
      expect(cloudFront.refused).toEqual([]);
      const worst = Math.max(0, ...after.stalls.filter((s) => s.t > killedAt).map((s) => s.ms));
      expect(worst, `worst stall after the outage ${Math.round(worst)} ms`).toBeLessThanOrEqual(SEGMENT_SECONDS * 1000);
    } finally {
      await page.close();
    }
  }, 150_000);
});
