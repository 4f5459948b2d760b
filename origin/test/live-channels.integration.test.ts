import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCTE35, type ISpliceInsertEvent } from 'scte35/build/lib/scte35.js';
import { resolveFfmpegPaths } from '../src/ffmpeg-path.ts';
import { parseChunk } from '../src/live/parse-chunk.ts';
import { runFfmpeg } from '../src/media/run-ffmpeg.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { parseM3u8 } from './support/m3u8.ts';
import { testConfig } from './support/test-config.ts';

/**
 * Live channels through the origin's HTTP surface, with the real encoder. One live encode at a time:
 * live-demo (light ladder) first, then it is deleted before the network-input and file-input channels.
 */
const TOKEN = 'live-channels-test-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const require = createRequire(import.meta.url);
const mpdParser = require('mpd-parser') as { parse(text: string, options: { manifestUri: string; NOW: number; clientOffset: number }): { playlists: Array<{ attributes: { NAME: string }; segments: Array<{ resolvedUri: string; uri: string }> }> } };

interface LiveSegmentLine {
  seq: number;
  uri: string;
  pdt: number;
  duration: number;
  /** Discontinuity sequence number of this segment. */
  disc: number;
  gap: boolean;
  cueOut?: string;
  cueOutCont?: string;
  cueIn?: boolean;
}

let dataDir: string;
let sourceDir: string;
let origin: RunningOrigin;
let sender: ChildProcess | undefined;
const tools = resolveFfmpegPaths(testConfig({}));

function start(): Promise<RunningOrigin> {
  return startOrigin(
    testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir, ORIGIN_API_TOKENS: TOKEN, ORIGIN_LIVE_DEMO: 'light', ORIGIN_INGEST_DIRS: sourceDir, ORIGIN_LIVE_DVR_SECONDS: '60' }),
    { logger: createLogger('origin', 'silent'), prepareSample: async () => {}, liveRunner: { restartDelayMs: { min: 200, max: 1000 }, stallMs: 4000, inputProbeIntervalMs: 1000 } },
  );
}

async function text(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`${origin.url}${path}`);
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

/** A live media playlist read by m3u8-parser (the video.js parser), with the sequence numbers it implies. */
async function mediaPlaylist(channel: string, rendition: string): Promise<{ text: string; mediaSequence: number; discontinuitySequence: number; segments: LiveSegmentLine[] }> {
  const { status, body } = await text(`/live/${channel}/${rendition}.m3u8`);
  expect(status, body).toBe(200);
  const parsed = parseM3u8(body) as unknown as { mediaSequence: number; discontinuitySequence: number; segments: Array<{ uri: string; duration: number; programDateTime: number; timeline: number; cueOut?: string; cueOutCont?: string; cueIn?: string }> };
  const gaps = new Set<string>();
  const lines = body.split('\n');
  lines.forEach((line, i) => {
    if (line === '#EXT-X-GAP') gaps.add(lines.slice(i).find((l) => !l.startsWith('#'))!);
  });
  return {
    text: body,
    mediaSequence: parsed.mediaSequence,
    discontinuitySequence: parsed.discontinuitySequence,
    segments: parsed.segments.map((s, i) => ({
      seq: parsed.mediaSequence + i,
      uri: s.uri,
      pdt: s.programDateTime,
      duration: s.duration,
      disc: s.timeline,
      gap: gaps.has(s.uri),
      ...(s.cueOut !== undefined && { cueOut: s.cueOut }),
      ...(s.cueOutCont !== undefined && { cueOutCont: s.cueOutCont }),
      ...(s.cueIn !== undefined && { cueIn: true }),
    })),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function segmentsAtLeast(channel: string, rendition: string, count: number, afterSeq = -1) {
  return until(`${count} segments of ${channel}/${rendition} after ${afterSeq}`, async () => {
    const playlist = await mediaPlaylist(channel, rendition);
    return playlist.segments.filter((s) => s.seq > afterSeq && !s.gap).length >= count ? playlist : undefined;
  }, 40_000);
}

async function channel(id: string): Promise<{ health: { state: string; source: string; encoder: { restarts: number; pid?: number } }; availabilityStartTime: string; renditions: unknown[] }> {
  const response = await fetch(`${origin.url}/api/v1/channels/${id}`, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

/** Every segment keeps its sequence number, time and discontinuity number from one reload to the next. */
function expectConsistent(before: LiveSegmentLine[], after: LiveSegmentLine[]): void {
  for (const segment of before) {
    const again = after.find((s) => s.seq === segment.seq);
    if (again === undefined) continue; // slid out of the window
    expect(again.uri).toBe(segment.uri);
    expect(again.pdt).toBe(segment.pdt);
    expect(again.disc).toBe(segment.disc);
  }
  for (let i = 1; i < after.length; i++) {
    expect(after[i]!.pdt).toBeGreaterThan(after[i - 1]!.pdt);
    expect(after[i]!.disc).toBeGreaterThanOrEqual(after[i - 1]!.disc);
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'origin-live-'));
  sourceDir = join(dataDir, 'sources');
  await mkdir(sourceDir);
  // A small MPEG-TS source for the network (UDP) and file inputs.
  await runFfmpeg({
    ffmpegPath: tools.ffmpeg.path,
    args: [
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15:duration=6', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=6',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', '-y', join(sourceDir, 'feed.ts'),
    ],
  });
  origin = await start();
});

afterAll(async () => {
  sender?.kill('SIGKILL');
  await origin?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('live channels at the origin', () => {
  it('puts live-demo on air: a three-rendition ladder, sliding-window HLS with program date times, a dynamic MPD, a live catalogue entry', async () => {
    const media = await segmentsAtLeast('live-demo', 'v180', 3);
    const master = await text('/live/live-demo/master.m3u8');
    expect(master.type).toBe('application/vnd.apple.mpegurl');
    const parsedMaster = parseM3u8(master.body);
    expect(parsedMaster.playlists?.map((p) => p.attributes.RESOLUTION)).toEqual([{ width: 320, height: 180 }, { width: 256, height: 144 }, { width: 192, height: 108 }]);
    expect(parsedMaster.playlists?.every((p) => /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/.test(p.attributes.CODECS ?? ''))).toBe(true);
    expect(parsedMaster.mediaGroups?.AUDIO?.['aac']?.['Main']?.uri).toBe('audio-aac.m3u8');

    expect(media.text).not.toContain('#EXT-X-ENDLIST');
    expect(media.text).toMatch(/#EXT-X-TARGETDURATION:2\n/);
    const steps = media.segments.slice(1).map((s, i) => s.pdt - media.segments[i]!.pdt);
    for (const step of steps) expect(step).toBe(2000);
    for (const segment of media.segments) expect(segment.duration).toBeCloseTo(2, 3);
    // The newest segment ended recently: the playlist follows the wall clock.
    const newest = media.segments.at(-1)!;
    expect(Date.now() - (newest.pdt + 2000)).toBeLessThan(4000);

    // Every rendition is cut on the same keyframes: the same sequence number starts at the same time.
    const low = await mediaPlaylist('live-demo', 'v108');
    for (const segment of low.segments) {
      const twin = media.segments.find((s) => s.seq === segment.seq);
      if (twin) expect(twin.pdt).toBe(segment.pdt);
    }

    const mpd = await text('/live/live-demo/manifest.mpd');
    expect(mpd.type).toBe('application/dash+xml');
    expect(mpd.body).toMatch(/type="dynamic"/);
    expect(mpd.body).toMatch(/timeShiftBufferDepth="PT60S"/);
    // A player keeps two 2 s segments behind the live edge: a reload (every segment) lists a segment after its
    // publication, and a delay of a quarter segment stalled Shaka and dash.js waiting for that reload.
    expect(mpd.body).toMatch(/minimumUpdatePeriod="PT2S"/);
    expect(mpd.body).toMatch(/suggestedPresentationDelay="PT4S"/);
    const ast = Date.parse(/availabilityStartTime="([^"]+)"/.exec(mpd.body)![1]!);
    const parsed = mpdParser.parse(mpd.body, { manifestUri: `${origin.url}/live/live-demo/manifest.mpd`, NOW: Date.now(), clientOffset: 0 });
    const video = parsed.playlists.find((p) => p.attributes.NAME === 'v180')!;
    expect(video.segments.length).toBeGreaterThanOrEqual(3);
    // A $Time$ URL serves the segment that starts there, restamped onto the channel's timeline:
    // its tfdt is the MPD's t, and t / timescale is its program date time minus availabilityStartTime.
    const t = Number(/v180-t(\d+)\.m4s/.exec(video.segments.at(-1)!.uri)![1]);
    const segment = await fetch(video.segments.at(-1)!.resolvedUri);
    expect(segment.status).toBe(200);
    const bytes = Buffer.from(await segment.arrayBuffer());
    expect(parseChunk(bytes).baseDecodeTime).toBe(t);
    const sameSegment = media.segments.find((s) => Math.abs(s.pdt - ast - (t / 15360) * 1000) <= 1);
    expect(sameSegment, `a segment of v180 at ${t / 15360} s`).toBeDefined();
    const bySeq = await fetch(`${origin.url}/live/live-demo/${sameSegment!.uri}`);
    expect(Buffer.from(await bySeq.arrayBuffer()).equals(bytes)).toBe(true);

    const entry = (await (await fetch(`${origin.url}/api/v1/titles/live-demo`)).json()) as { kind: string; renditions: Array<{ playlist: string; height?: number }>; rights: unknown };
    expect(entry.kind).toBe('live');
    expect(entry.renditions.map((r) => r.playlist)).toEqual(['v180.m3u8', 'v144.m3u8', 'v108.m3u8', 'audio-aac.m3u8']);
    expect(entry.rights).toBeDefined();
    expect((await channel('live-demo')).health.state).toBe('live');
  });

  it('refuses bad channel and break requests with precise problems', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = json) =>
      fetch(`${origin.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const problem = async (response: Response) => ({ status: response.status, ...((await response.json()) as { code: string; detail?: string }) });
    expect(await problem(await post('/api/v1/channels', { id: 'x', input: { type: 'synthetic' } }, { 'content-type': 'application/json' }))).toMatchObject({ status: 401 });
    expect(await problem(await post('/api/v1/channels', '{nope'))).toMatchObject({ status: 400, code: 'bad-request' });
    expect(await problem(await post('/api/v1/channels', { id: '../etc', input: { type: 'synthetic' } }))).toMatchObject({ status: 400, code: 'bad-path' });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'camera' } }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^input\.type: expected/) });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'network', url: 'file:///etc/passwd' } }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^input\.url: expected a URL with scheme srt, rtmp, udp/) });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'network', url: 'udp://127.0.0.1' } }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/a host and a port/) });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'network', url: 'udp://127.0.0.1:5000?x=1|y' } }))).toMatchObject({ code: 'bad-request' });
    // The npm-bundled ffmpeg has no libsrt: an SRT input is refused up front, not failed later.
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'network', url: 'srt://127.0.0.1:9000' } }))).toMatchObject({ status: 422, code: 'live-input-unsupported' });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'file', path: '/etc/passwd' } }))).toMatchObject({ status: 403, code: 'ingest-source-forbidden' });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'file', path: 'feed.ts' } }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^input\.path: expected an absolute file path/) });
    // A file that is not media: refused, and nothing of the channel is left behind.
    await writeFile(join(sourceDir, 'garbage.mp4'), Buffer.alloc(4096, 0x5a));
    expect(await problem(await post('/api/v1/channels', { id: 'c-notes', input: { type: 'file', path: join(sourceDir, 'garbage.mp4') } }))).toMatchObject({ status: 422, code: 'source-unreadable' });
    expect(await problem(await fetch(`${origin.url}/api/v1/channels/c-notes`, { headers: auth }))).toMatchObject({ status: 404, code: 'channel-not-found' });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'synthetic' }, segmentSeconds: 1.5 }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^segmentSeconds/) });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'synthetic' }, ladder: 'huge' }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^ladder/) });
    expect(await problem(await post('/api/v1/channels', { id: 'c1', input: { type: 'synthetic' }, color: 'red' }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^color/) });
    expect(await problem(await post('/api/v1/channels', { id: 'live-demo', input: { type: 'synthetic' } }))).toMatchObject({ status: 409, code: 'channel-exists' });
    expect(await problem(await fetch(`${origin.url}/api/v1/channels/nope`, { headers: auth }))).toMatchObject({ status: 404, code: 'channel-not-found' });
    expect(await problem(await fetch(`${origin.url}/api/v1/channels/live-demo`, { method: 'PUT', headers: auth }))).toMatchObject({ status: 405 });
    expect(await problem(await post('/api/v1/channels/nope/breaks', { durationSeconds: 30 }))).toMatchObject({ status: 404, code: 'channel-not-found' });
    expect(await problem(await post('/api/v1/channels/live-demo/breaks', { durationSeconds: 0 }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^durationSeconds/) });
    expect(await problem(await post('/api/v1/channels/live-demo/breaks', { durationSeconds: 30, startAt: '2020-01-01T00:00:00Z' }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^startAt: expected a time not in the past/) });
    expect(await problem(await post('/api/v1/channels/live-demo/breaks', { durationSeconds: 30, startAt: 'tomorrow' }))).toMatchObject({ code: 'bad-request', detail: expect.stringMatching(/^startAt: expected an ISO 8601/) });
    expect(await problem(await fetch(`${origin.url}/live/live-demo/v180-99999999.m4s`))).toMatchObject({ status: 404 });
    expect(await problem(await fetch(`${origin.url}/live/live-demo/nope.m3u8`))).toMatchObject({ status: 404 });
    expect(await problem(await fetch(`${origin.url}/live/live-demo/..%2Fv180.m3u8`))).toMatchObject({ status: 400, code: 'bad-path' });
    expect(await problem(await fetch(`${origin.url}/live/nope/master.m3u8`))).toMatchObject({ status: 404, code: 'channel-not-found' });
  });

  it('signals a placed ad break in HLS and DASH with SCTE-35 splice_insert payloads, ahead of time and on its segments', async () => {
    const placed = await fetch(`${origin.url}/api/v1/channels/live-demo/breaks`, { method: 'POST', headers: json, body: JSON.stringify({ durationSeconds: 4 }) });
    expect(placed.status).toBe(201);
    const adBreak = (await placed.json()) as { id: string; spliceEventId: number; startAt: string; durationSeconds: number };
    expect(adBreak.durationSeconds).toBe(4);
    const startMs = Date.parse(adBreak.startAt);
    expect(startMs).toBeGreaterThan(Date.now());
    const overlap = await fetch(`${origin.url}/api/v1/channels/live-demo/breaks`, { method: 'POST', headers: json, body: JSON.stringify({ durationSeconds: 10, startAt: adBreak.startAt }) });
    expect(overlap.status).toBe(409);
    expect(((await overlap.json()) as { code: string }).code).toBe('break-conflict');

    // Before the break starts, the playlist already announces it (ad insertion prefetches from this).
    const ahead = await mediaPlaylist('live-demo', 'v180');
    const out = new RegExp(`#EXT-X-DATERANGE:ID="splice-${adBreak.spliceEventId}",START-DATE="${adBreak.startAt}",PLANNED-DURATION=4\\.000,SCTE35-OUT=0x([0-9A-F]+)`).exec(ahead.text);
    expect(out, ahead.text).not.toBeNull();
    const section = Buffer.from(out![1]!, 'hex');
    const decoded = SCTE35.parseFromB64(section.toString('base64'));
    const event = decoded.spliceCommand as ISpliceInsertEvent;
    expect(decoded.spliceCommandType).toBe(5);
    expect(event.spliceEventId).toBe(adBreak.spliceEventId);
    expect(event.outOfNetworkIndicator).toBe(true);
    expect(event.durationFlag).toBe(true);
    const ast = Date.parse((await channel('live-demo')).availabilityStartTime);
    // splice_time() pts_time: the break start on the channel timeline in 90 kHz; break_duration 4 s.
    const pts = section.readUInt32BE(21) + (section[20]! & 1) * 2 ** 32;
    expect(pts).toBe(Math.round((startMs - ast) * 90));
    expect(section.readUInt32BE(26) + (section[25]! & 1) * 2 ** 32).toBe(360_000);
    const listed = (await (await fetch(`${origin.url}/api/v1/channels/live-demo/breaks`, { headers: auth })).json()) as { breaks: Array<{ id: string; state: string }> };
    expect(listed.breaks).toContainEqual(expect.objectContaining({ id: adBreak.id, state: 'scheduled' }));
    const mpd = await text('/live/live-demo/manifest.mpd');
    expect(mpd.body).toContain(`<EventStream schemeIdUri="urn:scte:scte35:2014:xml+bin" timescale="1000">`);
    expect(mpd.body).toContain(`<Event presentationTime="${startMs - ast}" duration="4000" id="${adBreak.spliceEventId}"><scte35:Signal><scte35:Binary>${section.toString('base64')}</scte35:Binary>`);

    // After the break: CUE-OUT on its first segment, CUE-OUT-CONT inside, CUE-IN on the first one after, SCTE35-IN.
    const after = await until('the end of the break in the playlist', async () => {
      const playlist = await mediaPlaylist('live-demo', 'v180');
      return playlist.segments.some((s) => s.cueIn) && playlist.text.includes('SCTE35-IN=') ? playlist : undefined;
    });
    const outSegment = after.segments.find((s) => s.cueOut !== undefined)!;
    expect(outSegment.cueOut).toBe('DURATION=4.000');
    expect(Math.abs(outSegment.pdt - startMs)).toBeLessThanOrEqual(250);
    const inside = after.segments.filter((s) => s.cueOutCont !== undefined);
    expect(inside.length).toBeGreaterThanOrEqual(1);
    const back = after.segments.find((s) => s.cueIn)!;
    expect(Math.abs(back.pdt - (startMs + 4000))).toBeLessThanOrEqual(250);
    const inHex = new RegExp(`ID="splice-${adBreak.spliceEventId}",START-DATE="${adBreak.startAt}",DURATION=4\\.000,SCTE35-IN=0x([0-9A-F]+)`).exec(after.text)![1]!;
    const inEvent = SCTE35.parseFromB64(Buffer.from(inHex, 'hex').toString('base64')).spliceCommand as ISpliceInsertEvent;
    expect(inEvent.spliceEventId).toBe(adBreak.spliceEventId);
    expect(inEvent.outOfNetworkIndicator).toBe(false);
  });

  it('ends a running break early at the next segment boundary: SCTE35-IN and CUE-IN before the planned end, a shorter DASH event', async () => {
    const post = (path: string, init: RequestInit = {}) => fetch(`${origin.url}${path}`, { method: 'POST', headers: auth, ...init });
    const problem = async (response: Response) => ({ status: response.status, ...((await response.json()) as { code: string; detail?: string }) });
    const placed = await post('/api/v1/channels/live-demo/breaks', { headers: json, body: JSON.stringify({ durationSeconds: 30 }) });
    expect(placed.status).toBe(201);
    const adBreak = (await placed.json()) as { id: string; spliceEventId: number; startAt: string };
    const startMs = Date.parse(adBreak.startAt);
    const returnPath = `/api/v1/channels/live-demo/breaks/${adBreak.id}/return`;

    expect(await problem(await post(returnPath))).toMatchObject({ status: 409, code: 'break-not-on-air', detail: expect.stringMatching(/has not started/) });
    expect(await problem(await fetch(`${origin.url}${returnPath}`, { method: 'POST' }))).toMatchObject({ status: 401 });
    expect(await problem(await fetch(`${origin.url}${returnPath}`, { headers: auth }))).toMatchObject({ status: 405 });
    expect(await problem(await post('/api/v1/channels/live-demo/breaks/00000000-0000-4000-8000-000000000000/return'))).toMatchObject({ status: 404, code: 'break-not-found' });
    expect(await problem(await post('/api/v1/channels/nope/breaks/x/return'))).toMatchObject({ status: 404, code: 'channel-not-found' });
    expect(await problem(await post('/api/v1/channels/live-demo/breaks/..%2Fx/return'))).toMatchObject({ status: 400, code: 'bad-path' });

    // On air: wait into the break's second segment so that the return is well before the planned end.
    await until('the break on air', async () => (Date.now() >= startMs + 2500 ? true : undefined));
    expect(await problem(await post(returnPath, { headers: json, body: JSON.stringify({ at: 'now' }) }))).toMatchObject({ status: 400, code: 'bad-request', detail: expect.stringMatching(/^at: expected no fields/) });
    expect(await problem(await post(returnPath, { headers: json, body: '[]' }))).toMatchObject({ status: 400, code: 'bad-request' });
    const returned = await post(returnPath, { headers: json, body: '{}' });
    expect(returned.status).toBe(200);
    const view = (await returned.json()) as { id: string; durationSeconds: number; returnAt: string; state: string };
    const returnMs = Date.parse(view.returnAt);
    expect(view).toMatchObject({ id: adBreak.id, durationSeconds: 30, state: 'on-air' });
    // The next segment boundary on the 2 s grid of the break, not the planned end 30 s later.
    expect((returnMs - startMs) % 2000).toBe(0);
    expect(returnMs).toBeGreaterThan(startMs);
    expect(returnMs).toBeLessThan(Date.now() + 2000 + 250);
    expect(await problem(await post(returnPath))).toMatchObject({ status: 409, code: 'break-not-on-air', detail: expect.stringMatching(/already ended early/) });

    const after = await until('the early return in the playlist', async () => {
      const playlist = await mediaPlaylist('live-demo', 'v180');
      return playlist.segments.some((s) => s.cueIn && s.pdt > startMs) && playlist.text.includes(`ID="splice-${adBreak.spliceEventId}",START-DATE="${adBreak.startAt}",DURATION=`) ? playlist : undefined;
    });
    const back = after.segments.find((s) => s.cueIn && s.pdt > startMs)!;
    expect(Math.abs(back.pdt - returnMs)).toBeLessThanOrEqual(250);
    // What was announced stays: CUE-OUT with the planned 30 s on the first segment of the break.
    expect(after.segments.find((s) => s.cueOut !== undefined && Math.abs(s.pdt - startMs) <= 250)?.cueOut).toBe('DURATION=30.000');
    expect(after.segments.filter((s) => s.pdt >= returnMs - 250 && s.cueOutCont !== undefined)).toEqual([]);
    const aired = ((returnMs - startMs) / 1000).toFixed(3);
    const inHex = new RegExp(`ID="splice-${adBreak.spliceEventId}",START-DATE="${adBreak.startAt}",DURATION=${aired.replace('.', '\\.')},SCTE35-IN=0x([0-9A-F]+)`).exec(after.text)?.[1];
    expect(inHex, after.text).toBeDefined();
    const ast = Date.parse((await channel('live-demo')).availabilityStartTime);
    const inSection = Buffer.from(inHex!, 'hex');
    expect(inSection.readUInt32BE(21) + (inSection[20]! & 1) * 2 ** 32).toBe(Math.round((returnMs - ast) * 90));
    const mpd = await text('/live/live-demo/manifest.mpd');
    expect(mpd.body).toContain(`<Event presentationTime="${startMs - ast}" duration="${returnMs - startMs}" id="${adBreak.spliceEventId}">`);
    const listed = (await (await fetch(`${origin.url}/api/v1/channels/live-demo/breaks`, { headers: auth })).json()) as { breaks: Array<{ id: string; state: string; returnAt?: string }> };
    expect(listed.breaks).toContainEqual(expect.objectContaining({ id: adBreak.id, state: 'ended', returnAt: view.returnAt }));
    // The air time freed by the return can take a new break right away.
    const next = await post('/api/v1/channels/live-demo/breaks', { headers: json, body: JSON.stringify({ durationSeconds: 2 }) });
    expect(next.status).toBe(201);
  });

  it('serves LL-HLS: parts and a preload hint, blocking reloads on _HLS_msn/_HLS_part, delta updates on _HLS_skip', async () => {
    const playlist = await mediaPlaylist('live-demo', 'v180');
    expect(playlist.text).toMatch(/^#EXT-X-VERSION:9$/m);
    expect(playlist.text).toMatch(/^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.600,CAN-SKIP-UNTIL=12\.0$/m);
    expect(playlist.text).toMatch(/^#EXT-X-PART-INF:PART-TARGET=0\.533$/m);
    const last = playlist.segments.at(-1)!.seq;
    // Parts of the last complete segment add up to it, byte for byte.
    const lastParts = [...playlist.text.matchAll(new RegExp(`#EXT-X-PART:DURATION=([0-9.]+),URI="(v180-${last}\\.\\d+\\.m4s)"`, 'g'))];
    expect(lastParts.length).toBeGreaterThanOrEqual(2);
    expect(lastParts.reduce((sum, m) => sum + Number(m[1]), 0)).toBeCloseTo(2, 2);
    for (const m of lastParts) expect(Number(m[1])).toBeLessThanOrEqual(0.533);
    const partBytes = Buffer.concat(await Promise.all(lastParts.map(async (m) => Buffer.from(await (await fetch(`${origin.url}/live/live-demo/${m[2]}`)).arrayBuffer()))));
    const segmentBytes = Buffer.from(await (await fetch(`${origin.url}/live/live-demo/v180-${last}.m4s`)).arrayBuffer());
    expect(partBytes.equals(segmentBytes)).toBe(true);
    expect(playlist.text).toMatch(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v180-\d+\.\d+\.m4s"\n$/);

    // The hinted part: the request is held until the encoder has cut it, then served.
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec((await mediaPlaylist('live-demo', 'v180')).text)![1]!;
    const hinted = await fetch(`${origin.url}/live/live-demo/${hint}`);
    expect(hinted.status).toBe(200);
    expect(parseChunk(Buffer.from(await hinted.arrayBuffer())).duration).toBeGreaterThan(0);

    // Blocking reload: the answer waits for the next segment's first part, then for the whole segment.
    const current = (await mediaPlaylist('live-demo', 'v180')).segments.at(-1)!.seq;
    const withPart = await text(`/live/live-demo/v180.m3u8?_HLS_msn=${current + 1}&_HLS_part=0`);
    expect(withPart.status).toBe(200);
    expect(withPart.body).toContain(`URI="v180-${current + 1}.0.m4s"`);
    const whole = await text(`/live/live-demo/v180.m3u8?_HLS_msn=${current + 2}`);
    expect(whole.body).toMatch(new RegExp(`^v180-${current + 2}\\.m4s$`, 'm'));
    const tooFar = await fetch(`${origin.url}/live/live-demo/v180.m3u8?_HLS_msn=${current + 50}`);
    expect(tooFar.status).toBe(400);
    expect(((await tooFar.json()) as { code: string }).code).toBe('bad-hls-directive');
    for (const query of ['_HLS_part=1', '_HLS_msn=x', '_HLS_skip=maybe']) {
      expect((await fetch(`${origin.url}/live/live-demo/v180.m3u8?${query}`)).status, query).toBe(400);
    }

    // Delta update: segments more than CAN-SKIP-UNTIL (12 s) before the end are replaced by EXT-X-SKIP.
    const full = await mediaPlaylist('live-demo', 'v180');
    const delta = await text('/live/live-demo/v180.m3u8?_HLS_skip=YES');
    const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(delta.body)?.[1] ?? 0);
    expect(skipped).toBeGreaterThan(0);
    const listed = delta.body.split('\n').filter((l) => /^v180-\d+\.m4s$/.test(l));
    expect(Number(/^v180-(\d+)\.m4s$/.exec(listed[0]!)![1])).toBe(full.mediaSequence + skipped);
    expect(listed.length * 2).toBeLessThanOrEqual(14);
  });

  it('turns a window of the channel into a VOD title without re-encoding', async () => {
    const live = await mediaPlaylist('live-demo', 'v180');
    const window = live.segments.slice(-4, -1);
    const from = new Date(window[0]!.pdt).toISOString();
    const to = new Date(window.at(-1)!.pdt + 2000).toISOString();
    const post = (body: unknown) => fetch(`${origin.url}/api/v1/channels/live-demo/vod`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    const created = await post({ titleId: 'live-demo-clip', name: 'Clip', from, to });
    expect(created.status).toBe(201);
    const record = (await created.json()) as { kind: string; durationSeconds: number; renditions: Array<{ id: string; segmentCount: number }> };
    expect(record.kind).toBe('vod');
    expect(record.durationSeconds).toBeCloseTo(6, 1);
    expect(record.renditions.find((r) => r.id === 'v180')!.segmentCount).toBe(3);
    expect(((await (await fetch(`${origin.url}/api/v1/titles/live-demo-clip`)).json()) as { kind: string }).kind).toBe('vod');

    const vod = await text('/vod/live-demo-clip/v180.m3u8');
    expect(vod.body).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(vod.body).toContain('#EXT-X-ENDLIST');
    const parsed = parseM3u8(vod.body);
    expect(parsed.segments?.map((s) => s.uri)).toEqual(['v180-1.m4s', 'v180-2.m4s', 'v180-3.m4s']);
    // The same bytes as the live segments: nothing was re-encoded.
    for (const [i, segment] of window.entries()) {
      const a = Buffer.from(await (await fetch(`${origin.url}/vod/live-demo-clip/v180-${i + 1}.m4s`)).arrayBuffer());
      const b = Buffer.from(await (await fetch(`${origin.url}/live/live-demo/${segment.uri}`)).arrayBuffer());
      expect(a.equals(b)).toBe(true);
    }
    const mpd = await text('/vod/live-demo-clip/manifest.mpd');
    expect(mpd.body).toContain('type="static"');
    const dash = mpdParser.parse(mpd.body, { manifestUri: `${origin.url}/vod/live-demo-clip/manifest.mpd`, NOW: Date.now(), clientOffset: 0 });
    expect(dash.playlists.find((p) => p.attributes.NAME === 'v180')!.segments.map((s) => s.uri)).toEqual(['v180-1.m4s', 'v180-2.m4s', 'v180-3.m4s']);
    expect((await fetch(`${origin.url}/vod/live-demo-clip/audio-aac-init.mp4`)).headers.get('content-type')).toBe('audio/mp4');

    expect((await post({ titleId: 'live-demo-clip', from, to })).status).toBe(409);
    expect((await post({ titleId: 'live-demo', from, to })).status).toBe(409);
    expect(((await (await post({ titleId: 'c2', from: to, to: from })).json()) as { code: string }).code).toBe('bad-request');
    expect(((await (await post({ titleId: 'c2', from: '2001-01-01T00:00:00Z', to: '2001-01-01T00:01:00Z' })).json()) as { detail: string }).detail).toMatch(/holds no complete segment/);
  });

  it('keeps sequence numbers monotonic and segments stable across an encoder crash (ffmpeg killed)', async () => {
    const before = await mediaPlaylist('live-demo', 'v180');
    const lastSeq = before.segments.at(-1)!.seq;
    const pid = origin.channels.runner('live-demo')!.encoderPid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const after = await segmentsAtLeast('live-demo', 'v180', 2, lastSeq);
    expectConsistent(before.segments, after.segments);
    const resumed = after.segments.filter((s) => s.seq > lastSeq);
    expect(resumed[0]!.seq).toBe(lastSeq + 1);
    // The restarted encoder's media follows a discontinuity: one more discontinuity sequence number.
    expect(resumed.at(-1)!.disc).toBe(before.segments.at(-1)!.disc + 1);
    expect(after.text).toContain('#EXT-X-DISCONTINUITY\n');
    expect(resumed[0]!.pdt).toBeGreaterThan(before.segments.at(-1)!.pdt);
    const health = (await channel('live-demo')).health;
    expect(health.encoder.restarts).toBeGreaterThanOrEqual(1);
    expect(health.state).toBe('live');
  });

  it('resumes numbering where it stopped after an origin restart', async () => {
    const astBefore = (await channel('live-demo')).availabilityStartTime;
    const before = await mediaPlaylist('live-demo', 'v180');
    await origin.close();
    origin = await start();
    const after = await segmentsAtLeast('live-demo', 'v180', 2, before.segments.at(-1)!.seq);
    expectConsistent(before.segments, after.segments);
    const lastBefore = Math.max(...before.segments.map((s) => s.seq));
    const firstNew = after.segments.find((s) => s.pdt > before.segments.at(-1)!.pdt)!;
    // A segment the old process was still cutting is dropped; numbering never goes back.
    expect(firstNew.seq).toBeGreaterThan(lastBefore);
    expect(firstNew.seq).toBeLessThanOrEqual(lastBefore + 2);
    expect((await channel('live-demo')).availabilityStartTime).toBe(astBefore);
  });

  it('deletes a channel, and keeps a stalled network input on air with a slate until the input returns', async () => {
    expect((await fetch(`${origin.url}/api/v1/channels/live-demo`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(`${origin.url}/live/live-demo/master.m3u8`)).status).toBe(404);
    expect((await fetch(`${origin.url}/api/v1/titles/live-demo`)).status).toBe(404);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const startSender = () => {
      sender = spawn(tools.ffmpeg.path, ['-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', join(sourceDir, 'feed.ts'), '-c', 'copy', '-f', 'mpegts', `udp://127.0.0.1:${port}?pkt_size=1316`], { stdio: 'ignore' });
    };
    startSender();
    const created = await fetch(`${origin.url}/api/v1/channels`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'udp-in', input: { type: 'network', url: `udp://127.0.0.1:${port}` }, ladder: 'light' }) });
    expect(created.status).toBe(201);
    const live = await segmentsAtLeast('udp-in', 'v180', 2);
    expect((await channel('udp-in')).health).toMatchObject({ state: 'live', source: 'input' });

    sender!.kill('SIGKILL');
    await until('the slate', async () => ((await channel('udp-in')).health.source === 'slate' ? true : undefined));
    const onSlate = await segmentsAtLeast('udp-in', 'v180', 2, live.segments.at(-1)!.seq);
    expect((await channel('udp-in')).health.state).toBe('input-lost');
    expectConsistent(live.segments, onSlate.segments);
    expect(onSlate.text).toContain('#EXT-X-DISCONTINUITY\n');

    startSender();
    await until('the input again', async () => {
      const { health } = await channel('udp-in');
      return health.source === 'input' && health.state === 'live' ? true : undefined;
    });
    const resumedAt = (await mediaPlaylist('udp-in', 'v180')).segments.at(-1)!.seq;
    const back = await segmentsAtLeast('udp-in', 'v180', 2, resumedAt);
    expectConsistent(onSlate.segments, back.segments);
    expect((await channel('udp-in')).health).toMatchObject({ state: 'live', source: 'input' });
    sender!.kill('SIGKILL');
    expect((await fetch(`${origin.url}/api/v1/channels/udp-in`, { method: 'DELETE', headers: auth })).status).toBe(204);
  });

  it('plays a file in a loop as a live channel', async () => {
    const created = await fetch(`${origin.url}/api/v1/channels`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'looped', input: { type: 'file', path: join(sourceDir, 'feed.ts') }, ladder: 'light', dvrWindowSeconds: 30 }) });
    expect(created.status).toBe(201);
    // Longer than the 6 s file: the loop goes on without a discontinuity.
    const playlist = await segmentsAtLeast('looped', 'v144', 5);
    expect(playlist.text, JSON.stringify((await channel('looped')).health)).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect((await fetch(`${origin.url}/api/v1/channels/looped`, { method: 'DELETE', headers: auth })).status).toBe(204);
  });
});
