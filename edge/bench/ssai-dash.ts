// `npm run bench:ssai-dash`: the CPU of a per-session live DASH MPD reload with an ad break in the window
// (rewrite the channel's MPD, rewrite the two ads' and the slate's MPDs, find the SCTE-35 break, stitch the
// Periods) against the same reload without ads (rewrite only), measured interleaved in one run. The MPD is
// the origin's own (origin/src/live/dash-live-mpd.ts): standard ladder, 300 s window of 2 s segments.
// Writes bench-results/ssai-dash.json. Durable Object and cache round trips of the edge are not included.
import { findDashLiveBreaks, personalizeDash, stitchDashLive, tokenUrlRewriter } from '@cascade/manifest-rewriter';
import { adBreakSignal } from '../../origin/src/live/ad-break-signal.ts';
import type { LiveRenditionInfo, LiveSegment } from '../../origin/src/live/channel-store.ts';
import { dashLiveMpd } from '../../origin/src/live/dash-live-mpd.ts';
import { writeBenchReport } from '../../scripts/bench/bench-report.ts';
import { compareSync } from '../../scripts/bench/measure.ts';

const token = 'eyJ2IjoxLCJzaWQiOiI0ZjFjIiwic2NvcGUiOiJsaXZlL2ZpbmFsLyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJl';
const rewrite = (mpd: string, scope: string) =>
  personalizeDash(mpd, new URL(`https://shield.internal/${scope}manifest.mpd`), {
    urls: tokenUrlRewriter({ upstreamPrefix: `https://shield.internal/${scope}`, publicPrefix: `https://play.example.com/v1/media/{token}/${scope}`, token, placement: 'path' }),
  });

const epochMs = Date.parse('2026-11-21T08:00:00.000Z');
const now = epochMs + 3600_000;
const renditions: LiveRenditionInfo[] = [
  { id: 'video-360p', type: 'video', codecs: 'avc1.64001e', timescale: 12800, bandwidth: 900_000, width: 640, height: 360, frameRate: 25 },
  { id: 'video-270p', type: 'video', codecs: 'avc1.640015', timescale: 12800, bandwidth: 550_000, width: 480, height: 270, frameRate: 25 },
  { id: 'video-180p', type: 'video', codecs: 'avc1.64000d', timescale: 12800, bandwidth: 250_000, width: 320, height: 180, frameRate: 25 },
  { id: 'audio', type: 'audio', codecs: 'mp4a.40.2', timescale: 48000, bandwidth: 128_000 },
];
const segments = new Map<string, LiveSegment[]>(
  renditions.map((r) => [r.id, Array.from({ length: 150 }, (_, i) => {
    const startSeconds = (now - epochMs) / 1000 - 300 + i * 2;
    return { rendition: r.id, seq: 1000 + i, disc: 0, start: startSeconds * r.timescale, duration: 2 * r.timescale, timescale: r.timescale, pdtMs: epochMs + startSeconds * 1000, initId: '1', parts: [], gap: false } as unknown as LiveSegment;
  })]),
);
// A 30 s break that began 20 s ago: two ads (15 s + 10 s) and 5 s of slate, the content not back yet.
const adBreak = { id: 'b', channelId: 'final', spliceEventId: 42, startMs: now - 20_000, durationMs: 30_000, createdAt: '' };
const channel = dashLiveMpd({ epochMs, now, segmentSeconds: 2, dvrWindowSeconds: 300, renditions, segments, breaks: [adBreakSignal(adBreak, epochMs)] });

function vodMpd(seconds: number): string {
  const video = (id: string, w: number, h: number) => `<Representation id="${id}" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="800000" width="${w}" height="${h}">
<SegmentTemplate timescale="12800" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1"><SegmentTimeline><S t="0" d="51200" r="${Math.ceil(seconds / 4) - 1}"/></SegmentTimeline></SegmentTemplate></Representation>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT${seconds}S" minBufferTime="PT8S">
<Period id="0" start="PT0S"><AdaptationSet id="0" contentType="video">${video('0', 640, 360)}${video('1', 480, 270)}${video('2', 320, 180)}</AdaptationSet>
<AdaptationSet id="1" contentType="audio"><Representation id="3" mimeType="audio/mp4" codecs="mp4a.40.2" bandwidth="128000" audioSamplingRate="48000">
<SegmentTemplate timescale="48000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s" startNumber="1"><SegmentTimeline><S t="0" d="192000" r="${Math.ceil(seconds / 4) - 1}"/></SegmentTimeline></SegmentTemplate></Representation></AdaptationSet></Period>
</MPD>
`;
}
const adA = vodMpd(15);
const adB = vodMpd(10);
const slate = vodMpd(4);

const plain = () => rewrite(channel, 'live/final/');
const stitched = () => {
  const mpd = rewrite(channel, 'live/final/');
  const scan = findDashLiveBreaks(mpd);
  const seen = scan.breaks[0]!;
  return stitchDashLive(mpd, [{ id: `splice-${seen.eventId}`, start: seen.start, end: seen.start + seen.seconds!, ads: [rewrite(adA, 'vod/ad-a/'), rewrite(adB, 'vod/ad-b/')], slate: rewrite(slate, 'vod/slate/') }]);
};
if (!/<Period id="splice-42-ad-2"/.test(stitched())) throw new Error('the bench MPD was not stitched: check the fixture');

const measured = compareSync({ plain, stitched });
const plainUs = measured['plain']!.usPerOp;
const stitchedUs = measured['stitched']!.usPerOp;
writeBenchReport('ssai-dash', [
  { name: 'dash_live_mpd_without_ads_us', value: Number(plainUs.toFixed(1)), unit: 'µs/request' },
  { name: 'dash_live_mpd_with_break_us', value: Number(stitchedUs.toFixed(1)), unit: 'µs/request' },
  { name: 'dash_live_mpd_with_break_vs_without', value: Number((stitchedUs / plainUs).toFixed(2)), unit: 'ratio' },
], { mpd: `${channel.length} bytes, 4 renditions × 150 segments, 1 break (2 ads + slate) in the window`, measured: 'interleaved, median of 15 rounds' });
