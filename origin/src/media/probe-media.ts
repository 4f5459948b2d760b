import { execFile } from 'node:child_process';
import { languageTag } from './language-tag.ts';

export interface ProbedAudioTrack {
  /** Index among the source's audio streams (ffmpeg `0:a:N`). */
  index: number;
  codec: string;
  channels: number;
  channelLayout: string | undefined;
  sampleRate: number;
  /** BCP 47 language from the stream's tag ("eng" becomes "en"); undefined when untagged or "und". */
  language: string | undefined;
}

export interface ProbedSubtitleTrack {
  /** Index among the source's subtitle streams (ffmpeg `0:s:N`). */
  index: number;
  codec: string;
  language: string | undefined;
}

export interface MediaProbe {
  durationSeconds: number;
  /** ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  formatName: string;
  video:
    | {
        width: number;
        height: number;
        /** Average frame rate over the stream. */
        frameRate: number;
        /** The stream's nominal rate (r_frame_rate); differs from frameRate for variable-frame-rate sources. */
        nominalFrameRate: number | undefined;
        codec: string;
        rotation: number;
      }
    | undefined;
  /** The first audio track (kept for callers that need one). */
  audio: { channels: number; sampleRate: number } | undefined;
  audioTracks: ProbedAudioTrack[];
  subtitleTracks: ProbedSubtitleTrack[];
}

interface FfprobeJson {
  format?: { duration?: string; format_name?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    channel_layout?: string;
    tags?: { language?: string; rotate?: string };
    disposition?: { attached_pic?: number };
    side_data_list?: Array<{ rotation?: number }>;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    channels?: number;
    sample_rate?: string;
    duration?: string;
  }>;
}

/** "30000/1001" -> 29.97; undefined for "0/0" and other non-rates. */
export function parseRational(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const [num, den = '1'] = value.split('/');
  const rate = Number(num) / Number(den);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

function language(tag: string | undefined): string | undefined {
  return languageTag(tag);
}

/** Run ffprobe and return its stdout; rejects with ffprobe's stderr as the reason. */
export function runFfprobe(ffprobePath: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath,
      ['-hide_banner', '-loglevel', 'error', ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ffprobe failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Duration and the first video and audio stream of a media file. */
export async function probeMedia(ffprobePath: string, file: string): Promise<MediaProbe> {
  const json = JSON.parse(
    await runFfprobe(ffprobePath, ['-print_format', 'json', '-show_format', '-show_streams', file]),
  ) as FfprobeJson;
  const streams = json.streams ?? [];
  // Cover art in audio files is a "video" stream of one picture: not a video track.
  const v = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audioStreams = streams.filter((s) => s.codec_type === 'audio');
  const a = audioStreams[0];
  const durationSeconds = Number(json.format?.duration ?? v?.duration ?? a?.duration);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw new Error(`ffprobe found no duration in ${file}`);
  }
  const frameRate = parseRational(v?.avg_frame_rate) ?? parseRational(v?.r_frame_rate);
  const rotation = Number(v?.tags?.rotate ?? v?.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0);
  return {
    durationSeconds,
    formatName: json.format?.format_name ?? 'unknown',
    video:
      v && v.width !== undefined && v.height !== undefined && frameRate !== undefined
        ? { width: v.width, height: v.height, frameRate, nominalFrameRate: parseRational(v.r_frame_rate), codec: v.codec_name ?? 'unknown', rotation: Number.isFinite(rotation) ? rotation : 0 }
        : undefined,
    audio: a ? { channels: a.channels ?? 2, sampleRate: Number(a.sample_rate ?? 48000) } : undefined,
    audioTracks: audioStreams.map((s, index) => ({
      index,
      codec: s.codec_name ?? 'unknown',
      channels: s.channels ?? 2,
      channelLayout: s.channel_layout,
      sampleRate: Number(s.sample_rate ?? 48000),
      language: language(s.tags?.language),
    })),
    subtitleTracks: streams
      .filter((s) => s.codec_type === 'subtitle')
      .map((s, index) => ({ index, codec: s.codec_name ?? 'unknown', language: language(s.tags?.language) })),
  };
}
