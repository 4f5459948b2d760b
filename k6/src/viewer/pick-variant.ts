import type { Variant } from './hls-playlists.ts';

export interface AbrRule {
  /** Only this share of the measured throughput is spent on video (hls.js uses 0.7 up, 0.95 down). */
  safety: number;
  /** The device's or token's ceiling, lines. */
  maxHeight?: number;
}

/**
 * A throughput rule like the one every mainstream player starts from: the highest variant whose
 * BANDWIDTH fits into `safety` × the estimated throughput, never above `maxHeight`, and the lowest one
 * when nothing fits. Variants must be sorted by bandwidth, ascending.
 */
export function pickVariant(variants: Variant[], throughputBps: number, rule: AbrRule): Variant {
  if (variants.length === 0) throw new RangeError('pickVariant needs at least one variant');
  if (!(rule.safety > 0 && rule.safety <= 1)) throw new RangeError(`safety must be in (0, 1], received ${rule.safety}`);
  const allowed = variants.filter((v) => rule.maxHeight === undefined || v.height === undefined || v.height <= rule.maxHeight);
  const ladder = allowed.length > 0 ? allowed : [variants[0]!];
  let chosen = ladder[0]!;
  for (const variant of ladder) if (variant.bandwidth <= throughputBps * rule.safety) chosen = variant;
  return chosen;
}

/** Exponentially weighted throughput estimate, bits per second (hls.js-style, by sample). */
export function updateEstimate(previousBps: number | undefined, bytes: number, durationMs: number, weight = 0.3): number | undefined {
  if (bytes <= 0 || durationMs <= 0) return previousBps;
  const sample = (bytes * 8 * 1000) / durationMs;
  return previousBps === undefined ? sample : previousBps * (1 - weight) + sample * weight;
}
