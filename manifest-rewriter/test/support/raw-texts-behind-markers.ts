import { MARKER_PATTERN } from './mappers.ts';

/**
 * Lines up `output` (written by markerMapper) with `input`: everything outside the markers must be identical,
 * byte for byte, and each marker must stand where the input had some non-empty text on the same line.
 * Returns that text per marker, in order, or undefined when anything else differs.
 */
export function rawTextsBehindMarkers(input: string, output: string): string[] | undefined {
  const literals = output.split(MARKER_PATTERN);
  const pattern = new RegExp(`^${literals.map(escapeRegExp).join('([^\\r\\n]+?)')}$`);
  const match = pattern.exec(input);
  return match === null ? undefined : match.slice(1).map((text) => text ?? '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
