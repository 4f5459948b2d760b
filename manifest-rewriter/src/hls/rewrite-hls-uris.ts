import { assertWithinSizeLimit, resolveMaxBytes, type RewriteOptions } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import type { UrlMapper } from '../url/url-mapper.ts';
import { urlMapperRewriter, resolvedBase } from '../url/url-rewriter.ts';
import { assertStartsWithExtM3u } from './personalize-hls.ts';
import { rewriteHlsUrls } from './rewrite-hls-urls.ts';

const BOM = '\uFEFF';

/**
 * Rewrites every URI in an HLS playlist (multivariant or media): URI lines and every attribute named exactly
 * URI in any tag, each resolved against `base` (the playlist's own URL) before `map` sees it. SERVER-URI
 * (content steering) and other *-URI attributes are not media URLs and stay as they are. Everything that is
 * not a mapped URI is copied byte for byte. The edge's original entry point; personalizeHls does more.
 */
export function rewriteHlsUris(playlist: string, base: URL, map: UrlMapper, options?: RewriteOptions): string {
  assertWithinSizeLimit(playlist, resolveMaxBytes(options), 'HLS playlist');
  const bodyStart = playlist.startsWith(BOM) ? BOM.length : 0;
  assertStartsWithExtM3u(playlist, bodyStart);
  const edits: TextEdit[] = [];
  rewriteHlsUrls(playlist, bodyStart, resolvedBase(base), urlMapperRewriter(map), edits);
  return applyTextEdits(playlist, edits);
}
