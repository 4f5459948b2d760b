import { describe, expect, it } from 'vitest';
import { nextSplicePoint, type RenditionEdge } from '../src/live/next-splice-point.ts';

const S = Date.parse('2026-11-21T10:49:00.000Z');
const video = (seq: number, pdtMs: number, seconds = 2) => ({ seq, pdtMs, duration: seconds * 15_360, timescale: 15_360 });
const audio = (seq: number, pdtMs: number, seconds = 2) => ({ seq, pdtMs, duration: Math.round((seconds * 48_000) / 1024) * 1024, timescale: 48_000 });

/**
 * The origin's old placement (ChannelManager #nextBoundary until this fix): a regular grid of 2 s from the
 * newest stored video segment's start. Kept here to show what the irregular cases below did to it.
 */
function oldBoundary(lastVideoPdt: number, atMs: number): number {
  return lastVideoPdt + Math.max(0, Math.ceil((atMs - lastVideoPdt) / 2000)) * 2000;
}

describe('nextSplicePoint: where a break starts or returns early', () => {
  it('takes the next 2 s boundary at or after the asked time on a regular channel', () => {
    // The e2e return: asked 2.3 s into a break that starts with segment 102; 102's last part is on its way.
    const renditions: RenditionEdge[] = [
      { type: 'video', last: video(101, S - 2000), partial: { seq: 102, pdtMs: S, complete: false, partsMs: 1000 } },
      { type: 'audio', last: audio(101, S - 2000), partial: { seq: 102, pdtMs: S, complete: false, partsMs: 1000 } },
    ];
    expect(nextSplicePoint(renditions, S + 2300, 2)).toEqual({ seq: 104, ms: S + 4000 });
    // Asked exactly on a boundary, before anything of it was shown: that boundary.
    expect(nextSplicePoint(renditions, S + 2000, 2)).toEqual({ seq: 103, ms: S + 2000 });
  });

  it('never splices at a segment whose parts or preload hint a playlist has shown, in any rendition', () => {
    // Audio is a segment ahead of video and its playlist hints 105's first part; video cuts 104.
    const renditions: RenditionEdge[] = [
      { type: 'video', last: video(103, S + 2000), partial: { seq: 104, pdtMs: S + 4000, complete: false, partsMs: 1000 } },
      { type: 'audio', last: audio(104, S + 4000), partial: undefined },
    ];
    expect(nextSplicePoint(renditions, S + 3900, 2)).toEqual({ seq: 106, ms: S + 8000 });
    // Parts that reach the segment's end make the hint name the next segment.
    expect(nextSplicePoint([{ type: 'video', last: video(103, S + 2000), partial: { seq: 104, pdtMs: S + 4000, complete: true, partsMs: 2000 } }], S + 3900, 2).seq).toBe(106);
  });

  // The e2e flake: after an encoder restart under load the break's first segment was cut short (1.3 s). The
  // old 2 s grid from the last video segment put the return at S + 4000, but segment 104 starts at S + 3300:
  // by time it still belonged to the break, so the break aired three segments where the API said two, the
  // stitcher played the ad's next segment, and audio and video (a few ms apart) could fall on different sides.
  it('returns after the segment in progress by its real start, not on a 2 s grid from the last video segment', () => {
    const renditions: RenditionEdge[] = [
      { type: 'video', last: video(102, S, 1.3), partial: { seq: 103, pdtMs: S + 1300, complete: false, partsMs: 1000 } },
      { type: 'audio', last: audio(102, S, 1.3), partial: { seq: 103, pdtMs: S + 1310, complete: false, partsMs: 1000 } },
    ];
    const at = S + 2300;
    const old = oldBoundary(S, at);
    expect(old).toBe(S + 4000);
    expect(S + 3300).toBeLessThan(old - 250); // 104 would have stayed inside the break
    expect(nextSplicePoint(renditions, at, 2)).toEqual({ seq: 104, ms: S + 3300 });
  });

  it('predicts the next segment no earlier than where the parts of a long segment in progress already reach', () => {
    // 103 began at S + 2000 and runs 4 s (a missing keyframe); its parts up to S + 4500 are listed.
    const renditions: RenditionEdge[] = [
      { type: 'video', last: video(102, S), partial: { seq: 103, pdtMs: S + 2000, complete: false, partsMs: 2500 } },
      { type: 'audio', last: audio(102, S), partial: { seq: 103, pdtMs: S + 2000, complete: false, partsMs: 2500 } },
    ];
    // The old grid said S + 4000, in the middle of the segment whose parts were being listed.
    expect(oldBoundary(S, S + 3900)).toBe(S + 4000);
    expect(nextSplicePoint(renditions, S + 3900, 2)).toEqual({ seq: 104, ms: S + 4500 });
  });

  it('predicts from video when video and audio disagree by a few AAC frames', () => {
    const renditions: RenditionEdge[] = [
      { type: 'audio', last: audio(110, S + 21), partial: { seq: 111, pdtMs: S + 2013, complete: false, partsMs: 1000 } },
      { type: 'video', last: video(110, S), partial: { seq: 111, pdtMs: S + 2000, complete: false, partsMs: 1000 } },
    ];
    expect(nextSplicePoint(renditions, S + 2500, 2)).toEqual({ seq: 112, ms: S + 4000 });
  });

  it('answers the asked time when nothing has been published yet', () => {
    expect(nextSplicePoint([{ type: 'video', last: undefined, partial: undefined }], S, 2)).toEqual({ seq: undefined, ms: S });
  });
});
