import { pickLanguage, type LanguagePreferences } from '../language-preference.ts';
import type { TextEdit } from '../text-edit.ts';
import { attribute, childrenNamed, contentTypeOf, indentationOf } from './mpd-elements.ts';
import type { MpdElement, ScannedMpd } from './scan-mpd.ts';

const ROLE_SCHEME = 'urn:mpeg:dash:role:2011';

/** Move `element` (with everything inside it) right before `before`, its sibling. */
export interface MpdMove {
  element: MpdElement;
  before: MpdElement;
}

/**
 * Marks the viewer's preferred audio and subtitle AdaptationSet of every Period with Role "main" (ISO/IEC
 * 23009-1 5.8.5.5) and moves it first among the sets of its kind, since players that ignore roles take
 * the first; "main" on the other sets of that kind becomes "alternate". Other roles (subtitle, caption,
 * commentary) are kept: Role may repeat. Periods without a match are left as they are.
 */
export function orderDashLanguages(mpd: ScannedMpd, preferences: LanguagePreferences, removed: ReadonlySet<MpdElement>, edits: TextEdit[], moves: MpdMove[]): void {
  const { text } = mpd;
  for (const period of childrenNamed(mpd.root, 'Period')) {
    for (const [kind, wanted] of [['audio', preferences.audio], ['text', preferences.subtitles]] as const) {
      if (wanted === undefined || wanted.length === 0) continue;
      const sets = childrenNamed(period, 'AdaptationSet').filter((set) => !removed.has(set) && contentTypeOf(text, set) === kind);
      const chosen = sets[pickLanguage(sets.map((set) => attribute(text, set, 'lang')), wanted)];
      if (chosen === undefined) continue;
      if (sets[0] !== undefined && sets[0] !== chosen) moves.push({ element: chosen, before: sets[0] });
      for (const set of sets) {
        const mainRoles = childrenNamed(set, 'Role').filter((r) => attribute(text, r, 'schemeIdUri') === ROLE_SCHEME && attribute(text, r, 'value') === 'main');
        if (set === chosen) {
          const insertion = mainRoles.length === 0 ? roleInsertion(mpd, set, removed) : undefined;
          if (insertion !== undefined) edits.push(insertion);
        } else {
          for (const role of mainRoles) {
            const value = role.tag.attributes.find((a) => a.name === 'value')!;
            edits.push({ start: value.valueStart, end: value.valueEnd, text: 'alternate' });
          }
        }
      }
    }
  }
}

/** `<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>` before the set's first Representation, indented like it. */
function roleInsertion(mpd: ScannedMpd, set: MpdElement, removed: ReadonlySet<MpdElement>): TextEdit | undefined {
  const name = mpd.prefix === '' ? 'Role' : `${mpd.prefix}:Role`;
  const element = `<${name} schemeIdUri="${ROLE_SCHEME}" value="main"/>`;
  const anchor = set.children.find((c) => c.name === 'Role') ?? childrenNamed(set, 'Representation').find((r) => !removed.has(r));
  if (set.tag.selfClosing) return undefined; // nothing to play in it anyway
  if (anchor === undefined) return { start: set.tag.end, end: set.tag.end, text: element };
  // The new element takes the anchor's place; the anchor moves to a new line with the same indentation.
  return { start: anchor.start, end: anchor.start, text: element + indentationOf(mpd.text, anchor) };
}
