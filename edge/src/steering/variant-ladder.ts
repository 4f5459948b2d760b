/** A title's variants by media-playlist name with their BANDWIDTH (bit/s), and the lowest of them. */
export interface VariantLadder {
  bandwidths: Map<string, number>;
  /** The lowest BANDWIDTH of the ladder: variants at it are never capped (degrade, never break playback). */
  lowest: number;
}

const STREAM_INF = '#EXT-X-STREAM-INF:';
// BANDWIDTH as an attribute of its own, not the tail of AVERAGE-BANDWIDTH.
const BANDWIDTH = /(?:^|,)BANDWIDTH=(\d{1,12})(?:,|$)/;
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.m3u8$/;

/**
 * Reads the variant ladder from a multivariant playlist: each EXT-X-STREAM-INF's BANDWIDTH keyed by the
 * media playlist it names. Only plain names in the title's directory (the packager's `video-720p.m3u8`) are
 * listed; I-frame playlists and renditions (audio, subtitles) are not variants and are never capped.
 */
export function variantLadder(multivariant: string): VariantLadder {
  const bandwidths = new Map<string, number>();
  let pending: number | undefined;
  let lowest = Number.POSITIVE_INFINITY;
  for (const raw of multivariant.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith(STREAM_INF)) {
      const match = BANDWIDTH.exec(line.slice(STREAM_INF.length));
      pending = match === null ? undefined : Number(match[1]);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    if (pending !== undefined && PLAIN_NAME.test(line)) {
      // A playlist listed twice (several audio groups) keeps its highest figure.
      bandwidths.set(line, Math.max(pending, bandwidths.get(line) ?? 0));
      lowest = Math.min(lowest, pending);
    }
    pending = undefined;
  }
  return { bandwidths, lowest: Number.isFinite(lowest) ? lowest : 0 };
}

/**
 * The figure a media playlist's segment tokens carry (the `bw` session claim): the variant's BANDWIDTH, or 0
 * for what the surge cap never refuses (the lowest variant, renditions, anything not in the ladder).
 */
export function cappableBandwidth(ladder: VariantLadder, playlist: string): number {
  const bandwidth = ladder.bandwidths.get(playlist);
  return bandwidth === undefined || bandwidth <= ladder.lowest ? 0 : bandwidth;
}
