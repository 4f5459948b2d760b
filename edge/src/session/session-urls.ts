import { ManifestError, personalizeDash, personalizeHls, tokenUrlRewriter, type PersonalizeOptions, type UrlRewriter } from '@cascade/manifest-rewriter';
import { ProblemError } from '@cascade/common';

// Manifests are UTF-8 (RFC 8216 §4.1, ISO/IEC 23009-1 XML); anything else is an upstream fault.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type ManifestFormat = 'hls' | 'dash';

export interface SessionRewrite {
  format: ManifestFormat;
  /** Where the manifest was fetched from; its relative URLs resolve against it. */
  upstreamUrl: URL;
  /** The shield URL of the session's scope (`…/vod/{titleId}/`): only URLs under it are rewritten. */
  shieldScope: URL;
  /** The edge's public origin, e.g. `https://play.example.com`. */
  edgeOrigin: string;
  /** The session's scope (`vod/{titleId}/`), repeated after the token in public URLs. */
  scope: string;
  /** The session token to put into every media URL. */
  token: string;
  /**
   * Where media URLs point, holding `{token}` once; default this edge (`{edgeOrigin}/v1/media/{token}/{scope}`).
   * Content steering points them at the session's first pathway instead.
   */
  publicPrefix?: string;
  /** Instead of the token URL rewriter: how URLs are written (a query-token CDN pathway's media playlists). */
  urls?: UrlRewriter;
  /** The viewer's transforms: rendition filter, surge cap, language defaults. */
  personalization?: Omit<PersonalizeOptions, 'urls'>;
}

/**
 * Personalize a manifest for one viewer with the manifest rewriter: filter and order renditions, then
 * rewrite every URL under the session's scope to `{edgeOrigin}/v1/media/{token}/{scope}{rest}`.
 * Nothing outside the scope is ever pointed at the edge.
 */
export function rewriteForSession(bytes: ArrayBuffer, options: SessionRewrite): string {
  const what = options.format === 'hls' ? 'playlist' : 'MPD';
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProblemError('upstream-error', `the upstream ${what} is not UTF-8`);
  }
  const urls = options.urls ?? tokenUrlRewriter({
    upstreamPrefix: options.shieldScope.href,
    publicPrefix: options.publicPrefix ?? `${options.edgeOrigin}/v1/media/{token}/${options.scope}`,
    token: options.token,
    placement: 'path',
  });
  const personalize = options.format === 'hls' ? personalizeHls : personalizeDash;
  try {
    return personalize(text, options.upstreamUrl, { ...options.personalization, urls });
  } catch (error) {
    if (error instanceof ManifestError) {
      if (error.reason === 'empty-ladder') {
        throw new ProblemError('not-entitled', `no rendition of this title is within what the viewer may watch (${describe(options.personalization)})`);
      }
      throw new ProblemError('upstream-error', `the upstream ${what} is not valid: ${error.reason}`);
    }
    throw error;
  }
}

function describe(personalization: SessionRewrite['personalization']): string {
  const parts: string[] = [];
  if (personalization?.filter?.maxHeight !== undefined) parts.push(`max_height ${personalization.filter.maxHeight}`);
  if (personalization?.filter?.maxBandwidth !== undefined) parts.push(`max bandwidth ${personalization.filter.maxBandwidth} bit/s`);
  if (personalization?.filter?.allowedCodecs !== undefined) parts.push(`codecs ${personalization.filter.allowedCodecs.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'the entitlements';
}
