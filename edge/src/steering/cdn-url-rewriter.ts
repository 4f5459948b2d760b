import { urlMapperRewriter, type UrlRewriter } from '@cascade/manifest-rewriter';

export interface CdnUrlOptions {
  /** The shield URL of the session's scope (`…/vod/{titleId}/`): only URLs under it are rewritten. */
  upstreamPrefix: string;
  /** The same scope on the CDN (`{pathway baseUrl}{scope}`). */
  cdnPrefix: string;
  /** The CDN token as query parameters (cdnQuery), added to every URL. */
  query: string;
  /** The scope on this edge under the session token (`…/v1/media/{token}/{scope}`): for key URIs. */
  edgePrefix: string;
}

/**
 * A media playlist's URIs for a query-token pathway: every init segment, segment and part absolute on the
 * CDN with the CDN's token in the query (relative URIs would lose it), and HLS AES-128 key URIs on this edge,
 * which checks the licence rules for every key and never lets a CDN cache one.
 */
export function cdnUrlRewriter(options: CdnUrlOptions): UrlRewriter {
  const { upstreamPrefix, cdnPrefix, query, edgePrefix } = options;
  return urlMapperRewriter((absolute) => {
    const href = absolute.href;
    if (!href.startsWith(upstreamPrefix)) return undefined;
    const rest = href.slice(upstreamPrefix.length);
    if (rest.startsWith('key/')) return edgePrefix + rest;
    return `${cdnPrefix}${rest}${rest.includes('?') ? '&' : '?'}${query}`;
  });
}
