import { describe, expect, it } from 'vitest';
import { hexToBase64url } from '../src/viewer/clearkey-request.ts';
import { runViewer, type ViewerOptions } from '../src/viewer/run-viewer.ts';
import type { ViewerPort, ViewerRequest, ViewerResponse } from '../src/viewer/viewer-port.ts';

const KID = '0123456789abcdef0123456789abcdef';
const HD_KID = 'fedcba9876543210fedcba9876543210';
const ORIGIN = 'https://edge.test';

/**
 * A live channel as the edge serves it, on a virtual clock: 2 s segments, a 6-segment window, an ad
 * break (CUE-OUT with a discontinuity) on segments 10-12, a license URL and heartbeat/stop headers.
 * Everything the viewer asks is logged, so the tests check behaviour request by request.
 */
function fakeLive(options: { failPathway0At?: number; live?: boolean; latencyMs?: number; canSkipUntil?: number } = {}) {
  let now = 1_000_000;
  const log: Array<{ at: number; request: ViewerRequest }> = [];
  const segmentAt = (t: number) => Math.floor((t - 1_000_000) / 2000) + 20;
  const media = (name: string, delta = false) => {
    const last = options.live === false ? 29 : segmentAt(now);
    const windowStart = options.live === false ? 0 : Math.max(0, last - 5);
    const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${windowStart}`];
    if (options.canSkipUntil !== undefined) lines.push(`#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=${options.canSkipUntil.toFixed(1)}`);
    // A delta update (RFC 8216bis §6.2.5.1) leaves out the segments older than the skip boundary.
    const skipped = delta && options.canSkipUntil !== undefined ? Math.max(0, last + 1 - windowStart - Math.ceil(options.canSkipUntil / 2)) : 0;
    if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
    const first = windowStart + skipped;
    // Per-tier keys: the HD rendition has its own key id, named in its media playlist only.
    if (name === 'v720') lines.push(`#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text/plain;base64,AA==",KEYID=0x${HD_KID},KEYFORMAT="org.w3.clearkey"`);
    // Like the edge: every reload writes a fresh session token into the URIs.
    lines.push(`#EXT-X-MAP:URI="/v1/media/T${now}/live/c/${name}-init.mp4"`);
    for (let s = first; s <= last; s++) {
      if (s === 30) lines.push('#EXT-X-DISCONTINUITY', '#EXT-X-CUE-OUT:DURATION=6');
      if (s === 31 || s === 32) lines.push('#EXT-X-CUE-OUT-CONT');
      if (s === 33) lines.push('#EXT-X-DISCONTINUITY', '#EXT-X-CUE-IN');
      if (s === 25) lines.push('#EXT-X-GAP');
      lines.push('#EXTINF:2.0,', `${name}-${s}.m4s`);
    }
    if (options.live === false) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n');
  };
  const ok = (body: string, headers: Record<string, string> = {}, bytes = body.length): ViewerResponse => ({ status: 200, headers, body, bytes, durationMs: 10 });
  const port: ViewerPort = {
    async request(request) {
      log.push({ at: now, request });
      if (options.latencyMs) {
        // A slow answer takes virtual time; requests in flight together overlap.
        const at = now;
        await new Promise((r) => setTimeout(r, 0));
        now = Math.max(now, at + options.latencyMs);
      }
      if (options.failPathway0At !== undefined && now >= options.failPathway0At && request.url.startsWith(ORIGIN)) {
        return { status: 503, headers: {}, body: '', bytes: 0, durationMs: 5 };
      }
      const path = request.url.replace(/^https:\/\/[^/]+/, '');
      if (path.startsWith('/v1/play/')) {
        if (!path.includes('token=good')) {
          return { status: 401, headers: { 'content-type': 'application/problem+json' }, body: '{"code":"token-expired"}', bytes: 24, durationMs: 3 };
        }
        return ok(
          ['#EXTM3U', `#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,KEYFORMAT="org.w3.clearkey",KEYID=0x${KID},URI="data:"`,
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",DEFAULT=YES,URI="/v1/media/T/live/c/audio.m3u8"',
            '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,AUDIO="a"', '/v1/media/T/live/c/v720.m3u8',
            '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO="a"', '/v1/media/T/live/c/v360.m3u8'].join('\n'),
          { 'x-license-url': `${ORIGIN}/v1/license/clearkey?s=T`, 'x-stream-heartbeat': `${ORIGIN}/v1/media/T/heartbeat`, 'x-stream-stop': `${ORIGIN}/v1/media/T/stop` },
        );
      }
      if (path.startsWith('/v1/license/')) {
        const kids = (JSON.parse(request.body ?? '{}') as { kids: string[] }).kids;
        return ok(JSON.stringify({ keys: kids.map((kid) => ({ kty: 'oct', kid, k: 'AAAAAAAAAAAAAAAAAAAAAA' })), type: 'temporary' }));
      }
      if (path.endsWith('/heartbeat')) return ok('{}');
      if (path.endsWith('/stop')) return { status: 204, headers: {}, body: '', bytes: 0, durationMs: 2 };
      const playlist = /([^/]+)\.m3u8(\?_HLS_skip=YES)?$/.exec(path);
      if (playlist) return ok(media(playlist[1]!, playlist[2] !== undefined));
      // Segments: 1 MB in 100 ms is 80 Mbit/s, so the ABR rule climbs to the top variant.
      return { status: 200, headers: {}, body: '', bytes: 1_000_000, durationMs: 100 };
    },
    now: () => now,
    async sleep(seconds) {
      now += Math.round(seconds * 1000);
    },
    random: () => 0.5,
  };
  return { port, log, now: () => now };
}

const base: ViewerOptions = {
  manifestUrl: `${ORIGIN}/v1/play/c/master.m3u8?token=good`,
  watchSeconds: 30,
  abr: { safety: 0.8 },
  heartbeatSeconds: 10,
  startDelaySeconds: { min: 0, max: 0 },
  reloadJitter: 0,
  vodBufferSegments: 3,
  liveEdgeSegments: 3,
  fetchAudio: true,
  stopAtEnd: true,
};

const urlsOf = (log: Array<{ request: ViewerRequest }>, type: string) => log.filter((e) => e.request.type === type).map((e) => e.request.url);

describe('the viewer model on a live channel', () => {
  it('starts three segments from the live edge and then fetches every new segment of video and audio exactly once', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, base);
    const segments = urlsOf(log, 'segment').filter((u) => !u.includes('init'));
    expect(new Set(segments).size).toBe(segments.length);
    const audio = segments.filter((u) => u.includes('audio-')).map((u) => Number(/-(\d+)\.m4s$/.exec(u)![1]));
    expect(audio[0]).toBe(18); // live edge 20, three back: 18, 19, 20
    // Every sequence number from the start on, but for the gap at 25.
    expect(audio).toEqual(Array.from({ length: audio.length + 1 }, (_, i) => 18 + i).filter((n) => n !== 25));
    expect(audio.at(-1)).toBeGreaterThanOrEqual(33);
    expect(stats.outcome).toBe('watched');
    expect(stats.live).toBe(true);
  });

  it('asks for delta updates where the server offers them and still fetches every new segment once (RFC 8216bis §6.2.5.1)', async () => {
    const { port, log } = fakeLive({ canSkipUntil: 6 });
    await runViewer(port, base);
    const reloads = urlsOf(log, 'playlist').filter((u) => u.includes('/audio.m3u8'));
    expect(reloads[0]).not.toContain('_HLS_skip');
    expect(reloads.slice(1).every((u) => u.endsWith('?_HLS_skip=YES'))).toBe(true);
    const audio = urlsOf(log, 'segment').filter((u) => u.includes('audio-') && !u.includes('init')).map((u) => Number(/-(\d+)\.m4s$/.exec(u)![1]));
    expect(audio).toEqual(Array.from({ length: audio.length + 1 }, (_, i) => 18 + i).filter((n) => n !== 25));
    expect(audio.at(-1)).toBeGreaterThanOrEqual(33);
  });

  it('asks for the whole playlist when the server offers no delta updates', async () => {
    const { port, log } = fakeLive();
    await runViewer(port, base);
    expect(urlsOf(log, 'playlist').some((u) => u.includes('_HLS_skip'))).toBe(false);
  });

  it('fetches each rendition’s init segment once although every reload carries a new token in its URL', async () => {
    const { port, log } = fakeLive();
    await runViewer(port, base);
    const inits = log.filter((e) => e.request.tags?.['init'] === 'true').map((e) => e.request.url.split('/').pop());
    expect(inits).toEqual(['v360-init.mp4', 'audio-init.mp4', 'v720-init.mp4']);
  });

  it('reloads each live playlist once per target duration', async () => {
    const { port, log } = fakeLive();
    await runViewer(port, base);
    const audioReloads = log.filter((e) => e.request.type === 'playlist' && e.request.url.endsWith('audio.m3u8'));
    expect(audioReloads.length).toBeGreaterThanOrEqual(15);
    expect(audioReloads.length).toBeLessThanOrEqual(16);
    const gaps = audioReloads.slice(1).map((e, i) => e.at - audioReloads[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2000);
  });

  it('keeps reloading every target duration when answers are slow, counting from when each reload began', async () => {
    const { port, log } = fakeLive({ latencyMs: 400 });
    await runViewer(port, { ...base, abr: { safety: 0.8, maxHeight: 360 } });
    const audioReloads = log.filter((e) => e.request.type === 'playlist' && e.request.url.endsWith('audio.m3u8'));
    // 30 s at a 2 s target duration, although each reload and its segment take 800 ms.
    expect(audioReloads.length).toBeGreaterThanOrEqual(14);
  });

  it('asks for a ClearKey license with the manifest’s key id, heartbeats on time and stops at the end', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, base);
    const license = log.find((e) => e.request.type === 'license')!;
    expect(JSON.parse(license.request.body!)).toEqual({ kids: [hexToBase64url(KID)], type: 'temporary' });
    expect(log.filter((e) => e.request.type === 'license' && e.request.body!.includes(hexToBase64url(KID)))).toHaveLength(1); // asked for once

    expect(urlsOf(log, 'heartbeat').filter((u) => u.endsWith('/heartbeat'))).toHaveLength(2); // at 10 s and 20 s of 30 s
    expect(urlsOf(log, 'heartbeat').at(-1)).toBe(`${ORIGIN}/v1/media/T/stop`);
  });

  it('follows the ad break through its discontinuities and tags its segments', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, base);
    expect(stats.discontinuities).toBe(4); // into and out of the break, video and audio
    expect(stats.adSegments).toBe(6);
    const tagged = log.filter((e) => e.request.tags?.['ad'] === 'true').map((e) => e.request.url);
    expect(tagged.every((u) => /-(30|31|32)\.m4s$/.test(u))).toBe(true);
  });

  it('climbs the ladder when segments arrive fast, starting from the lowest variant, licensing the new rendition’s key', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, base);
    expect(stats.heights).toEqual([360, 720]);
    expect(stats.variantSwitches).toBe(1);
    const licenses = log.filter((e) => e.request.type === 'license').map((e) => JSON.parse(e.request.body!) as { kids: string[] });
    expect(licenses.map((l) => l.kids)).toEqual([[hexToBase64url(KID)], [hexToBase64url(HD_KID)]]);
    expect(stats.licenseKeysGranted).toBe(2);
  });

  it('keeps to the token’s max height whatever the throughput', async () => {
    const { port } = fakeLive();
    const stats = await runViewer(port, { ...base, abr: { safety: 0.8, maxHeight: 480 } });
    expect(stats.heights).toEqual([360]);
  });

  it('moves to the next CDN when the first one fails mid-session, and retries the failed request there', async () => {
    const { port, log } = fakeLive({ failPathway0At: 1_010_000 });
    const stats = await runViewer(port, { ...base, fallbackOrigins: ['https://cdn-b.test'] });
    expect(stats.failovers).toBe(1);
    const after = log.filter((e) => e.at > 1_010_000 && e.request.type === 'segment');
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((e) => e.request.url.startsWith('https://cdn-b.test/'))).toBe(true);
    expect(stats.errors.segment).toBe(0);
  });
});

describe('the viewer model on gaps', () => {
  it('skips a segment marked EXT-X-GAP instead of asking for it (RFC 8216bis §4.4.4.7)', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, base);
    expect(log.some((e) => /-25\.m4s$/.test(e.request.url))).toBe(false);
    expect(log.some((e) => /audio-26\.m4s$/.test(e.request.url))).toBe(true);
    expect(stats.gaps).toBe(2); // video and audio
  });
});

describe('the viewer model on VOD and on refusals', () => {
  it('plays a VOD title at real-time pace with a three-segment buffer and no reloads', async () => {
    const { port, log } = fakeLive({ live: false });
    const stats = await runViewer(port, { ...base, watchSeconds: 12 });
    expect(stats.live).toBe(false);
    const video = log.filter((e) => e.request.type === 'segment' && /v\d+-\d+\.m4s$/.test(e.request.url));
    // 12 s watched of 2 s segments plus the 3-segment buffer: segments 0..8 (9), never the whole title.
    expect(video.length).toBeGreaterThanOrEqual(8);
    expect(video.length).toBeLessThanOrEqual(10);
    expect(log.filter((e) => e.request.type === 'playlist').length).toBeLessThanOrEqual(3);
  });

  it('reports a refused manifest with its status and problem code, and asks nothing more', async () => {
    const { port, log } = fakeLive();
    const stats = await runViewer(port, { ...base, manifestUrl: `${ORIGIN}/v1/play/c/master.m3u8?token=expired`, expectManifest: [401] });
    expect(stats).toMatchObject({ outcome: 'refused', status: 401, code: 'token-expired' });
    expect(stats.errors.manifest).toBe(0);
    expect(log).toHaveLength(1);
  });

  it('counts an unexpected refusal as an error', async () => {
    const { port } = fakeLive();
    const stats = await runViewer(port, { ...base, manifestUrl: `${ORIGIN}/v1/play/c/master.m3u8?token=expired` });
    expect(stats).toMatchObject({ outcome: 'failed', status: 401 });
    expect(stats.errors.manifest).toBe(1);
  });
});
