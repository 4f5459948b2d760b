import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adTitleId, conditionCreatives } from './ad-creatives.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';
import { waitFor } from './wait-for.ts';

/**
 * Live DASH ad insertion (README "Ad insertion", live DASH): a live channel's dynamic MPD through the edge,
 * a break placed through the origin's API, and Shaka and dash.js in Chromium playing into the ads'
 * Periods and out again into the content, each its own session with its own beacons.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
const adServer = inject('adServer');
// A channel of its own, made like live-demo (synthetic, light ladder, 2 s segments): titles `ssai-*` get the
// local mock's pod (scripts/lib/ad-server-vars.ts), and live-demo stays without ads for the other live tests.
const CHANNEL = `ssai-dash-live-${Date.now().toString(36)}`;
const SEGMENT_SECONDS = 2;
const BREAK_SECONDS = 10; // spot-a (6 s) + spot-b (4 s) fill it exactly
let browser: Browser;

async function originApi(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.origin}${path}`, { ...init, headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/json', ...init.headers } });
}

beforeAll(async () => {
  // The creatives are conditioned as the edge would ask (this file may run before the VOD SSAI test does):
  // the VOD packaging (which the edge checks a creative is usable by), and the cut at the channel's segment
  // length that live sessions play. Made here, the transcodes do not run beside the live encoder in the test.
  await conditionCreatives({ url: stack.origin, apiToken: secrets.originApiToken }, adServer, 'local-mock', ['spot-a', 'spot-b'].flatMap((creative) => [{ creative, seconds: undefined }, { creative, seconds: SEGMENT_SECONDS }]), 240_000);
  // A run that died before its afterAll left its channel in the kept origin data, on air: remove it.
  const { channels } = (await (await originApi('/api/v1/channels')).json()) as { channels: { id: string }[] };
  for (const { id } of channels) {
    if (id.startsWith('ssai-dash-live-')) await originApi(`/api/v1/channels/${id}`, { method: 'DELETE' });
  }
  const created = await originApi('/api/v1/channels', { method: 'POST', body: JSON.stringify({ id: CHANNEL, input: { type: 'synthetic' }, ladder: 'light', segmentSeconds: SEGMENT_SECONDS, dvrWindowSeconds: 120 }) });
  expect(created.status).toBe(201);
  await waitFor('the channel on air', async () => {
    const response = await fetch(`${stack.origin}/live/${CHANNEL}/manifest.mpd`);
    await response.body?.cancel();
    return response.status === 200 ? true : undefined;
  }, 60_000);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  // The e2e origin keeps its data between runs: the channel goes with the test.
  await originApi(`/api/v1/channels/${CHANNEL}`, { method: 'DELETE' });
});

interface PlayerRun {
  time: number;
  maxStallMs: number;
  /** Each time the playhead stood still for more than 300 ms while playing: where, and for how long. */
  stalls: [number, number][];
  error: string | null;
  started: boolean;
  log: string[];
}
type Hit = { event: string; ad: string; sid: string; pos: string };

describe('server-side ad insertion: a live channel’s dynamic MPD with placed breaks', () => {
  it('plays into the breaks’ ad Periods and back into the channel, after a full break and after an early return, in Shaka and dash.js with no fatal error and no stall longer than a segment, and the ad server records each impression and quartile once per break and player', async () => {
    await fetch(`${adServer}/hits`, { method: 'DELETE' });
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('dash live page error:', error.message));
    try {
      await page.goto(`${stack.edge}/demo?title=none&token=x`);
      await page.addScriptTag({ url: '/demo/vendor/dash.all.min.js' });
      const [shakaToken, dashjsToken] = await Promise.all([devToken('dash-live-shaka'), devToken('dash-live-dashjs')]);
      await page.evaluate(([shakaUrl, dashjsUrl]) => {
        // Runs in the page (the root tsconfig has no DOM types, hence the loose shapes).
        const w = globalThis as unknown as Record<string, any>;
        const runs: Record<string, PlayerRun> = {};
        w['liveRuns'] = runs;
        type Video = { currentTime: number; paused: boolean; ended: boolean; muted: boolean; play(): Promise<void> };
        const make = (name: string): { video: Video; run: PlayerRun } => {
          const video = w['document'].createElement('video') as Video;
          video.muted = true;
          w['document'].body.append(video);
          const run: PlayerRun = (runs[name] = { time: 0, maxStallMs: 0, stalls: [], error: null, started: false, log: [] });
          let lastTime = 0;
          let lastAdvance = performance.now();
          setInterval(() => {
            const now = performance.now();
            if (Math.abs(video.currentTime - lastTime) > 0.01) {
              if (run.started && now - lastAdvance > 300) run.stalls.push([lastTime, now - lastAdvance]);
              run.started ||= video.currentTime > 0;
              lastTime = video.currentTime;
              lastAdvance = now;
            } else if (run.started && !video.paused && !video.ended) {
              run.maxStallMs = Math.max(run.maxStallMs, now - lastAdvance);
            }
            run.time = video.currentTime;
          }, 100);
          return { video, run };
        };
        const shakaSide = make('shaka');
        w['shaka'].polyfill.installAll();
        const player = new w['shaka'].Player();
        player.addEventListener('error', (event: { detail: { code: number; severity: number } }) => {
          if (shakaSide.run.log.length < 20) shakaSide.run.log.push(`severity ${event.detail.severity} code ${event.detail.code}`);
          if (event.detail.severity === 2) shakaSide.run.error = `shaka ${event.detail.code}`;
        });
        player
          .attach(shakaSide.video)
          .then(() => player.load(shakaUrl))
          .then(() => shakaSide.video.play())
          .catch((error: { code?: number }) => (shakaSide.run.error = `shaka ${error?.code}`));

        const dashSide = make('dashjs');
        const dashjs = w['dashjs'].MediaPlayer().create();
        dashjs.on(w['dashjs'].MediaPlayer.events.ERROR, (event: { error?: { code?: number; message?: string } }) => {
          dashSide.run.error = `dash.js ${event.error?.code} ${event.error?.message}`;
        });
        dashjs.initialize(dashSide.video, dashjsUrl, true);
      }, [`${stack.edge}/v1/play/${CHANNEL}/manifest.mpd?token=${encodeURIComponent(shakaToken)}`, `${stack.edge}/v1/play/${CHANNEL}/manifest.mpd?token=${encodeURIComponent(dashjsToken)}`] as const);
      const runs = () => page.evaluate(() => (globalThis as unknown as { liveRuns: Record<string, PlayerRun> }).liveRuns);
      await page.waitForFunction(() => Object.values((globalThis as unknown as { liveRuns: Record<string, PlayerRun> }).liveRuns).every((r) => r.started || r.error !== null), undefined, { timeout: 45_000, polling: 250 });
      const started = await runs();
      for (const name of ['shaka', 'dashjs']) expect(started[name]!.error, `${name}: ${started[name]!.log.join('; ')}`).toBeNull();
      // Five segments of content first: the players' start-up is not what the breaks test. (With the channel's
      // first presentation delay, a quarter segment, both players stalled in its first 15 s or so.)
      await page.waitForFunction(
        (from) => Object.entries((globalThis as unknown as { liveRuns: Record<string, PlayerRun> }).liveRuns).every(([name, r]) => r.error !== null || r.time >= from[name]!),
        Object.fromEntries(Object.entries(started).map(([name, r]) => [name, r.time + 5 * SEGMENT_SECONDS])),
        { timeout: 45_000, polling: 250 },
      );

      // A third session, reloaded through its MPD's Location like a player (no media): the Periods it is given.
      const check = await fetch(`${stack.edge}/v1/play/${CHANNEL}/manifest.mpd?token=${await devToken('dash-live-check')}`);
      expect(check.status).toBe(200);
      const location = /<Location>([^<]+)<\/Location>/.exec(await check.text())![1]!;
      const periodIds = new Set<string>();
      const adTitles = new Set<string>();
      let reloading = true;
      const reloads = (async () => {
        while (reloading) {
          const reload = await fetch(location);
          expect(reload.status).toBe(200);
          const body = await reload.text();
          for (const m of body.matchAll(/<Period id="([^"]+)"/g)) periodIds.add(m[1]!);
          for (const m of body.matchAll(/\/vod\/(ad-[0-9a-f]{24})\//g)) adTitles.add(m[1]!);
          await new Promise((r) => setTimeout(r, (SEGMENT_SECONDS * 1000) / 2));
        }
      })();

      const mpd = await (await fetch(`${stack.origin}/live/${CHANNEL}/manifest.mpd`)).text();
      const anchor = Date.parse(/availabilityStartTime="([^"]+)"/.exec(mpd)![1]!);
      /** Place a break (on the first segment boundary at least a segment ahead), optionally return early, and watch both players cross it. */
      const crossBreak = async (early: boolean) => {
        const placed = await originApi(`/api/v1/channels/${CHANNEL}/breaks`, { method: 'POST', body: JSON.stringify({ durationSeconds: BREAK_SECONDS }) });
        expect(placed.status).toBe(201);
        const view = (await placed.json()) as { id: string; startAt: string; spliceEventId: number };
        const start = (Date.parse(view.startAt) - anchor) / 1000;
        let end = start + BREAK_SECONDS;
        if (early) {
          // Once the break is on air, the network comes back at the next segment boundary: two segments in,
          // inside spot-a (6 s, three 2 s segments in the channel's cut), right after its second segment.
          await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(view.startAt) + 2500 - Date.now())));
          const returned = await originApi(`/api/v1/channels/${CHANNEL}/breaks/${view.id}/return`, { method: 'POST', body: '{}' });
          expect(returned.status).toBe(200);
          end = (Date.parse(((await returned.json()) as { returnAt: string }).returnAt) - anchor) / 1000;
          expect(end).toBeLessThan(start + BREAK_SECONDS);
        }
        // Two segments into the content after the break, every player has crossed both Period boundaries.
        await page.waitForFunction(
          (until) => {
            const all = Object.values((globalThis as unknown as { liveRuns: Record<string, PlayerRun> }).liveRuns);
            return all.every((r) => r.error !== null || r.time >= until) || all.some((r) => r.error !== null);
          },
          end + 2 * SEGMENT_SECONDS,
          { timeout: 60_000, polling: 250 },
        );
        const final = await runs();
        for (const name of ['shaka', 'dashjs']) {
          const run = final[name]!;
          expect(run.error, `${name}: ${run.log.join('; ')}`).toBeNull();
          expect(run.time, name).toBeGreaterThanOrEqual(end + 2 * SEGMENT_SECONDS);
          // Across the break: from a segment before its start to two after its end, both Period boundaries
          // included. (Stalls elsewhere are the shared machine's, not the stitching's; they are printed.)
          const across = run.stalls.filter(([at]) => at >= start - SEGMENT_SECONDS && at <= end + 2 * SEGMENT_SECONDS);
          const stalls = run.stalls.map(([at, ms]) => `${Math.round(ms)} ms at ${at.toFixed(1)}`).join(', ');
          console.info(`dash live ${name}, break ${start.toFixed(1)}..${end.toFixed(1)}: stalls ${stalls || 'none'}`);
          expect(Math.max(0, ...across.map(([, ms]) => ms)), `${name} stalls (break ${start.toFixed(1)}..${end.toFixed(1)}): ${stalls}`).toBeLessThanOrEqual(SEGMENT_SECONDS * 1000);
        }
        return view.spliceEventId;
      };
      const full = await crossBreak(false);
      const returned = await crossBreak(true);

      reloading = false;
      await reloads;
      // The full break: both ads; the early return: spot-a cut, spot-b never listed, the content back at the return.
      // Each ad is the creative cut at the channel's 2 s segments: a 4 s segment would move Shaka's live edge back.
      expect([...adTitles].sort()).toEqual(['spot-a', 'spot-b'].map((c) => adTitleId('local-mock', c, SEGMENT_SECONDS)).sort());
      expect([...periodIds]).toEqual(['live', `splice-${full}-ad-1`, `splice-${full}-ad-2`, `live-after-splice-${full}`, `splice-${returned}-ad-1`, `live-after-splice-${returned}`]);
    } finally {
      await page.close();
    }

    // Server-side beacons, from the players' own ad-segment fetches, through the queue: each exactly once per
    // break. The full break fires every event of both ads; the early return only what spot-a's first two
    // segments reach (impression, start, first quartile, midpoint): its third begins at the return, so it is
    // never listed, and spot-b never is.
    const events = ['impression', 'start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete'];
    const counts = (list: string[]) => Object.fromEntries([...new Set(list)].sort().map((k) => [k, list.filter((x) => x === k).length]));
    let latest = new Map<string, string[]>();
    const bySession = await waitFor('every beacon', async () => {
      const hits = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
      const sessions = new Map<string, string[]>();
      for (const hit of hits) sessions.set(hit.sid, [...(sessions.get(hit.sid) ?? []), `${hit.pos} ${hit.ad} ${hit.event}`]);
      latest = sessions;
      return sessions.size >= 2 && [...sessions.values()].every((s) => s.length >= 16) ? sessions : undefined;
    }, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify([...latest].map(([sid, list]) => [sid, counts(list)]))}`);
    });
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive by now
    const hits = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
    expect(bySession.size).toBe(2);
    for (const sid of bySession.keys()) {
      const seen = counts(hits.filter((h) => h.sid === sid).map((h) => `${h.pos} ${h.ad} ${h.event}`));
      for (const event of events) expect(seen[`midroll spot-b ${event}`], `${sid} spot-b ${event}`).toBe(1);
      for (const event of events.slice(0, 4)) expect(seen[`midroll spot-a ${event}`], `${sid} spot-a ${event}`).toBe(2);
      for (const event of events.slice(4)) expect(seen[`midroll spot-a ${event}`], `${sid} spot-a ${event}`).toBe(1);
    }
  }, 180_000);
});
