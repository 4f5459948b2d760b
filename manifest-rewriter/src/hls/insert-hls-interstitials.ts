import { ManifestError } from '../manifest-error.ts';

/** One break as an HLS Interstitial: where, how long, and the edge URL that answers its X-ASSET-LIST. */
export interface InterstitialBreak {
  id: string;
  /** Content seconds; 0 is a pre-roll (X-CUE="PRE"), `'end'` a post-roll (X-CUE="POST"). */
  at: number | 'end';
  durationSeconds: number;
  assetListUri: string;
}

function quoted(value: string): string {
  if (/["\r\n]/.test(value)) throw new ManifestError('malformed-playlist', 'an interstitial attribute may not contain quotes or line breaks');
  return `"${value}"`;
}

/**
 * Server-guided ad insertion (HLS Interstitials, RFC 8216bis Appendix D): the content playlist stays as it
 * is and each break becomes an `EXT-X-DATERANGE` of `CLASS="com.apple.hls.interstitial"` whose
 * `X-ASSET-LIST` the player asks for the ads. Date ranges need a timeline of dates, so a VOD playlist
 * without `EXT-X-PROGRAM-DATE-TIME` gets one at its first segment (`programStart`, a fixed session time);
 * date-range times are that date plus the content offset. `X-RESUME-OFFSET=0`: a VOD ad takes no content time.
 */
export function insertHlsInterstitials(content: string, breaks: InterstitialBreak[], programStart: Date): string {
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const lines = content.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '') !== '#EXTM3U') throw new ManifestError('malformed-playlist', 'the playlist does not start with #EXTM3U');
  const firstSegmentTag = lines.findIndex((l) => l.startsWith('#EXTINF:') || l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
  if (firstSegmentTag === -1) throw new ManifestError('malformed-playlist', 'the content playlist has no segments');
  const existingDate = lines.find((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
  const start = existingDate ? new Date(existingDate.slice(25)) : programStart;
  if (Number.isNaN(start.getTime())) throw new ManifestError('malformed-playlist', 'EXT-X-PROGRAM-DATE-TIME is not a date');
  let total = 0;
  for (const line of lines) if (line.startsWith('#EXTINF:')) total += Number.parseFloat(line.slice(8)) || 0;

  const ranges = breaks.map((b) => {
    const offset = b.at === 'end' ? total : b.at;
    const cue = b.at === 'end' ? ',X-CUE="POST"' : b.at === 0 ? ',X-CUE="PRE"' : '';
    return (
      `#EXT-X-DATERANGE:ID=${quoted(b.id)},CLASS="com.apple.hls.interstitial",START-DATE=${quoted(new Date(start.getTime() + offset * 1000).toISOString())},` +
      `DURATION=${b.durationSeconds.toFixed(3)},X-ASSET-LIST=${quoted(b.assetListUri)},X-RESUME-OFFSET=0,X-RESTRICT="SKIP,JUMP"${cue}`
    );
  });
  const insert = [...ranges, ...(existingDate ? [] : [`#EXT-X-PROGRAM-DATE-TIME:${start.toISOString()}`])];
  return [...lines.slice(0, firstSegmentTag), ...insert, ...lines.slice(firstSegmentTag)].join(eol);
}
