import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import { runFfmpeg } from '../../src/media/run-ffmpeg.ts';

/**
 * Test media made with ffmpeg at test time (nothing is committed). Sources are short and small so
 * that every transcode in the suite takes a second or two.
 */
export interface MediaOptions {
  seconds?: number;
  width?: number;
  height?: number;
  rate?: number;
  /** One sine tone per entry, each tagged with the language. */
  audioLanguages?: Array<string | undefined>;
  video?: boolean;
  extraArgs?: string[];
  /** x264 preset and pixel format (4:4:4 allows odd sizes). */
  pixFmt?: string;
  faststart?: boolean;
}

export async function makeMedia(ffmpegPath: string, file: string, options: MediaOptions = {}): Promise<string> {
  const { seconds = 2, width = 320, height = 240, rate = 25, audioLanguages = ['eng'], video = true, extraArgs = [], pixFmt = 'yuv420p', faststart = true } = options;
  const args: string[] = [];
  if (video) args.push('-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${rate}:duration=${seconds}`);
  audioLanguages.forEach((_, i) => args.push('-f', 'lavfi', '-i', `sine=frequency=${440 + 220 * i}:sample_rate=48000:duration=${seconds}`));
  if (video) args.push('-map', '0:v');
  audioLanguages.forEach((_, i) => args.push('-map', `${(video ? 1 : 0) + i}:a`));
  if (video) args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', pixFmt, '-g', String(rate));
  if (audioLanguages.length > 0) args.push('-c:a', 'aac', '-b:a', '64k');
  audioLanguages.forEach((language, i) => {
    if (language) args.push(`-metadata:s:a:${i}`, `language=${language}`);
  });
  args.push(...extraArgs);
  if (faststart) args.push('-movflags', '+faststart');
  args.push('-y', file);
  await runFfmpeg({ ffmpegPath, args });
  return file;
}

/** An MP4 cut in half with its moov box at the end (no faststart), so the moov is missing. */
export async function makeTruncatedMp4(ffmpegPath: string, file: string): Promise<string> {
  await makeMedia(ffmpegPath, file, { seconds: 2, faststart: false });
  const bytes = await readFile(file);
  await truncate(file, Math.floor(bytes.length / 2));
  return file;
}

/** A playable MP4 with a run of garbage bytes in the middle of its media data. */
export async function makeCorruptMidFile(ffmpegPath: string, file: string): Promise<string> {
  await makeMedia(ffmpegPath, file, { seconds: 3 });
  const size = (await readFile(file)).length;
  const handle = await open(file, 'r+');
  try {
    // Deterministic garbage, so a failure reproduces.
    const garbage = Buffer.alloc(4096, 0).map((_, i) => (i * 7919) & 0xff);
    await handle.write(garbage, 0, garbage.length, Math.floor(size * 0.6));
  } finally {
    await handle.close();
  }
  return file;
}

/** 8K (7680x4320): one flat frame, cheap to make, refused at probe by the size limit. */
export async function make8k(ffmpegPath: string, file: string): Promise<string> {
  await runFfmpeg({ ffmpegPath, args: ['-f', 'lavfi', '-i', 'color=c=gray:size=7680x4320:rate=1:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-frames:v', '1', '-y', file] });
  return file;
}

/** Variable frame rate: a 25 fps clock with two of every three frames dropped after the first ten (timestamps kept). */
export async function makeVfr(ffmpegPath: string, file: string): Promise<string> {
  return makeMedia(ffmpegPath, file, { seconds: 3, extraArgs: ['-vf', "select='not(mod(n\\,3))+lt(n\\,10)'", '-vsync', 'vfr'] });
}

export async function makeTextFile(file: string): Promise<string> {
  await writeFile(file, 'This is a text file with an .mp4 name, not a video.\n'.repeat(20));
  return file;
}

/** A clip with an English soft-subtitle track (mov_text in MP4, converted from SubRip). */
export async function makeWithSubtitles(ffmpegPath: string, file: string, seconds = 4): Promise<string> {
  const srt = `${file}.srt`;
  await writeFile(srt, '1\n00:00:00,500 --> 00:00:01,500\nHello from the subtitle track\n\n2\n00:00:02,000 --> 00:00:03,000\nSecond cue\n');
  await runFfmpeg({
    ffmpegPath,
    args: [
      '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=sample_rate=48000:duration=${seconds}`,
      '-i', srt,
      '-map', '0:v', '-map', '1:a', '-map', '2:s',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-c:s', 'mov_text',
      '-metadata:s:s:0', 'language=eng', '-metadata:s:a:0', 'language=eng',
      '-y', file,
    ],
  });
  return file;
}
