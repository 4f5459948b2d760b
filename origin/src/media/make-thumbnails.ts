import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from './run-ffmpeg.ts';

export const THUMBNAIL_TRACK_FILE = 'thumbnails.vtt';
const COLUMNS = 5;
const ROWS = 5;

export interface ThumbnailTrack {
  /** WebVTT file whose cues point at sprite regions (`sprite.jpg#xywh=x,y,w,h`). */
  track: string;
  intervalSeconds: number;
  width: number;
  height: number;
  columns: number;
  rows: number;
  sprites: string[];
}

function timestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * Scrubbing thumbnails: one frame every `intervalSeconds`, scaled to `width` wide, tiled 5x5 into
 * JPEG sprites, plus the WebVTT track that maps each interval to its tile (the convention Video.js,
 * JW Player, Shaka's UI and others read).
 *
 * The input is the smallest packaged rendition (its init segment and media segments, read in order
 * through ffmpeg's concat protocol), decoding key frames only: every segment starts with one, so
 * that is exactly one frame per interval, and the pass costs a tiny fraction of the transcode.
 */
export async function makeThumbnails(options: {
  ffmpegPath: string;
  /** Files that together form one fragmented MP4 (init segment first), in order. */
  inputFiles: readonly string[];
  outputDir: string;
  durationSeconds: number;
  intervalSeconds: number;
  /** Displayed source size (after rotation), for the aspect ratio. */
  displayWidth: number;
  displayHeight: number;
  width?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The content key of cenc-encrypted input (ffmpeg's CENC reader decrypts it). */
  decryptionKey?: Uint8Array;
}): Promise<ThumbnailTrack> {
  const { ffmpegPath, inputFiles, outputDir, durationSeconds, intervalSeconds, displayWidth, displayHeight, width = 160 } = options;
  const height = Math.max(2, Math.round((width * displayHeight) / displayWidth / 2) * 2);
  await runFfmpeg({
    ffmpegPath,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    args: [
      ...(options.decryptionKey ? ['-decryption_key', Buffer.from(options.decryptionKey).toString('hex')] : []),
      '-skip_frame', 'nokey', '-i', `concat:${inputFiles.join('|')}`, '-an', '-sn',
      '-vf', `scale=${width}:${height},tile=${COLUMNS}x${ROWS}`, '-vsync', 'passthrough',
      '-q:v', '5', '-f', 'image2', '-start_number', '1', '-y', join(outputDir, 'thumbs-%04d.jpg'),
    ],
  });
  const sprites = (await readdir(outputDir)).filter((n) => /^thumbs-\d{4}\.jpg$/.test(n)).sort();
  const count = Math.ceil(durationSeconds / intervalSeconds);
  const perSprite = COLUMNS * ROWS;
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < count; i++) {
    const sprite = sprites[Math.floor(i / perSprite)];
    if (sprite === undefined) break;
    const tile = i % perSprite;
    const x = (tile % COLUMNS) * width;
    const y = Math.floor(tile / COLUMNS) * height;
    lines.push(`${timestamp(i * intervalSeconds)} --> ${timestamp(Math.min(durationSeconds, (i + 1) * intervalSeconds))}`, `${sprite}#xywh=${x},${y},${width},${height}`, '');
  }
  await writeFile(join(outputDir, THUMBNAIL_TRACK_FILE), lines.join('\n'));
  return { track: THUMBNAIL_TRACK_FILE, intervalSeconds, width, height, columns: COLUMNS, rows: ROWS, sprites };
}
