import { createRequire } from 'node:module';

/** The part of mpd-parser's output (an m3u8-parser-shaped manifest) that the origin reads. */
export interface ParsedMpdPlaylist {
  attributes: {
    NAME?: string;
    BANDWIDTH?: number;
    CODECS?: string;
    RESOLUTION?: { width: number; height: number };
    'FRAME-RATE'?: number;
  };
  segments: Array<{ uri: string; duration: number; map?: { uri: string } }>;
}

export interface ParsedMpd {
  duration?: number;
  playlists?: ParsedMpdPlaylist[];
  mediaGroups?: { AUDIO?: Record<string, Record<string, { language?: string; playlists?: ParsedMpdPlaylist[] }>> };
}

// mpd-parser ships no type declarations; loading it through require keeps the typing in this one file.
const require = createRequire(import.meta.url);
const mpdParser = require('mpd-parser') as { parse(manifest: string, options?: { manifestUri?: string }): unknown };

/** Parse a DASH MPD with mpd-parser (the parser video.js uses), expanding SegmentTemplate/SegmentTimeline. */
export function parseMpd(text: string): ParsedMpd {
  // A base is required to resolve templates; `uri` fields keep the relative names we need.
  return mpdParser.parse(text, { manifestUri: 'https://origin.invalid/' }) as ParsedMpd;
}
