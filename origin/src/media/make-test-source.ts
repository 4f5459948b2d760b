import { runFfmpeg } from './run-ffmpeg.ts';

export interface MakeTestSourceOptions {
  ffmpegPath: string;
  /** Where to write the mezzanine (.mp4). */
  outputFile: string;
  durationSeconds: number;
  width?: number;
  height?: number;
  frameRate?: number;
  signal?: AbortSignal;
  /** Fraction 0..1 of the source written so far. */
  onProgress?: (fraction: number) => void;
}

/**
 * The lavfi graph of the test pattern. Why these sources: `testsrc` draws a big counter but only in
 * RGB, and converting 720p RGB to YUV costs more than the whole encode; `testsrc2` is YUV-native and
 * draws a running clock (HH:MM:SS.mmm plus frame number) with its built-in bitmap font, so no font
 * file is needed. Its clock is tiny, so it is cropped and scaled up (nearest neighbour) to read at
 * 360p; a small full testsrc2 gives motion; SMPTE bars under everything stay cheap to encode.
 * The 440 Hz tone beeps (880 Hz) once a second, which makes audio/video drift audible.
 */
export function testSourceFilterGraph(width: number, height: number): string {
  const clockScale = Math.max(2, Math.round((4 * width) / 1280));
  const motionWidth = Math.round((width * 3) / 8 / 2) * 2;
  const margin = Math.round(width / 40);
  return [
    '[1:v]split[motion-src][clock-src]',
    // testsrc2 draws its clock in a 100x36 box at (2,2) whatever the frame size.
    `[clock-src]crop=100:36:2:2,scale=${100 * clockScale}:${36 * clockScale}:flags=neighbor[clock]`,
    `[motion-src]scale=${motionWidth}:-2[motion]`,
    `[0:v][motion]overlay=x=W-w-${margin}:y=H-h-${margin}[with-motion]`,
    '[with-motion][clock]overlay=x=(W-w)/2:y=(H-h)/2-H/6,format=yuv420p[v]',
    '[2:a]aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo[a]',
  ].join(';');
}

/**
 * Synthesize a mezzanine: SMPTE bars with a burnt-in running clock and a beeping tone, H.264 (high
 * quality, fast preset) and AAC stereo 48 kHz in MP4. It stands in for an uploaded source.
 */
export async function makeTestSource(options: MakeTestSourceOptions): Promise<void> {
  const { ffmpegPath, outputFile, durationSeconds, width = 1280, height = 720, frameRate = 25, signal, onProgress } = options;
  const lavfi = (graph: string) => ['-f', 'lavfi', '-i', graph];
  await runFfmpeg({
    ffmpegPath,
    signal,
    onProgress: (progress) => onProgress?.(progress.done ? 1 : Math.min(1, progress.outTimeSeconds / durationSeconds)),
    args: [
      ...lavfi(`smptehdbars=size=${width}x${height}:rate=${frameRate}:duration=${durationSeconds}`),
      ...lavfi(`testsrc2=size=320x180:rate=${frameRate}:duration=${durationSeconds}`),
      ...lavfi(`sine=frequency=440:beep_factor=2:sample_rate=48000:duration=${durationSeconds}`),
      '-filter_complex', testSourceFilterGraph(width, height),
      '-map', '[v]', '-map', '[a]',
      '-c:v', 'libx264', '-preset', 'superfast', '-crf', '18', '-g', String(frameRate * 2),
      '-c:a', 'aac', '-b:a', '192k',
      '-t', String(durationSeconds),
      '-movflags', '+faststart',
      '-y', outputFile,
    ],
  });
}
