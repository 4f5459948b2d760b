import { Parser } from 'm3u8-parser';
import { parse as parseMpd } from 'mpd-parser';

/** Every URI m3u8-parser finds (playlists, renditions, segments, keys, maps, parts, hints, reports ...). */
export function hlsUrisFromParser(playlist: string): string[] {
  const parser = new Parser();
  parser.push(playlist);
  parser.end();
  return collectStrings(parser.manifest, (key) => key === 'uri' || key === 'URI');
}

/**
 * Every segment, initialization and index URL mpd-parser resolves for an MPD fetched from `manifestUri`
 * (the resolvedUri of segments, their init `map` and `sidx`; a playlist's own resolvedUri is not a fetch).
 */
export function dashSegmentUrlsFromParser(mpd: string, manifestUri: string, now?: number): string[] {
  const options = now === undefined ? { manifestUri } : { manifestUri, NOW: now, clientOffset: 0 };
  return collectStrings(
    parseMpd(mpd, options),
    (key, path) => key === 'resolvedUri' && path.some((step) => step === 'segments' || step === 'map' || step === 'sidx'),
  );
}

function collectStrings(root: unknown, wanted: (key: string, path: readonly string[]) => boolean): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' && wanted(key, path)) found.push(child);
      else walk(child, [...path, key]);
    }
  };
  walk(root, []);
  return found;
}
