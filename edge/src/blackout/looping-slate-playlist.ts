import { ProblemError } from '@cascade/common';

const WINDOW_SEGMENTS = 3;

/**
 * Turn the slate's short VOD media playlist into a live one that loops for as long as a blackout
 * lasts. The media sequence follows the wall clock (one number per segment duration), so every
 * reload slides forward like a live channel; each wrap back to the first slate segment is marked
 * `#EXT-X-DISCONTINUITY` (timestamps restart), and EXT-X-DISCONTINUITY-SEQUENCE counts the wraps
 * before the window (RFC 8216 §4.3.3.3). URIs stay as the slate wrote them (relative); the caller
 * rewrites them for the session.
 */
export function loopingSlatePlaylist(slateMedia: string, nowMs: number): string {
  const lines = slateMedia.split(/\r?\n/);
  const map = lines.find((line) => line.startsWith('#EXT-X-MAP:'));
  const segments: Array<{ duration: number; uri: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const extinf = /^#EXTINF:([0-9.]+)/.exec(lines[i]!);
    if (!extinf) continue;
    let uri = lines[i + 1];
    while (uri !== undefined && (uri === '' || uri.startsWith('#'))) uri = lines[++i + 1];
    if (uri === undefined) break;
    segments.push({ duration: Number(extinf[1]), uri });
  }
  const first = segments[0];
  if (!first || !(first.duration > 0)) throw new ProblemError('upstream-error', 'the slate playlist has no segments');
  const target = Math.ceil(Math.max(...segments.map((s) => s.duration)));
  const count = segments.length;
  const sequence = Math.floor(nowMs / 1000 / first.duration);
  const out = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${sequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${Math.floor(sequence / count)}`,
  ];
  if (map) out.push(map);
  for (let k = 0; k < WINDOW_SEGMENTS; k++) {
    const index = (sequence + k) % count;
    if (index === 0 && k > 0) out.push('#EXT-X-DISCONTINUITY');
    const segment = segments[index]!;
    out.push(`#EXTINF:${segment.duration.toFixed(3)},`, segment.uri);
  }
  return `${out.join('\n')}\n`;
}
