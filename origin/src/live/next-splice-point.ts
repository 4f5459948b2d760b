import type { LiveSegment } from './channel-store.ts';

/** What the playlists of one rendition have published so far. */
export interface RenditionEdge {
  type: 'video' | 'audio';
  /** The newest complete segment. */
  last: Pick<LiveSegment, 'seq' | 'pdtMs' | 'duration' | 'timescale'> | undefined;
  /** The segment being cut, whose parts LL-HLS playlists already list. */
  partial: { seq: number; pdtMs: number; complete: boolean; /** What its parts cover so far, ms. */ partsMs: number } | undefined;
}

export interface SplicePoint {
  /** The first segment on the other side of the splice; undefined when nothing has been published yet. */
  seq: number | undefined;
  /** Its expected program date time (epoch ms). */
  ms: number;
}

/**
 * Where a splice (a break's start, an early return) can go: the first segment boundary at or after `atMs`
 * that lies after everything any rendition's playlist has shown, counted by sequence number. A playlist has
 * shown its whole segments, the parts of the segment in progress and, when there are none, the next
 * segment's first part as a preload hint, so the splice goes after the segment in progress (or the hinted
 * one) of every rendition. A segment a player has seen on one side of a splice therefore never moves to the
 * other side on a later reload, however irregular the segments were (an encoder restart under load cuts a
 * 1.3 s segment, a stalled one a 4 s segment) and whichever rendition is ahead.
 *
 * The time is predicted from the newest segment start known (video first: its segments are whole frames
 * of the nominal length, audio's a few AAC frames off), one nominal segment per sequence number after it.
 */
export function nextSplicePoint(renditions: readonly RenditionEdge[], atMs: number, segmentSeconds: number): SplicePoint {
  const step = segmentSeconds * 1000;
  let shown = -1;
  let base: { seq: number; pdtMs: number; video: boolean } | undefined;
  for (const rendition of renditions) {
    const { last, partial } = rendition;
    const inProgress = partial !== undefined && (last === undefined || partial.seq > last.seq) ? partial : undefined;
    if (last === undefined && inProgress === undefined) continue;
    // The segment in progress, or the one the preload hint names (the next one once the parts are complete).
    shown = Math.max(shown, inProgress ? inProgress.seq + (inProgress.complete ? 1 : 0) : last!.seq + 1);
    // Where the next segment starts: after the last complete one, or after the one in progress (a nominal
    // segment, or longer when its parts already run past that).
    const known = inProgress
      ? { seq: inProgress.seq + 1, pdtMs: inProgress.pdtMs + Math.max(step, Math.round(inProgress.partsMs)) }
      : { seq: last!.seq + 1, pdtMs: last!.pdtMs + Math.round((last!.duration / last!.timescale) * 1000) };
    const video = rendition.type === 'video';
    if (base === undefined || (video && !base.video) || (video === base.video && known.seq > base.seq)) base = { ...known, video };
  }
  if (base === undefined) return { seq: undefined, ms: atMs };
  const seq = Math.max(shown + 1, base.seq + Math.max(0, Math.ceil((atMs - base.pdtMs) / step)));
  return { seq, ms: base.pdtMs + (seq - base.seq) * step };
}
