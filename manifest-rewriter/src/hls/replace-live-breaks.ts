import { ManifestError } from '../manifest-error.ts';
import { skippedSegments } from './find-live-breaks.ts';

/** One segment that takes a break segment's place: an ad's or the slate's. */
export interface LiveSlot {
  uri: string;
  duration: number;
  /** The full `#EXT-X-MAP:…` line of the slot's init segment. */
  map: string;
  /** Which ad (or slate run) the slot belongs to: a change of run is a discontinuity. */
  run: number;
}

/** A break of this session with its frozen slot layout (the same on every reload). */
export interface LiveBreakFill {
  startMsn: number;
  /** First content segment after the break, once the CUE-IN has been seen. */
  endMsn: number | undefined;
  slots: LiveSlot[];
}

/**
 * The media sequence numbers before which this break puts an EXT-X-DISCONTINUITY: its first slot, every
 * change of ad, the return to content where the slots run out, and the CUE-IN (early or on time).
 */
export function breakDiscontinuities(fill: LiveBreakFill): number[] {
  const points: number[] = [];
  const end = fill.endMsn ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < fill.slots.length && fill.startMsn + i < end; i++) {
    if (i === 0 || fill.slots[i]!.run !== fill.slots[i - 1]!.run) points.push(fill.startMsn + i);
  }
  const slotsEnd = fill.startMsn + fill.slots.length;
  if (slotsEnd < end && fill.slots.length > 0) points.push(slotsEnd);
  if (fill.endMsn !== undefined && fill.endMsn <= slotsEnd && fill.endMsn > fill.startMsn) points.push(fill.endMsn);
  return points;
}

function slotAt(fills: LiveBreakFill[], msn: number): LiveSlot | undefined {
  const fill = fills.find((f) => msn >= f.startMsn && msn < (f.endMsn ?? Number.POSITIVE_INFINITY));
  return fill?.slots[msn - fill.startMsn];
}

/**
 * Replace SCTE-35 breaks in a live media playlist, per session: each content segment inside a break is
 * swapped one for one with the slot at the same offset, so media sequence numbers never move and every
 * reload numbers the same segment the same way. Discontinuities go where breakDiscontinuities says, and
 * EXT-X-DISCONTINUITY-SEQUENCE counts those that have left the window (`slidOut`, from the session's
 * earlier breaks and this one's) on top of the origin's own. An early return (CUE-IN before the slots run
 * out) cuts the ad at that segment and restates the content's EXT-X-MAP, so the player never waits on a
 * segment that will not come. Date ranges, cue tags and program date times pass through untouched.
 */
export interface ReplaceLiveBreaksOptions {
  /** An announced break starts with the segment in progress, and its layout is not frozen yet. */
  breakAhead?: boolean;
  /**
   * What the segment in progress (LL-HLS: its parts are listed) is by the origin's account, when a slot is due
   * there: `slot`, inside the break (its slot is published whole now); `content`, back in the channel after
   * an early return the playlist announces (its parts stay, behind the return's discontinuity). Unknown:
   * the segment is withheld until it is whole.
   */
  inProgress?: 'slot' | 'content';
}

export function replaceLiveBreaks(playlist: string, fills: LiveBreakFill[], slidOut: number, options: ReplaceLiveBreaksOptions = {}): string {
  if (fills.length === 0 && slidOut === 0 && !options.breakAhead) return playlist;
  const eol = playlist.includes('\r\n') ? '\r\n' : '\n';
  const lines = playlist.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '') !== '#EXTM3U') throw new ManifestError('malformed-playlist', 'the playlist does not start with #EXTM3U');
  const points = new Set(fills.flatMap(breakDiscontinuities));
  let msn = Number.parseInt(lines.find((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'))?.slice(22) ?? '0', 10) || 0;
  const out: string[] = [];
  let group: string[] = [];
  let contentMap: string | undefined;
  let emittedMap: string | undefined;
  let sawSequence = false;
  let maxDuration = 0;
  // The preload hint and rendition reports describe the end of the playlist: they go after the parts of the
  // segment in progress (which this loop only flushes after the last line), as the origin listed them.
  const trailer: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PRELOAD-HINT:') || line.startsWith('#EXT-X-RENDITION-REPORT:')) {
      trailer.push(line);
      continue;
    }
    if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) {
      sawSequence = true;
      out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${(Number.parseInt(line.slice(30), 10) || 0) + slidOut}`);
      continue;
    }
    if (line.startsWith('#EXT-X-SKIP:')) {
      msn += skippedSegments(line);
      out.push(line);
      continue;
    }
    if (line.startsWith('#EXT-X-MAP:')) {
      contentMap = line;
      continue; // emitted with the segment it applies to
    }
    if (line === '' || line.startsWith('#')) {
      (line.startsWith('#EXTINF') || line.startsWith('#EXT-X-BYTERANGE') || line.startsWith('#EXT-X-PROGRAM-DATE-TIME') || line.startsWith('#EXT-X-CUE') || line.startsWith('#EXT-X-DATERANGE') || line === '#EXT-X-DISCONTINUITY' || line.startsWith('#EXT-X-GAP') || line.startsWith('#EXT-X-PART:') ? group : out).push(line);
      continue;
    }
    // A segment URI: decide what plays at this media sequence number.
    const slot = slotAt(fills, msn);
    // A replaced segment loses the content's LL-HLS parts too: a low-latency player would play them instead.
    const kept = group.filter((l) => !(slot && (l.startsWith('#EXTINF') || l.startsWith('#EXT-X-BYTERANGE') || l.startsWith('#EXT-X-PART:'))) && l !== '#EXT-X-DISCONTINUITY');
    const originDiscontinuity = group.includes('#EXT-X-DISCONTINUITY');
    // Discontinuity and map first: the segment's parts (LL-HLS) are read with the map in force before them.
    if (points.has(msn) || originDiscontinuity) out.push('#EXT-X-DISCONTINUITY');
    const map = slot ? slot.map : contentMap;
    if (map !== undefined && (map !== emittedMap || points.has(msn) || originDiscontinuity)) {
      out.push(map);
      emittedMap = map;
    }
    out.push(...kept);
    if (slot) {
      out.push(`#EXTINF:${slot.duration.toFixed(3)},`, slot.uri);
      maxDuration = Math.max(maxDuration, slot.duration);
    } else out.push(line);
    group = [];
    msn++;
  }
  // The parts of the segment being cut (and the hint for the next part) belong to a break when a slot is
  // due there, or when an announced break starts with it (`breakAhead`: its CUE-OUT comes only with the
  // whole segment): they go, and the player waits for the whole segment. Otherwise a player would hold the
  // content's parts (hls.js: the hint) under a discontinuity number the ad then changes.
  const ending = out.at(-1) === '' ? out.pop() : undefined;
  const due = slotAt(fills, msn);
  const lowLatency = lines.some((l) => l.startsWith('#EXT-X-PART-INF:'));
  const parts = group.some((l) => l.startsWith('#EXT-X-PART:'));
  // Shown in progress: its parts, or (at a segment boundary) the preload hint naming its first part. A blocking
  // reload (`_HLS_msn=N` without a part) returns at that boundary, before the next segment has any part: the
  // slot must be there already, or the player waits a whole segment for the next reload.
  const shown = parts || trailer.some((l) => l.startsWith('#EXT-X-PRELOAD-HINT:'));
  if (due && due.uri !== '' && lowLatency && shown && options.inProgress === 'slot') {
    // The slot is published whole as soon as the segment it replaces is in progress: the creative is all there,
    // and a low-latency player (Shaka holds PART-HOLD-BACK behind the newest part) would otherwise run dry
    // waiting for the whole content segment before every ad segment. The origin never moves a segment it has
    // shown (parts or preload hint) across a splice, so this slot stays on every later reload. With parts listed
    // the origin's own discontinuity (an encoder restart) comes before them and the slot keeps it; with only the
    // hint a restart at that very boundary is not known yet (left: README "Ad insertion").
    const discontinuous = points.has(msn) || group.includes('#EXT-X-DISCONTINUITY');
    if (discontinuous) out.push('#EXT-X-DISCONTINUITY');
    if (due.map !== emittedMap || discontinuous) out.push(due.map);
    out.push(...group.filter((l) => !(l.startsWith('#EXT-X-PART:') || l.startsWith('#EXTINF') || l.startsWith('#EXT-X-BYTERANGE') || l === '#EXT-X-DISCONTINUITY')));
    out.push(`#EXTINF:${due.duration.toFixed(3)},`, due.uri, ...trailer.filter((l) => !l.startsWith('#EXT-X-PRELOAD-HINT:')));
    maxDuration = Math.max(maxDuration, due.duration);
    // Not the playlist's last line (hls.js, below).
    out.push('# next segment follows the break');
  } else if ((due && (options.inProgress !== 'content' || !parts)) || options.breakAhead) {
    // The withheld segment's discontinuity (a new encoder run) goes too: the whole segment carries its own.
    out.push(...group.filter((l) => !l.startsWith('#EXT-X-PART:') && l !== '#EXT-X-DISCONTINUITY'), ...trailer.filter((l) => !l.startsWith('#EXT-X-PRELOAD-HINT:')));
    // An LL-HLS playlist must not end on a whole segment's URI: hls.js (m3u8-parser) then takes that last
    // segment for the one in progress (its fragmentHint) and, on the next reload, compares its URI with the
    // segment that follows it: "media sequence mismatch", and the rendition stops reloading. Any line after
    // the URI makes it start an empty segment in progress instead; a comment is ignored by every player.
    if (lines.some((l) => l.startsWith('#EXT-X-PART-INF:')) && out.length > 0 && !out.at(-1)!.startsWith('#')) out.push('# next segment withheld until whole (an ad break slot)');
  } else {
    // The segment being cut may start a new init segment (an encoder restart): its map goes before its parts.
    // Where the slots run out it is content again after an ad: its parts need the discontinuity its whole
    // segment will get, or hls.js numbers them in the ad's discontinuity ("discontinuity sequence mismatch").
    // A new encoder run's parts come with the origin's own discontinuity: it goes first, then the map, as for
    // a whole segment.
    // An early return at the segment in progress (`inProgress: 'content'` with a slot due) is a discontinuity
    // too: the CUE-IN on its whole segment puts one there on the next reload.
    const discontinuous = parts && (points.has(msn) || group.includes('#EXT-X-DISCONTINUITY') || due !== undefined);
    if (discontinuous) out.push('#EXT-X-DISCONTINUITY');
    if (contentMap !== undefined && (contentMap !== emittedMap || discontinuous) && parts) out.push(contentMap);
    out.push(...group.filter((l) => !(discontinuous && l === '#EXT-X-DISCONTINUITY')), ...trailer);
  }
  if (ending !== undefined) out.push(ending);
  if (!sawSequence && slidOut > 0) {
    const at = out.findIndex((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:'));
    out.splice(at + 1, 0, `#EXT-X-DISCONTINUITY-SEQUENCE:${slidOut}`);
  }
  const target = out.findIndex((l) => l.startsWith('#EXT-X-TARGETDURATION:'));
  if (target !== -1 && Math.round(maxDuration) > (Number.parseInt(out[target]!.slice(22), 10) || 0)) out[target] = `#EXT-X-TARGETDURATION:${Math.round(maxDuration)}`;
  return out.join(eol);
}
