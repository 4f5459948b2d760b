import { Parser } from 'm3u8-parser';
import { parse as parseWithHlsParser } from 'hls-parser';

/** What an independent parser (m3u8-parser) sees in a multivariant playlist. */
export interface ParsedMultivariant {
  variants: { uri: string; bandwidth: number; height: number | undefined; codecs: string | undefined; audio: string | undefined }[];
  /** TYPE → GROUP-ID → NAME → { default, autoselect, language, uri } */
  mediaGroups: Record<string, Record<string, Record<string, { default: boolean; autoselect: boolean; language?: string; uri?: string }>>>;
}

export function parseMultivariantWithM3u8Parser(text: string): ParsedMultivariant {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const manifest = parser.manifest as {
    playlists?: { uri: string; attributes: Record<string, unknown> }[];
    mediaGroups: ParsedMultivariant['mediaGroups'];
  };
  return {
    variants: (manifest.playlists ?? []).map((p) => ({
      uri: p.uri,
      bandwidth: p.attributes.BANDWIDTH as number,
      height: (p.attributes.RESOLUTION as { height: number } | undefined)?.height,
      codecs: p.attributes.CODECS as string | undefined,
      audio: p.attributes.AUDIO as string | undefined,
    })),
    mediaGroups: manifest.mediaGroups,
  };
}

/** Every URI hls-parser sees (variants, I-frame variants, renditions, segments, maps, keys, parts, hints). */
export function urisFromHlsParser(text: string): string[] {
  const playlist = parseWithHlsParser(text);
  const uris: string[] = [];
  const walk = (value: unknown, seen: Set<unknown>): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const [key, child] of Object.entries(value)) {
      if (key === 'uri' && typeof child === 'string') uris.push(child);
      else walk(child, seen);
    }
  };
  walk(playlist, new Set());
  return uris;
}
