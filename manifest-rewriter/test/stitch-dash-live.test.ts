import { describe, expect, it } from 'vitest';
import { findDashLiveBreaks, ManifestError, stitchDashLive, type DashLiveBreakFill } from '../src/index.ts';
import { fixture } from './support/corpus.ts';

// The channel's dynamic MPD as the edge has rewritten it (origin/src/live/dash-live-mpd.ts): a window of
// 2 s segments from 80 s to 100 s on the channel timeline and a 10 s SCTE-35 break from 90 s.
const CHANNEL = fixture('dash/iso23009-1-5.10-live-scte35-event-stream.mpd');

/** The same channel with its window from `from` to `to` seconds (audio segments `audioSkew` AAC frames late). */
function channel(from: number, to: number, options: { eventSeconds?: number; audioSkew?: number } = {}): string {
  const count = (to - from) / 2;
  const skew = (options.audioSkew ?? 0) * 1024;
  const audio = skew === 0 ? `<S t="${from * 48000}" d="96000" r="${count - 1}"/>` : `<S t="${from * 48000 + skew}" d="96000" r="${count - 2}"/><S d="${96000 - skew}"/>`;
  return CHANNEL.replace(/<S t="1228800" d="30720" r="9"\/>/, `<S t="${from * 15360}" d="30720" r="${count - 1}"/>`)
    .replace(/<S t="3840000" d="96000" r="9"\/>/, audio)
    .replace('duration="10000"', `duration="${(options.eventSeconds ?? 10) * 1000}"`);
}

// A conditioned creative as the origin packages VOD (4 s segments, $Number$) behind the edge's ad-scoped BaseURL.
function ad(name: string, seconds: number): string {
  const video = seconds % 4 === 0 ? `<S t="0" d="51200" r="${seconds / 4 - 1}"/>` : `<S t="0" d="51200" r="${Math.floor(seconds / 4) - 1}"/><S d="${(seconds % 4) * 12800}"/>`;
  const audio = video.replace(/51200/g, '192000').replace(/d="(\d+)"\/>$/, (_m, d: string) => `d="${(Number(d) / 12800) * 48000}"/>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT${seconds}.0S" minBufferTime="PT8.0S">
<BaseURL>https://edge/v1/media/AD-${name}/vod/${name}/</BaseURL>
	<Period id="0" start="PT0.0S">
		<AdaptationSet id="0" contentType="video" segmentAlignment="true">
			<Representation id="0" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="800000" width="640" height="360">
				<SegmentTemplate timescale="12800" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
					<SegmentTimeline>${video}</SegmentTimeline>
				</SegmentTemplate>
			</Representation>
		</AdaptationSet>
		<AdaptationSet id="1" contentType="audio" segmentAlignment="true">
			<Representation id="1" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
				<SegmentTemplate timescale="48000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1">
					<SegmentTimeline>${audio}</SegmentTimeline>
				</SegmentTemplate>
			</Representation>
		</AdaptationSet>
	</Period>
</MPD>
`;
}

const SPOT_A = ad('spot-a', 6);
const SPOT_B = ad('spot-b', 4);
const SLATE = ad('slate', 4);

function fill(overrides: Partial<DashLiveBreakFill> = {}): DashLiveBreakFill {
  return { id: 'splice-7', start: 90, end: 100, ads: [SPOT_A, SPOT_B], slate: SLATE, ...overrides };
}

interface PeriodView {
  id: string | undefined;
  start: string | undefined;
  duration: string | undefined;
  base: string | undefined;
  events: boolean;
  templates: { pto: string | undefined; startNumber: string | undefined; times: number[] }[];
}

function periods(mpd: string): PeriodView[] {
  return [...mpd.matchAll(/<Period ([^>]*)>([\s\S]*?)<\/Period>/g)].map((m) => ({
    id: /id="([^"]+)"/.exec(m[1]!)?.[1],
    start: /start="PT([\d.]+)S"/.exec(m[1]!)?.[1],
    duration: /duration="PT([\d.]+)S"/.exec(m[1]!)?.[1],
    base: /<BaseURL>([^<]+)<\/BaseURL>/.exec(m[2]!)?.[1],
    events: m[2]!.includes('<EventStream'),
    templates: [...m[2]!.matchAll(/<SegmentTemplate ([^>]*)>[\s\S]*?<SegmentTimeline>([\s\S]*?)<\/SegmentTimeline>/g)].map((t) => ({
      pto: /presentationTimeOffset="(\d+)"/.exec(t[1]!)?.[1],
      startNumber: /startNumber="(\d+)"/.exec(t[1]!)?.[1],
      times: expand(t[2]!),
    })),
  }));
}

/** Segment start times of a SegmentTimeline, S@r expanded. */
function expand(timeline: string): number[] {
  const times: number[] = [];
  let at = 0;
  for (const s of timeline.matchAll(/<S\b([^>]*)\/?>/g)) {
    const t = /\bt="(\d+)"/.exec(s[1]!)?.[1];
    const d = Number(/\bd="(\d+)"/.exec(s[1]!)![1]);
    const r = Number(/\br="(\d+)"/.exec(s[1]!)?.[1] ?? '0');
    if (t !== undefined) at = Number(t);
    for (let i = 0; i <= r; i++, at += d) times.push(at);
  }
  return times;
}

describe('findDashLiveBreaks: SCTE-35 in an MPD EventStream (ISO/IEC 23009-1 §5.10 events, SCTE 214-1)', () => {
  it('reads each splice Event as a break: its id, its start on the MPD timeline and its duration', () => {
    expect(findDashLiveBreaks(CHANNEL)).toEqual({ breaks: [{ eventId: '7', start: 90, seconds: 10 }], availabilityStartTime: Date.parse('2026-01-01T00:00:00Z'), liveEdge: 100, windowStart: 80, segmentSeconds: 2 });
  });

  it('places an Event relative to its Period start and the EventStream@presentationTimeOffset (§5.10.2)', () => {
    const moved = CHANNEL.replace('<Period id="live" start="PT0S">', '<Period id="live" start="PT10S">').replace('timescale="1000">', 'timescale="1000" presentationTimeOffset="5000">');
    expect(findDashLiveBreaks(moved).breaks[0]!.start).toBe(95);
  });

  it('reads a shortened Event (an early return) as the shorter duration and ignores other schemes and Events without an id', () => {
    expect(findDashLiveBreaks(channel(80, 100, { eventSeconds: 4 })).breaks[0]!.seconds).toBe(4);
    const other = CHANNEL.replace('urn:scte:scte35:2014:xml+bin', 'urn:example:not-scte35');
    expect(findDashLiveBreaks(other).breaks).toEqual([]);
    expect(findDashLiveBreaks(CHANNEL.replace(' id="7"', '')).breaks).toEqual([]);
  });

  it('refuses a static MPD, several Periods and a negative S@r', () => {
    expect(() => findDashLiveBreaks(SPOT_A)).toThrow(ManifestError);
    expect(() => findDashLiveBreaks(CHANNEL.replace('</Period>', '</Period><Period id="x"></Period>'))).toThrow(/one Period/);
    expect(() => findDashLiveBreaks(CHANNEL.replace('r="9"', 'r="-1"'))).toThrow(/negative or missing/);
  });
});

describe('stitchDashLive: a signalled break as Periods of the dynamic MPD (ISO/IEC 23009-1 §5.3.2 Period)', () => {
  it('cuts the channel Period at the break and puts each ad in a Period of its own with its BaseURL, starting where the last ended', () => {
    const p = periods(stitchDashLive(channel(80, 100), [fill()]));
    expect(p.map((x) => [x.id, x.start, x.duration])).toEqual([
      ['live', '0', undefined],
      ['splice-7-ad-1', '90', '6'],
      ['splice-7-ad-2', '96', '4'],
    ]);
    // The content before the break keeps its own segments (80..88 s) and timeline (no offset).
    expect(p[0]!.templates.map((t) => [t.pto, t.times.length, t.times.at(-1)])).toEqual([['0', 5, 88 * 15360], ['0', 5, 88 * 48000]]);
    expect(p[1]!.base).toBe('https://edge/v1/media/AD-spot-a/vod/spot-a/');
    expect(p[2]!.base).toBe('https://edge/v1/media/AD-spot-b/vod/spot-b/');
    expect(p[1]!.templates[0]!.times).toEqual([0, 51200]);
  });

  it('raises MPD@maxSegmentDuration to the ads’ longest listed segment (§5.3.1.2: it bounds every Period’s segments)', () => {
    expect(stitchDashLive(channel(80, 100), [fill()])).toContain('maxSegmentDuration="PT4S"');
    expect(stitchDashLive(channel(70, 86), [fill()])).toContain('maxSegmentDuration="PT2S"');
  });

  it('offers an ad’s segments longer than the channel’s as early as the channel’s (§5.3.9.5.3 availabilityTimeOffset), so a player at the channel’s latency does not wait at the boundary', () => {
    const out = stitchDashLive(channel(80, 100), [fill()]);
    const ad = /<Period id="splice-7-ad-1"[\s\S]*?<\/Period>/.exec(out)![0];
    expect([...ad.matchAll(/availabilityTimeOffset="([\d.]+)"/g)].map((m) => m[1])).toEqual(['2', '2']);
    // Segments no longer than the channel's need nothing.
    const twoSecondSlate = SLATE.replace('d="51200" r="0"', 'd="25600" r="1"').replace('d="192000" r="0"', 'd="96000" r="1"');
    expect(twoSecondSlate).not.toBe(SLATE);
    expect(stitchDashLive(channel(80, 100), [fill({ ads: [], slate: twoSecondSlate })])).not.toContain('availabilityTimeOffset');
  });

  it('resumes the content at the break’s end in a Period whose presentationTimeOffset is that time on the channel timeline (§5.3.2, §5.3.9.5)', () => {
    const p = periods(stitchDashLive(channel(80, 110), [fill()]));
    expect(p.map((x) => [x.id, x.start])).toEqual([['live', '0'], ['splice-7-ad-1', '90'], ['splice-7-ad-2', '96'], ['live-after-splice-7', '100']]);
    const after = p[3]!;
    expect(after.templates.map((t) => t.pto)).toEqual([String(100 * 15360), String(100 * 48000)]);
    expect(after.templates[0]!.times).toEqual([100, 102, 104, 106, 108].map((s) => s * 15360));
    // The break's own content (90..100 s) is in no Period.
    expect(p.flatMap((x) => (x.id!.startsWith('live') ? x.templates[0]!.times : [])).some((t) => t >= 90 * 15360 && t < 100 * 15360)).toBe(false);
  });

  it('keeps the EventStream in the first content Period only, so each Event is dispatched once', () => {
    const p = periods(stitchDashLive(channel(80, 110), [fill()]));
    expect(p.map((x) => x.events)).toEqual([true, false, false, false]);
  });

  it('lists an ad segment when a channel segment starting at the same instant would be, so the MPD never runs ahead of the channel', () => {
    // Live edge 92 s: spot-a's first segment (90..94) is listed, its second (94..96) and spot-b not yet.
    const early = periods(stitchDashLive(channel(80, 92), [fill()]));
    expect(early.map((x) => x.id)).toEqual(['live', 'splice-7-ad-1']);
    expect(early[1]!.templates.map((t) => t.times)).toEqual([[0], [0]]);
    // A break more than a segment past the live edge is not placed yet.
    const ahead = periods(stitchDashLive(channel(70, 86), [fill()]));
    expect(ahead.map((x) => x.id)).toEqual(['live']);
    expect(ahead[0]!.templates[0]!.times.length).toBe(8);
  });

  it('describes the same Periods by the same ids and starts on every reload as the window slides (players match Periods by id)', () => {
    const reloads = [92, 96, 100, 104, 120].map((edge) => periods(stitchDashLive(channel(edge - 20, edge), [fill()])));
    const seen = new Map<string, string | undefined>();
    for (const reload of reloads) {
      for (const period of reload) {
        if (seen.has(period.id!)) expect(period.start, period.id).toBe(seen.get(period.id!));
        seen.set(period.id!, period.start);
      }
    }
    expect([...seen.keys()]).toEqual(['live', 'splice-7-ad-1', 'splice-7-ad-2', 'live-after-splice-7']);
  });

  it('drops the Periods that have left the time-shift window and keeps the resumed content’s id', () => {
    const p = periods(stitchDashLive(channel(104, 124), [fill()]));
    expect(p.map((x) => [x.id, x.start])).toEqual([['live-after-splice-7', '100']]);
    // Its EventStream moves with it, offset so the Event keeps its time on the MPD timeline (§5.10.2).
    const out = stitchDashLive(channel(104, 124), [fill()]);
    expect(out).toContain('timescale="1000" presentationTimeOffset="100000"');
  });

  it('cuts an ad short on an early return and resumes the content there (the Event shortened to 4 s)', () => {
    const p = periods(stitchDashLive(channel(80, 100, { eventSeconds: 4 }), [fill({ end: 94 })]));
    expect(p.map((x) => [x.id, x.start, x.duration])).toEqual([
      ['live', '0', undefined],
      ['splice-7-ad-1', '90', '4'],
      ['live-after-splice-7', '94', undefined],
    ]);
    expect(p[1]!.templates[0]!.times).toEqual([0]);
    expect(p[2]!.templates.map((t) => [t.pto, t.times[0]])).toEqual([[String(94 * 15360), 94 * 15360], [String(94 * 48000), 94 * 48000]]);
  });

  it('leaves out of a cut ad the segment that would play for a few AAC frames only (audio a little ahead of the cut)', () => {
    // spot-a's audio: a first segment 3.979 s long, the second starting 21 ms before the return at 94 s.
    const skewed = SPOT_A.replace('<S t="0" d="192000" r="0"/><S d="96000"/>', '<S t="0" d="191000"/><S d="97000"/>');
    expect(skewed).not.toBe(SPOT_A);
    const p = periods(stitchDashLive(channel(80, 110, { eventSeconds: 4 }), [fill({ end: 94, ads: [skewed] })]));
    expect(p[1]!.templates.map((t) => t.times)).toEqual([[0], [0]]);
  });

  it('fills what the ads leave with the slate looped, the last loop cut at the break’s end', () => {
    const p = periods(stitchDashLive(channel(80, 110), [fill({ ads: [SPOT_A] })]));
    expect(p.map((x) => [x.id, x.start, x.duration])).toEqual([
      ['live', '0', undefined],
      ['splice-7-ad-1', '90', '6'],
      ['splice-7-slate-1', '96', '4'],
      ['live-after-splice-7', '100', undefined],
    ]);
    const slateOnly = periods(stitchDashLive(channel(80, 110), [fill({ ads: [] })]));
    expect(slateOnly.map((x) => [x.id, x.start, x.duration])).toEqual([
      ['live', '0', undefined],
      ['splice-7-slate-1', '90', '4'],
      ['splice-7-slate-2', '94', '4'],
      ['splice-7-slate-3', '98', '2'],
      ['live-after-splice-7', '100', undefined],
    ]);
    expect(slateOnly[3]!.templates[0]!.times).toEqual([0]);
  });

  it('without slate, plays the channel’s own break content from where the ads stop, with no gap', () => {
    const p = periods(stitchDashLive(channel(80, 110), [fill({ ads: [SPOT_A], slate: undefined })]));
    expect(p.map((x) => [x.id, x.start])).toEqual([['live', '0'], ['splice-7-ad-1', '90'], ['live-after-splice-7', '96']]);
    expect(p[2]!.templates[0]!.times[0]).toBe(96 * 15360);
    // Nothing at all to put in: the MPD is left as it is.
    expect(stitchDashLive(CHANNEL, [fill({ ads: [], slate: undefined })])).toBe(CHANNEL);
  });

  it('cuts audio whose segments are a few AAC frames off the video’s at the same boundary as the video', () => {
    const p = periods(stitchDashLive(channel(80, 110, { audioSkew: 3 }), [fill()]));
    const [live, after] = [p[0]!, p[3]!];
    expect(live.templates.map((t) => t.times.length)).toEqual([5, 5]);
    expect(after.templates.map((t) => t.times.length)).toEqual([5, 5]);
    expect(after.templates[1]!.times[0]).toBe(100 * 48000 + 3 * 1024);
  });

  it('refuses overlapping breaks, an ad MPD it cannot place, an id that is not an XML-safe token and an endless break', () => {
    expect(() => stitchDashLive(CHANNEL, [fill(), fill({ id: 'splice-8', start: 95, end: 105 })])).toThrow(/overlap/);
    expect(() => stitchDashLive(CHANNEL, [fill({ ads: [SPOT_A.replace(' mediaPresentationDuration="PT6.0S"', '')] })])).toThrow(/mediaPresentationDuration/);
    expect(() => stitchDashLive(CHANNEL, [fill({ ads: [CHANNEL] })])).toThrow(/static/);
    expect(() => stitchDashLive(CHANNEL, [fill({ id: 'x"><Period id="evil' })])).toThrow(/break id/);
    expect(() => stitchDashLive(CHANNEL, [fill({ end: Number.POSITIVE_INFINITY })])).toThrow(/finite/);
  });
});
