import { Parser } from 'm3u8-parser';
import { describe, expect, it } from 'vitest';
import { ManifestError, stitchHlsVod } from '../src/index.ts';
import { fixture } from './support/corpus.ts';

// The origin's packaging: 4 s segments, one init segment per rendition.
const CONTENT = [
  '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="init-1.mp4"',
  '#EXTINF:4.000,', 'seg-1-00001.m4s', '#EXTINF:4.000,', 'seg-1-00002.m4s', '#EXTINF:4.000,', 'seg-1-00003.m4s', '#EXTINF:2.000,', 'seg-1-00004.m4s',
  '#EXT-X-ENDLIST', '',
].join('\n');

function ad(name: string, durations: number[]): { playlist: string } {
  return {
    playlist: [
      '#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...durations))}`, '#EXT-X-PLAYLIST-TYPE:VOD',
      `#EXT-X-MAP:URI="https://edge/v1/media/T/vod/${name}/init-1.mp4"`,
      ...durations.flatMap((d, i) => [`#EXTINF:${d.toFixed(3)},`, `https://edge/v1/media/T/vod/${name}/seg-1-0000${i + 1}.m4s`]),
      '#EXT-X-ENDLIST',
    ].join('\n'),
  };
}

function parse(text: string) {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as { segments: { uri: string; duration: number; discontinuity?: boolean; map?: { uri: string }; key?: { method: string } }[]; targetDuration: number; endList?: boolean };
}

describe('stitchHlsVod: pre-, mid- and post-rolls in a VOD media playlist', () => {
  it('puts a pre-roll before the first segment with the ad init segment and a discontinuity back into the content', () => {
    const out = parse(stitchHlsVod(CONTENT, [{ at: 0, ads: [ad('ad-a', [4, 2])] }]));
    expect(out.segments.map((s) => s.uri.replace(/^.*vod\//, ''))).toEqual(['ad-a/seg-1-00001.m4s', 'ad-a/seg-1-00002.m4s', 'seg-1-00001.m4s', 'seg-1-00002.m4s', 'seg-1-00003.m4s', 'seg-1-00004.m4s']);
    expect(out.segments[0]!.map?.uri).toContain('vod/ad-a/init-1.mp4');
    expect(out.segments[0]!.discontinuity).toBeFalsy();
    expect(out.segments[2]!.discontinuity).toBe(true);
    expect(out.segments[2]!.map?.uri).toBe('init-1.mp4');
    expect(out.endList).toBe(true);
  });

  it('snaps a mid-roll to the nearest boundary of the segment cadence and fences each ad of a pod with discontinuities', () => {
    const text = stitchHlsVod(CONTENT, [{ at: 6, ads: [ad('ad-a', [4, 2]), ad('ad-b', [4])] }]);
    const out = parse(text);
    const names = out.segments.map((s) => s.uri.replace(/^.*vod\//, ''));
    expect(names).toEqual(['seg-1-00001.m4s', 'seg-1-00002.m4s', 'ad-a/seg-1-00001.m4s', 'ad-a/seg-1-00002.m4s', 'ad-b/seg-1-00001.m4s', 'seg-1-00003.m4s', 'seg-1-00004.m4s']);
    expect(out.segments.map((s) => s.discontinuity === true)).toEqual([false, false, true, false, true, true, false]);
    expect(out.segments[4]!.map?.uri).toContain('ad-b/init-1.mp4');
    expect(out.segments[5]!.map?.uri).toBe('init-1.mp4');
    // Content lines are untouched.
    for (const line of CONTENT.split('\n')) expect(text.split('\n')).toContain(line);
  });

  it('cuts audio and video at the same segment although audio segments are a few frames shorter', () => {
    const audio = CONTENT.replace('#EXTINF:4.000,\nseg-1-00001', '#EXTINF:3.925,\nseg-1-00001').replace('#EXTINF:4.000,\nseg-1-00002', '#EXTINF:4.011,\nseg-1-00002');
    for (const playlist of [CONTENT, audio]) {
      const names = parse(stitchHlsVod(playlist, [{ at: 4, ads: [ad('ad-a', [4])] }])).segments.map((s) => s.uri.replace(/^.*vod\//, ''));
      expect(names.slice(0, 3)).toEqual(['seg-1-00001.m4s', 'ad-a/seg-1-00001.m4s', 'seg-1-00002.m4s']);
    }
  });

  it('appends a post-roll before EXT-X-ENDLIST and grows the target duration to the longest ad segment', () => {
    const out = parse(stitchHlsVod(CONTENT, [{ at: 'end', ads: [ad('ad-c', [6.4])] }]));
    expect(out.segments.at(-1)!.uri).toContain('ad-c/seg-1-00001.m4s');
    expect(out.segments.at(-1)!.discontinuity).toBe(true);
    expect(out.targetDuration).toBe(6);
    expect(out.endList).toBe(true);
  });

  it('clears the content key for a clear ad and restates it after the break (RFC 8216 4.3.2.4)', () => {
    const keyed = fixture('hls/rfc8216-4.3.2.5-media-with-map-and-key.m3u8');
    const text = stitchHlsVod(keyed, [{ at: 4, ads: [ad('ad-a', [4])] }]);
    const out = parse(text);
    const adSegment = out.segments.findIndex((s) => s.uri.includes('ad-a'));
    expect(out.segments[adSegment]!.key).toBeUndefined();
    expect(out.segments[adSegment + 1]!.key?.method).toBe('AES-128');
    expect(out.segments[adSegment + 1]!.discontinuity).toBe(true);
  });

  it('refuses a multivariant playlist and an ad playlist without segments', () => {
    expect(() => stitchHlsVod('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n', [{ at: 0, ads: [ad('a', [4])] }])).toThrow(ManifestError);
    expect(() => stitchHlsVod(CONTENT, [{ at: 0, ads: [{ playlist: '#EXTM3U\n#EXT-X-ENDLIST\n' }] }])).toThrow(ManifestError);
  });

  it('returns the content unchanged when no break has ads', () => {
    expect(stitchHlsVod(CONTENT, [{ at: 0, ads: [] }])).toBe(CONTENT);
  });
});
