import type { ParsedMpd, ParsedMpdPlaylist } from './parse-mpd.ts';

export interface PackagedSegment {
  uri: string;
  duration: number;
}

export interface PackagedRendition {
  id: string;
  type: 'video' | 'audio';
  /** Representation@id in the MPD (ffmpeg numbers them by output stream). */
  representationId: string;
  /** RFC 6381 codec string from the MPD, e.g. avc1.64001f or mp4a.40.2. */
  codecs: string;
  /** Peak segment bit rate (bits/s), measured from the segment files as HLS BANDWIDTH requires. */
  bandwidth: number;
  /** Mean bit rate over the whole rendition (bits/s), HLS AVERAGE-BANDWIDTH. */
  averageBandwidth: number;
  width?: number;
  height?: number;
  frameRate?: number;
  channels?: number;
  language?: string;
  /** HLS media playlist file name. */
  playlist: string;
  initSegment: string;
  segments: PackagedSegment[];
  /** Video only: the I-frame playlist and its peak bit rate. */
  iFrames?: { playlist: string; bandwidth: number };
}

/** A sidecar WebVTT subtitle rendition as the multivariant playlist lists it. */
export interface SubtitleRendition {
  id: string;
  language: string | undefined;
  playlist: string;
}

export interface HlsFromMpdOptions {
  /** Representation@id -> rendition id (also the media playlist's base name). */
  renditionIds: ReadonlyMap<string, string>;
  /** Size in bytes of every segment file the MPD names. */
  segmentBytes: ReadonlyMap<string, number>;
  audioChannels?: number;
}

export interface HlsPackage {
  master: string;
  mediaPlaylists: Array<{ fileName: string; text: string }>;
  renditions: PackagedRendition[];
  durationSeconds: number;
}

export const HLS_MASTER_FILE = 'master.m3u8';
const AUDIO_GROUP = 'audio';
const SUBTITLE_GROUP = 'subs';
/** Names we publish must be servable: the media route accepts only this alphabet. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function safeName(name: string, what: string): string {
  if (!SAFE_NAME.test(name) || name.includes('..')) throw new Error(`${what} ${JSON.stringify(name)} is not a flat, safe file name`);
  return name;
}

function rendition(playlist: ParsedMpdPlaylist, type: 'video' | 'audio', options: HlsFromMpdOptions, language?: string): PackagedRendition {
  const representationId = playlist.attributes.NAME ?? '';
  const id = options.renditionIds.get(representationId);
  if (id === undefined) throw new Error(`the MPD has Representation ${JSON.stringify(representationId)}, which is not in the ladder`);
  const codecs = playlist.attributes.CODECS;
  if (codecs === undefined || codecs === '') throw new Error(`Representation ${representationId} has no codecs attribute`);
  const segments = playlist.segments.map((s) => ({ uri: safeName(s.uri, 'segment'), duration: s.duration }));
  const init = playlist.segments[0]?.map?.uri;
  if (segments.length === 0 || init === undefined) throw new Error(`Representation ${representationId} has no segments or no initialization segment`);

  let peak = 0;
  let totalBits = 0;
  let totalSeconds = 0;
  for (const segment of segments) {
    const bytes = options.segmentBytes.get(segment.uri);
    if (bytes === undefined) throw new Error(`segment ${segment.uri} named in the MPD was not written`);
    if (segment.duration <= 0) throw new Error(`segment ${segment.uri} has duration ${segment.duration}`);
    peak = Math.max(peak, (bytes * 8) / segment.duration);
    totalBits += bytes * 8;
    totalSeconds += segment.duration;
  }
  const result: PackagedRendition = {
    id: safeName(id, 'rendition id'),
    type,
    representationId,
    codecs,
    bandwidth: Math.ceil(peak),
    averageBandwidth: Math.ceil(totalBits / totalSeconds),
    playlist: `${id}.m3u8`,
    initSegment: safeName(init, 'initialization segment'),
    segments,
  };
  if (type === 'video') {
    const resolution = playlist.attributes.RESOLUTION;
    if (resolution === undefined) throw new Error(`video Representation ${representationId} has no width/height`);
    result.width = resolution.width;
    result.height = resolution.height;
    if (playlist.attributes['FRAME-RATE'] !== undefined) result.frameRate = playlist.attributes['FRAME-RATE'];
  } else {
    if (options.audioChannels !== undefined) result.channels = options.audioChannels;
    if (language !== undefined && language !== 'und') result.language = language;
  }
  return result;
}

/** HLS EXTINF values: enough decimals to add up to the DASH timeline without drift. */
function formatDuration(seconds: number): string {
  return seconds.toFixed(6);
}

/** RFC 8216 4.3.4.1 media playlist for one CMAF rendition: fMP4 needs EXT-X-MAP, so version 7 (>= 6). */
export function mediaPlaylist(r: PackagedRendition): string {
  // RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer must be <= TARGETDURATION.
  const target = Math.max(1, ...r.segments.map((s) => Math.round(s.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${r.initSegment}"`,
  ];
  for (const segment of r.segments) lines.push(`#EXTINF:${formatDuration(segment.duration)},`, segment.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/**
 * RFC 8216 4.3.4.2 multivariant playlist: one variant per video rendition, all sharing one audio
 * group in which each audio rendition (one per language) is an alternative; the first is the default.
 */
export function masterPlaylist(renditions: readonly PackagedRendition[], subtitles: readonly SubtitleRendition[] = []): string {
  const videos = renditions.filter((r) => r.type === 'video').sort((a, b) => a.bandwidth - b.bandwidth);
  const audios = renditions.filter((r) => r.type === 'audio');
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const names = new Set<string>();
  audios.forEach((audio, i) => {
    // NAME must be unique within the group (RFC 8216 4.3.4.1.1).
    let name = audio.language ?? (i === 0 ? 'Main' : `Audio ${i + 1}`);
    if (names.has(name)) name = `${name} ${i + 1}`;
    names.add(name);
    const attributes = [
      'TYPE=AUDIO',
      `GROUP-ID="${AUDIO_GROUP}"`,
      `NAME="${name}"`,
      ...(audio.language ? [`LANGUAGE="${audio.language}"`] : []),
      `DEFAULT=${i === 0 ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      ...(audio.channels ? [`CHANNELS="${audio.channels}"`] : []),
      `URI="${audio.playlist}"`,
    ];
    lines.push(`#EXT-X-MEDIA:${attributes.join(',')}`);
  });
  subtitles.forEach((sub, i) => {
    const attributes = [
      'TYPE=SUBTITLES',
      `GROUP-ID="${SUBTITLE_GROUP}"`,
      `NAME="${sub.language ?? `Subtitles ${i + 1}`}"`,
      ...(sub.language ? [`LANGUAGE="${sub.language}"`] : []),
      'DEFAULT=NO',
      'AUTOSELECT=YES',
      `URI="${sub.playlist}"`,
    ];
    lines.push(`#EXT-X-MEDIA:${attributes.join(',')}`);
  });
  // A variant's peak is at most its video peak plus the largest audio peak of the group.
  const audioPeak = Math.max(0, ...audios.map((a) => a.bandwidth));
  const audioAverage = Math.max(0, ...audios.map((a) => a.averageBandwidth));
  const audioCodecs = [...new Set(audios.map((a) => a.codecs))];
  for (const video of videos) {
    const attributes = [
      `BANDWIDTH=${video.bandwidth + audioPeak}`,
      `AVERAGE-BANDWIDTH=${video.averageBandwidth + audioAverage}`,
      `RESOLUTION=${video.width}x${video.height}`,
      `CODECS="${[video.codecs, ...audioCodecs].join(',')}"`,
      ...(video.frameRate !== undefined ? [`FRAME-RATE=${video.frameRate.toFixed(3)}`] : []),
      ...(audios.length > 0 ? [`AUDIO="${AUDIO_GROUP}"`] : []),
      ...(subtitles.length > 0 ? [`SUBTITLES="${SUBTITLE_GROUP}"`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, video.playlist);
  }
  // RFC 8216 4.3.4.3: I-frame variants for trick play and scrubbing.
  for (const video of videos) {
    if (video.iFrames === undefined) continue;
    lines.push(
      `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=${video.iFrames.bandwidth},RESOLUTION=${video.width}x${video.height},CODECS="${video.codecs}",URI="${video.iFrames.playlist}"`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Derive the HLS playlists from the packaged MPD, so both formats name exactly the same CMAF
 * segment files (one copy on disk, one set of cache entries downstream).
 */
export function hlsFromMpd(mpd: ParsedMpd, options: HlsFromMpdOptions): HlsPackage {
  const renditions: PackagedRendition[] = (mpd.playlists ?? []).map((p) => rendition(p, 'video', options));
  for (const [language, group] of Object.entries(mpd.mediaGroups?.AUDIO ?? {})) {
    for (const entry of Object.values(group)) {
      for (const playlist of entry.playlists ?? []) renditions.push(rendition(playlist, 'audio', options, entry.language ?? language));
    }
  }
  if (!renditions.some((r) => r.type === 'video')) throw new Error('the MPD has no video Representation');
  const playlistNames = new Set(renditions.map((r) => r.playlist));
  if (playlistNames.size !== renditions.length) throw new Error('two renditions share a playlist name');
  return {
    master: masterPlaylist(renditions),
    mediaPlaylists: renditions.map((r) => ({ fileName: r.playlist, text: mediaPlaylist(r) })),
    renditions,
    durationSeconds: mpd.duration ?? Math.max(...renditions.map((r) => r.segments.reduce((sum, s) => sum + s.duration, 0))),
  };
}
