import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Fonts Debian and most distributions ship; the first one present is used.
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
  '/usr/share/fonts/truetype/freefont/FreeSansBold.ttf',
  '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
];

export const SLATE_MESSAGE = 'Not available in your region';
export const SLATE_BACKGROUND = '0x1c2340';

/**
 * The lavfi video graph of the blackout slate: a dark card with the message when this ffmpeg has
 * `drawtext` (libfreetype) and a font file exists, otherwise the plain card (the 2018 static ffmpeg
 * some machines bundle lacks drawtext, and minimal images have no fonts). Returns which one it chose.
 */
export async function slateVideoGraph(ffmpegPath: string, width: number, height: number, rate: number, seconds: number): Promise<{ graph: string; text: boolean }> {
  const card = `color=c=${SLATE_BACKGROUND}:size=${width}x${height}:rate=${rate}:duration=${seconds}`;
  const font = await firstFont();
  if (font === undefined || !(await hasDrawtext(ffmpegPath))) return { graph: card, text: false };
  const size = Math.round(height / 12);
  const text = SLATE_MESSAGE.replaceAll(':', '\\:').replaceAll("'", '');
  return { graph: `${card},drawtext=fontfile=${font}:text='${text}':fontcolor=white:fontsize=${size}:x=(w-text_w)/2:y=(h-text_h)/2`, text: true };
}

async function firstFont(): Promise<string | undefined> {
  for (const candidate of FONT_CANDIDATES) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function hasDrawtext(ffmpegPath: string): Promise<boolean> {
  try {
    const { stdout } = await run(ffmpegPath, ['-hide_banner', '-filters'], { maxBuffer: 4 * 1024 * 1024 });
    return /^\s*\S+\s+drawtext\s/m.test(stdout);
  } catch {
    return false;
  }
}
