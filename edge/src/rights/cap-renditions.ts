import { ProblemError } from '@cascade/common';

function tooTall(maxHeight: number): ProblemError {
  return new ProblemError('not-entitled', `no rendition of this title is within the viewer's maximum of ${maxHeight} lines (max_height)`);
}

/**
 * Drop the variants of an HLS multivariant playlist taller than `maxHeight` (RESOLUTION=WxH): each
 * `#EXT-X-STREAM-INF` with its URI line, and `#EXT-X-I-FRAME-STREAM-INF` lines. Variants without a
 * RESOLUTION (audio-only) stay. 403 when no video variant is left.
 */
export function capHlsVariants(playlist: string, maxHeight: number): string {
  const lines = playlist.split('\n');
  const out: string[] = [];
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const height = /^#EXT-X-(?:I-FRAME-)?STREAM-INF:.*?\bRESOLUTION=\d+x(\d+)/.exec(line)?.[1];
    if (height !== undefined && Number(height) > maxHeight) {
      dropped++;
      if (line.startsWith('#EXT-X-STREAM-INF:')) {
        // RFC 8216 §4.3.4.2: the URI is the next line that is neither blank nor a tag.
        while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.startsWith('#'))) out.push(lines[++i]!);
        i++;
      }
      continue;
    }
    if (line.startsWith('#EXT-X-STREAM-INF:')) kept++;
    out.push(line);
  }
  if (dropped > 0 && kept === 0) throw tooTall(maxHeight);
  return out.join('\n');
}

const REPRESENTATION = /<Representation\b[^>]*?\/>|<Representation\b[^>]*>[\s\S]*?<\/Representation>/g;

/** The same for a DASH MPD: Representations whose `height` exceeds `maxHeight` are removed. */
export function capDashRepresentations(mpd: string, maxHeight: number): string {
  let kept = 0;
  let dropped = 0;
  const out = mpd.replace(REPRESENTATION, (element) => {
    const height = /^<Representation\b[^>]*?\sheight="(\d+)"/.exec(element)?.[1];
    if (height === undefined) return element;
    if (Number(height) > maxHeight) {
      dropped++;
      return '';
    }
    kept++;
    return element;
  });
  if (dropped > 0 && kept === 0) throw tooTall(maxHeight);
  return out;
}
