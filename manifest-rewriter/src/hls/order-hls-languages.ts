import { pickLanguage, type LanguagePreferences } from '../language-preference.ts';
import { attributeValue, setEnumeratedAttribute, type HlsLine, type MultivariantPlaylist } from './multivariant-playlist.ts';

/**
 * Makes the viewer's preferred audio and subtitle languages the defaults: in every AUDIO or SUBTITLES group,
 * the best match gets DEFAULT=YES and AUTOSELECT=YES (RFC 8216bis 4.4.6.1 requires AUTOSELECT=YES with
 * DEFAULT=YES) and every other rendition of the group DEFAULT=NO. FORCED=YES subtitles are never picked; a
 * group without a match is left as it is.
 */
export function orderHlsLanguages(playlist: MultivariantPlaylist, preferences: LanguagePreferences): void {
  const { text } = playlist;
  for (const [type, wanted] of [['AUDIO', preferences.audio], ['SUBTITLES', preferences.subtitles]] as const) {
    if (wanted === undefined || wanted.length === 0) continue;
    const groups = new Map<string, HlsLine[]>();
    for (const media of playlist.media) {
      if (playlist.removed.has(media) || attributeValue(text, media, 'TYPE') !== type) continue;
      const group = attributeValue(text, media, 'GROUP-ID') ?? '';
      const members = groups.get(group);
      if (members === undefined) groups.set(group, [media]);
      else members.push(media);
    }
    for (const renditions of groups.values()) {
      const candidates = renditions.map((m) => (attributeValue(text, m, 'FORCED') === 'YES' ? undefined : attributeValue(text, m, 'LANGUAGE')));
      const chosen = pickLanguage(candidates, wanted);
      if (chosen === -1) continue;
      renditions.forEach((media, index) => {
        if (index === chosen) {
          setEnumeratedAttribute(playlist, media, 'DEFAULT', 'YES');
          setEnumeratedAttribute(playlist, media, 'AUTOSELECT', 'YES');
        } else if (attributeValue(text, media, 'DEFAULT') !== undefined) {
          setEnumeratedAttribute(playlist, media, 'DEFAULT', 'NO');
        }
      });
    }
  }
}
