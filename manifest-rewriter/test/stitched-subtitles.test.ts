import { describe, expect, it } from 'vitest';
import { ManifestError, parseWebVttRetiming, retimeWebVtt, stitchDashVod, stitchHlsSubtitles, webVttRetimingQuery } from '../src/index.ts';

// A sidecar WebVTT file as the origin extracts it (ffmpeg's webvtt muxer), with the blocks W3C WebVTT §4 allows.
const VTT = `WEBVTT

STYLE
::cue { color: yellow }

NOTE a note with a --> arrow is not a cue

1
00:00:01.000 --> 00:00:02.000 line:90%
before the mid-roll

2
00:00:03.500 --> 00:00:05.000
spans <00:00:04.500>the cut

00:10.000 --> 00:11.000
after, no id and no hours
`;

function cues(vtt: string): string[] {
  return vtt.split('\n').filter((l) => l.includes('-->') && !l.startsWith('NOTE'));
}

describe('retimeWebVtt: a title’s WebVTT re-timed for a stitched session (W3C WebVTT §4)', () => {
  it('moves every cue past the ads played before it and splits a cue that spans a break, with the style, note and settings kept', () => {
    const out = retimeWebVtt(VTT, { breaks: [{ at: 0, seconds: 6 }, { at: 4, seconds: 10 }] });
    expect(cues(out)).toEqual([
      '00:00:07.000 --> 00:00:08.000 line:90%',
      '00:00:09.500 --> 00:00:10.000',
      '00:00:20.000 --> 00:00:21.000',
      '00:00:26.000 --> 00:00:27.000',
    ]);
    expect(out).toContain('STYLE\n::cue { color: yellow }');
    expect(out).toContain('NOTE a note with a --> arrow is not a cue');
    // The part after the break has the same text, no second copy of the id, and its inline timestamp moved.
    expect(out).toContain('2\n00:00:09.500 --> 00:00:10.000\nspans <00:00:10.000>the cut');
    expect(out).toContain('\n00:00:20.000 --> 00:00:21.000\nspans <00:00:20.500>the cut');
    expect(out.match(/^2$/gm)).toHaveLength(1);
  });

  it('keeps a cue that ends where a break starts before the ads, and one that starts there after them', () => {
    const out = retimeWebVtt('WEBVTT\n\n00:00:02.000 --> 00:00:04.000\na\n\n00:00:04.000 --> 00:00:06.000\nb\n', { breaks: [{ at: 4, seconds: 10 }] });
    expect(cues(out)).toEqual(['00:00:02.000 --> 00:00:04.000', '00:00:14.000 --> 00:00:16.000']);
  });

  it('cuts a window of cues for one DASH content Period, timed from the Period’s start', () => {
    expect(cues(retimeWebVtt(VTT, { window: { from: 4, to: 20 } }))).toEqual(['00:00:00.000 --> 00:00:01.000', '00:00:06.000 --> 00:00:07.000']);
    expect(cues(retimeWebVtt(VTT, { window: { from: 0, to: 4 } }))).toEqual(['00:00:01.000 --> 00:00:02.000 line:90%', '00:00:03.500 --> 00:00:04.000']);
  });

  it('reads a byte order mark, CRLF line ends and hours of more than two digits', () => {
    const out = retimeWebVtt('\uFEFFWEBVTT - title\r\n\r\n100:00:00.000 --> 100:00:01.000\r\nlong\r\n', { breaks: [{ at: 0, seconds: 1.5 }] });
    expect(cues(out)).toEqual(['100:00:01.500 --> 100:00:02.500']);
    expect(out.startsWith('WEBVTT - title\n')).toBe(true);
  });

  it('refuses a file without the WEBVTT signature, a malformed timing line and a file too large to be subtitles', () => {
    for (const [bad, reason] of [
      ['<html>not subtitles</html>', 'not-webvtt'],
      ['WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nx\n', 'not-webvtt'],
      ['WEBVTT\n\n00:00:01 --> 00:00:02.000\nx\n', 'not-webvtt'],
      ['WEBVTT\n\n00:61:01.000 --> 00:62:02.000\nx\n', 'not-webvtt'],
      [`WEBVTT\n\n${'x'.repeat(4 * 1024 * 1024)}`, 'too-large'],
    ] as const) {
      expect(() => retimeWebVtt(bad, { breaks: [{ at: 0, seconds: 1 }] }), bad.slice(0, 30)).toThrow(ManifestError);
      try {
        retimeWebVtt(bad, { breaks: [{ at: 0, seconds: 1 }] });
      } catch (error) {
        expect((error as ManifestError).reason).toBe(reason);
      }
    }
  });
});

describe('the re-timing query of a subtitle URL', () => {
  it('round-trips breaks and windows', () => {
    const breaks = { breaks: [{ at: 0, seconds: 6 }, { at: 4.25, seconds: 10.5 }] };
    expect(webVttRetimingQuery(breaks)).toBe('?breaks=0:6,4.25:10.5');
    expect(parseWebVttRetiming(new URLSearchParams('breaks=0:6,4.25:10.5'))).toEqual({ retiming: breaks });
    expect(parseWebVttRetiming(new URLSearchParams(webVttRetimingQuery({ window: { from: 4, to: 20 } }).slice(1)))).toEqual({ retiming: { window: { from: 4, to: 20 } } });
    expect(parseWebVttRetiming(new URLSearchParams(''))).toEqual({ retiming: undefined });
  });

  it('refuses malformed, empty, negative, reversed, repeated and oversized re-timings with the reason', () => {
    for (const query of ['breaks=', 'breaks=4', 'breaks=4:0', 'breaks=-1:6', 'breaks=4:6:1', 'breaks=1e3:6', 'breaks=4:6&window=0-4', 'window=4-4', 'window=5-4', 'window=0-4-8', 'window=abc', 'breaks=1:1&breaks=2:2', `breaks=${Array.from({ length: 65 }, (_, i) => `${i}:1`).join(',')}`]) {
      expect(parseWebVttRetiming(new URLSearchParams(query)), query).toHaveProperty('problem');
    }
  });
});

describe('stitchHlsSubtitles: a sidecar subtitle playlist of a stitched VOD session', () => {
  const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:20\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:20.000000,\nhttps://edge/v1/media/T/vod/movie/subtitles-en.vtt\n#EXT-X-ENDLIST\n';

  it('spans the ads too and asks for the file re-timed past the breaks (a post-roll lengthens it only)', () => {
    const out = stitchHlsSubtitles(PLAYLIST, [{ at: 0, seconds: 6 }, { at: 4, seconds: 10 }, { at: 'end', seconds: 6 }]);
    expect(out).toContain('#EXTINF:42.000000,\nhttps://edge/v1/media/T/vod/movie/subtitles-en.vtt?breaks=0:6,4:10\n');
    expect(out).toContain('#EXT-X-TARGETDURATION:42\n');
  });

  it('adds the re-timing to a URI that already has a query (a CDN token)', () => {
    const out = stitchHlsSubtitles(PLAYLIST.replace('subtitles-en.vtt', 'subtitles-en.vtt?hdnts=x'), [{ at: 4, seconds: 10 }]);
    expect(out).toContain('subtitles-en.vtt?hdnts=x&breaks=4:10\n');
  });

  it('leaves a playlist without ads, of several WebVTT segments, or of something else alone, and refuses one without #EXTINF', () => {
    expect(stitchHlsSubtitles(PLAYLIST, [{ at: 0, seconds: 0 }])).toBe(PLAYLIST);
    const segmented = PLAYLIST.replace('#EXT-X-ENDLIST', '#EXTINF:4,\nsubtitles-en-2.vtt\n#EXT-X-ENDLIST');
    expect(stitchHlsSubtitles(segmented, [{ at: 4, seconds: 10 }])).toBe(segmented);
    const video = PLAYLIST.replace('subtitles-en.vtt', 'seg-1.m4s');
    expect(stitchHlsSubtitles(video, [{ at: 4, seconds: 10 }])).toBe(video);
    expect(() => stitchHlsSubtitles(PLAYLIST.replace('#EXTINF:20.000000,\n', ''), [{ at: 4, seconds: 10 }])).toThrow(ManifestError);
    expect(() => stitchHlsSubtitles('not a playlist', [{ at: 4, seconds: 10 }])).toThrow(ManifestError);
  });
});

describe('stitchDashVod with sidecar subtitles (DASH-IF IOP 6.4.5: a Period’s WebVTT file is timed from the Period’s start)', () => {
  const CONTENT = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT12.0S" minBufferTime="PT4S">
<BaseURL>https://edge/v1/media/TOKEN/vod/movie/</BaseURL>
<Period id="0" start="PT0.0S">
<AdaptationSet id="0" contentType="video"><Representation id="0" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="800000" width="640" height="360">
<SegmentTemplate timescale="1000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1"><SegmentTimeline><S t="0" d="4000" r="2"/></SegmentTimeline></SegmentTemplate>
</Representation></AdaptationSet>
<AdaptationSet id="3" contentType="text" mimeType="text/vtt" lang="en"><Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>
<Representation id="subtitles-en" bandwidth="256"><BaseURL>https://edge/v1/media/TOKEN/vod/movie/subtitles-en.vtt</BaseURL></Representation></AdaptationSet>
</Period>
</MPD>
`;
  const AD = CONTENT.replace('PT12.0S', 'PT6S').replace(/<AdaptationSet id="3"[\s\S]*?<\/AdaptationSet>\n/, '').replace('vod/movie/', 'vod/ad/');

  it('points each content Period’s subtitles at its own window of the cues', () => {
    const out = stitchDashVod(CONTENT, [{ at: 0, ads: [AD] }, { at: 4, ads: [AD] }]);
    const windows = [...out.matchAll(/<Period id="([^"]+)"[\s\S]*?<\/Period>/g)].map((m) => [m[1], /subtitles-en\.vtt(\?[^<]*)?</.exec(m[0])?.[1] ?? null]);
    expect(windows).toEqual([['ad-1', null], ['content-1', '?window=0-4'], ['ad-2', null], ['content-2', '?window=4-12']]);
  });
});
