import { attributeValue, removeLine, type MultivariantPlaylist } from './multivariant-playlist.ts';

/** EXT-X-MEDIA TYPE values; each is also the EXT-X-STREAM-INF attribute that names a group of that type. */
const GROUP_TYPES = ['AUDIO', 'VIDEO', 'SUBTITLES', 'CLOSED-CAPTIONS'];

/**
 * Removes EXT-X-MEDIA renditions whose group some variant referenced before filtering but no kept variant
 * references now (RFC 8216bis 4.4.6.1: a group exists for the variants that name it). Groups that no variant
 * ever referenced are the origin's business and stay.
 */
export function pruneHlsMediaGroups(playlist: MultivariantPlaylist): void {
  const { text } = playlist;
  const before = new Set<string>();
  const after = new Set<string>();
  for (const variant of playlist.variants) {
    const kept = !playlist.removed.has(variant.tag);
    for (const type of GROUP_TYPES) {
      const group = attributeValue(text, variant.tag, type);
      if (group === undefined) continue;
      before.add(`${type}\n${group}`);
      if (kept) after.add(`${type}\n${group}`);
    }
  }
  for (const media of playlist.media) {
    const key = `${attributeValue(text, media, 'TYPE')}\n${attributeValue(text, media, 'GROUP-ID')}`;
    if (before.has(key) && !after.has(key)) removeLine(playlist, media);
  }
}
