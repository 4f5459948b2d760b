import rangeParser from 'range-parser';

export type RangeSelection =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * Decide how to answer a Range header for an object of `size` bytes. Overlapping and adjacent ranges
 * are combined; a request that still needs several ranges gets the whole object (200), which RFC 9110
 * §14.2 allows and which saves multipart/byteranges for a case players do not use. A malformed header
 * or another unit is ignored, as the RFC prescribes; only a well-formed but impossible one is a 416.
 */
export function selectRange(size: number, rangeHeader: string | undefined): RangeSelection {
  if (rangeHeader === undefined) return { kind: 'full' };
  const ranges = rangeParser(size, rangeHeader, { combine: true });
  if (ranges === -1) return { kind: 'unsatisfiable' };
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { kind: 'full' };
  const [range] = ranges;
  if (range === undefined) return { kind: 'full' };
  return { kind: 'partial', start: range.start, end: range.end };
}
