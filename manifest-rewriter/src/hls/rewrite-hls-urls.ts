import { indexWithin } from '../index-within.ts';
import type { TextEdit } from '../text-edit.ts';
import { NOT_PLAIN, plainRelativeKindAt } from '../url/resolve-fast.ts';
import type { ResolvedBase, UrlRewriter } from '../url/url-rewriter.ts';
import { parseAttributeList } from './attribute-list.ts';

/**
 * Appends, in document order, an edit for every URI the rewriter changes: URI lines and every attribute
 * named exactly URI in any tag (EXT-X-MEDIA, -MAP, -KEY, -SESSION-KEY, -SESSION-DATA, -PART, -PRELOAD-HINT,
 * -RENDITION-REPORT, -I-FRAME-STREAM-INF, unknown tags). SERVER-URI and X-ASSET-URI are not media URLs.
 * Lines starting at an offset in `skip` (removed by a transform) are left alone.
 *
 * This is the hot loop of every media playlist request, so it is one pass without callbacks: lines are
 * found with indexOf, and tags are only parsed when the next occurrence of "URI" falls inside them.
 * Returns whether any multivariant tag (EXT-X-STREAM-INF, -I-FRAME-STREAM-INF, -MEDIA) was seen, so a
 * caller that took the playlist for a media playlist learns for free that it is not one.
 */
export function rewriteHlsUrls(
  playlist: string,
  from: number,
  base: ResolvedBase,
  rewriter: UrlRewriter,
  edits: TextEdit[],
  skip?: ReadonlySet<number>,
): boolean {
  let sawMultivariantTag = false;
  // RFC 8216bis 4.4.2.3: a reference holding {$name} is only a URL once the player has substituted it;
  // resolving it now would percent-encode the braces and break the substitution, so it stays as written.
  let hasVariables: boolean | undefined;
  const isVariableReference = (reference: string): boolean =>
    reference.includes('{$') && (hasVariables ??= playlist.includes('#EXT-X-DEFINE:'));
  const checked = rewriter.resultsAreSafe !== true;
  const length = playlist.length;
  let nextUri = playlist.indexOf('URI', from);
  let lineStart = from;
  while (lineStart < length) {
    let newline = playlist.indexOf('\n', lineStart);
    if (newline === -1) newline = length;
    let end = newline;
    if (end > lineStart && playlist.charCodeAt(end - 1) === CR) end--;
    const first = playlist.charCodeAt(lineStart);

    if (first === HASH) {
      if (!sawMultivariantTag && playlist.charCodeAt(lineStart + 4) === DASH) sawMultivariantTag = isMultivariantTag(playlist, lineStart);
      // Only a tag holding the next "URI" can carry a URI attribute; EXTINF titles are free text.
      if (nextUri !== -1 && nextUri < lineStart) nextUri = playlist.indexOf('URI', lineStart);
      if (nextUri !== -1 && nextUri < end && playlist.startsWith('#EXT', lineStart) && !playlist.startsWith('#EXTINF:', lineStart) && !skip?.has(lineStart)) {
        // Bounded to the line: an unbounded search from every colon-less line would be quadratic.
        const colon = indexWithin(playlist, ':', lineStart, end);
        // "URI" inside the tag name (EXT-X-URI-THING) does not count; look again after the colon.
        if (colon !== -1 && nextUri < colon) nextUri = playlist.indexOf('URI', colon);
        if (colon !== -1 && nextUri !== -1 && nextUri < end) {
          const attributes = parseAttributeList(playlist, colon + 1, end);
          if (attributes !== undefined) {
            for (const attribute of attributes) {
              // URI is always a quoted-string (RFC 8216 4.2); anything else is not a URI we could rewrite safely.
              if (attribute.name !== 'URI' || !attribute.quoted) continue;
              const reference = playlist.slice(attribute.valueStart, attribute.valueEnd);
              if (isVariableReference(reference)) continue;
              const replacement = rewriter.rewrite(reference, base);
              if (replacement === undefined) continue;
              if (checked && UNSAFE_IN_QUOTES.test(replacement)) throw unsafe(replacement);
              edits.push({ start: attribute.valueStart, end: attribute.valueEnd, text: replacement });
            }
          }
        }
      }
    } else {
      let start = lineStart;
      let last = end;
      while (start < last && isBlank(playlist.charCodeAt(start))) start++;
      while (last > start && isBlank(playlist.charCodeAt(last - 1))) last--;
      if (start < last && !skip?.has(start)) {
        const reference = playlist.slice(start, last);
        // A plain reference has no '{', so it cannot hold a variable.
        const plainKind = plainRelativeKindAt(playlist, start, last);
        if (plainKind !== NOT_PLAIN || !isVariableReference(reference)) {
          const replacement = rewriter.rewrite(reference, base, plainKind);
          if (replacement !== undefined) {
            if (checked && UNSAFE_ON_LINE.test(replacement)) throw unsafe(replacement);
            edits.push({ start, end: last, text: replacement });
          }
        }
      }
    }
    lineStart = newline + 1;
  }
  return sawMultivariantTag;
}

function isMultivariantTag(playlist: string, at: number): boolean {
  return playlist.startsWith('#EXT-X-STREAM-INF:', at) || playlist.startsWith('#EXT-X-I-FRAME-STREAM-INF:', at) || playlist.startsWith('#EXT-X-MEDIA:', at);
}

const CR = 13;
const DASH = 45;
const HASH = 35;
const UNSAFE_ON_LINE = /[\r\n]/;
const UNSAFE_IN_QUOTES = /[\r\n"]/;

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** A rewriter result must not be able to break out of its line or its quoted-string. */
function unsafe(replacement: string): TypeError {
  return new TypeError(`UrlMapper returned text that cannot be written into an HLS playlist: ${JSON.stringify(replacement)}`);
}
