import { ManifestError } from '../manifest-error.ts';
import { acceptsRendition, isHdrCodec, splitCodecs, type RenditionFilter, type RenditionTraits } from '../rendition-filter.ts';
import type { FilterMode } from '../hls/filter-hls-renditions.ts';
import { attribute, childrenNamed, contentTypeOf } from './mpd-elements.ts';
import type { MpdElement, ScannedMpd } from './scan-mpd.ts';

const TRANSFER_CHARACTERISTICS = 'urn:mpeg:mpegB:cicp:TransferCharacteristics';

/**
 * Drops video Representations the filter rejects, per Period (each Period is its own ladder), and audio
 * Representations of a codec the device lacks; an AdaptationSet left without Representations goes with
 * them. An entitlement filter that empties a Period's video or audio is an error; a surge cap keeps the
 * lowest video Representation. `removed` collects what goes (elements already in it count as gone).
 */
export function filterDashRenditions(mpd: ScannedMpd, filter: RenditionFilter, mode: FilterMode, removed: Set<MpdElement>): void {
  const { text } = mpd;
  for (const period of childrenNamed(mpd.root, 'Period')) {
    if (removed.has(period)) continue;
    const sets = childrenNamed(period, 'AdaptationSet').filter((set) => !removed.has(set));
    for (const kind of ['video', 'audio'] as const) {
      if (kind === 'audio' && mode === 'surge-cap') continue;
      const kindFilter: RenditionFilter = kind === 'video' ? filter : { allowedCodecs: filter.allowedCodecs };
      const candidates: { set: MpdElement; representation: MpdElement; traits: RenditionTraits }[] = [];
      for (const set of sets) {
        if (contentTypeOf(text, set) !== kind) continue;
        // Read once per set: a set can hold thousands of Representations.
        const setHdr = isHdrSignalled(text, set);
        for (const representation of childrenNamed(set, 'Representation')) {
          if (!removed.has(representation)) candidates.push({ set, representation, traits: traitsOf(text, set, setHdr, representation) });
        }
      }
      if (candidates.length === 0) continue;
      let kept = candidates.filter((c) => acceptsRendition(kindFilter, c.traits));
      if (kept.length === 0) {
        if (mode === 'entitlement') {
          throw new ManifestError('empty-ladder', `no ${kind} Representation of Period ${attribute(text, period, 'id') ?? ''} meets the rendition filter ${JSON.stringify(filter)}`);
        }
        const lowest = candidates.reduce((a, b) => ((b.traits.bandwidth ?? Infinity) < (a.traits.bandwidth ?? Infinity) ? b : a));
        kept = [lowest];
      }
      const keep = new Set(kept);
      for (const candidate of candidates) if (!keep.has(candidate)) removed.add(candidate.representation);
      for (const set of new Set(candidates.map((c) => c.set))) {
        if (childrenNamed(set, 'Representation').every((r) => removed.has(r))) removed.add(set);
      }
    }
  }
}

function traitsOf(text: string, set: MpdElement, setHdr: boolean, representation: MpdElement): RenditionTraits {
  const height = Number(attribute(text, representation, 'height') ?? attribute(text, set, 'height') ?? Number.NaN);
  const bandwidth = Number(attribute(text, representation, 'bandwidth') ?? Number.NaN);
  const codecs = splitCodecs(attribute(text, representation, 'codecs') ?? attribute(text, set, 'codecs'));
  return {
    height: Number.isFinite(height) ? height : undefined,
    bandwidth: Number.isFinite(bandwidth) ? bandwidth : undefined,
    codecs,
    hdr: setHdr || isHdrSignalled(text, representation) || (codecs?.some(isHdrCodec) ?? false),
  };
}

/** DASH-IF IOP 6.2.5: PQ (16) or HLG (18) transfer characteristics in an Essential or Supplemental property. */
function isHdrSignalled(text: string, element: MpdElement): boolean {
  return element.children.some(
    (child) =>
      (child.name === 'EssentialProperty' || child.name === 'SupplementalProperty') &&
      attribute(text, child, 'schemeIdUri') === TRANSFER_CHARACTERISTICS &&
      ['16', '18'].includes(attribute(text, child, 'value')?.trim() ?? ''),
  );
}
