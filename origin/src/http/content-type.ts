import type { TitleRecord } from '../catalogue/title-record.ts';

export type MediaFileKind = 'manifest' | 'init' | 'segment';

export interface MediaFileType {
  kind: MediaFileKind;
  contentType: string;
  cacheControl: string;
}

/** Segments never change once published; manifests may be republished, so they expire quickly. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const MANIFEST_CACHE_CONTROL = 'public, max-age=10';

/**
 * What the origin serves from a title directory, by file name; anything else (title.json,
 * intermediates) is not media and is never served. Init segments are .mp4 so that they are typed
 * by the track they initialise (RFC 4337 / RFC 6381 audio/mp4 for the audio rendition).
 */
export function mediaFileType(fileName: string, title: TitleRecord): MediaFileType | undefined {
  const dot = fileName.lastIndexOf('.');
  const extension = dot === -1 ? '' : fileName.slice(dot + 1);
  switch (extension) {
    case 'm3u8':
      return { kind: 'manifest', contentType: 'application/vnd.apple.mpegurl', cacheControl: MANIFEST_CACHE_CONTROL };
    case 'mpd':
      return { kind: 'manifest', contentType: 'application/dash+xml', cacheControl: MANIFEST_CACHE_CONTROL };
    case 'vtt':
      return { kind: 'segment', contentType: 'text/vtt; charset=utf-8', cacheControl: IMMUTABLE_CACHE_CONTROL };
    case 'jpg':
      return { kind: 'segment', contentType: 'image/jpeg', cacheControl: IMMUTABLE_CACHE_CONTROL };
    case 'm4s':
      return { kind: 'segment', contentType: 'video/iso.segment', cacheControl: IMMUTABLE_CACHE_CONTROL };
    case 'mp4': {
      const audio = title.renditions.some((r) => r.type === 'audio' && r.initSegment === fileName);
      return { kind: 'init', contentType: audio ? 'audio/mp4' : 'video/mp4', cacheControl: IMMUTABLE_CACHE_CONTROL };
    }
    default:
      return undefined;
  }
}
