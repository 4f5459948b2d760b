import { accessSync, constants } from 'node:fs';

/** Fonts Debian installs with common packages (fonts-dejavu-core, fonts-liberation: chromium pulls them in). */
export const CLOCK_FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
];

/**
 * The font the synthetic source draws its wall clock with (ffmpeg's drawtext needs a font file).
 * Without one the picture still carries testsrc2's own running counter, which counts from the start
 * of the encoder run rather than showing the time of day; the channel's health says which it is.
 */
export function findClockFont(candidates: readonly string[] = CLOCK_FONT_CANDIDATES): string | undefined {
  for (const path of candidates) {
    try {
      accessSync(path, constants.R_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}
