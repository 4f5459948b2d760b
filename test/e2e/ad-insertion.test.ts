import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { adTitleId } from './ad-creatives.ts';
import { launchChromium } from './chromium.ts';
import { devToken } from './dev-token.ts';
import { waitFor } from './wait-for.ts';

const stack = inject('stack');
const secrets = inject('serviceSecrets');
const adServer = inject('adServer');
// The e2e origin keeps its data between local runs, and a title id can be ingested once.
const titleId = `ssai-e2e-${Date.now().toString(36)}`;
const api = { authorization: `Bearer ${secrets.originApiToken}` };
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-ssai-'));
  const source = join(dir, 'content.mp4');
  // English soft subtitles: one line before the mid-roll (at 4 s), one after it.
  const srt = join(dir, 'subs.srt');
  await writeFile(srt, '1\n00:00:01,000 --> 00:00:03,000\nBefore the mid-roll\n\n2\n00:00:05,000 --> 00:00:07,000\nAfter the mid-roll\n');
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=12',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12',
      '-i', srt,
      '-map', '0:v', '-map', '1:a', '-map', '2:s', '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-c:s', 'mov_text',
      '-metadata:s:s:0', 'language=eng', '-movflags', '+faststart', '-y', source,
    ],
  });
  const upload = await fetch(`${stack.origin}/api/v1/videos/upload?title=${titleId}&name=SSAI%20e2e`, {
    method: 'POST',
    headers: { ...api, 'content-type': 'application/octet-stream' },
    body: await readFile(source),
  });
  expect(upload.status).toBe(202);
  const { id } = (await upload.json()) as { id: string };
  await waitFor('the content ingest', async () => {
    const job = (await (await fetch(`${stack.origin}/api/v1/videos/${id}`, { headers: api })).json()) as { state: string; error: unknown };
    if (job.state === 'failed') throw new Error(`ingest failed: ${JSON.stringify(job.error)}`);
    return job.state === 'ready' ? job : undefined;
  }, 120_000);
  // The first session finds the creatives unconditioned: it plays without them and the edge asks the origin
  // to condition them; the test waits for the origin to finish (a later run finds them cached).
  const first = await fetch(`${stack.edge}/v1/play/${titleId}/master.m3u8?token=${await devToken('ssai-viewer')}`);
  expect(first.status).toBe(200);
  await first.body?.cancel();
  for (const creative of ['spot-a', 'spot-b']) {
    const creativeTitle = adTitleId('local-mock', creative, undefined);
    await waitFor(`conditioning of ${creative}`, async () => {
      const response = await fetch(`${stack.origin}/api/v1/creatives/${creativeTitle}`, { headers: api });
      if (response.status === 404) return undefined;
      const state = (await response.json()) as { state: string; job?: { error: unknown } };
      if (state.state === 'failed') throw new Error(`conditioning failed: ${JSON.stringify(state.job?.error)}`);
      return state.state === 'ready' ? state : undefined;
    }, 150_000);
  }
  await fetch(`${adServer}/hits`, { method: 'DELETE' });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PlayerRun { time: number; maxStallMs: number; error: string | null; started: boolean }

describe('server-side ad insertion: a clear VOD title with a pre-roll and a mid-roll', () => {
  it('stitches both breaks into the MPD as Periods with the ads’ BaseURLs', async () => {
    const token = await devToken('ssai-viewer');
    const mpd = await (await fetch(`${stack.edge}/v1/play/${titleId}/manifest.mpd?token=${token}`)).text();
    expect([...mpd.matchAll(/<Period id="([^"]+)"/g)].map((m) => m[1])).toEqual(['ad-1', 'ad-2', 'content-1', 'ad-3', 'ad-4', 'content-2']);
    expect(mpd).toContain(`/vod/${adTitleId('local-mock', 'spot-b', undefined)}/</BaseURL>`);
  });

  it('stitches both breaks into the media playlists with discontinuities and ad-scoped URLs', async () => {
    const token = await devToken('ssai-viewer');
    const master = await (await fetch(`${stack.edge}/v1/play/${titleId}/master.m3u8?token=${token}`)).text();
    const video = master.split('\n').find((l) => l.endsWith('.m3u8') && l.includes('video-360p'))!;
    const playlist = await (await fetch(video)).text();
    expect(playlist.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length).toBe(5);
    expect(playlist).toContain(`/vod/${adTitleId('local-mock', 'spot-a', undefined)}/`);
    expect(playlist).toContain(`/vod/${adTitleId('local-mock', 'spot-b', undefined)}/`);
  });

  it('plays through the pre-roll and the mid-roll in hls.js and Shaka (HLS), and in Shaka and dash.js across both DASH Period boundaries, with no fatal error and no stall longer than a segment, and the ad server records each impression and quartile exactly once', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('ssai page error:', error.message));
    try {
      // The demo page serves the player libraries from the edge's origin; its own players get a title that does not exist.
      await page.goto(`${stack.edge}/demo?title=none&token=x`);
      // dash.js is not on the demo page: the same vendor copy (scripts/copy-player-vendor.mjs), served by the edge.
      await page.addScriptTag({ url: '/demo/vendor/dash.all.min.js' });
      const token = await devToken('ssai-viewer');
      const url = `${stack.edge}/v1/play/${titleId}/master.m3u8?token=${encodeURIComponent(token)}`;
      await page.evaluate(([src, mpd]) => {
        // Runs in the page (the root tsconfig has no DOM types, hence the loose shapes).
        const w = globalThis as unknown as Record<string, any>;
        const runs: Record<string, PlayerRun> = {};
        w['ssaiRuns'] = runs;
        type Video = { currentTime: number; paused: boolean; ended: boolean; muted: boolean; play(): Promise<void> };
        const watch = (name: string, video: Video) => {
          const run: PlayerRun = (runs[name] = { time: 0, maxStallMs: 0, error: null, started: false });
          let lastTime = 0;
          let lastAdvance = performance.now();
          setInterval(() => {
            const now = performance.now();
            if (video.currentTime > lastTime + 0.01) {
              run.started = true;
              lastTime = video.currentTime;
              lastAdvance = now;
            } else if (run.started && !video.paused && !video.ended) {
              run.maxStallMs = Math.max(run.maxStallMs, now - lastAdvance);
            }
            run.time = video.currentTime;
          }, 100);
          return run;
        };
        const make = (): Video => {
          const video = w['document'].createElement('video') as Video;
          video.muted = true;
          w['document'].body.append(video);
          return video;
        };
        const hlsVideo = make();
        const hlsRun = watch('hls', hlsVideo);
        const hls = new w['Hls']();
        hls.on(w['Hls'].Events.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => {
          if (data.fatal) hlsRun.error = data.details;
        });
        hls.on(w['Hls'].Events.MANIFEST_PARSED, () => void hlsVideo.play());
        hls.loadSource(src);
        hls.attachMedia(hlsVideo);

        const shakaVideo = make();
        const shakaRun = watch('shaka', shakaVideo);
        const player = new w['shaka'].Player();
        player.addEventListener('error', (event: { detail: { code: number } }) => (shakaRun.error = `shaka ${event.detail.code}`));
        player
          .attach(shakaVideo)
          .then(() => player.load(src, null, 'application/x-mpegurl'))
          .then(() => shakaVideo.play())
          .catch((error: { code?: number }) => (shakaRun.error = `shaka ${error?.code}`));

        // DASH: the same breaks as Periods, across both Period boundaries.
        const dashVideo = make();
        const dashRun = watch('shaka-dash', dashVideo);
        const dashPlayer = new w['shaka'].Player();
        dashPlayer.addEventListener('error', (event: { detail: { code: number } }) => (dashRun.error = `shaka ${event.detail.code}`));
        dashPlayer
          .attach(dashVideo)
          .then(() => dashPlayer.load(mpd))
          .then(() => dashVideo.play())
          .catch((error: { code?: number }) => (dashRun.error = `shaka ${error?.code}`));

        // dash.js: the same multi-period MPD in the other DASH player the issue names.
        const dashjsVideo = make();
        const dashjsRun = watch('dashjs', dashjsVideo);
        const dashjs = w['dashjs'].MediaPlayer().create();
        dashjs.on(w['dashjs'].MediaPlayer.events.ERROR, (event: { error?: { code?: number; message?: string } }) => (dashjsRun.error = `dash.js ${event.error?.code} ${event.error?.message}`));
        dashjs.initialize(dashjsVideo, mpd, true);
      }, [url, url.replace('master.m3u8', 'manifest.mpd')] as const);
      // 10 s pre-roll + 4-8 s of content + 10 s mid-roll: past 26 s both players are back in the content.
      await page.waitForFunction(
        () => {
          const runs = (globalThis as unknown as { ssaiRuns: Record<string, PlayerRun> }).ssaiRuns;
          return Object.values(runs).every((r) => r.error !== null || r.time >= 26) || Object.values(runs).some((r) => r.error !== null);
        },
        undefined,
        { timeout: 120_000, polling: 250 },
      );
      const runs = await page.evaluate(() => (globalThis as unknown as { ssaiRuns: Record<string, PlayerRun> }).ssaiRuns);
      for (const name of ['hls', 'shaka', 'shaka-dash', 'dashjs']) {
        expect(runs[name]!.error, name).toBeNull();
        expect(runs[name]!.time, name).toBeGreaterThanOrEqual(26);
        expect(runs[name]!.maxStallMs, name).toBeLessThanOrEqual(4000);
      }
    } finally {
      await page.close();
    }
    // Beacons go through the queue; give it time to deliver, then check there is exactly one of each.
    type Hit = { event: string; ad: string; sid: string; pos: string; source: string };
    const expected = ['preroll', 'midroll'].flatMap((pos) => ['spot-a', 'spot-b'].flatMap((ad) => ['impression', 'start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete'].map((ev) => `${pos} ${ad} ${ev}`))).sort();
    const bySession = await waitFor('every beacon', async () => {
      const hits = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
      const sessions = new Map<string, string[]>();
      for (const hit of hits) sessions.set(hit.sid, [...(sessions.get(hit.sid) ?? []), `${hit.pos} ${hit.ad} ${hit.event}`]);
      return sessions.size === 4 && [...sessions.values()].every((s) => s.length >= expected.length) ? sessions : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive by now
    const hits = (await (await fetch(`${adServer}/hits`)).json()) as Hit[];
    for (const sid of bySession.keys()) {
      expect(hits.filter((h) => h.sid === sid).map((h) => `${h.pos} ${h.ad} ${h.event}`).sort()).toEqual(expected);
    }
  }, 180_000);
  // Subtitles keep to the picture across the ads: the content's lines at 1-3 s and 5-7 s play after the
  // 10 s pre-roll, and the second also after the 10 s mid-roll at 4 s, so at 11-13 s and 25-27 s of the
  // session, in hls.js and Shaka (HLS: one re-timed WebVTT file) and Shaka (DASH: each content Period's window).
  it('shows the subtitles at the session’s times, after the ads, in hls.js, Shaka (HLS) and Shaka (DASH)', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('ssai subtitles page error:', error.message));
    try {
      await page.goto(`${stack.edge}/demo?title=none&token=x`);
      const [hlsToken, shakaToken, dashToken] = await Promise.all(['ssai-subs-hls', 'ssai-subs-shaka', 'ssai-subs-dash'].map((sub) => devToken(sub)));
      const play = (kind: string, token: string) => `${stack.edge}/v1/play/${titleId}/${kind}?token=${encodeURIComponent(token)}`;
      await page.evaluate(([hlsUrl, shakaUrl, dashUrl]) => {
        // Runs in the page (the root tsconfig has no DOM types, hence the loose shapes). Players stay paused:
        // they load subtitles around the playhead without playing, so no ad is counted as watched.
        const w = globalThis as unknown as Record<string, any>;
        type Cue = { startTime: number; endTime: number; text: string };
        type Video = { textTracks: ArrayLike<{ kind: string; mode: string; cues: ArrayLike<Cue> | null }>; currentTime: number; muted: boolean };
        const videos: Record<string, Video> = {};
        const errors: string[] = [];
        // Every cue a player has put on the element's text tracks (a player may later drop cues it left behind).
        const cues: Record<string, string[]> = {};
        w['subtitleRuns'] = { videos, errors, cues };
        setInterval(() => {
          for (const [name, video] of Object.entries(videos)) {
            const list = (cues[name] ??= []);
            for (const track of Array.from(video.textTracks)) {
              for (const c of Array.from(track.cues ?? [])) {
                const cue = `${c.startTime.toFixed(1)}-${c.endTime.toFixed(1)} ${c.text}`;
                if (!list.includes(cue)) list.push(cue);
              }
            }
          }
        }, 100);
        const make = (name: string): Video => {
          const video = w['document'].createElement('video') as Video;
          video.muted = true;
          w['document'].body.append(video);
          videos[name] = video;
          return video;
        };
        const hls = new w['Hls']({ subtitleDisplay: true });
        hls.on(w['Hls'].Events.ERROR, (_e: unknown, data: { fatal: boolean; details: string }) => { if (data.fatal) errors.push(`hls.js ${data.details}`); });
        // Once the tracks are known and the element attached (at MANIFEST_PARSED it may not be yet).
        hls.on(w['Hls'].Events.SUBTITLE_TRACKS_UPDATED, () => { hls.subtitleTrack = 0; });
        hls.loadSource(hlsUrl);
        hls.attachMedia(make('hls.js'));
        for (const [name, url] of [['shaka-hls', shakaUrl], ['shaka-dash', dashUrl]] as const) {
          const player = new w['shaka'].Player();
          player.addEventListener('error', (event: { detail: { code: number; severity: number } }) => { if (event.detail.severity === 2) errors.push(`${name} ${event.detail.code}`); });
          // Shaka 5: English text by preference, and selecting a text track shows it (once its tracks are known).
          player.configure({ preferredText: [{ language: 'en' }] });
          const showEnglish = () => {
            const tracks = player.getTextTracks() as { language: string; active: boolean }[];
            const english = tracks.find((t) => t.language === 'en');
            if (english && !english.active) player.selectTextTrack(english);
          };
          player.addEventListener('trackschanged', showEnglish);
          player.attach(make(name))
            .then(() => player.load(url, name === 'shaka-dash' ? 10.5 : undefined))
            .then(showEnglish)
            .catch((error: { code?: number }) => errors.push(`${name} ${error?.code ?? String(error)}`));
        }
      }, [play('master.m3u8', hlsToken!), play('master.m3u8', shakaToken!), play('manifest.mpd', dashToken!)] as const);
      // Every player's subtitle cues, by start, as the browser will show them.
      const cues = () => page.evaluate(() => {
        const { cues: out, errors } = (globalThis as unknown as { subtitleRuns: { cues: Record<string, string[]>; errors: string[] } }).subtitleRuns;
        return { out, errors };
      });
      const expected = ['11.0-13.0 Before the mid-roll', '25.0-27.0 After the mid-roll'];
      let seen: Awaited<ReturnType<typeof cues>> = { out: {}, errors: [] };
      const deadline = Date.now() + 45_000;
      // Shaka (DASH) loads a Period's subtitles as its playhead nears it: it starts in the first content Period
      // (10.5 s), then moves on to the second (24.5 s).
      let dashSeeked = false;
      while (Date.now() < deadline) {
        seen = await cues();
        if (seen.errors.length > 0) break;
        if (!dashSeeked && (seen.out['shaka-dash'] ?? []).some((c) => c.startsWith('11.0'))) {
          dashSeeked = true;
          await page.evaluate(() => { ((globalThis as unknown as { subtitleRuns: { videos: Record<string, { currentTime: number }> } }).subtitleRuns.videos['shaka-dash']!).currentTime = 24.5; });
        }
        if (Object.keys(seen.out).length === 3 && Object.values(seen.out).every((list) => expected.every((e) => list.includes(e)))) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(seen.errors).toEqual([]);
      // Every cue each player showed, and nothing else (the content's own times, 1-3 s and 5-7 s, would be under the ads).
      const shown = Object.fromEntries(['hls.js', 'shaka-hls', 'shaka-dash'].map((name) => [name, [...(seen.out[name] ?? [])].sort()]));
      expect(shown).toEqual({ 'hls.js': expected, 'shaka-hls': expected, 'shaka-dash': expected });
    } finally {
      await page.close();
    }
  }, 90_000);
});
