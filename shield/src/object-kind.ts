/**
 * What a cache key names, from its path alone: freshness and CMSD both depend on it. Our packager's
 * names are the contract (`init-*.mp4`, `*.m4s`, `*.m3u8`, `*.mpd`); anything else is `other`.
 */
export type ObjectKind = 'segment' | 'init' | 'playlist' | 'mpd' | 'other';

export interface KeyInfo {
  kind: ObjectKind;
  live: boolean;
}

const SEGMENT_EXTENSIONS = /\.(?:m4s|m4v|m4a|cmfv|cmfa|cmft|ts|aac|vtt|webvtt)$/;

export function keyInfo(key: string): KeyInfo {
  const live = key.startsWith('/live/');
  // A blocking-reload key carries its canonical `?_HLS_…` query: the name is before it.
  const queryAt = key.indexOf('?');
  const path = queryAt === -1 ? key : key.slice(0, queryAt);
  const name = path.slice(path.lastIndexOf('/') + 1);
  let kind: ObjectKind = 'other';
  if (name.endsWith('.m3u8')) kind = 'playlist';
  else if (name.endsWith('.mpd')) kind = 'mpd';
  else if (name.startsWith('init') && name.endsWith('.mp4')) kind = 'init';
  else if (SEGMENT_EXTENSIONS.test(name) || name.endsWith('.mp4')) kind = 'segment';
  return { kind, live };
}

/** Media bytes never change under a name: a new version is a new segment number. */
export function isImmutableKind(kind: ObjectKind): boolean {
  return kind === 'segment' || kind === 'init';
}
