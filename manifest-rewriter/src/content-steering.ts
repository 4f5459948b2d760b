/** Content steering (HLS EXT-X-CONTENT-STEERING, DASH ContentSteering): where players fetch the steering manifest. */
export interface ContentSteering {
  /** Absolute or relative URL of the steering server; written as given (escaped for the format). */
  serverUri: string;
  /** Pathway (HLS PATHWAY-ID) / service location (DASH defaultServiceLocation) to start on. */
  defaultPathway?: string;
  /**
   * HLS: the pathway the playlist's variants belong to. Every EXT-X-STREAM-INF gets `PATHWAY-ID` and
   * `STABLE-VARIANT-ID`, every EXT-X-MEDIA with a URI `STABLE-RENDITION-ID` (RFC 8216bis 4.4.6.2/4.4.6.1),
   * named after the URI's path as written upstream (relative URIs only), so a steering server can clone the pathway with
   * PER-VARIANT-URIS / PER-RENDITION-URIS keyed by those names. Existing stable ids are kept.
   */
  variantPathway?: string;
  /**
   * DASH: the pathways as MPD-level `BaseURL@serviceLocation` alternatives, in place of the single BaseURL the
   * URL rewriter inserts into an MPD that has none. Each `baseUrl` is absolute and ends in '/'. An MPD that
   * has its own MPD-level BaseURL keeps it (mapped by the URL rewriter) and gets none of these.
   */
  serviceLocations?: readonly { id: string; baseUrl: string }[];
}

// RFC 8216bis 4.4.6.6: PATHWAY-ID characters are [a-zA-Z0-9], '-', '.', '_' and '~'.
const PATHWAY_ID = /^[A-Za-z0-9._~-]+$/;

export function checkContentSteering(steering: ContentSteering, path: string): void {
  if (typeof steering.serverUri !== 'string' || steering.serverUri === '' || /["\r\n<>]/.test(steering.serverUri)) {
    throw new RangeError(`${path}.serverUri: expected a URL without quotes, angle brackets or line breaks, received ${JSON.stringify(steering.serverUri)}`);
  }
  if (steering.defaultPathway !== undefined && !PATHWAY_ID.test(steering.defaultPathway)) {
    throw new RangeError(`${path}.defaultPathway: expected [A-Za-z0-9._~-]+, received ${JSON.stringify(steering.defaultPathway)}`);
  }
  if (steering.variantPathway !== undefined && !PATHWAY_ID.test(steering.variantPathway)) {
    throw new RangeError(`${path}.variantPathway: expected [A-Za-z0-9._~-]+, received ${JSON.stringify(steering.variantPathway)}`);
  }
  if (steering.serviceLocations !== undefined) {
    const seen = new Set<string>();
    steering.serviceLocations.forEach((location, i) => {
      if (!PATHWAY_ID.test(location.id) || seen.has(location.id)) {
        throw new RangeError(`${path}.serviceLocations[${i}].id: expected a distinct [A-Za-z0-9._~-]+, received ${JSON.stringify(location.id)}`);
      }
      seen.add(location.id);
      if (!/^https?:\/\/[^\s"<>]+\/$/.test(location.baseUrl)) {
        throw new RangeError(`${path}.serviceLocations[${i}].baseUrl: expected an absolute http(s) URL ending in '/', received ${JSON.stringify(location.baseUrl)}`);
      }
    });
  }
}
