/** An HLS pathway clone (RFC 8216bis 7.2.1.1): a copy of BASE-ID's variants and renditions at other URIs. */
export interface PathwayClone {
  ID: string;
  'BASE-ID': string;
  'URI-REPLACEMENT': { 'PER-VARIANT-URIS'?: Record<string, string>; 'PER-RENDITION-URIS'?: Record<string, string> };
}

/** The steering manifest (RFC 8216bis 7.2, DASH-IF content steering 1.0): JSON, VERSION 1. */
export interface SteeringManifest {
  VERSION: 1;
  TTL: number;
  'RELOAD-URI': string;
  'PATHWAY-PRIORITY': string[];
  'PATHWAY-CLONES'?: PathwayClone[];
}

export interface CloneSource {
  id: string;
  /** The session's URL prefix on this pathway (ends in '/'). */
  base: string;
}

/**
 * Builds the steering manifest. HLS: every pathway other than `basePathway` (the one the multivariant
 * playlist was written for) comes as a clone whose PER-VARIANT-URIS / PER-RENDITION-URIS give the full,
 * freshly tokenized URI of each stable id (the media playlist names the playlist was labelled with).
 * DASH lists its pathways as BaseURL@serviceLocation in the MPD, so it needs no clones.
 */
export function steeringManifest(options: {
  ttlSeconds: number;
  reloadUri: string;
  priority: string[];
  clones?: { basePathway: string; pathways: CloneSource[]; stableIds: readonly string[] };
}): SteeringManifest {
  const manifest: SteeringManifest = { VERSION: 1, TTL: options.ttlSeconds, 'RELOAD-URI': options.reloadUri, 'PATHWAY-PRIORITY': options.priority };
  const clones = options.clones;
  if (clones !== undefined) {
    manifest['PATHWAY-CLONES'] = clones.pathways
      .filter((p) => p.id !== clones.basePathway)
      .map((p) => {
        const uris: Record<string, string> = {};
        for (const id of clones.stableIds) uris[id] = p.base + id;
        return { ID: p.id, 'BASE-ID': clones.basePathway, 'URI-REPLACEMENT': { 'PER-VARIANT-URIS': uris, 'PER-RENDITION-URIS': uris } };
      });
  }
  return manifest;
}
