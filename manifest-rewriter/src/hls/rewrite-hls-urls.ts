import { indexWithin } from '../index-within.ts';
import type { TextEdit } from '../text-edit.ts';
import type { ResolvedBase, UrlRewriter } from '../url/url-rewriter.ts';
import { parseAttributeList } from './attribute-list.ts';
import { forEachHlsLine } from './hls-lines.ts';

/**
 * Appends, in document order, an edit for every URI the rewriter changes: URI lines and every attribute
 * named exactly URI in any tag (EXT-X-MEDIA, -MAP, -KEY, -SESSION-KEY, -SESSION-DATA, -PART, -PRELOAD-HINT,
 * -RENDITION-REPORT, -I-FRAME-STREAM-INF, unknown tags). SERVER-URI and X-ASSET-URI are not media URLs.
 * Lines starting at an offset in `skip` (removed by a transform) are left alone.
 */
export function rewriteHlsUrls(
  playlist: string,
  from: number,
  base: ResolvedBase,
  rewriter: UrlRewriter,
  edits: TextEdit[],
  skip?: ReadonlySet<number>,
): void {
  // RFC 8216bis 4.4.2.3: a reference holding {$name} is only a URL once the player has substituted it;
  // resolving it now would percent-encode the braces and break the substitution, so it stays as written.
  const hasVariables = playlist.includes('#EXT-X-DEFINE:');
  const rewrite = (start: number, end: number, quoted: boolean): void => {
    const reference = playlist.slice(start, end);
    if (hasVariables && reference.includes('{$')) return;
    const replacement = rewriter.rewrite(reference, base);
    if (replacement === undefined) return;
    assertFitsHls(replacement, quoted);
    edits.push({ start, end, text: replacement });
  };
  forEachHlsLine(playlist, from, (kind, start, end) => {
    if (skip?.has(start)) return;
    if (kind === 'uri') rewrite(start, end, false);
    else if (kind === 'tag') rewriteTagUris(playlist, start, end, rewrite);
  });
}

function rewriteTagUris(
  playlist: string,
  start: number,
  end: number,
  rewrite: (start: number, end: number, quoted: boolean) => void,
): void {
  // EXTINF (the most common tag) carries a free-text title, never an attribute list.
  if (playlist.startsWith('#EXTINF:', start)) return;
  const colon = indexWithin(playlist, ':', start, end);
  if (colon === -1) return;
  // Cheap pre-check: most lines of a media playlist carry no URI attribute at all.
  if (indexWithin(playlist, 'URI', colon, end) === -1) return;

  const attributes = parseAttributeList(playlist, colon + 1, end);
  if (attributes === undefined) return;
  for (const attribute of attributes) {
    // URI is always a quoted-string (RFC 8216 4.2); anything else is not a URI we could rewrite safely.
    if (attribute.name === 'URI' && attribute.quoted) rewrite(attribute.valueStart, attribute.valueEnd, true);
  }
}

/** A rewriter result must not be able to break out of its line or its quoted-string. */
function assertFitsHls(replacement: string, quoted: boolean): void {
  for (let i = 0; i < replacement.length; i++) {
    const code = replacement.charCodeAt(i);
    if (code === 10 || code === 13 || (quoted && code === 34)) {
      throw new TypeError(`UrlMapper returned text that cannot be written into an HLS playlist: ${JSON.stringify(replacement)}`);
    }
  }
}
