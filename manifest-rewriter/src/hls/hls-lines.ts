/** RFC 8216 4.1: every line is a URI, a tag (#EXT...), a comment (any other #...) or blank. */
export type HlsLineKind = 'uri' | 'tag' | 'comment' | 'blank';

/**
 * Calls `visit` for every line from `from` on. `start`/`end` bound the line's content without its terminator
 * (LF or CRLF); for URI lines they also exclude surrounding spaces and tabs, so replacing [start, end) keeps
 * everything else of the line. Offsets index the original string, so callers edit in place.
 */
export function forEachHlsLine(
  playlist: string,
  from: number,
  visit: (kind: HlsLineKind, start: number, end: number) => void,
): void {
  let lineStart = from;
  for (;;) {
    const newline = playlist.indexOf('\n', lineStart);
    let end = newline === -1 ? playlist.length : newline;
    if (end > lineStart && playlist.charCodeAt(end - 1) === CR) end--;
    classify(playlist, lineStart, end, visit);
    if (newline === -1) return;
    lineStart = newline + 1;
  }
}

const CR = 13;
const HASH = 35;

function classify(
  playlist: string,
  start: number,
  end: number,
  visit: (kind: HlsLineKind, start: number, end: number) => void,
): void {
  if (start < end && playlist.charCodeAt(start) === HASH) {
    visit(playlist.startsWith('#EXT', start) ? 'tag' : 'comment', start, end);
    return;
  }
  let first = start;
  let last = end;
  while (first < last && isBlank(playlist.charCodeAt(first))) first++;
  while (last > first && isBlank(playlist.charCodeAt(last - 1))) last--;
  if (first === last) visit('blank', start, end);
  else visit('uri', first, last);
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}
