import { ManifestError } from '../manifest-error.ts';

/** One ad (or slate) in a break: its media playlist, URIs already pointing where the player must fetch them. */
export interface StitchAd {
  playlist: string;
}

export interface StitchBreak {
  /** Content time in seconds where the break goes (snapped to the next segment boundary); `'end'`: post-roll. */
  at: number | 'end';
  ads: StitchAd[];
}

interface AdSegments {
  /** Lines for the ad: its EXT-X-MAP, key and segment lines, in order. */
  lines: string[];
  maxDuration: number;
  /** True when the ad states an EXT-X-KEY; otherwise the content's key must be cleared for it. */
  keyed: boolean;
}

const SEGMENT_TAGS = /^#EXT(INF|-X-BYTERANGE|-X-DISCONTINUITY|-X-PROGRAM-DATE-TIME|-X-GAP|-X-BITRATE)\b/;

function adSegments(playlist: string): AdSegments {
  const lines: string[] = [];
  let maxDuration = 0;
  let keyed = false;
  let segments = 0;
  for (const raw of playlist.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line === '#EXTM3U' || line === '#EXT-X-ENDLIST') continue;
    if (line.startsWith('#EXT-X-MAP:') || line.startsWith('#EXT-X-KEY:') || SEGMENT_TAGS.test(line) || !line.startsWith('#')) {
      if (line.startsWith('#EXT-X-KEY:')) keyed = true;
      if (line.startsWith('#EXT-X-DISCONTINUITY')) continue; // the stitcher places its own
      if (line.startsWith('#EXTINF:')) maxDuration = Math.max(maxDuration, Number.parseFloat(line.slice(8)));
      if (!line.startsWith('#')) segments++;
      lines.push(line);
    }
  }
  if (segments === 0) throw new ManifestError('malformed-playlist', 'an ad playlist has no segments');
  return { lines, maxDuration, keyed };
}

/**
 * Stitch ad breaks into a VOD media playlist (server-side ad insertion). Each break goes in at the first
 * content segment boundary at or after its time, fenced by EXT-X-DISCONTINUITY on both sides; the ad
 * brings its own EXT-X-MAP, and the content's EXT-X-MAP (and EXT-X-KEY, or METHOD=NONE for a clear ad in
 * keyed content) is restated after it, because a player must not carry either across a discontinuity.
 * EXT-X-TARGETDURATION grows to cover the longest ad segment. The content's own lines are kept byte for
 * byte; a VOD playlist starts at discontinuity sequence 0, which is left as the origin wrote it.
 */
export function stitchHlsVod(content: string, breaks: StitchBreak[]): string {
  if (breaks.length === 0) return content;
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const lines = content.split(/\r?\n/);
  if (lines[0]?.replace(/^\uFEFF/, '') !== '#EXTM3U') throw new ManifestError('malformed-playlist', 'the playlist does not start with #EXTM3U');
  if (lines.some((l) => l.startsWith('#EXT-X-STREAM-INF'))) throw new ManifestError('malformed-playlist', 'stitching needs a media playlist');

  // Where each content segment's tag group starts, the content time there, and the MAP/KEY in force.
  const boundaries: { line: number; time: number; map: string | undefined; key: string | undefined }[] = [];
  let time = 0;
  let map: string | undefined;
  let key: string | undefined;
  let groupStart: number | undefined;
  let duration = 0;
  let endList = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-MAP:')) map = line;
    else if (line.startsWith('#EXT-X-KEY:')) key = line;
    else if (line === '#EXT-X-ENDLIST') endList = i;
    if (SEGMENT_TAGS.test(line) && groupStart === undefined) groupStart = i;
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    if (line !== '' && !line.startsWith('#')) {
      boundaries.push({ line: groupStart ?? i, time, map, key });
      time += Number.isFinite(duration) ? duration : 0;
      groupStart = undefined;
    }
  }
  if (boundaries.length === 0) throw new ManifestError('malformed-playlist', 'the content playlist has no segments');
  const last = boundaries.at(-1)!;
  const target = Number.parseInt(lines.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'))?.slice(22) ?? '', 10);
  const cadence = Number.isFinite(target) && target > 0 ? target : Math.max(1, Math.round(time / boundaries.length));

  // Insertions keyed by content line index (inserted before that line).
  const insertions = new Map<number, string[]>();
  let maxAdDuration = 0;
  for (const adBreak of [...breaks].sort((a, b) => (a.at === 'end' ? Infinity : a.at) - (b.at === 'end' ? Infinity : b.at))) {
    if (adBreak.ads.length === 0) continue;
    const ads = adBreak.ads.map((ad) => adSegments(ad.playlist));
    maxAdDuration = Math.max(maxAdDuration, ...ads.map((a) => a.maxDuration));
    // A cue snaps to the segment boundary nearest to it in the title's segment cadence (TARGETDURATION), by
    // index, so that audio and video playlists, whose segment lengths differ by a few audio frames, cut at
    // the same segment and stay in sync across the break.
    const index = adBreak.at === 'end' ? boundaries.length : Math.round(adBreak.at / cadence);
    const boundary = index >= boundaries.length ? undefined : boundaries[index];
    const at = boundary?.line ?? endList;
    const state = boundary ?? { map: last.map, key: last.key };
    const out = insertions.get(at) ?? [];
    const pre = boundary === undefined || boundary !== boundaries[0] || out.length > 0 ? ['#EXT-X-DISCONTINUITY'] : [];
    out.push(...pre);
    for (const [n, ad] of ads.entries()) {
      if (n > 0) out.push('#EXT-X-DISCONTINUITY');
      if (state.key !== undefined && !ad.keyed) out.push('#EXT-X-KEY:METHOD=NONE');
      out.push(...ad.lines);
    }
    if (boundary !== undefined) {
      out.push('#EXT-X-DISCONTINUITY');
      if (boundary.map !== undefined) out.push(boundary.map);
      if (boundary.key !== undefined) out.push(boundary.key);
    }
    insertions.set(at, out);
  }
  // A pre-roll sits before the first segment's tags; the content's EXT-X-MAP above it then applies to no
  // segment, and the restated one after the break takes over.
  const result: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const inserted = insertions.get(i);
    if (inserted) result.push(...inserted);
    let line = lines[i]!;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) {
      const current = Number.parseInt(line.slice(22), 10);
      const needed = Math.round(maxAdDuration);
      if (Number.isFinite(current) && needed > current) line = `#EXT-X-TARGETDURATION:${needed}`;
    }
    result.push(line);
  }
  const tail = insertions.get(lines.length);
  if (tail) result.push(...tail);
  return result.join(eol);
}
