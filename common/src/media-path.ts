import { ProblemError } from './problem-error.ts';

/**
 * Media object paths are ours (title ids, rendition and segment names), so instead of trying to
 * normalise hostile paths we accept only a narrow grammar and refuse everything else with `bad-path`.
 * That makes `..`, `%2e%2e`, doubled encodings (`%252e`), backslashes, NUL bytes and absolute paths
 * impossible by construction, in every tier, with the same code.
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_SEGMENTS = 8;

/**
 * Split a raw (still percent-encoded) path such as `vod/demo/seg-1.m4s` into validated segments.
 * Percent-encoding is not part of the grammar, so any `%` is refused before decoding: a doubled
 * encoding can never decode into something that passed the check.
 */
export function parseMediaPath(rawPath: string): string[] {
  if (rawPath.length === 0 || rawPath.length > 1024) {
    throw new ProblemError('bad-path', `path length must be 1..1024, got ${rawPath.length}`);
  }
  if (rawPath.startsWith('/')) {
    throw new ProblemError('bad-path', 'media path must be relative');
  }
  const segments = rawPath.split('/');
  if (segments.length > MAX_SEGMENTS) {
    throw new ProblemError('bad-path', `media path has ${segments.length} segments, at most ${MAX_SEGMENTS} allowed`);
  }
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment.includes('..')) {
      throw new ProblemError('bad-path', `path segment ${JSON.stringify(segment.slice(0, 64))} is not allowed`);
    }
  }
  return segments;
}

/** A title or channel id: one path segment of the same grammar. */
export function parseId(raw: string, what = 'id'): string {
  if (!SEGMENT.test(raw) || raw.includes('..') || raw.length > 64) {
    throw new ProblemError('bad-path', `${what} ${JSON.stringify(raw.slice(0, 64))} is not allowed`);
  }
  return raw;
}
