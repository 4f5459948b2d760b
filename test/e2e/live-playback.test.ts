import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';

/**
 * live-demo (the origin's synthetic channel; the e2e stack runs it with the light ladder) played by
 * hls.js and Shaka Player in Chromium through edge and shield, across an ad break placed through
 * the origin's API, for more than 30 s each, with the glass-to-player latency sampled from the
 * players' own wall-clock mapping (EXT-X-PROGRAM-DATE-TIME / availabilityStartTime).
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
const CHANNEL = 'live-demo';
const SEGMENT_SECONDS = 2;
const PLAY_SECONDS = 32;
let browser: Browser;

interface LivePlayerState {
  error: string | null;
  startedAt: number | null;
  currentTime: number;
  firstTime: number | null;
  /** Date.now() minus the wall-clock time of the frame on screen, one sample a second. */
  latencies: number[];
  /** Ad-break signals the player itself surfaced (hls.js date ranges, Shaka timeline regions). */
  breaks: string[];
  /** Every error the player reported, fatal or not (for the failure message). */
  log: string[];
}
type LiveState = { hls: LivePlayerState; shaka: LivePlayerState };

async function originApi(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.origin}${path}`, { ...init, headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/json', ...init.headers } });
}

beforeAll(async () => {
  // The channel may still be warming up if the stack has just started.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${stack.origin}/live/${CHANNEL}/master.m3u8`);
    await response.body?.cancel();
    if (response.status === 200 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

/**
 * The in-page script (plain JavaScript: the test tsconfig has no DOM types): both players, their
 * fatal errors, playback progress, one latency sample a second, and the ad-break signals each
 * player surfaces itself.
 */
function livePlayersScript(channel: string, token: string, segmentSeconds: number, options: { lowLatency: boolean; shaka: boolean }): string {
  const hlsConfig = options.lowLatency
    ? '{ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5 }'
    : // Three quarters of a segment behind the playlist end (hls.js defaults to three target
      // durations): the playlist itself may be up to a second old at each of edge and shield. hls.js never
      // speeds up outside low-latency mode, so each rebuffer (a segment found one reload late) would add its
      // length to the latency for good; a platform that promises a latency bound sets liveMaxLatencyDuration,
      // and hls.js jumps back to the sync point once it has fallen two segments behind the playlist end (as
      // Shaka below catches up by playing faster).
      `{ lowLatencyMode: false, liveSyncDuration: ${segmentSeconds * 0.75}, liveMaxLatencyDuration: ${segmentSeconds * 2} }`;
  return `(() => {
    const blank = () => ({ error: null, startedAt: null, currentTime: 0, firstTime: null, latencies: [], breaks: [], log: [] });
    const state = (window.liveState = { hls: blank(), shaka: blank() });
    const watch = (s, video, wallClockOfPlayhead) => {
      video.addEventListener('timeupdate', () => {
        s.currentTime = video.currentTime;
        if (s.firstTime === null && video.currentTime > 0) { s.firstTime = video.currentTime; s.startedAt = Date.now(); }
      });
      setInterval(() => {
        const at = wallClockOfPlayhead();
        if (at !== undefined && !video.paused && s.firstTime !== null) s.latencies.push(Date.now() - at);
      }, 1000);
    };
    const q = '?token=' + encodeURIComponent(${JSON.stringify(token)});

    const hlsVideo = document.getElementById('hls');
    const hls = new Hls(${hlsConfig});
    hls.on(Hls.Events.ERROR, (_e, data) => {
      const what = data.details + (data.response ? ' (HTTP ' + data.response.code + ')' : '') + (data.reason ? ': ' + data.reason : '');
      if (state.hls.log.length < 20) state.hls.log.push((data.fatal ? 'fatal ' : '') + what + ' at ' + hlsVideo.currentTime.toFixed(2));
      if (data.fatal) state.hls.error = what;
    });
    hls.on(Hls.Events.LEVEL_UPDATED, (_e, data) => {
      for (const id of Object.keys(data.details.dateRanges || {})) if (!state.hls.breaks.includes(id)) state.hls.breaks.push(id);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { hlsVideo.play().catch(() => {}); });
    hls.loadSource('/v1/play/${channel}/master.m3u8' + q);
    hls.attachMedia(hlsVideo);
    watch(state.hls, hlsVideo, () => (hls.playingDate ? hls.playingDate.getTime() : undefined));

    if (!${options.shaka}) return;
    const shakaVideo = document.getElementById('shaka');
    shaka.polyfill.installAll();
    const player = new shaka.Player();
    // Like hls.js's maxLiveSyncPlaybackRate above: catch up to the live edge after a rebuffer instead of
    // keeping the delay a stall added (Shaka's default is to never speed up).
    player.configure({ streaming: { liveSync: { enabled: true, maxPlaybackRate: 1.5 } } });
    player.addEventListener('error', (event) => {
      if (state.shaka.log.length < 20) state.shaka.log.push('severity ' + event.detail.severity + ' code ' + event.detail.code);
      if (event.detail.severity === 2) state.shaka.error = 'shaka error ' + event.detail.code;
    });
    player.addEventListener('timelineregionadded', (event) => { state.shaka.breaks.push(event.detail.schemeIdUri + '#' + event.detail.id); });
    player.attach(shakaVideo)
      .then(() => player.load('/v1/play/${channel}/manifest.mpd' + q))
      .then(() => shakaVideo.play().catch(() => {}))
      .catch((error) => { state.shaka.error = 'shaka error ' + (error && error.code); });
    watch(state.shaka, shakaVideo, () => { const d = player.getPlayheadTimeAsDate(); return d ? d.getTime() : undefined; });
  })();`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('live-demo in real players through edge and shield', () => {
  it('carries the channel and its ad-break signals through the edge: kind live, DATERANGE/SCTE35 in HLS, EventStream and a session-scoped Location in DASH', async () => {
    const token = await devToken('live-viewer');
    const entry = (await (await fetch(`${stack.origin}/api/v1/titles/${CHANNEL}`)).json()) as { kind: string };
    expect(entry.kind).toBe('live');
    const placed = await originApi(`/api/v1/channels/${CHANNEL}/breaks`, { method: 'POST', body: JSON.stringify({ durationSeconds: 4, startAt: new Date(Date.now() + 60_000).toISOString() }) });
    expect(placed.status).toBe(201);
    const { spliceEventId } = (await placed.json()) as { spliceEventId: number };

    const master = await fetch(`${stack.edge}/v1/play/${CHANNEL}/master.m3u8?token=${token}`);
    expect(master.status).toBe(200);
    const variant = (await master.text()).split('\n').find((line) => line.startsWith('http') && line.includes('.m3u8'))!;
    const media = await (await fetch(variant)).text();
    expect(media).toMatch(/#EXT-X-PROGRAM-DATE-TIME:/);
    expect(media).toMatch(new RegExp(`#EXT-X-DATERANGE:ID="splice-${spliceEventId}",START-DATE="[^"]+",PLANNED-DURATION=4\\.000,SCTE35-OUT=0xFC`));

    const mpd = await (await fetch(`${stack.edge}/v1/play/${CHANNEL}/manifest.mpd?token=${token}`)).text();
    expect(mpd).toContain('type="dynamic"');
    expect(mpd).toMatch(new RegExp(`<Event presentationTime="\\d+" duration="4000" id="${spliceEventId}">`));
    const location = /<Location>([^<]+)<\/Location>/.exec(mpd)![1]!;
    expect(location).toMatch(/\/v1\/media\/[^/]+\/live\/live-demo\/manifest\.mpd$/);
    const reload = await fetch(location.replaceAll('&amp;', '&'));
    expect(reload.status).toBe(200);
    expect(await reload.text()).toContain('type="dynamic"');
  });

  it(`plays ${PLAY_SECONDS} s in hls.js and in Shaka across a placed ad break, with no fatal error and latency within 3 segments`, async () => {
    const token = await devToken('live-player');
    const page: Page = await browser.newPage();
    page.on('pageerror', (error) => console.error('live page error:', error.message));
    try {
      // Same origin as the edge, so the players' requests need no CORS; the demo page's own players
      // are not used (it has no token, so it starts none).
      await page.goto(`${stack.edge}/demo/`);
      await page.setContent('<!doctype html><title>live</title><video id="hls" muted></video><video id="shaka" muted></video>');
      await page.addScriptTag({ url: '/demo/vendor/hls.min.js' });
      await page.addScriptTag({ url: '/demo/vendor/shaka-player.compiled.js' });
      // The break starts a few segments after the players start and ends well inside the run.
      const placed = await originApi(`/api/v1/channels/${CHANNEL}/breaks`, { method: 'POST', body: JSON.stringify({ durationSeconds: 6, startAt: new Date(Date.now() + 12_000).toISOString() }) });
      expect(placed.status).toBe(201);
      const { spliceEventId } = (await placed.json()) as { spliceEventId: number };

      await page.addScriptTag({ content: livePlayersScript(CHANNEL, token, SEGMENT_SECONDS, { lowLatency: false, shaka: true }) });

      const played = (s: LivePlayerState) => (s.firstTime === null ? 0 : s.currentTime - s.firstTime);
      await page.waitForFunction(
        (seconds) => {
          const s = (globalThis as unknown as { liveState: LiveState }).liveState;
          const p = (x: LivePlayerState) => (x.firstTime === null ? 0 : x.currentTime - x.firstTime);
          return s.hls.error !== null || s.shaka.error !== null || (p(s.hls) >= seconds && p(s.shaka) >= seconds);
        },
        PLAY_SECONDS,
        { timeout: (PLAY_SECONDS + 40) * 1000, polling: 500 },
      );
      const final = await page.evaluate(() => (globalThis as unknown as { liveState: LiveState }).liveState);
      expect(final.hls.error, final.hls.log.join('\n')).toBeNull();
      expect(final.shaka.error, final.shaka.log.join('\n')).toBeNull();
      expect(played(final.hls)).toBeGreaterThanOrEqual(PLAY_SECONDS);
      expect(played(final.shaka)).toBeGreaterThanOrEqual(PLAY_SECONDS);
      // Both players saw the break through every tier.
      expect(final.hls.breaks).toContain(`splice-${spliceEventId}`);
      expect(final.shaka.breaks).toContain(`urn:scte:scte35:2014:xml+bin#${spliceEventId}`);
      // Glass to player: the median over the run, once playback settled.
      const hlsLatency = median(final.hls.latencies.slice(5));
      const shakaLatency = median(final.shaka.latencies.slice(5));
      console.info(`live latency: hls.js ${(hlsLatency / 1000).toFixed(2)} s, Shaka ${(shakaLatency / 1000).toFixed(2)} s`);
      // Each player's latency over the run and its non-fatal errors (stalls, holes jumped): why a median moved.
      for (const [name, s] of [['hls.js', final.hls], ['Shaka', final.shaka]] as const) {
        console.info(`${name} latency samples (s): ${s.latencies.map((l) => (l / 1000).toFixed(1)).join(' ')}; events: ${s.log.join('; ') || 'none'}`);
      }
      expect(hlsLatency).toBeLessThanOrEqual(3 * SEGMENT_SECONDS * 1000);
      expect(shakaLatency).toBeLessThanOrEqual(3 * SEGMENT_SECONDS * 1000);
      expect(hlsLatency).toBeGreaterThan(0);
      expect(shakaLatency).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  }, (PLAY_SECONDS + 80) * 1000);

  it('plays live-demo as LL-HLS in hls.js (lowLatencyMode: parts, preload hints, blocking reloads) within 3 s of the wall clock', async () => {
    const token = await devToken('live-ll-player');
    const page: Page = await browser.newPage();
    page.on('pageerror', (error) => console.error('live page error:', error.message));
    const reloads: string[] = [];
    page.on('request', (request) => {
      if (/\/live\/live-demo\/v\d+\.m3u8\?_HLS_msn=\d+&_HLS_part=\d+/.test(request.url())) reloads.push(request.url());
    });
    try {
      await page.goto(`${stack.edge}/demo/`);
      await page.setContent('<!doctype html><title>ll-hls</title><video id="hls" muted></video>');
      await page.addScriptTag({ url: '/demo/vendor/hls.min.js' });
      await page.addScriptTag({ content: livePlayersScript(CHANNEL, token, SEGMENT_SECONDS, { lowLatency: true, shaka: false }) });
      const seconds = 16;
      await page.waitForFunction(
        (wanted) => {
          const s = (globalThis as unknown as { liveState: LiveState }).liveState.hls;
          return s.error !== null || (s.firstTime !== null && s.currentTime - s.firstTime >= wanted);
        },
        seconds,
        { timeout: (seconds + 40) * 1000, polling: 500 },
      );
      const final = (await page.evaluate(() => (globalThis as unknown as { liveState: LiveState }).liveState)).hls;
      expect(final.error, final.log.join('\n')).toBeNull();
      // hls.js used blocking reloads with part directives through the edge.
      expect(reloads.length).toBeGreaterThan(5);
      const latency = median(final.latencies.slice(4));
      console.info(`LL-HLS latency: hls.js ${(latency / 1000).toFixed(2)} s over ${final.latencies.length} samples`);
      expect(latency).toBeGreaterThan(0);
      expect(latency).toBeLessThanOrEqual(3000);
    } finally {
      await page.close();
    }
  }, 90_000);
});
