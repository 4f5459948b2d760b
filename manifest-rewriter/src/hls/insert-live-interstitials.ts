import { ManifestError } from '../manifest-error.ts';

/** One live SCTE-35 break as an HLS Interstitial of a session. */
export interface LiveInterstitial {
  /** The break's id in the channel (the origin's DATERANGE ID, e.g. `splice-5`); the interstitial's is `ad-` + it. */
  id: string;
  /** Program date of the break's start, epoch ms. */
  startDate: number;
  plannedSeconds: number;
  /** Once the break has ended: how long it aired. Shorter than planned after an early return. */
  airedSeconds?: number;
  assetListUri: string;
}

/** An early return counts when the break aired at least this much less than planned (segment-grid rounding). */
const EARLY_TOLERANCE_SECONDS = 0.25;

function quoted(value: string): string {
  if (/["\r\n]/.test(value)) throw new ManifestError('malformed-playlist', 'an interstitial attribute may not contain quotes or line breaks');
  return `"${value}"`;
}

/**
 * Server-guided ad insertion on a live media playlist (HLS Interstitials, RFC 8216bis Appendix D): the
 * channel's segments stay as they are and each SCTE-35 break becomes an `EXT-X-DATERANGE` of
 * `CLASS="com.apple.hls.interstitial"` at the break's program date, whose `X-ASSET-LIST` names the session's
 * ads. `X-TIMELINE-OCCUPIES="RANGE"` and the default resumption offset (the duration) make the player come
 * back at the break's end on the live timeline; `X-SNAP="OUT,IN"` keeps both ends on segment boundaries.
 * While the break runs only `PLANNED-DURATION` is known; once it ends `DURATION` is added, and an early
 * return also adds `X-RESUME-OFFSET` and `X-PLAYOUT-LIMIT` (the aired length), so a player in the ads stops
 * them and rejoins the channel where it came back. Attributes are only ever added across reloads, never
 * changed (RFC 8216bis 4.4.5.1).
 */
export function insertLiveInterstitials(playlist: string, breaks: LiveInterstitial[]): string {
  if (breaks.length === 0) return playlist;
  const eol = playlist.includes('\r\n') ? '\r\n' : '\n';
  const lines = playlist.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '') !== '#EXTM3U') throw new ManifestError('malformed-playlist', 'the playlist does not start with #EXTM3U');
  if (!lines.some((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))) throw new ManifestError('malformed-playlist', 'live interstitials need EXT-X-PROGRAM-DATE-TIME');
  const ranges = breaks.map((b) => {
    if (!Number.isFinite(b.startDate)) throw new ManifestError('malformed-playlist', `break ${b.id} has no start date`);
    let line =
      `#EXT-X-DATERANGE:ID=${quoted(`ad-${b.id}`)},CLASS="com.apple.hls.interstitial",START-DATE=${quoted(new Date(b.startDate).toISOString())},` +
      `PLANNED-DURATION=${b.plannedSeconds.toFixed(3)},X-ASSET-LIST=${quoted(b.assetListUri)},X-RESTRICT="SKIP,JUMP",X-SNAP="OUT,IN",X-TIMELINE-OCCUPIES="RANGE"`;
    if (b.airedSeconds !== undefined) {
      line += `,DURATION=${b.airedSeconds.toFixed(3)}`;
      if (b.airedSeconds < b.plannedSeconds - EARLY_TOLERANCE_SECONDS) line += `,X-RESUME-OFFSET=${b.airedSeconds.toFixed(3)},X-PLAYOUT-LIMIT=${b.airedSeconds.toFixed(3)}`;
    }
    return line;
  });
  // Before the first segment's tags (after the header and any EXT-X-SKIP): date ranges may go anywhere.
  const at = lines.findIndex((l) => /^#(EXTINF|EXT-X-(PROGRAM-DATE-TIME|MAP|DATERANGE|DISCONTINUITY|CUE|PART:|GAP|KEY|BYTERANGE))/.test(l));
  if (at === -1) throw new ManifestError('malformed-playlist', 'the playlist has no segments');
  return [...lines.slice(0, at), ...ranges, ...lines.slice(at)].join(eol);
}
