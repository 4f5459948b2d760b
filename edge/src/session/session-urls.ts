import { ManifestError, rewriteDashUrls, rewriteHlsUris } from '@cascade/manifest-rewriter';
import { ProblemError } from '@cascade/common';

// Manifests are UTF-8 (RFC 8216 §4.1, ISO/IEC 23009-1 XML); anything else is an upstream fault.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type ManifestFormat = 'hls' | 'dash';

/**
 * Rewrite every URL of a manifest fetched from `upstreamUrl` that lies under the shield's `scope`
 * to `{edgeOrigin}/v1/media/{token}/{scope}{rest}`: the viewer's session token goes into each URL,
 * and nothing outside the scope is ever pointed at the edge.
 */
export function rewriteForSession(
  bytes: ArrayBuffer,
  format: ManifestFormat,
  upstreamUrl: URL,
  shieldScope: URL,
  scope: string,
  mediaBase: string,
  /** Applied to the decoded manifest before its URLs are rewritten (rendition caps). */
  transform?: (text: string) => string,
): string {
  const map = (absolute: URL): string | undefined =>
    absolute.origin === shieldScope.origin && absolute.pathname.startsWith(shieldScope.pathname)
      ? mediaBase + scope + absolute.pathname.slice(shieldScope.pathname.length)
      : undefined;
  const what = format === 'hls' ? 'playlist' : 'MPD';
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProblemError('upstream-error', `the upstream ${what} is not UTF-8`);
  }
  if (transform) text = transform(text);
  try {
    return format === 'hls' ? rewriteHlsUris(text, upstreamUrl, map) : rewriteDashUrls(text, upstreamUrl, map);
  } catch (error) {
    if (error instanceof ManifestError) throw new ProblemError('upstream-error', `the upstream ${what} is not valid: ${error.reason}`);
    throw error;
  }
}
