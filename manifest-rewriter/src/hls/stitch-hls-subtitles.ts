import { ManifestError } from '../manifest-error.ts';
import { webVttRetimingQuery } from '../webvtt/webvtt-retiming-query.ts';

/** One break of a stitched VOD session as subtitles see it: content second `at` (`'end'`: post-roll), `seconds` of ads. */
export interface SubtitleBreak {
  at: number | 'end';
  seconds: number;
}

/**
 * A stitched VOD session's WebVTT subtitle playlist (README "Ad insertion", subtitles). A sidecar subtitle
 * playlist is one segment, the title's whole WebVTT file: it now spans the content and the ads, and its URI
 * asks the edge for the file re-timed (`?breaks=`), so every cue moves past the ads played before it. Cue
 * times stay on the session's timeline from 0, which is how hls.js (no X-TIMESTAMP-MAP: the first
 * discontinuity's start) and Shaka time sidecar WebVTT. A playlist of several WebVTT segments (an origin that
 * segments its subtitles) is returned unchanged: its segments would need moving too.
 */
export function stitchHlsSubtitles(playlist: string, breaks: readonly SubtitleBreak[]): string {
  const usable = breaks.filter((b) => b.seconds > 0);
  if (usable.length === 0) return playlist;
  const lines = playlist.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new ManifestError('not-a-playlist', 'a subtitle playlist must start with #EXTM3U');
  const uris = lines.flatMap((line, i) => (line.trim() !== '' && !line.startsWith('#') ? [i] : []));
  if (uris.length !== 1) return playlist;
  const uriAt = uris[0]!;
  const uri = lines[uriAt]!.trim();
  if (!/\.vtt(?:$|\?)/i.test(uri)) return playlist;
  const extinfAt = lines.findLastIndex((line, i) => i < uriAt && line.startsWith('#EXTINF:'));
  const contentSeconds = Number.parseFloat(lines[extinfAt]?.slice(8) ?? '');
  if (extinfAt === -1 || !Number.isFinite(contentSeconds)) throw new ManifestError('malformed-playlist', 'the subtitle segment has no #EXTINF duration');
  const total = contentSeconds + usable.reduce((sum, b) => sum + b.seconds, 0);
  const moving = usable.flatMap((b) => (b.at === 'end' ? [] : [{ at: b.at, seconds: b.seconds }]));
  const query = moving.length === 0 ? '' : webVttRetimingQuery({ breaks: moving });
  const out = lines.map((line, i) => {
    if (i === extinfAt) return `#EXTINF:${total.toFixed(6)},${line.slice(8).replace(/^[^,]*,?/, '')}`;
    if (i === uriAt) return query === '' ? uri : `${uri}${uri.includes('?') ? query.replace('?', '&') : query}`;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) return `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(total))}`;
    return line;
  });
  return out.join('\n');
}
