/** Replace source[start, end) with text; start === end inserts. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies non-overlapping edits, so everything outside them is copied through byte for byte.
 * Edits may arrive in any order; equal starts keep their given order.
 */
export function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return source;
  const sorted = isSorted(edits) ? edits : [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor || edit.end < edit.start) {
      throw new Error(`overlapping text edit at ${edit.start}..${edit.end} (cursor ${cursor})`);
    }
    out += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + source.slice(cursor);
}

/** Scanners emit edits in document order; sorting is only needed once transforms have added theirs. */
function isSorted(edits: readonly TextEdit[]): boolean {
  for (let i = 1; i < edits.length; i++) if (edits[i]!.start < edits[i - 1]!.start) return false;
  return true;
}
