import { describe, expect, it } from 'vitest';
import { offAirGaps } from '../src/live/off-air-gaps.ts';

const T = Date.parse('2026-11-21T12:00:00.000Z');
const channel = { segmentSeconds: 2, dvrWindowSeconds: 300 };

describe('offAirGaps: the time a channel was off air, as EXT-X-GAP placeholders', () => {
  it('lists an encoder restart’s 3.4 s as two placeholders that end where the new run starts', () => {
    const gaps = offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 3400 });
    expect(gaps).toEqual({ count: 2, startMs: T, durationMs: 1700 });
    expect(gaps.startMs + gaps.count * gaps.durationMs).toBe(T + 3400);
  });

  it('leaves a jump under a second alone (clock jitter)', () => {
    expect(offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 600 }).count).toBe(0);
    expect(offAirGaps({ ...channel, lastEndMs: T, runStartMs: T - 50 }).count).toBe(0);
  });

  // e2e: the origin is stopped between local runs; live-demo resumed two minutes later, and the window held a
  // two-minute program-date-time jump at the new run's discontinuity.
  it('lists a two-minute origin downtime as one-segment placeholders, never longer than a segment', () => {
    const gaps = offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 126_000 });
    expect(gaps).toEqual({ count: 63, startMs: T, durationMs: 2000 });
  });

  it('lists only the DVR window’s worth of a long downtime', () => {
    const gaps = offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 3_600_000 });
    expect(gaps.count).toBe(151);
    expect(gaps.durationMs).toBe(2000);
    expect(gaps.startMs + gaps.count * gaps.durationMs).toBe(T + 3_600_000);
  });
});
