import type { LiveBreak, LiveBreakScan, ReplaceLiveBreaksOptions } from '@cascade/manifest-rewriter';

/** A segment counts as at or after an instant when it starts at most this much before it (the origin's grid rounding). */
const EDGE_TOLERANCE_MS = 250;

/**
 * What the segment in progress of a live media playlist is, by the origin's account, when it falls inside
 * this session's break `breakId` (its fill covers scan.nextMsn): still in the break (`slot`: the rewriter
 * publishes the slot whole now), or back in the channel after the break's end (`content`). The origin cuts
 * by the same rules (origin/src/live/hls-live-playlist.ts inBreak): the planned end by time, an early return
 * by sequence number, listed (SCTE35-IN) as soon as a playlist shows the return's segment, and never placed
 * at a segment a playlist has already shown. So a segment in progress with no return announced stays in the
 * break. An early return's DURATION is the predicted time of its segment: half a segment of slack either way.
 * Nothing (the segment is withheld until whole) when the playlist has no program dates or the break is unknown.
 */
export function inProgressOf(scan: Pick<LiveBreakScan, 'announced' | 'nextDate'>, breakId: string | undefined, targetSeconds: number): Pick<ReplaceLiveBreaksOptions, 'inProgress'> {
  const announced = breakId === undefined ? undefined : scan.announced.find((a) => a.id === breakId);
  if (announced === undefined || !Number.isFinite(scan.nextDate) || scan.nextDate < announced.startDate - EDGE_TOLERANCE_MS) return {};
  const plannedEnd = announced.startDate + announced.plannedSeconds * 1000;
  if (announced.ended && announced.airedSeconds !== undefined) {
    const end = announced.startDate + announced.airedSeconds * 1000;
    const early = end < plannedEnd - EDGE_TOLERANCE_MS;
    return { inProgress: scan.nextDate >= end - (early ? (targetSeconds * 1000) / 2 : EDGE_TOLERANCE_MS) ? 'content' : 'slot' };
  }
  return scan.nextDate < plannedEnd - EDGE_TOLERANCE_MS ? { inProgress: 'slot' } : {};
}

/**
 * Announced breaks (DATERANGE SCTE35-OUT) that start with the segment in progress, by the origin's own rule
 * (a segment is in a break from the one starting at most 250 ms before the break's time): the break's
 * CUE-OUT comes only with that whole segment, but its first segment is already known, so the session freezes
 * the layout now and the first slot can be published whole while the segment it replaces is being cut.
 * A break the playlist already shows by its cues is not repeated.
 */
export function breaksStartingNow(scan: Pick<LiveBreakScan, 'announced' | 'nextDate' | 'nextMsn' | 'breaks' | 'targetDuration'>): LiveBreak[] {
  if (!Number.isFinite(scan.nextDate) || scan.targetDuration <= 0) return [];
  // The break's first segment starts at its time (a segment boundary the origin predicted): within half a
  // segment of it, so a segment further into a break whose cues this playlist lacks is never taken for its start.
  const half = (scan.targetDuration * 1000) / 2;
  return scan.announced
    .filter((a) => !a.ended && a.startDate <= scan.nextDate + EDGE_TOLERANCE_MS && scan.nextDate < a.startDate + Math.min(half, a.plannedSeconds * 1000))
    .filter((a) => !scan.breaks.some((b) => b.startDate !== undefined && Math.abs(b.startDate - a.startDate) < 2000))
    .map((a) => ({ startMsn: scan.nextMsn, plannedSeconds: a.plannedSeconds, endMsn: undefined, startDate: a.startDate }));
}
