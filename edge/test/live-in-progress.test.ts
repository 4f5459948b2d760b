import { describe, expect, it } from 'vitest';
import { breaksStartingNow, inProgressOf } from '../src/ssai/live-in-progress.ts';

const START = Date.parse('2026-11-21T16:00:00.000Z');
const planned = { id: 'splice-1', startDate: START, plannedSeconds: 16, ended: false };

describe('inProgressOf: is the LL-HLS segment in progress still in the break (its slot published whole) or back in the channel?', () => {
  it('keeps a segment in progress inside a break with no return announced in the break, up to its planned end', () => {
    expect(inProgressOf({ announced: [planned], nextDate: START + 4000 }, 'splice-1', 2)).toEqual({ inProgress: 'slot' });
    // At the planned end (within the origin's 250 ms grid tolerance) the slots may run out: not decided here.
    expect(inProgressOf({ announced: [planned], nextDate: START + 15_800 }, 'splice-1', 2)).toEqual({});
  });

  it('puts the segment at an early return back in the channel, and the one before it still in the break', () => {
    const returned = { ...planned, ended: true, airedSeconds: 6 };
    // The return's segment started 300 ms before its predicted time (a short segment before it).
    expect(inProgressOf({ announced: [returned], nextDate: START + 5700 }, 'splice-1', 2)).toEqual({ inProgress: 'content' });
    expect(inProgressOf({ announced: [returned], nextDate: START + 6000 }, 'splice-1', 2)).toEqual({ inProgress: 'content' });
    // The return listed while the segment before it is still being cut.
    expect(inProgressOf({ announced: [returned], nextDate: START + 4000 }, 'splice-1', 2)).toEqual({ inProgress: 'slot' });
  });

  it('decides nothing for another break, a playlist without program dates, or a segment before the break', () => {
    expect(inProgressOf({ announced: [planned], nextDate: START + 4000 }, 'splice-2', 2)).toEqual({});
    expect(inProgressOf({ announced: [planned], nextDate: START + 4000 }, undefined, 2)).toEqual({});
    expect(inProgressOf({ announced: [planned], nextDate: Number.NaN }, 'splice-1', 2)).toEqual({});
    expect(inProgressOf({ announced: [planned], nextDate: START - 2000 }, 'splice-1', 2)).toEqual({});
  });
});

describe('breaksStartingNow: a break whose CUE-OUT is not out yet, known from its DATERANGE', () => {
  const scan = { announced: [planned], nextMsn: 27, breaks: [], targetDuration: 2 };
  it('starts an announced break at the segment in progress when that segment starts with it', () => {
    expect(breaksStartingNow({ ...scan, nextDate: START - 200 })).toEqual([{ startMsn: 27, plannedSeconds: 16, endMsn: undefined, startDate: START }]);
  });

  it('starts nothing a segment early, after the break, or for a break the playlist already shows by its cues', () => {
    expect(breaksStartingNow({ ...scan, nextDate: START - 2000 })).toEqual([]);
    expect(breaksStartingNow({ ...scan, nextDate: START + 16_000 })).toEqual([]);
    // A segment further into the break (its cues missing from this playlist) is not its start.
    expect(breaksStartingNow({ ...scan, nextDate: START + 2000 })).toEqual([]);
    expect(breaksStartingNow({ ...scan, nextDate: START, breaks: [{ startMsn: 27, plannedSeconds: 16, endMsn: undefined, startDate: START }] })).toEqual([]);
    expect(breaksStartingNow({ ...scan, nextDate: Number.NaN })).toEqual([]);
  });
});
