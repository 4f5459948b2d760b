import { indexWithin } from '../index-within.ts';
import { ManifestError } from '../manifest-error.ts';
import { assertWithinSizeLimit, resolveMaxBytes, type RewriteOptions } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import { resolveReference, type UrlMapper } from '../url-mapper.ts';
import { parseAttributeList } from './attribute-list.ts';
import { forEachHlsLine } from './hls-lines.ts';

const BOM = '\uFEFF';

/**
 * Rewrites every URI in an HLS playlist (multivariant or media): URI lines and every attribute named exactly
 * URI in any tag, each resolved against `base` (the playlist's own URL) before `map` sees it. SERVER-URI
 * (content steering) and other *-URI attributes are not media URLs and stay as they are. Everything that is
 * not a mapped URI is copied byte for byte.
 */
export function rewriteHlsUris(playlist: string, base: URL, map: UrlMapper, options?: RewriteOptions): string {
  assertWithinSizeLimit(playlist, resolveMaxBytes(options), 'HLS playlist');
  // RFC 8216 forbids a BOM, but packagers emit one; passing it through is the caller's business.
  const bodyStart = playlist.startsWith(BOM) ? BOM.length : 0;
  assertStartsWithExtM3u(playlist, bodyStart);

  const edits: TextEdit[] = [];
  const rewrite = (start: number, end: number, quoted: boolean): void => {
    const replacement = map(resolveReference(playlist.slice(start, end), base));
    if (replacement === undefined) return;
    assertFitsHls(replacement, quoted);
    edits.push({ start, end, text: replacement });
  };

  forEachHlsLine(playlist, bodyStart, (kind, start, end) => {
    if (kind === 'uri') rewrite(start, end, false);
    else if (kind === 'tag') rewriteTagUris(playlist, start, end, rewrite);
  });
  return applyTextEdits(playlist, edits);
}

function assertStartsWithExtM3u(playlist: string, from: number): void {
  const tag = '#EXTM3U';
  const after = playlist.charCodeAt(from + tag.length);
  // The first line must be exactly the tag; tolerate trailing blanks, reject e.g. "#EXTM3UX".
  const ends = Number.isNaN(after) || after === 10 || after === 13 || after === 32 || after === 9;
  if (!playlist.startsWith(tag, from) || !ends) {
    throw new ManifestError('not-a-playlist', 'HLS playlist does not start with #EXTM3U');
  }
}

function rewriteTagUris(
  playlist: string,
  start: number,
  end: number,
  rewrite: (start: number, end: number, quoted: boolean) => void,
): void {
  const colon = indexWithin(playlist, ':', start, end);
  if (colon === -1) return;
  // EXTINF's title is free text, not an attribute list.
  if (colon - start === 7 && playlist.startsWith('#EXTINF', start)) return;
  // Cheap pre-check: most lines of a media playlist carry no URI attribute at all.
  if (indexWithin(playlist, 'URI', colon, end) === -1) return;

  const attributes = parseAttributeList(playlist, colon + 1, end);
  if (attributes === undefined) return;
  for (const attribute of attributes) {
    // URI is always a quoted-string (RFC 8216 4.2); anything else is not a URI we could rewrite safely.
    if (attribute.name === 'URI' && attribute.quoted) rewrite(attribute.valueStart, attribute.valueEnd, true);
  }
}

/** A mapper result must not be able to break out of its line or its quoted-string. */
function assertFitsHls(replacement: string, quoted: boolean): void {
  if (/[\r\n]/.test(replacement) || (quoted && replacement.includes('"'))) {
    throw new TypeError(`UrlMapper returned text that cannot be written into an HLS playlist: ${JSON.stringify(replacement)}`);
  }
}
