import type { AdBreak } from './channel-store.ts';
import { spliceInsert } from './scte35-splice-insert.ts';

/** A break's two SCTE-35 splice_insert sections: leave the network at its start, return at its end. */
export interface AdBreakSignal {
  adBreak: AdBreak;
  out: Uint8Array;
  in: Uint8Array;
}

/** Where the network returns: the early return an operator asked for, else the planned end. */
export function adBreakEndMs(adBreak: AdBreak): number {
  return adBreak.returnMs ?? adBreak.startMs + adBreak.durationMs;
}

/**
 * The splice times are PTS on the channel's media timeline: the packager restamps every fragment to
 * (wall clock - availabilityStartTime), so a break at wall-clock time T splices at
 * (T - epoch) × 90 kHz in every rendition.
 */
export function adBreakSignal(adBreak: AdBreak, epochMs: number): AdBreakSignal {
  const ptsTime = Math.round((adBreak.startMs - epochMs) * 90);
  const breakDuration = Math.round(adBreak.durationMs * 90);
  return {
    adBreak,
    // The out section keeps the planned duration even after an early return: it was already sent.
    out: spliceInsert({ spliceEventId: adBreak.spliceEventId, outOfNetwork: true, ptsTime, breakDuration, availNum: 1, availsExpected: 1 }),
    in: spliceInsert({ spliceEventId: adBreak.spliceEventId, outOfNetwork: false, ptsTime: Math.round((adBreakEndMs(adBreak) - epochMs) * 90) }),
  };
}
