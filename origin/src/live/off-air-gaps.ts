/** The EXT-X-GAP placeholders that list the time a channel was off air as segments. */
export interface OffAirGaps {
  /** How many placeholders (0: the hole is too short to list). */
  count: number;
  /** Where the first starts (epoch ms) and how long each is (ms). */
  startMs: number;
  durationMs: number;
}

/**
 * The time between a channel's last stored segment and a new encoder run's first frame (the origin was down,
 * or the encoder restarted), cut into placeholders of about one segment that end exactly where the run
 * starts. Listed as EXT-X-GAP segments they keep the playlist's program date times continuous across the
 * run's discontinuity: players that sync renditions by program date time then have no jump to correct
 * (Shaka 5 collapses such jumps and, with ad discontinuities later in the window, lost its segment index:
 * "Cannot read properties of null (reading 'next')" on every update). Only the DVR window's worth is listed;
 * older placeholders would be pruned at once.
 */
export function offAirGaps(options: { lastEndMs: number; runStartMs: number; segmentSeconds: number; dvrWindowSeconds: number }): OffAirGaps {
  const step = options.segmentSeconds * 1000;
  const holeMs = options.runStartMs - options.lastEndMs;
  // Players take a jump under a second for clock jitter; placeholders are never longer than a segment (the
  // target duration stays the same).
  if (holeMs < 1000) return { count: 0, startMs: options.runStartMs, durationMs: 0 };
  const cap = Math.ceil((options.dvrWindowSeconds * 1000) / step) + 1;
  const needed = Math.ceil(holeMs / step);
  if (needed > cap) return { count: cap, startMs: options.runStartMs - cap * step, durationMs: step };
  return { count: needed, startMs: options.lastEndMs, durationMs: holeMs / needed };
}
