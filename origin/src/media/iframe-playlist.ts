import type { PackagedRendition } from './hls-from-mpd.ts';

export interface IFrameRange {
  /** Segment file that holds the key frame. */
  uri: string;
  /** Bytes from the start of the segment to the end of its first (key) frame. */
  length: number;
  /** Time to the next key frame: the segment's duration, as every segment starts with one. */
  duration: number;
}

/** The I-frame playlist's file name for a video rendition. */
export function iFramePlaylistName(renditionId: string): string {
  return `${renditionId}-iframes.m3u8`;
}

/**
 * RFC 8216 4.3.3.6 I-frame playlist: one byte range per segment, covering the moof and the key frame
 * that starts it. Trick play and scrubbing previews fetch just these bytes.
 */
export function iFramePlaylist(rendition: Pick<PackagedRendition, 'initSegment'>, ranges: readonly IFrameRange[]): string {
  const target = Math.max(1, ...ranges.map((r) => Math.round(r.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-I-FRAMES-ONLY',
    `#EXT-X-MAP:URI="${rendition.initSegment}"`,
  ];
  for (const range of ranges) lines.push(`#EXTINF:${range.duration.toFixed(6)},`, `#EXT-X-BYTERANGE:${range.length}@0`, range.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** Peak bit rate of the I-frame stream (bits/s): the largest key frame over the time it stands for. */
export function iFrameBandwidth(ranges: readonly IFrameRange[]): number {
  return Math.ceil(Math.max(0, ...ranges.map((r) => (r.length * 8) / r.duration)));
}
