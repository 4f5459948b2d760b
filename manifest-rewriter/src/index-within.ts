/**
 * indexOf that gives up at `end`. Plain indexOf keeps searching past the current line, which turns a
 * line-by-line scan quadratic when the needle is rare (a live playlist of 20k lines without "URI").
 */
export function indexWithin(text: string, needle: string, from: number, end: number): number {
  const last = end - needle.length;
  const first = needle.charCodeAt(0);
  for (let i = from; i <= last; i++) {
    if (text.charCodeAt(i) === first && (needle.length === 1 || text.startsWith(needle, i))) return i;
  }
  return -1;
}
