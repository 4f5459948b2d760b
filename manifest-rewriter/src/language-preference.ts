/** The viewer's preferred languages (BCP 47 tags, most preferred first) per kind of track. */
export interface LanguagePreferences {
  audio?: readonly string[];
  subtitles?: readonly string[];
}

export function checkLanguagePreferences(preferences: LanguagePreferences, path: string): void {
  for (const kind of ['audio', 'subtitles'] as const) {
    const list = preferences[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((tag) => typeof tag !== 'string' || !/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag))) {
      throw new RangeError(`${path}.${kind}: expected BCP 47 language tags like "en" or "pt-BR", received ${JSON.stringify(list)}`);
    }
  }
}

/**
 * Index of the candidate that best matches the preferences, or -1. Preference order wins over match
 * quality: for each preferred tag an exact (case-insensitive) match first, then a candidate with the same
 * primary language ("en" matches "en-GB" and "en-GB" matches "en"). Undefined candidates never match.
 */
export function pickLanguage(candidates: readonly (string | undefined)[], preferences: readonly string[]): number {
  const lowered = candidates.map((c) => c?.toLowerCase());
  for (const preference of preferences) {
    const wanted = preference.toLowerCase();
    const exact = lowered.indexOf(wanted);
    if (exact !== -1) return exact;
    const primary = primaryOf(wanted);
    const loose = lowered.findIndex((c) => c !== undefined && primaryOf(c) === primary);
    if (loose !== -1) return loose;
  }
  return -1;
}

function primaryOf(tag: string): string {
  const dash = tag.indexOf('-');
  return dash === -1 ? tag : tag.slice(0, dash);
}
