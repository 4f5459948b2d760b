import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';
import { NginxPathway, startSteeringEdge } from './steering-pathways.ts';

/**
 * Multi-CDN steering with real players (issue 9): pathway `edge` (this edge) and pathway `nginx` (Debian's
 * nginx with secure_link and proxy_cache in front of the shield). The test makes and ingests its own clear
 * title, starts nginx and a second edge configured with both pathways and a 2 s steering TTL.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
const require = createRequire(join(repoRoot, 'package.json'));
const TTL_SECONDS = 2;
const SEGMENT_SECONDS = 4;
const titleId = `e2e-steer-${Date.now().toString(36)}`;
let browser: Browser;
let nginx: NginxPathway;
let edge: { url: string; stop: () => Promise<void> };
let operator: string;
let dir: string;

async function ingest(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'e2e-steer-'));
  const source = join(dir, 'steer.mp4');
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=32', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=32',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-c:a', 'aac', '-movflags', '+faststart', '-y', source],
  });
  const response = await fetch(`${stack.origin}/api/v1/videos/upload?title=${titleId}&name=Steering%20failover`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/octet-stream' },
    body: await readFile(source),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  const deadline = Date.now() + 150_000;
  for (;;) {
    const job = (await (await fetch(`${stack.origin}/api/v1/videos/${id}`, { headers: { authorization: `Bearer ${secrets.originApiToken}` } })).json()) as { state: string; error: unknown };
    if (job.state === 'ready') return;
    if (job.state === 'failed' || Date.now() > deadline) throw new Error(`ingest ${job.state}: ${JSON.stringify(job.error)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  const logDir = join(repoRoot, '.cache', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const identity = await ensureDevIdentity();
  operator = await signViewerToken(identity, { sub: 'e2e-steering-operator', plan: 'premium', role: 'operator', ttlSeconds: 900 });
  nginx = await NginxPathway.create(stack.shield, secrets.shieldSecret);
  await nginx.start();
  const [, started] = await Promise.all([
    ingest(),
    startSteeringEdge(
      stack.shield,
      {
        STREAM_LIMITS: 'basic:100,standard:100,premium:100',
        STEERING_TTL_SECONDS: String(TTL_SECONDS),
        STEERING_PATHWAYS: JSON.stringify([
          { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: 50 },
          { id: 'nginx', baseUrl: nginx.baseUrl, tokenFormat: 'nginx-secure-link', weight: 50, cost: 0.5 },
        ]),
        STEERING_TOKEN_SECRETS: JSON.stringify({ nginx: nginx.secret }),
      },
      (line) => appendFileSync(join(logDir, 'steering-edge.log'), `${line}\n`),
    ),
  ]);
  edge = started;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await nginx?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ops(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${edge.url}/v1/ops${path}`, { ...init, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' } });
}

async function setWeights(weights: Record<string, number>): Promise<void> {
  for (const [id, weight] of Object.entries(weights)) {
    const response = await ops(`/cdn/pathways/${id}/weight`, { method: 'PUT', body: JSON.stringify({ weight }) });
    expect(response.status).toBe(200);
  }
}

interface PlayerLog {
  fatal: string | null;
  currentTime: number;
  /** Media objects the player fetched: page time (ms) and URL. */
  loads: Array<{ t: number; url: string }>;
  steering: Array<{ t: number; priority: string[] }>;
  /** Wall-clock gaps (ms) between advances of currentTime once playing, with when they ended. */
  stalls: Array<{ t: number; ms: number }>;
}

/** A bare page with one player; the player fails over as configured by a real deployment would. */
async function openPlayer(kind: 'hls' | 'shaka', src: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('steering page error:', error.message));
  await page.setContent('<video id="v" muted autoplay playsinline></video>');
  const lib = kind === 'hls' ? require.resolve('hls.js/dist/hls.min.js') : require.resolve('shaka-player/dist/shaka-player.compiled.js');
  await page.addScriptTag({ path: lib });
  await page.evaluate(
    ({ kind, src, segmentMs }) => {
      const video = (globalThis as unknown as { document: { getElementById(id: string): { currentTime: number; play(): Promise<void> } } }).document.getElementById('v');
      const log: PlayerLog = { fatal: null, currentTime: 0, loads: [], steering: [], stalls: [] };
      (globalThis as unknown as { playerLog: PlayerLog }).playerLog = log;
      let last = 0;
      let lastAdvance = 0;
      setInterval(() => {
        const now = performance.now();
        log.currentTime = video.currentTime;
        if (video.currentTime > last) {
          if (lastAdvance > 0 && now - lastAdvance > 250) log.stalls.push({ t: now, ms: now - lastAdvance });
          lastAdvance = now;
          last = video.currentTime;
        }
      }, 50);
      if (kind === 'hls') {
        const Hls = (globalThis as unknown as { Hls: any }).Hls;
        const retry = { maxNumRetry: 1, retryDelayMs: 200, maxRetryDelayMs: 200 };
        const hls = new Hls({
          maxBufferLength: segmentMs / 1000,
          maxMaxBufferLength: (segmentMs / 1000) * 2,
          fragLoadPolicy: { default: { maxTimeToFirstByteMs: 3000, maxLoadTimeMs: 10000, timeoutRetry: retry, errorRetry: retry } },
          playlistLoadPolicy: { default: { maxTimeToFirstByteMs: 3000, maxLoadTimeMs: 10000, timeoutRetry: retry, errorRetry: retry } },
        });
        hls.on(Hls.Events.FRAG_LOADED, (_: unknown, data: { frag: { url: string } }) => log.loads.push({ t: performance.now(), url: data.frag.url }));
        hls.on(Hls.Events.STEERING_MANIFEST_LOADED, (_: unknown, data: { steeringManifest: { 'PATHWAY-PRIORITY': string[] } }) =>
          log.steering.push({ t: performance.now(), priority: data.steeringManifest['PATHWAY-PRIORITY'] }));
        hls.on(Hls.Events.ERROR, (_: unknown, data: { fatal: boolean; details: string }) => {
          if (data.fatal) log.fatal = data.details;
        });
        hls.loadSource(src);
        hls.attachMedia(video);
      } else {
        const shaka = (globalThis as unknown as { shaka: any }).shaka;
        shaka.polyfill.installAll();
        const player = new shaka.Player();
        player.configure({
          streaming: { bufferingGoal: segmentMs / 1000, rebufferingGoal: 1, retryParameters: { maxAttempts: 2, baseDelay: 200, backoffFactor: 1, fuzzFactor: 0, timeout: 10000 } },
        });
        player.getNetworkingEngine().registerResponseFilter((type: number, response: { uri: string }) => {
          if (type === shaka.net.NetworkingEngine.RequestType.SEGMENT) log.loads.push({ t: performance.now(), url: response.uri });
        });
        player.addEventListener('error', (event: { detail: { severity: number; code: number } }) => {
          if (event.detail.severity === 2) log.fatal = `shaka ${event.detail.code}`;
        });
        void player
          .attach(video)
          .then(() => player.load(src))
          .then(() => video.play())
          .catch((error: { code?: number }) => (log.fatal = `shaka load ${error.code}`));
      }
      void video.play().catch(() => undefined);
    },
    { kind, src, segmentMs: SEGMENT_SECONDS * 1000 },
  );
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

const onNginx = (url: string) => url.startsWith(nginx.baseUrl);
const onEdge = (url: string) => url.startsWith(`${edge.url}/v1/media/`);

async function playUrl(format: 'master.m3u8' | 'manifest.mpd', viewer: string): Promise<{ url: string; pathway: string | null }> {
  const url = `${edge.url}/v1/play/${titleId}/${format}?token=${await devToken(viewer)}`;
  const response = await fetch(url);
  await response.body?.cancel();
  return { url, pathway: response.headers.get('x-steering-pathway') };
}

/** B dies mid-playback: the player must go on through A without a fatal error or a stall over one segment. */
async function failover(kind: 'hls' | 'shaka', format: 'master.m3u8' | 'manifest.mpd'): Promise<void> {
  await nginx.start();
  await setWeights({ edge: 0, nginx: 50 });
  const { url } = await playUrl(format, `steer-${kind}`);
  const page = await openPlayer(kind, url);
  try {
    const before = await waitFor(page, 'playback through nginx', (log) => log.currentTime >= 5 && log.loads.some((l) => onNginx(l.url)));
    expect(before.loads.filter((l) => !onNginx(l.url)).map((l) => l.url)).toEqual([]);
    const killedAt = await pageNow(page);
    const playedAtKill = before.currentTime;
    await nginx.kill();
    const after = await waitFor(page, 'playback on after the outage', (log) => log.currentTime >= playedAtKill + 10, 60_000);
    expect(after.fatal).toBeNull();
    // Loads already under way when the process died may still complete; from the first load through the
    // edge on, every media object comes through the edge.
    const loadsAfter = after.loads.filter((l) => l.t > killedAt);
    const switched = loadsAfter.findIndex((l) => onEdge(l.url));
    expect(switched, JSON.stringify(loadsAfter.map((l) => l.url))).toBeGreaterThanOrEqual(0);
    expect(loadsAfter.slice(switched).every((l) => onEdge(l.url)), JSON.stringify(loadsAfter.map((l) => l.url))).toBe(true);
    const worst = Math.max(0, ...after.stalls.filter((s) => s.t > killedAt).map((s) => s.ms));
    expect(worst, `worst stall after the outage ${Math.round(worst)} ms`).toBeLessThanOrEqual(SEGMENT_SECONDS * 1000);
  } finally {
    await page.close();
  }
}

describe('multi-CDN steering with real players through a real nginx CDN', () => {
  it('hls.js keeps playing through pathway edge when pathway nginx dies mid-playback', async () => {
    await failover('hls', 'master.m3u8');
  }, 120_000);

  it('Shaka Player (DASH, BaseURL@serviceLocation) keeps playing through pathway edge when pathway nginx dies mid-playback', async () => {
    await failover('shaka', 'manifest.mpd');
  }, 120_000);

  it('an operator drain of pathway edge moves a playing hls.js session within one steering TTL and new sessions at once', async () => {
    await nginx.start();
    await setWeights({ edge: 50, nginx: 0 });
    const { url, pathway } = await playUrl('master.m3u8', 'steer-drain');
    expect(pathway).toBe('edge');
    const page = await openPlayer('hls', url);
    try {
      await waitFor(page, 'playback through edge', (log) => log.currentTime >= 3 && log.loads.some((l) => onEdge(l.url)));
      const drainedAt = await pageNow(page);
      expect((await ops('/cdn/pathways/edge/drain', { method: 'POST' })).status).toBe(200);
      // New sessions go to nginx at once.
      expect((await playUrl('master.m3u8', 'steer-after-drain')).pathway).toBe('nginx');
      const moved = await waitFor(page, 'the session to move to nginx', (log) => log.loads.some((l) => l.t > drainedAt && onNginx(l.url)), 30_000);
      const steered = moved.steering.find((s) => s.t > drainedAt && s.priority[0] === 'nginx');
      expect(steered, JSON.stringify(moved.steering)).toBeDefined();
      expect(steered!.t - drainedAt).toBeLessThanOrEqual((TTL_SECONDS + 1) * 1000);
      expect(moved.fatal).toBeNull();
    } finally {
      await page.close();
      await ops('/cdn/pathways/edge/restore', { method: 'POST' });
    }
    const audit = (await (await ops('/cdn/audit?limit=3')).json()) as { entries: Array<{ actor: string; action: string; target: string; after: unknown }> };
    expect(audit.entries.slice(0, 2).map((e) => [e.actor, e.action, e.target, e.after])).toEqual([
      ['e2e-steering-operator', 'state', 'edge', 'active'],
      ['e2e-steering-operator', 'state', 'edge', 'draining'],
    ]);
  }, 120_000);

  it('the ops console at /ops renders pathways, charts and the audit log, and a Drain clicked there sends new sessions elsewhere', async () => {
    await nginx.start();
    await setWeights({ edge: 0, nginx: 50 });
    expect((await playUrl('master.m3u8', 'console-before')).pathway).toBe('nginx');
    const page = await browser.newPage();
    try {
      await page.goto(`${edge.url}/ops#token=${encodeURIComponent(operator)}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      expect(await page.locator('#pathways tbody tr').count()).toBe(2);
      expect(await page.locator('#share-chart rect').count()).toBe(2);
      await page.click('tr[data-pathway="nginx"] button[data-action="drain"]');
      await page.waitForSelector('tr[data-pathway="nginx"] button[data-action="restore"]', { timeout: 10_000 });
      expect(await page.locator('tr[data-pathway="nginx"] [data-field="state"]').textContent()).toBe('draining');
      expect((await playUrl('master.m3u8', 'console-after')).pathway).toBe('edge');
      expect(await page.locator('#audit tbody tr').first().textContent()).toContain('e2e-steering-operator');
      await page.click('tr[data-pathway="nginx"] button[data-action="restore"]');
      await page.waitForSelector('tr[data-pathway="nginx"] button[data-action="drain"]', { timeout: 10_000 });
      expect((await playUrl('master.m3u8', 'console-restored')).pathway).toBe('nginx');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('npm run ops -- cdn drain/restore/audit drives the same API', async () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, [join(repoRoot, 'scripts', 'ops.ts'), '--edge', edge.url, '--token', operator, ...args]);
    const drained = JSON.parse((await cli('cdn', 'drain', 'nginx')).stdout) as { action: string; target: string; after: string };
    expect(drained).toMatchObject({ action: 'state', target: 'nginx', after: 'draining' });
    expect((await playUrl('master.m3u8', 'cli-after')).pathway).toBe('edge');
    await cli('cdn', 'restore', 'nginx');
    const audit = JSON.parse((await cli('cdn', 'audit', '2')).stdout) as { entries: Array<{ after: string }> };
    expect(audit.entries.map((e) => e.after)).toEqual(['active', 'draining']);
    await expect(cli('cdn', 'weight', 'nginx', 'lots')).rejects.toMatchObject({ code: 2 });
    await expect(cli('cdn', 'drain', 'no-such-pathway')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('404') });
  }, 60_000);
});
