import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hlsFromMpd, type HlsFromMpdOptions } from '../src/media/hls-from-mpd.ts';
import { parseMpd } from '../src/media/parse-mpd.ts';
import { parseM3u8 } from './support/m3u8.ts';

// Real output of ffmpeg's dash muxer for a 12 s source: three 4 s video segments per rendition and
// audio segments that are not exactly 4 s (AAC frames are 1024 samples; the first carries the priming).
const FIXTURE = readFileSync(new URL('./fixtures/dash/iso23009-1-5.3.9.6-segment-timeline-audio-priming.mpd', import.meta.url), 'utf8');

const renditionIds = new Map([
  ['0', 'video-360p'],
  ['1', 'video-540p'],
  ['2', 'video-720p'],
  ['3', 'audio-aac-128k'],
]);

/** Sizes chosen so peaks and means are easy to check: rendition r, segment n -> (r + 1) * 10_000 * n bytes. */
function sizes(): Map<string, number> {
  const map = new Map<string, number>();
  for (let r = 0; r < 4; r++) for (let n = 1; n <= 3; n++) map.set(`seg-${r}-0000${n}.m4s`, (r + 1) * 10_000 * n);
  return map;
}

function options(overrides: Partial<HlsFromMpdOptions> = {}): HlsFromMpdOptions {
  return { renditionIds, segmentBytes: sizes(), audioChannels: 2, ...overrides };
}

describe('hlsFromMpd', () => {
  it('keeps the MPD’s segment names and durations in the media playlists', () => {
    const hls = hlsFromMpd(parseMpd(FIXTURE), options());
    const audio = hls.mediaPlaylists.find((p) => p.fileName === 'audio-aac-128k.m3u8');
    const parsed = parseM3u8(audio?.text ?? '');
    expect(parsed.segments?.map((s) => s.uri)).toEqual(['seg-3-00001.m4s', 'seg-3-00002.m4s', 'seg-3-00003.m4s']);
    expect(parsed.segments?.map((s) => s.duration)).toEqual([188416 / 48000, 192512 / 48000, 195584 / 48000].map((d) => Number(d.toFixed(6))));
    expect(parsed.segments?.[0]?.map?.uri).toBe('init-3.mp4');
  });

  it('sets TARGETDURATION so every EXTINF rounds to at most it (RFC 8216 4.3.3.1)', () => {
    const hls = hlsFromMpd(parseMpd(FIXTURE), options());
    for (const playlist of hls.mediaPlaylists) expect(playlist.text).toContain('#EXT-X-TARGETDURATION:4\n');
  });

  it('measures BANDWIDTH as the peak segment bit rate and AVERAGE-BANDWIDTH as the mean', () => {
    const hls = hlsFromMpd(parseMpd(FIXTURE), options());
    const video = hls.renditions.find((r) => r.id === 'video-540p');
    // Rendition 1: segments of 20 000, 40 000 and 60 000 bytes, each 4 s.
    expect(video?.bandwidth).toBe((60_000 * 8) / 4);
    expect(video?.averageBandwidth).toBe((120_000 * 8) / 12);
    const audio = hls.renditions.find((r) => r.type === 'audio');
    const master = parseM3u8(hls.master);
    const variant = master.playlists?.find((p) => p.uri === 'video-540p.m3u8');
    expect(variant?.attributes.BANDWIDTH).toBe((video?.bandwidth ?? 0) + (audio?.bandwidth ?? 0));
    expect(Number(variant?.attributes['AVERAGE-BANDWIDTH'])).toBe((video?.averageBandwidth ?? 0) + (audio?.averageBandwidth ?? 0));
  });

  it('writes the multivariant playlist with codecs, resolution, frame rate and the audio group', () => {
    const { master } = hlsFromMpd(parseMpd(FIXTURE), options());
    expect(master).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Main",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-aac-128k.m3u8"');
    expect(master).toMatch(/RESOLUTION=640x360,CODECS="avc1\.64001e,mp4a\.40\.2",FRAME-RATE=25\.000,AUDIO="audio"\nvideo-360p\.m3u8/);
    expect(master).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
  });

  it('refuses an MPD naming a segment that was not written', () => {
    const segmentBytes = sizes();
    segmentBytes.delete('seg-2-00003.m4s');
    expect(() => hlsFromMpd(parseMpd(FIXTURE), options({ segmentBytes }))).toThrow('segment seg-2-00003.m4s named in the MPD was not written');
  });

  it('refuses a Representation that is not in the ladder', () => {
    const ids = new Map(renditionIds);
    ids.delete('3');
    expect(() => hlsFromMpd(parseMpd(FIXTURE), options({ renditionIds: ids }))).toThrow(/Representation "3"/);
  });

  it('refuses segment names outside the servable alphabet', () => {
    const hostile = FIXTURE.replaceAll('media="seg-', 'media="../seg-');
    expect(() => hlsFromMpd(parseMpd(hostile), options())).toThrow(/not a flat, safe file name/);
  });
});
