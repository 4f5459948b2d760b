import { resolveReference } from './url-mapper.ts';
import type { ResolvedBase } from './url-rewriter.ts';

/**
 * The absolute href of `reference` against `base`, equal to `new URL(reference, base).href`. Plain relative
 * paths (the segment names of almost every playlist) are resolved by concatenation, which is about ten times
 * cheaper than URL parsing; anything that URL parsing could change (dot segments, percent-encoding, schemes,
 * '/', '\\', whitespace, non-ASCII) goes through URL.
 */
export function resolveHref(reference: string, base: ResolvedBase): string {
  if (base.directory !== '' && isPlainRelative(reference)) return base.directory + reference;
  return resolveReference(reference, base.url).href;
}

/**
 * True when every character is kept verbatim by WHATWG URL parsing in a path or query of an http(s) URL and
 * the reference has no scheme, no leading '/' and no dot segment. '%' is excluded because '%2e' counts as a
 * dot in dot segments.
 */
export function isPlainRelative(reference: string): boolean {
  const length = reference.length;
  if (length === 0) return false;
  let previous = SLASH; // a leading '.' is a dot segment
  let inQuery = false;
  for (let i = 0; i < length; i++) {
    const code = reference.charCodeAt(i);
    if (code === DOT) {
      if (previous === SLASH && !inQuery) return false;
    } else if (code === SLASH) {
      if (i === 0) return false;
    } else if (code === QUESTION) {
      if (i === 0) return false;
      inQuery = true;
    } else if (code >= 128 || PLAIN[code] !== 1) {
      return false;
    }
    previous = code;
  }
  return true;
}

const DOT = 46;
const SLASH = 47;
const QUESTION = 63;

/** Characters other than '.', '/', '?' that need no further thought: unreserved plus some sub-delims and '@'. */
const PLAIN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~!$&()*+,;=@') PLAIN[c.charCodeAt(0)] = 1;
