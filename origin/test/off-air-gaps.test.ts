import { describe, expect, it } from 'vitest';
import { offAirGaps } from '../src/live/off-air-gaps.ts';

const T = Date.parse('2026-11-21T12:00:00.000Z');
const channel = { segmentSeconds: 2 };

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

  // e2e: the origin is stopped between local runs. Listed as gaps, a two-minute outage filled the live edge a
  // new player joins at (hls.js did not start past them); it stays a jump, gone once older than the window.
  it('leaves an outage longer than an encoder restart as a jump', () => {
    expect(offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 10_000 }).count).toBe(5);
    expect(offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 10_001 }).count).toBe(0);
    expect(offAirGaps({ ...channel, lastEndMs: T, runStartMs: T + 126_000 }).count).toBe(0);
  });
});
