import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './support/test-config.ts';
import { resolveFfmpegPaths, type FfmpegPaths } from '../src/ffmpeg-path.ts';
import { SAMPLE_LADDER } from '../src/media/ladder.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { packageVod, type PackagedVod } from '../src/media/package-vod.ts';
import { parseMpd, type ParsedMpdPlaylist } from '../src/media/parse-mpd.ts';
import { probeVideoFrames } from './support/ffprobe-frames.ts';
import { parseM3u8, type ParsedM3u8 } from './support/m3u8.ts';

// A short source keeps the suite fast: 12 s = three 4 s segments per rendition.
const SOURCE_SECONDS = 12;
const SEGMENT_SECONDS = 4;
const CODECS = /^avc1\.[0-9A-Fa-f]{6},mp4a\.40\.2$/;

let tools: FfmpegPaths;
let dir: string;
let out: string;
let packaged: PackagedVod;
const progress: number[] = [];

async function text(name: string): Promise<string> {
  return readFile(join(out, name), 'utf8');
}

async function m3u8(name: string): Promise<ParsedM3u8> {
  return parseM3u8(await text(name));
}

function mpdPlaylists(mpdText: string): { video: ParsedMpdPlaylist[]; audio: ParsedMpdPlaylist[] } {
  const mpd = parseMpd(mpdText);
  const audio = Object.values(mpd.mediaGroups?.AUDIO ?? {}).flatMap((group) => Object.values(group).flatMap((entry) => entry.playlists ?? []));
  return { video: mpd.playlists ?? [], audio };
}

beforeAll(async () => {
  tools = resolveFfmpegPaths(testConfig({}));
  dir = await mkdtemp(join(tmpdir(), 'origin-package-vod-'));
  out = join(dir, 'title');
  await mkdir(out);
  const source = join(dir, 'mezzanine.mp4');
  await makeTestSource({ ffmpegPath: tools.ffmpeg.path, outputFile: source, durationSeconds: SOURCE_SECONDS });
  packaged = await packageVod({
    ffmpegPath: tools.ffmpeg.path,
    ffprobePath: tools.ffprobe.path,
    inputFile: source,
    outputDir: out,
    ladder: SAMPLE_LADDER,
    segmentSeconds: SEGMENT_SECONDS,
    onProgress: (fraction) => progress.push(fraction),
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('packageVod: one CMAF packaging for HLS and DASH', () => {
  it('writes a static DASH MPD with a segment template that mpd-parser reads', async () => {
    const mpdText = await text('manifest.mpd');
    expect(mpdText).toMatch(/<MPD[^>]*type="static"/);
    expect(mpdText).toContain('<SegmentTemplate');
    expect(mpdText).not.toContain('<BaseURL');
    const { video, audio } = mpdPlaylists(mpdText);
    expect(video.map((p) => p.attributes.RESOLUTION)).toEqual([
      { width: 640, height: 360 },
      { width: 960, height: 540 },
      { width: 1280, height: 720 },
    ]);
    expect(audio).toHaveLength(1);
    for (const playlist of [...video, ...audio]) {
      expect(playlist.segments).toHaveLength(SOURCE_SECONDS / SEGMENT_SECONDS);
      // Relative references only: the edge rewrites or prefixes them per viewer.
      for (const segment of playlist.segments) {
        expect(segment.uri).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
        expect(segment.map?.uri).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*\.mp4$/);
      }
    }
  });

  it('writes an HLS multivariant playlist with three video variants, an audio group and well-formed CODECS', async () => {
    const masterText = await text('master.m3u8');
    expect(masterText).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    const master = await m3u8('master.m3u8');
    const variants = master.playlists ?? [];
    expect(variants.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 640, height: 360 },
      { width: 960, height: 540 },
      { width: 1280, height: 720 },
    ]);
    const audioGroup = master.mediaGroups?.AUDIO?.['audio'];
    const audioUris = Object.values(audioGroup ?? {}).map((r) => r.uri);
    expect(audioUris).toEqual(['audio-aac-128k.m3u8']);
    for (const variant of variants) {
      expect(variant.attributes.CODECS).toMatch(CODECS);
      expect(variant.attributes['FRAME-RATE']).toBe(25);
      expect(variant.attributes.AUDIO).toBe('audio');
      const average = Number(variant.attributes['AVERAGE-BANDWIDTH']);
      expect(average).toBeGreaterThan(0);
      expect(variant.attributes.BANDWIDTH).toBeGreaterThanOrEqual(average);
      expect(variant.uri).toMatch(/^video-\d+p\.m3u8$/);
    }
    // Higher resolutions carry more bits.
    const bandwidths = variants.map((v) => v.attributes.BANDWIDTH ?? 0);
    expect([...bandwidths].sort((a, b) => a - b)).toEqual(bandwidths);
    for (const line of masterText.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).not.toMatch(/^(\/|[a-z]+:)/);
    }
  });

  it('writes VOD media playlists (version 7, target duration, init map, end list)', async () => {
    for (const rendition of packaged.renditions) {
      const playlistText = await text(rendition.playlist);
      expect(playlistText).toContain('#EXT-X-VERSION:7');
      expect(playlistText).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
      expect(playlistText).toContain(`#EXT-X-MAP:URI="${rendition.initSegment}"`);
      const playlist = parseM3u8(playlistText);
      expect(playlist.targetDuration).toBe(SEGMENT_SECONDS);
      expect(playlist.endList).toBe(true);
      const durations = (playlist.segments ?? []).map((s) => s.duration);
      expect(durations).toHaveLength(SOURCE_SECONDS / SEGMENT_SECONDS);
      for (const d of durations) expect(Math.round(d)).toBeLessThanOrEqual(playlist.targetDuration ?? 0);
      expect(durations.reduce((a, b) => a + b, 0)).toBeCloseTo(SOURCE_SECONDS, 1);
    }
  });

  it('names exactly the same segment files in the HLS media playlists and the MPD', async () => {
    const { video, audio } = mpdPlaylists(await text('manifest.mpd'));
    const fromMpd = [...video, ...audio].map((p) => [p.segments[0]?.map?.uri, ...p.segments.map((s) => s.uri)]);
    const fromHls = await Promise.all(
      packaged.renditions.map(async (r) => {
        const playlist = await m3u8(r.playlist);
        return [playlist.segments?.[0]?.map?.uri, ...(playlist.segments ?? []).map((s) => s.uri)];
      }),
    );
    expect(fromHls).toEqual(fromMpd);
    expect(new Set(fromHls.flat()).size).toBe(fromHls.flat().length);
  });

  it('leaves only the manifests and the files they name in the output directory', async () => {
    const named = new Set(['manifest.mpd', 'master.m3u8']);
    for (const r of packaged.renditions) {
      named.add(r.playlist);
      named.add(r.initSegment);
      if (r.iFrames) named.add(r.iFrames.playlist);
      for (const s of r.segments) named.add(s.uri);
    }
    expect((await readdir(out)).sort()).toEqual([...named].sort());
  });

  it('starts every video segment with a key frame and aligns segment boundaries across renditions', async () => {
    const videos = packaged.renditions.filter((r) => r.type === 'video');
    expect(videos).toHaveLength(3);
    const startsByRendition: number[][] = [];
    for (const rendition of videos) {
      const init = await readFile(join(out, rendition.initSegment));
      const starts: number[] = [];
      const all: Buffer[] = [init];
      for (const [i, segment] of rendition.segments.entries()) {
        const bytes = await readFile(join(out, segment.uri));
        all.push(bytes);
        // A segment is decodable on its own after the init segment; its first frame must be a key frame.
        const alone = join(dir, `${rendition.id}-${i}.mp4`);
        await writeFile(alone, Buffer.concat([init, bytes]));
        const [first] = await probeVideoFrames(tools.ffprobe.path, alone, 1);
        expect(first?.keyFrame, `${segment.uri} starts with a key frame`).toBe(true);
        expect(first?.pictType).toBe('I');
        starts.push(Math.round((first?.time ?? Number.NaN) * 1000) / 1000);
      }
      startsByRendition.push(starts);
      // No other key frames (no scene cuts): a fixed GOP of exactly one segment.
      const whole = join(dir, `${rendition.id}-all.mp4`);
      await writeFile(whole, Buffer.concat(all));
      const keyTimes = (await probeVideoFrames(tools.ffprobe.path, whole)).filter((f) => f.keyFrame).map((f) => Math.round(f.time * 1000) / 1000);
      expect(keyTimes).toEqual(starts);
    }
    const expected = Array.from({ length: SOURCE_SECONDS / SEGMENT_SECONDS }, (_, i) => i * SEGMENT_SECONDS);
    for (const starts of startsByRendition) expect(starts).toEqual(expected);
  });

  it('writes I-frame playlists whose byte ranges hold exactly the key frame that starts each segment', async () => {
    for (const rendition of packaged.renditions.filter((r) => r.type === 'video')) {
      const text = await readFile(join(out, rendition.iFrames!.playlist), 'utf8');
      expect(text).toContain('#EXT-X-I-FRAMES-ONLY');
      const playlist = parseM3u8(text) as ParsedM3u8 & { iFramesOnly?: boolean; segments?: Array<{ uri: string; duration: number; byterange?: { length: number; offset: number } }> };
      expect(playlist.segments?.map((s) => s.uri)).toEqual(rendition.segments.map((s) => s.uri));
      const init = await readFile(join(out, rendition.initSegment));
      for (const segment of playlist.segments ?? []) {
        const bytes = await readFile(join(out, segment.uri));
        const range = segment.byterange!;
        expect(range.offset).toBe(0);
        expect(range.length).toBeLessThan(bytes.length);
        const alone = join(dir, `${rendition.id}-iframe.mp4`);
        await writeFile(alone, Buffer.concat([init, bytes.subarray(0, range.length)]));
        const frames = await probeVideoFrames(tools.ffprobe.path, alone);
        expect(frames.map((f) => f.pictType)).toEqual(['I']);
      }
    }
  });

  it('reports progress that rises to completion', () => {
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
  });

  it('describes each rendition with measured bandwidth and codecs for the catalogue', () => {
    expect(packaged.durationSeconds).toBeCloseTo(SOURCE_SECONDS, 1);
    expect(packaged.manifests).toEqual({ hls: 'master.m3u8', dash: 'manifest.mpd' });
    const audio = packaged.renditions.find((r) => r.type === 'audio');
    expect(audio?.codecs).toBe('mp4a.40.2');
    expect(audio?.channels).toBe(2);
    for (const r of packaged.renditions) {
      expect(r.bandwidth).toBeGreaterThanOrEqual(r.averageBandwidth);
      expect(r.averageBandwidth).toBeGreaterThan(0);
    }
  });
});
