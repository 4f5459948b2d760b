import { ManifestError } from '../manifest-error.ts';
import { checkPersonalizeOptions, type PersonalizeOptions } from '../personalize-options.ts';
import { assertWithinSizeLimit } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import { resolvedBase } from '../url/url-rewriter.ts';
import { filterHlsRenditions } from './filter-hls-renditions.ts';
import { hasMultivariantTags, hasSegments, parseMultivariant } from './multivariant-playlist.ts';
import { orderHlsLanguages } from './order-hls-languages.ts';
import { pruneHlsMediaGroups } from './prune-hls-media-groups.ts';
import { rewriteHlsUrls } from './rewrite-hls-urls.ts';
import { setHlsContentSteering } from './set-hls-content-steering.ts';

const BOM = '\uFEFF';

/**
 * Personalizes an HLS playlist for one viewer: rendition filter, surge cap, language defaults and content
 * steering (multivariant playlists; media playlists have none of these), then URL rewriting (both kinds).
 * `manifestUrl` is where the playlist came from: relative URIs resolve against it. Everything no transform
 * touches is copied byte for byte; with no options the output is the input.
 */
export function personalizeHls(playlist: string, manifestUrl: URL, options: PersonalizeOptions = {}): string {
  const maxBytes = checkPersonalizeOptions(options);
  assertWithinSizeLimit(playlist, maxBytes, 'HLS playlist');
  // RFC 8216 forbids a BOM, but packagers emit one; it passes through.
  const bodyStart = playlist.startsWith(BOM) ? BOM.length : 0;
  assertStartsWithExtM3u(playlist, bodyStart);

  const edits: TextEdit[] = [];
  let skip: Set<number> | undefined;
  const multivariantWork = options.filter !== undefined || options.surgeCap !== undefined || options.languages !== undefined || options.steering !== undefined;
  const media = multivariantWork && hasSegments(playlist);
  if (multivariantWork && !media) {
    const model = parseMultivariant(playlist, bodyStart);
    if (options.filter !== undefined) filterHlsRenditions(model, options.filter, 'entitlement');
    if (options.surgeCap !== undefined) filterHlsRenditions(model, { maxBandwidth: options.surgeCap }, 'surge-cap');
    pruneHlsMediaGroups(model);
    if (options.languages !== undefined) orderHlsLanguages(model, options.languages);
    if (options.steering !== undefined) setHlsContentSteering(model, options.steering);
    edits.push(...model.edits);
    skip = new Set();
    for (const line of model.removed) {
      skip.add(line.start);
      edits.push({ start: line.lineStart, end: line.next, text: '' });
    }
  }
  const sawVariants = options.urls !== undefined && rewriteHlsUrls(playlist, bodyStart, resolvedBase(manifestUrl), options.urls, edits, skip);
  // RFC 8216bis 4.1: a playlist is either a media or a multivariant playlist. One with segments and variants
  // would get no rendition filter at all, so it is refused rather than served unfiltered.
  if (media && (options.urls !== undefined ? sawVariants : hasMultivariantTags(playlist))) {
    throw new ManifestError('malformed-playlist', 'HLS playlist has both media segments (EXTINF) and variants');
  }
  return applyTextEdits(playlist, edits);
}

export function assertStartsWithExtM3u(playlist: string, from: number): void {
  const tag = '#EXTM3U';
  const after = playlist.charCodeAt(from + tag.length);
  // The first line must be exactly the tag; tolerate trailing blanks, reject e.g. "#EXTM3UX".
  const ends = Number.isNaN(after) || after === 10 || after === 13 || after === 32 || after === 9;
  if (!playlist.startsWith(tag, from) || !ends) {
    throw new ManifestError('not-a-playlist', 'HLS playlist does not start with #EXTM3U');
  }
}
