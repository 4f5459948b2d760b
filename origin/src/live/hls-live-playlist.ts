import type { LivePart, LiveSegment } from './channel-store.ts';
import { adBreakEndMs, type AdBreakSignal } from './ad-break-signal.ts';
import { initFile, partFile, segmentFile } from './live-file-names.ts';
import { toHex } from './scte35-splice-insert.ts';

export interface HlsLivePlaylistOptions {
  /** The rendition's segments inside the DVR window, oldest first (consecutive sequence numbers). */
  segments: LiveSegment[];
  segmentSeconds: number;
  /** Breaks that overlap the window or are still ahead, with their SCTE-35 sections. */
  breaks: AdBreakSignal[];
  now: number;
  /** Low-latency HLS: parts of the last segments and of the one in progress, blocking reload, delta updates. */
  lowLatency?: {
    /** Longest part duration, seconds (EXT-X-PART-INF PART-TARGET). */
    partTarget: number;
    /** The segment being cut now (its parts so far), when it follows the last complete one. */
    partial: { seq: number; disc: number; initId: string; timescale: number; parts: LivePart[]; complete?: boolean } | undefined;
    /** _HLS_skip=YES: replace segments older than CAN-SKIP-UNTIL with EXT-X-SKIP. */
    skip: boolean;
  };
  /**
   * Without low latency: offer delta updates all the same (EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL, RFC
   * 8216bis 4.4.3.8) and, with `skip` (_HLS_skip=YES), answer one. A long DVR window is then reloaded
   * as its last six target durations.
   */
  deltaUpdates?: { skip: boolean };
}

/** A segment counts as at or after an instant when it starts at most this much before it (grid rounding). */
const EDGE_TOLERANCE_MS = 250;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function seconds(value: number): string {
  return value.toFixed(3);
}

/**
 * Is the segment inside the break? From the segment that starts with the break to the one before the
 * return: an early return by sequence number when it has one (a segment listed in the break stays there
 * even if segments ran shorter or longer than planned), else by time.
 */
function inBreak(adBreak: AdBreakSignal['adBreak'], segment: LiveSegment): boolean {
  const startsAfter = (at: number) => segment.pdtMs >= at - EDGE_TOLERANCE_MS;
  if (!startsAfter(adBreak.startMs)) return false;
  if (adBreak.returnSeq !== undefined) return segment.seq < adBreak.returnSeq && !startsAfter(adBreak.startMs + adBreak.durationMs);
  return !startsAfter(adBreakEndMs(adBreak));
}

function partLines(rendition: string, seq: number, timescale: number, parts: LivePart[]): string[] {
  return parts.map((part, i) => `#EXT-X-PART:DURATION=${seconds(part.duration / timescale)},URI="${partFile(rendition, seq, i)}"${part.independent ? ',INDEPENDENT=YES' : ''}`);
}

/**
 * A sliding-window live media playlist (RFC 8216bis): media sequence and discontinuity sequence of
 * the first segment in the window, EXT-X-PROGRAM-DATE-TIME on every segment, EXT-X-DISCONTINUITY
 * where an encoder run starts, EXT-X-GAP for time the encoder never delivered, EXT-X-MAP whenever the
 * init segment changes. Ad breaks: EXT-X-DATERANGE with SCTE35-OUT (listed as soon as the break is
 * placed, so ad insertion can prefetch), a second one with the same ID carrying SCTE35-IN once the
 * break has ended, and the common EXT-X-CUE-OUT / -CUE-OUT-CONT / -CUE-IN on the segments. An early
 * return (an operator ended the break) moves SCTE35-IN, its DURATION and EXT-X-CUE-IN to the return
 * boundary; the planned duration stays on what was already announced (SCTE35-OUT, CUE-OUT).
 */
export function hlsLivePlaylist(options: HlsLivePlaylistOptions): string {
  const { segmentSeconds, breaks, now, lowLatency, deltaUpdates } = options;
  // Media sequence numbers are positions: a hole (a store from before gap filling, where an encoder died
  // between one rendition's segment and another's) would renumber every segment after it against its URI and
  // the other renditions. The window starts after the last hole instead.
  const hole = options.segments.findLastIndex((s, i) => i > 0 && s.seq !== options.segments[i - 1]!.seq + 1);
  const segments = hole === -1 ? options.segments : options.segments.slice(hole);
  const first = segments[0];
  const maxDuration = Math.max(segmentSeconds, ...segments.map((s) => Math.round(s.duration / s.timescale)));
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${lowLatency ? 9 : 7}`, `#EXT-X-TARGETDURATION:${maxDuration}`];
  // RFC 8216bis 4.4.3.8: skipping is allowed for segments more than six target durations from the end.
  const skipUntil = maxDuration * 6;
  let skipped = 0;
  if (lowLatency) {
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(lowLatency.partTarget * 3)},CAN-SKIP-UNTIL=${skipUntil.toFixed(1)}`);
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${seconds(lowLatency.partTarget)}`);
  } else if (deltaUpdates) {
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=${skipUntil.toFixed(1)}`);
  }
  if (lowLatency?.skip ?? deltaUpdates?.skip) {
    const end = segments.reduce((sum, s) => sum + s.duration / s.timescale, 0);
    let elapsed = 0;
    for (const segment of segments) {
      if (end - elapsed <= skipUntil) break;
      elapsed += segment.duration / segment.timescale;
      skipped += 1;
    }
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? 0}`, `#EXT-X-DISCONTINUITY-SEQUENCE:${first?.disc ?? 0}`, '#EXT-X-INDEPENDENT-SEGMENTS');
  // Just after the channel comes back on air, the usual start (three target durations from the end) lies in
  // the EXT-X-GAP placeholders of the off-air time, and hls.js does not jump a hole that long when it starts:
  // start a new viewer at the first media after the gaps instead (RFC 8216bis 4.4.2.2, from the end).
  // Counted in whole segments (a player that ignores parts measures from the last whole segment's end) and
  // 0.6 s short (half a segment at most), so the start falls inside the first media segment of every rendition:
  // audio's segments start up to one AAC part (0.512 s) after video's, and hls.js aligns audio to video's start.
  const lastGap = segments.findLastIndex((s) => s.gap);
  if (lastGap !== -1) {
    const after = segments.slice(lastGap + 1).reduce((sum, s) => sum + s.duration / s.timescale, 0);
    if (after < maxDuration * 3) lines.push(`#EXT-X-START:TIME-OFFSET=-${seconds(Math.max(0, after - Math.min(0.6, after / 2)))},PRECISE=YES`);
  }
  const windowStart = first?.pdtMs ?? now;
  // The newest sequence number this playlist shows: the segment in progress (its parts) or the one the preload
  // hint names. An early return is listed (SCTE35-IN) once the playlist shows its segment, even if that
  // segment started before the predicted instant: ad insertion publishes a break's slot whole as soon as the
  // segment it replaces is in progress, and must know by then whether that segment is back in the channel.
  const last = segments.at(-1);
  const partial = lowLatency?.partial !== undefined && last !== undefined && lowLatency.partial.seq === last.seq + 1 ? lowLatency.partial : undefined;
  const shownSeq = lowLatency === undefined || last === undefined ? last?.seq : partial ? partial.seq + (partial.complete ? 1 : 0) : last.seq + 1;
  for (const signal of breaks) {
    const { adBreak } = signal;
    const endMs = adBreakEndMs(adBreak);
    if (endMs < windowStart) continue;
    const id = `splice-${adBreak.spliceEventId}`;
    lines.push(`#EXT-X-DATERANGE:ID="${id}",START-DATE="${iso(adBreak.startMs)}",PLANNED-DURATION=${seconds(adBreak.durationMs / 1000)},SCTE35-OUT=${toHex(signal.out)}`);
    const returnShown = adBreak.returnSeq !== undefined && shownSeq !== undefined && shownSeq >= adBreak.returnSeq;
    if (endMs <= now || returnShown) lines.push(`#EXT-X-DATERANGE:ID="${id}",START-DATE="${iso(adBreak.startMs)}",DURATION=${seconds((endMs - adBreak.startMs) / 1000)},SCTE35-IN=${toHex(signal.in)}`);
  }
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  let map: string | undefined;
  let previous: LiveSegment | undefined = skipped > 0 ? segments[skipped - 1] : undefined;
  // Parts are listed for the segments of the last three target durations (RFC 8216bis 4.4.4.9).
  const partsFrom = segments.length - Math.ceil((maxDuration * 3) / segmentSeconds);
  for (const [index, segment] of segments.entries()) {
    if (index < skipped) continue;
    if (previous !== undefined && segment.disc !== previous.disc) lines.push('#EXT-X-DISCONTINUITY');
    const uri = initFile(segment.rendition, segment.initId);
    if (uri !== map) {
      lines.push(`#EXT-X-MAP:URI="${uri}"`);
      map = uri;
    }
    const durationMs = (segment.duration / segment.timescale) * 1000;
    for (const signal of breaks) {
      const { startMs, durationMs: breakMs } = signal.adBreak;
      const within = (s: LiveSegment | undefined) => s !== undefined && inBreak(signal.adBreak, s);
      if (within(segment)) {
        // The first segment listed opens the break only if it starts with it: a window that slid past the
        // break's first segment starts with CUE-OUT-CONT (a CUE-OUT there would announce a second break).
        const opens = previous !== undefined ? !within(previous) : segment.pdtMs < startMs + EDGE_TOLERANCE_MS;
        if (opens) lines.push(`#EXT-X-CUE-OUT:DURATION=${seconds(breakMs / 1000)}`);
        else lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${seconds(Math.max(0, segment.pdtMs - startMs) / 1000)},Duration=${seconds(breakMs / 1000)}`);
      } else if (segment.pdtMs >= startMs - EDGE_TOLERANCE_MS && within(previous)) {
        lines.push('#EXT-X-CUE-IN');
      }
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${iso(segment.pdtMs)}`);
    if (lowLatency && index >= partsFrom && !segment.gap) lines.push(...partLines(segment.rendition, segment.seq, segment.timescale, segment.parts));
    if (segment.gap) lines.push('#EXT-X-GAP');
    lines.push(`#EXTINF:${seconds(durationMs / 1000)},`);
    lines.push(segmentFile(segment.rendition, segment.seq));
    previous = segment;
  }
  if (lowLatency && first !== undefined && last !== undefined) {
    if (partial) {
      // The first segment of a new encoder run: its parts come behind the discontinuity the whole segment
      // will carry, so a player numbers them as it will number the segment on the next reload.
      if (partial.disc !== last.disc) lines.push('#EXT-X-DISCONTINUITY');
      const uri = initFile(first.rendition, partial.initId);
      if (uri !== map) lines.push(`#EXT-X-MAP:URI="${uri}"`);
      lines.push(...partLines(first.rendition, partial.seq, partial.timescale, partial.parts));
    }
    // Once the parts reach the segment's end (the whole segment is being written), the next part is the next
    // segment's first: a hint at a part past the end would name a file that never comes (a 404 after the
    // held request, which Shaka retries into a fatal error).
    const next = partial && !partial.complete ? { seq: partial.seq, index: partial.parts.length } : { seq: (partial?.seq ?? last.seq) + 1, index: 0 };
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partFile(first.rendition, next.seq, next.index)}"`);
  }
  return `${lines.join('\n')}\n`;
}
