/**
 * File names of a channel's media, flat in `<data>/live/<id>/` and served as `/live/<id>/<file>`.
 * Init segments carry a content hash, so a changed encoder configuration gets a new URL.
 */
export const LIVE_MASTER_FILE = 'master.m3u8';
export const LIVE_MPD_FILE = 'manifest.mpd';

export function segmentFile(rendition: string, seq: number): string {
  return `${rendition}-${seq}.m4s`;
}

/** LL-HLS part `index` of segment `seq`: one CMAF chunk, written as soon as the encoder emits it. */
export function partFile(rendition: string, seq: number, index: number): string {
  return `${rendition}-${seq}.${index}.m4s`;
}

/** DASH addresses segments by start time ($Time$), so a gap in the timeline needs no placeholder. */
export function timedSegmentFile(rendition: string, start: number): string {
  return `${rendition}-t${start}.m4s`;
}

export function initFile(rendition: string, initId: string): string {
  return `${rendition}-init-${initId}.mp4`;
}

export function mediaPlaylistFile(rendition: string): string {
  return `${rendition}.m3u8`;
}

export type LiveFile =
  | { kind: 'master' }
  | { kind: 'mpd' }
  | { kind: 'playlist'; rendition: string }
  | { kind: 'segment'; rendition: string; seq: number }
  | { kind: 'timed-segment'; rendition: string; start: number }
  | { kind: 'part'; rendition: string; seq: number; index: number }
  | { kind: 'init'; rendition: string; initId: string };

/** Parse a file name of a channel; undefined for anything the origin does not serve. */
export function parseLiveFile(name: string): LiveFile | undefined {
  if (name === LIVE_MASTER_FILE) return { kind: 'master' };
  if (name === LIVE_MPD_FILE) return { kind: 'mpd' };
  let m = /^([a-z0-9-]+?)\.m3u8$/.exec(name);
  if (m) return { kind: 'playlist', rendition: m[1]! };
  m = /^([a-z0-9-]+?)-(\d{1,15})\.m4s$/.exec(name);
  if (m) return { kind: 'segment', rendition: m[1]!, seq: Number(m[2]) };
  m = /^([a-z0-9-]+?)-(\d{1,15})\.(\d{1,3})\.m4s$/.exec(name);
  if (m) return { kind: 'part', rendition: m[1]!, seq: Number(m[2]), index: Number(m[3]) };
  m = /^([a-z0-9-]+?)-t(\d{1,16})\.m4s$/.exec(name);
  if (m) return { kind: 'timed-segment', rendition: m[1]!, start: Number(m[2]) };
  m = /^([a-z0-9-]+?)-init-([0-9a-f]{12})\.mp4$/.exec(name);
  if (m) return { kind: 'init', rendition: m[1]!, initId: m[2]! };
  return undefined;
}
