import { CpixError } from './read-cpix.ts';
import type { CpixDocument } from './cpix-document.ts';

/** A track the packager is about to encrypt. */
export interface TrackToProtect {
  type: 'video' | 'audio';
  width?: number;
  height?: number;
  channels?: number;
}

/**
 * The content key a track is encrypted with, chosen by the document's usage rules (CPIX §5.3.3):
 * exactly one rule must match, so a track is never left clear or encrypted with an ambiguous key.
 */
export function selectContentKey(doc: CpixDocument, track: TrackToProtect): CpixDocument['contentKeys'][number] {
  const matching = doc.usageRules.filter((rule) => {
    if (track.type === 'video') {
      if (track.width === undefined || track.height === undefined) return false;
      const pixels = track.width * track.height;
      return rule.videoFilters.some((f) => (f.minPixels === undefined || pixels >= f.minPixels) && (f.maxPixels === undefined || pixels <= f.maxPixels));
    }
    return rule.audioFilters.some((f) => track.channels === undefined || ((f.minChannels === undefined || track.channels >= f.minChannels) && (f.maxChannels === undefined || track.channels <= f.maxChannels)));
  });
  const kids = [...new Set(matching.map((r) => r.kid))];
  const what = track.type === 'video' ? `video ${track.width}x${track.height}` : `audio (${track.channels ?? '?'} channels)`;
  if (kids.length !== 1) throw new CpixError(`usage rules: expected exactly one key for ${what}, ${kids.length === 0 ? 'none matches' : `${kids.length} match`}`);
  return doc.contentKeys.find((k) => k.kid === kids[0])!;
}
