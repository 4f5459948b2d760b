import { ManifestError } from '../manifest-error.ts';
import { parseMpdDuration } from './stitch-dash-vod.ts';
import { scanXml, type XmlStartTag } from './xml-scanner.ts';
import { timelineText, withAttributes } from './mpd-tag-text.ts';

/** The SCTE-35 carriage in MPD events (SCTE 214-1 §6.8; ISO/IEC 23009-1 §5.10.2). */
const SCTE35_SCHEMES = new Set(['urn:scte:scte35:2014:xml+bin', 'urn:scte:scte35:2013:xml']);

/** A break signalled by an SCTE-35 `Event` in the live Period's `EventStream`. */
export interface DashLiveBreak {
  /** `Event@id` (the splice_event_id): the break's identity across reloads. */
  eventId: string;
  /** Presentation time of the break's start, seconds on the MPD timeline (from availabilityStartTime). */
  start: number;
  /** `Event@duration` in seconds: the planned length, shorter once the channel returned early; undefined when open. */
  seconds: number | undefined;
}

export interface DashLiveScan {
  breaks: DashLiveBreak[];
  /** MPD@availabilityStartTime in epoch milliseconds: presentation time 0 on the wall clock. */
  availabilityStartTime: number | undefined;
  /** Presentation time (seconds) where the first Representation's SegmentTimeline ends: the live edge. */
  liveEdge: number;
  /** Presentation time (seconds) where it starts: the oldest media still in the time-shift window. */
  windowStart: number;
  /** The longest segment of that Representation, seconds. */
  segmentSeconds: number;
}

/** What goes in place of one break's content: ad MPDs in order, then the slate MPD looped to the end. */
export interface DashLiveBreakFill {
  /** Stem of the break's Period ids (`{id}-ad-1`, `{id}-slate-1`, content after it `{content id}-after-{id}`). */
  id: string;
  /** Presentation time (seconds) of the break's start and of its end: planned, or the early return. */
  start: number;
  end: number;
  /** The ads' static MPDs, already rewritten so their MPD-level BaseURL is where the player fetches them. */
  ads: string[];
  /** The slate title's static MPD (rewritten likewise) for what the ads leave unfilled; none: the break is cut short. */
  slate?: string;
}

interface Segment {
  t: number;
  d: number;
}

interface Template {
  tag: XmlStartTag;
  timescale: number;
  presentationTimeOffset: number;
  startNumber: number;
  timeline: { start: number; end: number };
  segments: Segment[];
}

interface Structure {
  mpd: XmlStartTag;
  periods: { tag: XmlStartTag; inner: { start: number; end: number }; end: number; templates: Template[]; eventStreams: { start: number; end: number; tag: XmlStartTag }[] }[];
  events: { tag: XmlStartTag; scheme: string; timescale: number; presentationTimeOffset: number; period: number }[];
  baseUrl: string | undefined;
}

function fail(message: string): never {
  throw new ManifestError('malformed-xml', message);
}

function attribute(source: string, tag: XmlStartTag, name: string): string | undefined {
  const a = tag.attributes.find((x) => x.name === name);
  return a === undefined ? undefined : source.slice(a.valueStart, a.valueEnd);
}

function integer(source: string, tag: XmlStartTag, name: string, fallback: number): number {
  const raw = attribute(source, tag, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) fail(`${tag.name}@${name} must be a non-negative integer, received "${raw.slice(0, 40)}"`);
  return value;
}

function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** Periods with their SegmentTemplate/SegmentTimeline pairs, EventStreams and Events, and the MPD-level BaseURL. */
function structure(source: string): Structure {
  let mpd: XmlStartTag | undefined;
  const periods: Structure['periods'] = [];
  const events: Structure['events'] = [];
  let baseUrl: string | undefined;
  let depth = 0;
  let openPeriod: XmlStartTag | undefined;
  let templates: Template[] = [];
  let eventStreams: Structure['periods'][number]['eventStreams'] = [];
  let openStream: { tag: XmlStartTag; scheme: string; timescale: number; presentationTimeOffset: number } | undefined;
  let openTemplate: XmlStartTag | undefined;
  let openTimeline: number | undefined;
  let openBase: number | undefined;
  let segments: Segment[] = [];
  for (const token of scanXml(source)) {
    if (token.kind === 'doctype') fail('an MPD with a DOCTYPE is not stitched');
    if (token.kind === 'start') {
      const name = local(token.name);
      if (name === 'MPD') mpd = token;
      else if (name === 'Period' && !token.selfClosing) {
        openPeriod = token;
        templates = [];
        eventStreams = [];
      } else if (name === 'BaseURL' && depth === 1 && !token.selfClosing) openBase = token.end;
      else if (name === 'EventStream' && openPeriod && !token.selfClosing) {
        openStream = {
          tag: token,
          scheme: attribute(source, token, 'schemeIdUri') ?? '',
          timescale: integer(source, token, 'timescale', 1) || fail('EventStream@timescale must not be 0'),
          presentationTimeOffset: integer(source, token, 'presentationTimeOffset', 0),
        };
      } else if (name === 'Event' && openStream) {
        events.push({ tag: token, scheme: openStream.scheme, timescale: openStream.timescale, presentationTimeOffset: openStream.presentationTimeOffset, period: periods.length });
      } else if (name === 'SegmentTemplate' && !token.selfClosing) openTemplate = token;
      else if (name === 'SegmentTimeline' && !token.selfClosing) {
        openTimeline = token.end;
        segments = [];
      } else if (name === 'S' && openTimeline !== undefined) {
        const t = attribute(source, token, 't');
        const d = Number(attribute(source, token, 'd'));
        const r = Number(attribute(source, token, 'r') ?? '0');
        // A negative @r ("repeat until the next S or the Period end") cannot be cut without the Period's end.
        if (!Number.isSafeInteger(d) || d <= 0 || !Number.isInteger(r) || r < 0 || r > 100_000) fail('a SegmentTimeline S element this stitcher cannot follow (negative or missing @r/@d)');
        let at = t !== undefined ? Number(t) : segments.length > 0 ? segments.at(-1)!.t + segments.at(-1)!.d : 0;
        if (!Number.isSafeInteger(at) || at < 0) fail('S@t must be a non-negative integer');
        for (let i = 0; i <= r; i++, at += d) segments.push({ t: at, d });
      }
      if (!token.selfClosing) depth++;
    } else if (token.kind === 'end') {
      depth--;
      const name = local(token.name);
      if (name === 'BaseURL' && openBase !== undefined) {
        baseUrl = source.slice(openBase, token.start).trim();
        openBase = undefined;
      } else if (name === 'EventStream' && openStream) {
        eventStreams.push({ start: openStream.tag.start, end: token.end, tag: openStream.tag });
        openStream = undefined;
      } else if (name === 'SegmentTimeline' && openTimeline !== undefined && openTemplate) {
        templates.push({
          tag: openTemplate,
          timescale: integer(source, openTemplate, 'timescale', 1) || fail('SegmentTemplate@timescale must not be 0'),
          presentationTimeOffset: integer(source, openTemplate, 'presentationTimeOffset', 0),
          startNumber: integer(source, openTemplate, 'startNumber', 1),
          timeline: { start: openTimeline, end: token.start },
          segments,
        });
        openTimeline = undefined;
      } else if (name === 'SegmentTemplate') openTemplate = undefined;
      else if (name === 'Period' && openPeriod) {
        periods.push({ tag: openPeriod, inner: { start: openPeriod.end, end: token.start }, end: token.end, templates, eventStreams });
        openPeriod = undefined;
      }
    }
  }
  if (!mpd) fail('no MPD element');
  return { mpd, periods, events, baseUrl };
}

function seconds(value: number): string {
  return `PT${Number(value.toFixed(3))}S`;
}

/** The single live Period of a dynamic MPD, with its start in seconds. */
function livePeriod(source: string, parsed: Structure) {
  if ((attribute(source, parsed.mpd, 'type') ?? 'static') !== 'dynamic') fail('only dynamic (live) MPDs are stitched as live');
  if (parsed.periods.length !== 1) fail(`live stitching needs the channel's one Period, this MPD has ${parsed.periods.length}`);
  const period = parsed.periods[0]!;
  const start = parseMpdDuration(attribute(source, period.tag, 'start') ?? 'PT0S');
  if (start === undefined) fail('the live Period needs a Period@start');
  const reference = period.templates[0];
  if (!reference || reference.segments.length === 0) fail('the live Period has no SegmentTimeline');
  return { period, start, reference };
}

/** Presentation time (seconds) of media time `t` in a template of a Period starting at `periodStart`. */
function presentation(template: Template, periodStart: number, t: number): number {
  return periodStart + (t - template.presentationTimeOffset) / template.timescale;
}

/**
 * The SCTE-35 breaks of a channel's dynamic MPD (ISO/IEC 23009-1 §5.10.2 MPD events; SCTE 214-1: an
 * `EventStream` with `urn:scte:scte35:2014:xml+bin`, one `Event` per splice, `Event@id` the
 * splice_event_id), and where its timeline stands: the live edge and the oldest media in the window.
 */
export function findDashLiveBreaks(mpd: string): DashLiveScan {
  const parsed = structure(mpd);
  const { start, reference } = livePeriod(mpd, parsed);
  const first = reference.segments[0]!;
  const last = reference.segments.at(-1)!;
  const breaks: DashLiveBreak[] = [];
  for (const event of parsed.events) {
    if (!SCTE35_SCHEMES.has(event.scheme)) continue;
    const eventId = attribute(mpd, event.tag, 'id');
    if (eventId === undefined || !/^\d{1,10}$/.test(eventId)) continue; // §5.10.2.2: @id identifies the event; without one it cannot be tracked
    const time = integer(mpd, event.tag, 'presentationTime', 0);
    const duration = attribute(mpd, event.tag, 'duration');
    const length = duration === undefined ? undefined : integer(mpd, event.tag, 'duration', 0) / event.timescale;
    breaks.push({ eventId, start: start + (time - event.presentationTimeOffset) / event.timescale, seconds: length });
  }
  const anchor = Date.parse(attribute(mpd, parsed.mpd, 'availabilityStartTime') ?? '');
  return {
    breaks,
    availabilityStartTime: Number.isFinite(anchor) ? anchor : undefined,
    liveEdge: presentation(reference, start, last.t + last.d),
    windowStart: presentation(reference, start, first.t),
    segmentSeconds: Math.max(...reference.segments.map((s) => s.d)) / reference.timescale,
  };
}

/**
 * Replace signalled breaks of a channel's dynamic MPD with Periods (ISO/IEC 23009-1 §5.3.2; DASH-IF IOP
 * multi-period live ad insertion). The channel's one Period is cut at each break: the content before it
 * keeps the Period's own id; each ad (then the slate, looped) becomes a Period of its own from the
 * break's start, the last cut at the break's end (planned, or an early return); the content resumes
 * in a Period starting at the break's end whose SegmentTemplates carry `presentationTimeOffset` = that
 * time on the channel's media timeline, so the same `$Time$` segments play at the same wall-clock
 * instants. An ad Period lists a segment when a channel segment starting at the same instant would be
 * listed, so the stitched MPD never runs ahead of the channel. Period ids depend only on the break and its position,
 * so every reload describes the same Periods by the same ids. Periods that have left the time-shift
 * window are dropped. The content before a break and after it are not adjacent (the ads are between)
 * and the content's media timeline skips the break, so no period-continuity descriptor applies (§5.3.2.4).
 */
export function stitchDashLive(mpd: string, fills: DashLiveBreakFill[]): string {
  // A break with nothing to put in it keeps the channel's own content (no gap in the presentation).
  const usable = fills.filter((f) => f.end > f.start && (f.ads.length > 0 || f.slate !== undefined)).sort((a, b) => a.start - b.start);
  if (usable.length === 0) return mpd;
  for (const fill of usable) {
    // Ids go into Period@id as they are: an XML-safe token (ISO/IEC 23009-1 §5.3.2.2: a string unique in the MPD).
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(fill.id)) fail(`a break id must be 1-64 letters, digits, '.', '_' or '-', received "${fill.id.slice(0, 80)}"`);
    if (!Number.isFinite(fill.start) || !Number.isFinite(fill.end)) fail(`break ${fill.id} needs a finite start and end`);
  }
  const parsed = structure(mpd);
  const { period, start: periodStart, reference } = livePeriod(mpd, parsed);
  const liveEdge = presentation(reference, periodStart, reference.segments.at(-1)!.t + reference.segments.at(-1)!.d);
  const windowStart = presentation(reference, periodStart, reference.segments[0]!.t);
  for (let i = 1; i < usable.length; i++) {
    if (usable[i]!.start < usable[i - 1]!.end) fail(`breaks ${usable[i - 1]!.id} and ${usable[i]!.id} overlap`);
  }
  const periodId = attribute(mpd, period.tag, 'id') ?? 'live';
  const out: string[] = [];
  // MPD@maxSegmentDuration bounds every segment of every Period (§5.3.1.2): the ads' may be longer than the channel's.
  let longest = 0;

  // The content from `from` to `to` (seconds): each template keeps the segments whose start is nearer to
  // a time inside the span than outside it, so video and audio (whose segments differ by a few AAC
  // frames) are cut at the same boundary; the EventStream stays with the first content Period.
  let eventsPlaced = false;
  const content = (id: string, from: number, to: number) => {
    const edits: { start: number; end: number; text: string }[] = [];
    let empty = false;
    for (const template of period.templates) {
      const keep = (s: Segment) => {
        const at = presentation(template, periodStart, s.t) + s.d / template.timescale / 2;
        return at > from && at <= to;
      };
      const first = template.segments.findIndex(keep);
      const selected = template.segments.filter(keep);
      empty ||= selected.length === 0;
      edits.push({
        start: template.tag.start,
        end: template.tag.end,
        text: withAttributes(mpd.slice(template.tag.start, template.tag.end), ['startNumber', 'presentationTimeOffset'], {
          startNumber: String(template.startNumber + Math.max(0, first)),
          presentationTimeOffset: String(template.presentationTimeOffset + Math.round((from - periodStart) * template.timescale)),
        }),
      });
      edits.push({ start: template.timeline.start, end: template.timeline.end, text: timelineText(selected) });
    }
    // An empty SegmentTimeline is not valid: a span not yet published in every Representation waits for a reload.
    if (empty) return;
    for (const stream of period.eventStreams) {
      if (eventsPlaced) {
        edits.push({ start: stream.start, end: stream.end, text: '' });
        continue;
      }
      const pto = integer(mpd, stream.tag, 'presentationTimeOffset', 0);
      const timescale = integer(mpd, stream.tag, 'timescale', 1);
      edits.push({
        start: stream.tag.start,
        end: stream.tag.end,
        text: withAttributes(mpd.slice(stream.tag.start, stream.tag.end), ['presentationTimeOffset'], { presentationTimeOffset: String(pto + Math.round((from - periodStart) * timescale)) }),
      });
    }
    eventsPlaced = true;
    edits.sort((a, b) => a.start - b.start);
    let inner = '';
    let cursor = period.inner.start;
    for (const edit of edits) {
      inner += mpd.slice(cursor, edit.start) + edit.text;
      cursor = edit.end;
    }
    inner += mpd.slice(cursor, period.inner.end);
    out.push(`${withAttributes(mpd.slice(period.tag.start, period.tag.end), ['id', 'start', 'duration'], { id, start: seconds(from) })}${inner}</Period>`);
  };

  // An ad or slate segment is listed when a channel segment starting at the same instant would be (once the
  // channel's timeline has reached its start plus a channel segment), and offered as early (availabilityTimeOffset
  // below): the player meets the break on the channel's own cadence, its notion of the live edge never runs
  // ahead of the channel, and the MPD never describes more of a break than the channel has aired (an early
  // return may still cut it). A break is placed once it is within a segment of the live edge.
  const channelSegment = Math.max(...reference.segments.map((s) => s.d)) / reference.timescale;
  const horizon = liveEdge + channelSegment;

  // One ad or slate MPD as a Period from `from`, at most `room` seconds long. Undefined when none of its
  // segments is listed yet (a Period with an empty SegmentTimeline is not valid): the next reload places it.
  // The slate loops: each source is parsed once per stitch.
  const parsedFillers = new Map<string, Structure>();
  const filler = (id: string, source: string, from: number, room: number): number | undefined => {
    const parsed = parsedFillers.get(source) ?? structure(source);
    parsedFillers.set(source, parsed);
    if (parsed.periods.length !== 1) fail(`an ad MPD needs one Period, ${id}'s has ${parsed.periods.length}`);
    if ((attribute(source, parsed.mpd, 'type') ?? 'static') !== 'static') fail(`the MPD of ${id} must be static (on demand)`);
    const length = parseMpdDuration(attribute(source, parsed.mpd, 'mediaPresentationDuration'));
    if (length === undefined || length <= 0) fail(`the MPD of ${id} needs a mediaPresentationDuration`);
    const own = parsed.periods[0]!;
    if (own.templates.length === 0) fail(`the MPD of ${id} has no SegmentTimeline`);
    const duration = Math.min(length, room);
    if (from + duration <= windowStart) return duration;
    const ownStart = parseMpdDuration(attribute(source, own.tag, 'start') ?? 'PT0S') ?? 0;
    const edits: { start: number; end: number; text: string }[] = [];
    for (const template of own.templates) {
      const selected = template.segments.filter((s) => {
        const begins = from + presentation(template, ownStart, s.t) - ownStart;
        // A segment that would play for less than a quarter second before the Period's end is left out: where
        // a cut falls on a segment boundary, audio segments a few AAC frames off it would otherwise be fetched
        // (and counted as played) for nothing.
        return begins < from + duration - 0.25 && begins + channelSegment <= liveEdge + 0.001;
      });
      if (selected.length === 0) return undefined;
      const own = Math.max(...selected.map((x) => x.d / template.timescale));
      longest = Math.max(longest, own);
      edits.push({ start: template.timeline.start, end: template.timeline.end, text: timelineText(selected) });
      // In a dynamic MPD a segment is available once it has ended (§5.3.9.5.3, AST + Period@start + its end):
      // an ad's 4 s segment would be announced 2 s later than the channel's 2 s one starting at the same
      // instant, and a player that keeps to the channel's latency would stall at the boundary. The ad is on
      // demand, so its segments are offered as early as the channel's (§5.3.9.5.3 availabilityTimeOffset).
      const early = Number((own - channelSegment).toFixed(3));
      if (early > 0) {
        const current = Number(attribute(source, template.tag, 'availabilityTimeOffset') ?? '0');
        edits.push({
          start: template.tag.start,
          end: template.tag.end,
          text: withAttributes(source.slice(template.tag.start, template.tag.end), ['availabilityTimeOffset'], { availabilityTimeOffset: String(Number(((Number.isFinite(current) ? current : 0) + early).toFixed(3))) }),
        });
      }
    }
    let inner = '';
    let cursor = own.inner.start;
    for (const edit of edits.sort((a, b) => a.start - b.start)) {
      inner += source.slice(cursor, edit.start) + edit.text;
      cursor = edit.end;
    }
    inner += source.slice(cursor, own.inner.end);
    const base = parsed.baseUrl === undefined ? '' : `<BaseURL>${parsed.baseUrl}</BaseURL>`;
    out.push(`<Period id="${id}" start="${seconds(from)}" duration="${seconds(duration)}">${base}${inner}</Period>`);
    return duration;
  };

  let contentFrom = periodStart;
  let contentId = periodId;
  for (const fill of usable) {
    const after = `${periodId}-after-${fill.id}`;
    if (fill.end <= windowStart) {
      // The whole break has left the window; the content after it carries on under its own id.
      [contentFrom, contentId] = [fill.end, after];
      continue;
    }
    if (fill.start >= horizon) break; // not reached yet: a later reload places it
    content(contentId, contentFrom, fill.start);
    let clock = fill.start;
    let open = true; // false once a Period could not be listed yet: nothing after it is either
    for (const [index, ad] of fill.ads.entries()) {
      if (!open || clock >= fill.end - 0.001) break;
      const placed = filler(`${fill.id}-ad-${index + 1}`, ad, clock, fill.end - clock);
      if (placed === undefined) open = false;
      else clock += placed;
    }
    for (let k = 1; open && fill.slate !== undefined && clock < fill.end - 0.001 && k <= 1000; k++) {
      const placed = filler(`${fill.id}-slate-${k}`, fill.slate, clock, fill.end - clock);
      if (placed === undefined) open = false;
      else clock += placed;
    }
    // Without slate the channel's own break content plays from where the ads stop.
    [contentFrom, contentId] = [fill.slate === undefined && open ? Math.min(fill.end, clock) : fill.end, after];
    if (!open) break;
  }
  if (contentFrom < liveEdge) content(contentId, contentFrom, Number.POSITIVE_INFINITY);
  if (out.length === 0) return mpd;
  const declared = parseMpdDuration(attribute(mpd, parsed.mpd, 'maxSegmentDuration'));
  const head = declared !== undefined && longest > declared + 0.0005
    ? withAttributes(mpd.slice(parsed.mpd.start, parsed.mpd.end), ['maxSegmentDuration'], { maxSegmentDuration: seconds(longest) })
    : mpd.slice(parsed.mpd.start, parsed.mpd.end);
  return mpd.slice(0, parsed.mpd.start) + head + mpd.slice(parsed.mpd.end, period.tag.start) + out.join('\n') + mpd.slice(period.end);
}
