import { runFfmpeg } from './run-ffmpeg.ts';
import type { ProbedSubtitleTrack } from './probe-media.ts';

/** Subtitle codecs ffmpeg can turn into WebVTT; bitmap subtitles (PGS, DVD) would need OCR and are skipped. */
const TEXT_SUBTITLE_CODECS = new Set(['subrip', 'srt', 'mov_text', 'ass', 'ssa', 'webvtt', 'text']);

export interface SubtitleFile {
  id: string;
  language: string | undefined;
  /** The WebVTT file. */
  file: string;
  /** Its one-segment HLS media playlist. */
  playlist: string;
}

export function textSubtitleTracks(tracks: readonly ProbedSubtitleTrack[]): ProbedSubtitleTrack[] {
  return tracks.filter((t) => TEXT_SUBTITLE_CODECS.has(t.codec));
}

/** Names for each track: `subtitles-<lang>` (or `subtitles-<n>` when untagged or repeated). */
export function subtitleIds(tracks: readonly ProbedSubtitleTrack[]): string[] {
  return tracks.map((t, i) => {
    const repeated = tracks.some((o, j) => j !== i && o.language === t.language);
    return `subtitles-${t.language !== undefined && !repeated ? t.language : String(i)}`;
  });
}

/** Convert the source's text subtitle tracks to WebVTT files in `outputDir`, one ffmpeg run for all. */
export async function extractSubtitles(options: {
  ffmpegPath: string;
  inputFile: string;
  outputDir: string;
  tracks: readonly ProbedSubtitleTrack[];
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<SubtitleFile[]> {
  const tracks = textSubtitleTracks(options.tracks);
  if (tracks.length === 0) return [];
  const ids = subtitleIds(tracks);
  const args = ['-i', options.inputFile];
  tracks.forEach((track, i) => args.push('-map', `0:s:${track.index}`, '-c:s', 'webvtt', '-f', 'webvtt', '-y', `${options.outputDir}/${ids[i]}.vtt`));
  await runFfmpeg({ ffmpegPath: options.ffmpegPath, args, signal: options.signal, timeoutMs: options.timeoutMs });
  return tracks.map((track, i) => ({ id: ids[i]!, language: track.language, file: `${ids[i]}.vtt`, playlist: `${ids[i]}.m3u8` }));
}

/** The HLS media playlist of a sidecar WebVTT file: one segment as long as the title. */
export function subtitlePlaylist(file: string, durationSeconds: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationSeconds))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${durationSeconds.toFixed(6)},`,
    file,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/**
 * DASH AdaptationSets for sidecar WebVTT (DASH-IF IOP 6.4.5: a text/vtt Representation whose
 * BaseURL is the file, relative to the MPD, so it resolves under whatever path served the MPD).
 */
export function subtitleAdaptationSets(subtitles: readonly SubtitleFile[], firstId: number): string {
  return subtitles
    .map((s, i) =>
      [
        `\t\t<AdaptationSet id="${firstId + i}" contentType="text" mimeType="text/vtt"${s.language ? ` lang="${s.language}"` : ''}>`,
        '\t\t\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
        `\t\t\t<Representation id="${s.id}" bandwidth="256">`,
        `\t\t\t\t<BaseURL>${s.file}</BaseURL>`,
        '\t\t\t</Representation>',
        '\t\t</AdaptationSet>',
      ].join('\n'),
    )
    .join('\n');
}
