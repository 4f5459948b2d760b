import { describe, expect, it } from 'vitest';
import { ManifestError, stitchDashVod } from '../src/index.ts';

// The origin's packaging (ffmpeg dash muxer): one Period, SegmentTemplate + SegmentTimeline per Representation,
// audio segments a few AAC frames off the video's 4 s cadence; the edge has added the MPD-level BaseURL.
const CONTENT = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT10.0S" minBufferTime="PT8.0S">
<BaseURL>https://edge/v1/media/TOKEN/vod/movie/</BaseURL>
	<Period id="0" start="PT0.0S">
		<AdaptationSet id="0" contentType="video" segmentAlignment="true">
			<Representation id="0" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="800000" width="640" height="360">
				<SegmentTemplate timescale="12800" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
					<SegmentTimeline>
						<S t="0" d="51200" r="1" />
						<S d="25600" />
					</SegmentTimeline>
				</SegmentTemplate>
			</Representation>
		</AdaptationSet>
		<AdaptationSet id="1" contentType="audio" segmentAlignment="true" lang="en">
			<Representation id="2" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
				<SegmentTemplate timescale="48000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
					<SegmentTimeline>
						<S t="0" d="188416" />
						<S d="192512" />
						<S d="99328" />
					</SegmentTimeline>
				</SegmentTemplate>
			</Representation>
		</AdaptationSet>
	</Period>
</MPD>
`;

function adMpd(name: string, seconds: number): string {
  return CONTENT.replace('PT10.0S', `PT${seconds}S`).replace('vod/movie/', `vod/${name}/`).replace('TOKEN', `AD-${name}`);
}

function periods(mpd: string) {
  return [...mpd.matchAll(/<Period ([^>]*)>([\s\S]*?)<\/Period>/g)].map((m) => ({
    id: /id="([^"]+)"/.exec(m[1]!)?.[1],
    start: /start="PT([\d.]+)S"/.exec(m[1]!)?.[1],
    base: /<BaseURL>([^<]+)<\/BaseURL>/.exec(m[2]!)?.[1],
    templates: [...m[2]!.matchAll(/<SegmentTemplate ([^>]*)>[\s\S]*?<SegmentTimeline>([\s\S]*?)<\/SegmentTimeline>/g)].map((t) => ({
      startNumber: /startNumber="(\d+)"/.exec(t[1]!)?.[1],
      pto: /presentationTimeOffset="(\d+)"/.exec(t[1]!)?.[1],
      timeline: t[2]!.replace(/\s+/g, ''),
    })),
  }));
}

describe('stitchDashVod: ads as Periods of a static MPD (ISO/IEC 23009-1 5.3.2, DASH-IF IOP multi-period)', () => {
  it('puts a pre-roll Period first with the ad’s BaseURL and starts the content Period after it', () => {
    const out = stitchDashVod(CONTENT, [{ at: 0, ads: [adMpd('ad-a', 6)] }]);
    const p = periods(out);
    expect(p.map((x) => [x.id, x.start])).toEqual([['ad-1', '0.000'], ['content-1', '6.000']]);
    expect(p[0]!.base).toBe('https://edge/v1/media/AD-ad-a/vod/ad-a/');
    expect(p[1]!.templates.map((t) => [t.startNumber, t.pto])).toEqual([['1', '0'], ['1', '0']]);
    expect(out).toContain('mediaPresentationDuration="PT16.000S"');
  });

  it('cuts the content at a mid-roll with startNumber and presentationTimeOffset, audio at the same segment as video', () => {
    const out = stitchDashVod(CONTENT, [{ at: 4, ads: [adMpd('ad-a', 6), adMpd('ad-b', 4)] }]);
    const p = periods(out);
    expect(p.map((x) => [x.id, x.start])).toEqual([['content-1', '0.000'], ['ad-1', '4.000'], ['ad-2', '10.000'], ['content-2', '14.000']]);
    expect(p[0]!.templates.map((t) => t.timeline)).toEqual(['<St="0"d="51200"/>', '<St="0"d="188416"/>']);
    expect(p[3]!.templates.map((t) => [t.startNumber, t.pto])).toEqual([['2', String(4 * 12800)], ['2', String(4 * 48000)]]);
    expect(p[3]!.templates.map((t) => t.timeline)).toEqual(['<St="51200"d="51200"/><St="102400"d="25600"/>', '<St="188416"d="192512"/><St="380928"d="99328"/>']);
    expect(out).toContain('mediaPresentationDuration="PT20.000S"');
    // What is outside the Period is kept byte for byte.
    expect(out.startsWith(CONTENT.slice(0, CONTENT.indexOf('mediaPresentationDuration')))).toBe(true);
  });

  it('appends a post-roll Period at the content’s end', () => {
    const p = periods(stitchDashVod(CONTENT, [{ at: 'end', ads: [adMpd('ad-c', 4)] }]));
    expect(p.map((x) => [x.id, x.start])).toEqual([['content-1', '0.000'], ['ad-1', '10.000']]);
  });

  it('refuses a dynamic MPD and one with several Periods, and leaves the MPD alone without ads', () => {
    expect(() => stitchDashVod(CONTENT.replace('type="static"', 'type="dynamic"'), [{ at: 0, ads: [adMpd('a', 4)] }])).toThrow(ManifestError);
    expect(() => stitchDashVod(CONTENT.replace('</Period>', '</Period><Period id="x"></Period>'), [{ at: 0, ads: [adMpd('a', 4)] }])).toThrow(ManifestError);
    expect(stitchDashVod(CONTENT, [{ at: 0, ads: [] }])).toBe(CONTENT);
  });
});
