import { assertWithinSizeLimit, resolveMaxBytes, type RewriteOptions } from '../rewrite-options.ts';
import { applyTextEdits } from '../text-edit.ts';
import type { UrlMapper } from '../url/url-mapper.ts';
import { urlMapperRewriter } from '../url/url-rewriter.ts';
import { scanMpd } from './scan-mpd.ts';

/**
 * Rewrites a DASH MPD so that every segment URL resolves through `map` (see scanMpd for where URLs are
 * found). The edge's original entry point; personalizeDash does more. Everything else is copied byte for byte.
 */
export function rewriteDashUrls(mpd: string, base: URL, map: UrlMapper, options?: RewriteOptions): string {
  assertWithinSizeLimit(mpd, resolveMaxBytes(options), 'DASH MPD');
  return applyTextEdits(mpd, scanMpd(mpd, base, urlMapperRewriter(map)).urlEdits);
}
