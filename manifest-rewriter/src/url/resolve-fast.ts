import { resolveReference } from './url-mapper.ts';
import type { ResolvedBase } from './url-rewriter.ts';

/**
 * The absolute href of `reference` against `base`, equal to `new URL(reference, base).href`. Plain relative
 * paths (the segment names of almost every playlist) are resolved by concatenation, which is about ten times
 * cheaper than URL parsing; anything that URL parsing could change (dot segments, percent-encoding, schemes,
 * '/', '\\', whitespace, non-ASCII) goes through URL.
 */
export function resolveHref(reference: string, base: ResolvedBase): string {
  if (base.directory !== '' && plainRelativeKind(reference) !== NOT_PLAIN) return base.directory + reference;
  return resolveReference(reference, base.url).href;
}

export const NOT_PLAIN = 0;
export const PLAIN_PATH = 1;
export const PLAIN_WITH_QUERY = 2;

/**
 * True when every character is kept verbatim by WHATWG URL parsing in a path or query of an http(s) URL and
 * the reference has no scheme, no leading '/' and no dot segment. '%' is excluded because '%2e' counts as a
 * dot in dot segments.
 */
export function isPlainRelative(reference: string): boolean {
  return plainRelativeKind(reference) !== NOT_PLAIN;
}

/** NOT_PLAIN, PLAIN_PATH, or PLAIN_WITH_QUERY when the plain reference has a query ('?'). */
export function plainRelativeKind(reference: string): number {
  return plainRelativeKindAt(reference, 0, reference.length);
}

/** plainRelativeKind of text[start, end), read in place (scanners call it before slicing anything). */
export function plainRelativeKindAt(text: string, start: number, end: number): number {
  if (end <= start) return NOT_PLAIN;
  let previous = SLASH; // a leading '.' is a dot segment
  let inQuery = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === DOT) {
      if (previous === SLASH && !inQuery) return NOT_PLAIN;
    } else if (code === SLASH) {
      if (i === start) return NOT_PLAIN;
    } else if (code === QUESTION) {
      if (i === start) return NOT_PLAIN;
      inQuery = true;
    } else if (code >= 128 || PLAIN[code] !== 1) {
      return NOT_PLAIN;
    }
    previous = code;
  }
  return inQuery ? PLAIN_WITH_QUERY : PLAIN_PATH;
}

const DOT = 46;
const SLASH = 47;
const QUESTION = 63;

/** Characters other than '.', '/', '?' that need no further thought: unreserved plus some sub-delims and '@'. */
const PLAIN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~!$&()*+,;=@') PLAIN[c.charCodeAt(0)] = 1;
