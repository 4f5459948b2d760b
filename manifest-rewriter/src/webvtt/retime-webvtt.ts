import { ManifestError } from '../manifest-error.ts';

/**
 * How a sidecar WebVTT file of a title is re-timed for a stitched session.
 * - `breaks` (HLS, one subtitle segment for the whole session): at content second `at`, `seconds` of ads
 *   play, so every cue after it moves later by that much.
 * - `window` (DASH, one content Period): only the cues between content seconds `from` and `to`, timed from
 *   `from`, since a player times a Period's sidecar text from the Period's start.
 */
export type WebVttRetiming = { breaks: { at: number; seconds: number }[] } | { window: { from: number; to: number } };

/** Files bigger than this are not subtitles: refused rather than parsed. */
export const MAX_WEBVTT_BYTES = 4 * 1024 * 1024;

// WebVTT §4.5 timestamps: hours optional (two or more digits when present), minutes and seconds two digits.
const TIMESTAMP = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
const TIMING = /^(\S+)[ \t]+-->[ \t]+(\S+)(.*)$/;
const INLINE_TIMESTAMP = /<((?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3})>/g;

function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? '0') * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

function formatTimestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

/**
 * Re-time a WebVTT file (W3C WebVTT §4) for a stitched session. The header, NOTE, STYLE and REGION blocks
 * pass unchanged. A cue that spans a break is split in two (the same text before and after the ads), so
 * no line stays on screen over an ad; inline timestamps (karaoke) move with their cue. Throws
 * `ManifestError('not-webvtt')` when the text is not WebVTT.
 */
export function retimeWebVtt(vtt: string, retiming: WebVttRetiming): string {
  if (vtt.length > MAX_WEBVTT_BYTES) throw new ManifestError('too-large', `the WebVTT file is larger than ${MAX_WEBVTT_BYTES} bytes`);
  const text = vtt.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!/^WEBVTT(?:[ \t][^\n]*)?(?:\n|$)/.test(text)) throw new ManifestError('not-webvtt', 'the file does not start with the WEBVTT signature');
  const blocks = text.split(/\n{2,}/);
  const out: string[] = [blocks[0]!];
  const pieces = piecesOf(retiming);
  for (const block of blocks.slice(1)) {
    if (block.trim() === '') continue;
    const lines = block.split('\n');
    const timingAt = /^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(lines[0]!) ? -1 : lines.findIndex((l) => l.includes('-->'));
    // NOTE, STYLE and REGION blocks (and anything else without a timing line) are kept as they are.
    if (timingAt === -1 || timingAt > 1) {
      out.push(block);
      continue;
    }
    const timing = TIMING.exec(lines[timingAt]!);
    const start = timing ? parseTimestamp(timing[1]!) : undefined;
    const end = timing ? parseTimestamp(timing[2]!) : undefined;
    if (start === undefined || end === undefined) throw new ManifestError('not-webvtt', `a cue timing line is malformed: ${JSON.stringify(lines[timingAt]!.slice(0, 80))}`);
    const id = timingAt === 1 ? lines[0]! : undefined;
    const payload = lines.slice(timingAt + 1);
    for (const [k, piece] of pieces(start, end).entries()) {
      const shift = piece.shift;
      const body = payload.map((line) => line.replace(INLINE_TIMESTAMP, (whole, stamp: string) => {
        const t = parseTimestamp(stamp);
        return t === undefined ? whole : `<${formatTimestamp(Math.min(Math.max(t, piece.from), piece.to) + shift)}>`;
      }));
      // A cue identifier must be unique in the file: the part after a break goes without one.
      const head = id !== undefined && k === 0 ? [id] : [];
      out.push([...head, `${formatTimestamp(piece.from + shift)} --> ${formatTimestamp(piece.to + shift)}${timing![3]}`, ...body].join('\n'));
    }
  }
  return `${out.join('\n\n')}\n`;
}

/** The parts of a cue [start, end) that play, each with the amount its times move by. */
function piecesOf(retiming: WebVttRetiming): (start: number, end: number) => { from: number; to: number; shift: number }[] {
  if ('window' in retiming) {
    const { from, to } = retiming.window;
    return (start, end) => {
      const a = Math.max(start, from);
      const b = Math.min(end, to);
      return b > a ? [{ from: a, to: b, shift: -from }] : [];
    };
  }
  const breaks = [...retiming.breaks].sort((x, y) => x.at - y.at);
  return (start, end) => {
    if (end <= start) return [{ from: start, to: end, shift: shiftAt(breaks, start) }];
    const cuts = [start, ...breaks.map((b) => b.at).filter((at) => at > start && at < end), end];
    // Content at a break's instant plays after its ads, so a piece starting there moves by that break too.
    return cuts.slice(0, -1).map((from, i) => ({ from, to: cuts[i + 1]!, shift: shiftAt(breaks, from) }));
  };
}

function shiftAt(breaks: readonly { at: number; seconds: number }[], t: number): number {
  let shift = 0;
  for (const b of breaks) if (b.at <= t) shift += b.seconds;
  return shift;
}
