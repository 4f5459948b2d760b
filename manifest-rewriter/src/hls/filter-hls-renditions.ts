import { ManifestError } from '../manifest-error.ts';
import { acceptsRendition, codecEntry, isHdrCodec, splitCodecs, type RenditionFilter, type RenditionTraits } from '../rendition-filter.ts';
import { attributeValue, removeLine, removeVariant, type HlsLine, type MultivariantPlaylist, type Variant } from './multivariant-playlist.ts';

/**
 * How an empty result is handled: an entitlement filter that leaves nothing is an error (the viewer cannot
 * play this title on this device), a surge cap keeps the lowest variant (degrade, never break playback).
 */
export type FilterMode = 'entitlement' | 'surge-cap';

/**
 * Drops EXT-X-STREAM-INF variants the filter rejects, then I-frame playlists that no longer match what stays
 * (rejected by the filter, taller than every kept variant, or of a video codec no kept variant uses). Media
 * groups are pruned separately (pruneHlsMediaGroups) once every filter has run.
 */
export function filterHlsRenditions(playlist: MultivariantPlaylist, filter: RenditionFilter, mode: FilterMode): void {
  const { text } = playlist;
  const candidates = playlist.variants.filter((v) => !playlist.removed.has(v.tag));
  if (candidates.length === 0) return;
  const kept: Variant[] = [];
  const dropped: Variant[] = [];
  for (const variant of candidates) (acceptsRendition(filter, traitsOf(text, variant.tag)) ? kept : dropped).push(variant);

  if (kept.length === 0) {
    if (mode === 'entitlement') {
      throw new ManifestError('empty-ladder', `no variant of ${candidates.length} meets the rendition filter ${JSON.stringify(filter)}`);
    }
    const lowest = candidates.reduce((a, b) => (bandwidthOf(text, b.tag) < bandwidthOf(text, a.tag) ? b : a));
    kept.push(lowest);
    dropped.splice(dropped.indexOf(lowest), 1);
  }
  for (const variant of dropped) removeVariant(playlist, variant);

  const keptTraits = kept.map((v) => traitsOf(text, v.tag));
  // A loop, not Math.max(...): a hostile ladder of 10^5 variants would overflow the call stack.
  let tallest = 0;
  for (const traits of keptTraits) tallest = Math.max(tallest, traits.height ?? Number.POSITIVE_INFINITY);
  const videoEntries = new Set(keptTraits.flatMap((t) => t.codecs ?? []).map(codecEntry));
  const anyUnknownCodecs = keptTraits.some((t) => t.codecs === undefined);
  for (const iFrame of playlist.iFrameVariants) {
    if (playlist.removed.has(iFrame)) continue;
    const traits = traitsOf(text, iFrame);
    const tooTall = traits.height !== undefined && traits.height > tallest;
    const orphanCodec = !anyUnknownCodecs && traits.codecs !== undefined && !traits.codecs.some((c) => videoEntries.has(codecEntry(c)));
    if (tooTall || orphanCodec || !acceptsRendition(mode === 'surge-cap' ? {} : filter, traits)) removeLine(playlist, iFrame);
  }
}

export function traitsOf(text: string, line: HlsLine): RenditionTraits {
  line.traits ??= readTraits(text, line);
  return line.traits;
}

function readTraits(text: string, line: HlsLine): RenditionTraits {
  const resolution = attributeValue(text, line, 'RESOLUTION');
  const height = resolution === undefined ? undefined : Number(resolution.slice(resolution.indexOf('x') + 1));
  const bandwidth = attributeValue(text, line, 'BANDWIDTH');
  const codecs = splitCodecs(attributeValue(text, line, 'CODECS'));
  const range = attributeValue(text, line, 'VIDEO-RANGE');
  return {
    height: height !== undefined && Number.isFinite(height) ? height : undefined,
    bandwidth: bandwidth === undefined || !Number.isFinite(Number(bandwidth)) ? undefined : Number(bandwidth),
    codecs,
    hdr: range === 'PQ' || range === 'HLG' || (codecs?.some(isHdrCodec) ?? false),
  };
}

function bandwidthOf(text: string, line: HlsLine): number {
  return traitsOf(text, line).bandwidth ?? Number.POSITIVE_INFINITY;
}
