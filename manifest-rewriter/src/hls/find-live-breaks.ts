import { ManifestError } from '../manifest-error.ts';

/** A SCTE-35 break seen in a live media playlist (EXT-X-CUE-OUT/-CONT/-IN on the segments, EXT-X-DATERANGE). */
export interface LiveBreak {
  /**
   * The media sequence number of the break's first segment: its identity across reloads. When the
   * CUE-OUT segment has slid out of the window it is worked out from CUE-OUT-CONT's ElapsedTime.
   */
  startMsn: number;
  plannedSeconds: number;
  /** The first content segment after the break (its CUE-IN), once it is in the playlist. */
  endMsn: number | undefined;
  /** Program date (epoch ms) of the break's first segment when the playlist carries EXT-X-PROGRAM-DATE-TIME. */
  startDate?: number;
  /** True when the break's CUE-OUT had already left the window (a viewer joining mid-break). */
  joinedMidBreak?: true;
}

/** A break announced ahead by `EXT-X-DATERANGE … SCTE35-OUT` (its segments may not be in the playlist yet). */
export interface AnnouncedBreak {
  id: string;
  startDate: number;
  plannedSeconds: number;
  /** The DATERANGE carried SCTE35-IN: the break is over (possibly before its planned end: an early return). */
  ended: boolean;
  /** Once ended: how long the break aired (the SCTE35-IN tag's DURATION), shorter than planned after an early return. */
  airedSeconds?: number;
}

export interface LiveBreakScan {
  mediaSequence: number;
  discontinuitySequence: number;
  targetDuration: number;
  /** Media sequence number after the last segment. */
  nextMsn: number;
  breaks: LiveBreak[];
  announced: AnnouncedBreak[];
  /** Program date (epoch ms) where the segment after the last listed one starts; NaN without program dates. */
  nextDate: number;
}

function attr(list: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|,)${name}=("[^"]*"|[^,]*)`).exec(list);
  return match?.[1]?.replace(/^"|"$/g, '');
}

function cueDuration(line: string): number {
  // `#EXT-X-CUE-OUT:DURATION=30`, `#EXT-X-CUE-OUT:30` or bare `#EXT-X-CUE-OUT`.
  const value = line.includes(':') ? line.slice(line.indexOf(':') + 1) : '';
  const seconds = Number(value.startsWith('DURATION=') ? value.slice(9) : value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** EXT-X-SKIP:SKIPPED-SEGMENTS=n (RFC 8216bis 4.4.5.2): how many segments a delta update leaves out. */
export function skippedSegments(line: string): number {
  const n = Number.parseInt(attr(line.slice(line.indexOf(':') + 1), 'SKIPPED-SEGMENTS') ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Read the breaks of a live media playlist in the channel format (README "Ad insertion", live). */
export function findLiveBreaks(playlist: string): LiveBreakScan {
  const lines = playlist.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '') !== '#EXTM3U') throw new ManifestError('malformed-playlist', 'the playlist does not start with #EXTM3U');
  let msn = 0;
  let discontinuitySequence = 0;
  let targetDuration = 0;
  const breaks: LiveBreak[] = [];
  const announced = new Map<string, AnnouncedBreak>();
  let open: LiveBreak | undefined;
  let pendingOut: number | undefined;
  let pendingCont: { elapsed: number; duration: number } | undefined;
  let pendingIn = false;
  let date = Number.NaN;
  let duration = 0;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8)) || 0;
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number.parseInt(line.slice(22), 10) || 0;
    // An LL-HLS delta update (_HLS_skip) leaves out its oldest segments: the first one listed comes after them.
    else if (line.startsWith('#EXT-X-SKIP:')) msn += skippedSegments(line);
    else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) discontinuitySequence = Number.parseInt(line.slice(30), 10) || 0;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number.parseInt(line.slice(22), 10) || 0;
    else if (line.startsWith('#EXT-X-CUE-OUT-CONT')) {
      const list = line.slice(line.indexOf(':') + 1);
      pendingCont = { elapsed: Number(attr(list, 'ElapsedTime') ?? Number.NaN), duration: Number(attr(list, 'Duration') ?? Number.NaN) };
    } else if (line.startsWith('#EXT-X-CUE-OUT')) pendingOut = cueDuration(line);
    else if (line.startsWith('#EXT-X-CUE-IN')) pendingIn = true;
    else if (line.startsWith('#EXT-X-DATERANGE:')) {
      const list = line.slice(17);
      const id = attr(list, 'ID');
      if (id === undefined) continue;
      const out = attr(list, 'SCTE35-OUT');
      const inn = attr(list, 'SCTE35-IN');
      const known = announced.get(id);
      if (out !== undefined || known) {
        const startDate = Date.parse(attr(list, 'START-DATE') ?? '');
        // The SCTE35-IN tag's DURATION is what the break turned out to be; the plan is PLANNED-DURATION.
        const planned = Number(attr(list, 'PLANNED-DURATION') ?? (known ? known.plannedSeconds : attr(list, 'DURATION')) ?? Number.NaN);
        const aired = inn !== undefined ? Number(attr(list, 'DURATION') ?? Number.NaN) : known?.airedSeconds;
        announced.set(id, {
          id,
          startDate: Number.isNaN(startDate) ? known?.startDate ?? Number.NaN : startDate,
          plannedSeconds: Number.isFinite(planned) ? planned : known?.plannedSeconds ?? 0,
          ended: (known?.ended ?? false) || inn !== undefined,
          ...(aired !== undefined && Number.isFinite(aired) && aired >= 0 && { airedSeconds: aired }),
        });
      }
    } else if (line !== '' && !line.startsWith('#')) {
      // A segment URI: the cue tags above it apply to it.
      if (pendingIn && open) {
        open.endMsn = msn;
        open = undefined;
      }
      if (pendingOut !== undefined) {
        if (open) open.endMsn = msn;
        open = { startMsn: msn, plannedSeconds: pendingOut, endMsn: undefined, ...(Number.isFinite(date) && { startDate: date }) };
        breaks.push(open);
      } else if (pendingCont && !open) {
        // Joined mid-break: the CUE-OUT segment is no longer in the window.
        const step = targetDuration > 0 ? targetDuration : 1;
        const elapsed = Number.isFinite(pendingCont.elapsed) ? pendingCont.elapsed : 0;
        open = { startMsn: msn - Math.round(elapsed / step), plannedSeconds: Number.isFinite(pendingCont.duration) ? pendingCont.duration : 0, endMsn: undefined, joinedMidBreak: true };
        breaks.push(open);
      }
      pendingOut = undefined;
      pendingCont = undefined;
      pendingIn = false;
      msn++;
      date += duration * 1000;
    }
  }
  return { mediaSequence: breaks.length > 0 || msn > 0 ? Number.parseInt(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? '0', 10) : 0, discontinuitySequence, targetDuration, nextMsn: msn, breaks, announced: [...announced.values()], nextDate: date };
}
