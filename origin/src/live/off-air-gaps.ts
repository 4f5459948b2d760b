/** The EXT-X-GAP placeholders that list the time a channel was off air as segments. */
export interface OffAirGaps {
  /** How many placeholders (0: the hole is too short to list). */
  count: number;
  /** Where the first starts (epoch ms) and how long each is (ms). */
  startMs: number;
  durationMs: number;
}

/**
 * The time between a channel's last stored segment and a new encoder run's first frame when the encoder
 * restarted (a crash, a stall under load), cut into placeholders of about one segment that end exactly where
 * the run starts. Listed as EXT-X-GAP segments they keep the playlist's program date times continuous across
 * the run's discontinuity: players that sync renditions by program date time then have no jump to correct
 * (Shaka 5 collapses such jumps and, with ad discontinuities later in the window, lost its segment index:
 * "Cannot read properties of null (reading 'next')" on every update).
 *
 * A longer outage (the origin was down) is left as a jump: listed as gaps it filled the live edge a player
 * joins at with placeholders, and hls.js did not start past them. Once older than the DVR window it is gone.
 */
export function offAirGaps(options: { lastEndMs: number; runStartMs: number; segmentSeconds: number }): OffAirGaps {
  const step = options.segmentSeconds * 1000;
  const holeMs = options.runStartMs - options.lastEndMs;
  const count = Math.ceil(holeMs / step);
  // Players take a jump under a second for clock jitter; placeholders are never longer than a segment (the
  // target duration stays the same).
  if (holeMs < 1000 || count > MAX_BRIDGED_SEGMENTS) return { count: 0, startMs: options.runStartMs, durationMs: 0 };
  return { count, startMs: options.lastEndMs, durationMs: holeMs / count };
}

/** An encoder restart: backoff (1 s, doubling), ffmpeg's start and the segment it lost. */
export const MAX_BRIDGED_SEGMENTS = 5;
