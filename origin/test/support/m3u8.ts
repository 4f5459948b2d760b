import { createRequire } from 'node:module';

/** The part of m3u8-parser's output these tests read. */
export interface ParsedM3u8 {
  version?: number;
  targetDuration?: number;
  playlistType?: string;
  endList?: boolean;
  independentSegments?: boolean;
  playlists?: Array<{
    uri: string;
    attributes: {
      BANDWIDTH?: number;
      'AVERAGE-BANDWIDTH'?: number;
      RESOLUTION?: { width: number; height: number };
      CODECS?: string;
      'FRAME-RATE'?: number;
      AUDIO?: string;
    };
  }>;
  mediaGroups?: { AUDIO?: Record<string, Record<string, { uri?: string; default?: boolean }>> };
  segments?: Array<{ uri: string; duration: number; map?: { uri: string } }>;
}

// m3u8-parser ships no type declarations; requiring it keeps the typing local to this helper.
const require = createRequire(import.meta.url);
const { Parser } = require('m3u8-parser') as { Parser: new () => { push(text: string): void; end(): void; manifest: unknown } };

/** Parse an HLS playlist with m3u8-parser (the parser video.js uses). */
export function parseM3u8(text: string): ParsedM3u8 {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as ParsedM3u8;
}
