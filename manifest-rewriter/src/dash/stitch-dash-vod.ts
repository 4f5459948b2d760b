import { ManifestError } from '../manifest-error.ts';
import { scanXml, type XmlStartTag } from './xml-scanner.ts';
import { timelineText, withAttributes } from './mpd-tag-text.ts';
import { webVttRetimingQuery } from '../webvtt/webvtt-retiming-query.ts';

export interface DashStitchBreak {
  /** Content seconds (snapped to the next video segment boundary); `'end'` for a post-roll. */
  at: number | 'end';
  /** The ads' MPDs, already rewritten so their MPD-level BaseURL points where the player must fetch them. */
  ads: string[];
}

interface Span {
  start: number;
  end: number;
}

interface Template {
  tag: XmlStartTag;
  timescale: number;
  startNumber: number;
  timeline: Span; // inner span of SegmentTimeline
  segments: { t: number; d: number }[];
}

function fail(message: string): never {
  throw new ManifestError('malformed-xml', message);
}

function attribute(source: string, tag: XmlStartTag, name: string): string | undefined {
  const a = tag.attributes.find((x) => x.name === name);
  return a === undefined ? undefined : source.slice(a.valueStart, a.valueEnd);
}

/** xs:duration as MPDs use it (PTnHnMn.nS, optionally with days). */
export function parseMpdDuration(value: string | undefined): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value?.trim() ?? '');
  if (!m || value === 'P' || value === 'PT') return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

function duration(seconds: number): string {
  return `PT${seconds.toFixed(3)}S`;
}

/** The MPD element, its one Period (inner span too), its BaseURL child text, and the timeline templates in the Period. */
function structure(source: string) {
  let mpd: XmlStartTag | undefined;
  const periods: { tag: XmlStartTag; inner: Span; end: number }[] = [];
  const templates: Template[] = [];
  let baseUrl: string | undefined;
  let depth = 0;
  let openPeriod: XmlStartTag | undefined;
  let openTemplate: { tag: XmlStartTag } | undefined;
  let openTimeline: number | undefined;
  let openBase: number | undefined;
  let segments: { t: number; d: number }[] = [];
  for (const token of scanXml(source)) {
    if (token.kind === 'doctype') fail('an MPD with a DOCTYPE is not stitched');
    if (token.kind === 'start') {
      const local = token.name.slice(token.name.indexOf(':') + 1);
      if (local === 'MPD') mpd = token;
      if (local === 'Period' && !token.selfClosing) openPeriod = token;
      if (local === 'BaseURL' && depth === 1 && !token.selfClosing) openBase = token.end;
      if (local === 'SegmentTemplate' && !token.selfClosing) openTemplate = { tag: token };
      if (local === 'SegmentTimeline' && !token.selfClosing) {
        openTimeline = token.end;
        segments = [];
      }
      if (local === 'S' && openTimeline !== undefined) {
        const t = attribute(source, token, 't');
        const d = Number(attribute(source, token, 'd'));
        const r = Number(attribute(source, token, 'r') ?? '0');
        if (!Number.isFinite(d) || d <= 0 || !Number.isInteger(r) || r < 0 || r > 100_000) fail('a SegmentTimeline S element this stitcher cannot follow (negative or missing @r/@d)');
        let at = t !== undefined ? Number(t) : segments.length > 0 ? segments.at(-1)!.t + segments.at(-1)!.d : 0;
        for (let i = 0; i <= r; i++, at += d) segments.push({ t: at, d });
      }
      if (!token.selfClosing) depth++;
    } else if (token.kind === 'end') {
      depth--;
      const local = token.name.slice(token.name.indexOf(':') + 1);
      if (local === 'BaseURL' && openBase !== undefined) {
        baseUrl = source.slice(openBase, token.start).trim();
        openBase = undefined;
      }
      if (local === 'SegmentTimeline' && openTimeline !== undefined && openTemplate) {
        const tag = openTemplate.tag;
        templates.push({
          tag,
          timescale: Number(attribute(source, tag, 'timescale') ?? '1'),
          startNumber: Number(attribute(source, tag, 'startNumber') ?? '1'),
          timeline: { start: openTimeline, end: token.start },
          segments,
        });
        openTimeline = undefined;
      }
      if (local === 'SegmentTemplate') openTemplate = undefined;
      if (local === 'Period' && openPeriod) {
        periods.push({ tag: openPeriod, inner: { start: openPeriod.end, end: token.start }, end: token.end });
        openPeriod = undefined;
      }
    }
  }
  if (!mpd) fail('no MPD element');
  if (periods.length !== 1) fail(`stitching needs an MPD with one Period, this one has ${periods.length}`);
  return { mpd, period: periods[0]!, templates, baseUrl };
}

/**
 * Stitch ad breaks into a static single-Period MPD as extra Periods (ISO/IEC 23009-1 5.3.2; DASH-IF IOP
 * multi-period ad insertion): the content Period is cut at the video segment boundary at or after each
 * cue into content Periods whose SegmentTemplates keep the same segments, with `startNumber` and
 * `presentationTimeOffset` set so each starts where the previous content Period stopped; between them
 * go the ads' Periods, each with the ad's BaseURL at Period level. Every Period@start is the sum of
 * what plays before it; MPD@mediaPresentationDuration grows by the ads.
 */
export function stitchDashVod(content: string, breaks: DashStitchBreak[]): string {
  const usable = breaks.filter((b) => b.ads.length > 0);
  if (usable.length === 0) return content;
  const { mpd, period, templates } = structure(content);
  if ((attribute(content, mpd, 'type') ?? 'static') !== 'static') fail('only static (VOD) MPDs are stitched as VOD');
  const total = parseMpdDuration(attribute(content, mpd, 'mediaPresentationDuration'));
  if (total === undefined) fail('a VOD MPD needs mediaPresentationDuration');
  const reference = templates[0];
  if (!reference || reference.segments.length === 0) fail('the content Period has no SegmentTimeline');
  // A cue snaps to a segment boundary by index in the video's cadence, the same index in every track, so
  // audio (whose segments differ from video's by a few audio frames) is cut at the same segment.
  const cadence = reference.segments[0]!.d / reference.timescale;
  const count = reference.segments.length;
  const cuts = new Map<number, string[]>();
  for (const b of usable) {
    const index = b.at === 'end' ? count : Math.min(count, Math.round(b.at / cadence));
    cuts.set(index, [...(cuts.get(index) ?? []), ...b.ads]);
  }
  const timeAt = (index: number) => (index >= count ? total : reference.segments[index]!.t / reference.timescale);
  const edges = [0, ...[...cuts.keys()].sort((a, b) => a - b).filter((i) => i > 0 && i < count), count];

  const out: string[] = [];
  let clock = 0;
  let adCount = 0;
  const adPeriods = (index: number) => {
    for (const ad of cuts.get(index) ?? []) {
      const parsed = structure(ad);
      const seconds = parseMpdDuration(attribute(ad, parsed.mpd, 'mediaPresentationDuration'));
      if (seconds === undefined) fail('an ad MPD needs mediaPresentationDuration');
      const base = parsed.baseUrl === undefined ? '' : `<BaseURL>${parsed.baseUrl}</BaseURL>`;
      out.push(`<Period id="ad-${++adCount}" start="${duration(clock)}" duration="${duration(seconds)}">${base}${ad.slice(parsed.period.inner.start, parsed.period.inner.end)}</Period>`);
      clock += seconds;
    }
  };
  for (let k = 0; k + 1 < edges.length; k++) {
    adPeriods(edges[k]!);
    const fromIndex = edges[k]!;
    const toIndex = edges[k + 1]!;
    const from = timeAt(fromIndex);
    const to = timeAt(toIndex);
    // The content Period from `from` to `to`, its timelines cut to the segments that start in that span.
    const edits: { start: number; end: number; text: string }[] = [];
    for (const template of templates) {
      const first = Math.min(fromIndex, template.segments.length);
      const selected = template.segments.slice(first, toIndex >= count ? template.segments.length : toIndex);
      edits.push({
        start: template.tag.start,
        end: template.tag.end,
        text: withAttributes(content.slice(template.tag.start, template.tag.end), ['startNumber', 'presentationTimeOffset'], {
          startNumber: String(template.startNumber + first),
          presentationTimeOffset: String(Math.round(from * template.timescale)),
        }),
      });
      edits.push({ start: template.timeline.start, end: template.timeline.end, text: timelineText(selected) });
    }
    edits.sort((a, b) => a.start - b.start);
    let inner = '';
    let cursor = period.inner.start;
    for (const edit of edits) {
      inner += content.slice(cursor, edit.start) + edit.text;
      cursor = edit.end;
    }
    inner += content.slice(cursor, period.inner.end);
    // Sidecar subtitles: a player times a Period's WebVTT file from the Period's start (presentationTimeOffset
    // applies to segments, not to a whole file), so each content Period asks the edge for its own window of
    // the cues, timed from where the Period starts in the content (README "Ad insertion", subtitles).
    inner = inner.replace(/<BaseURL>([^<]*\.vtt)<\/BaseURL>/gi, (_whole, url: string) => `<BaseURL>${url}${webVttRetimingQuery({ window: { from, to } }).replace('?', url.includes('?') ? '&amp;' : '?')}</BaseURL>`);
    const open = withAttributes(content.slice(period.tag.start, period.tag.end), ['id', 'start', 'duration'], { id: `content-${k + 1}`, start: duration(clock), duration: duration(to - from) });
    out.push(`${open}${inner}</Period>`);
    clock += to - from;
  }
  adPeriods(count);

  const mpdOpen = withAttributes(content.slice(mpd.start, mpd.end), ['mediaPresentationDuration'], { mediaPresentationDuration: duration(clock) });
  return content.slice(0, mpd.start) + mpdOpen + content.slice(mpd.end, period.tag.start) + out.join('\n\t') + content.slice(period.end);
}
