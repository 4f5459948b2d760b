import { execFile } from 'node:child_process';

export interface MediaProbe {
  durationSeconds: number;
  video: { width: number; height: number; frameRate: number } | undefined;
  audio: { channels: number; sampleRate: number } | undefined;
}

interface FfprobeJson {
  format?: { duration?: string };
  streams?: Array<{
    codec_type?: string;
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
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const durationSeconds = Number(json.format?.duration ?? v?.duration ?? a?.duration);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
    throw new Error(`ffprobe found no duration in ${file}`);
  }
  const frameRate = parseRational(v?.avg_frame_rate) ?? parseRational(v?.r_frame_rate);
  return {
    durationSeconds,
    video:
      v && v.width !== undefined && v.height !== undefined && frameRate !== undefined
        ? { width: v.width, height: v.height, frameRate }
        : undefined,
    audio: a ? { channels: a.channels ?? 2, sampleRate: Number(a.sample_rate ?? 48000) } : undefined,
  };
}
