import { checkPersonalizeOptions, type PersonalizeOptions } from '../personalize-options.ts';
import { assertWithinSizeLimit } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import { filterDashRenditions } from './filter-dash-renditions.ts';
import { removalSpan } from './mpd-elements.ts';
import { orderDashLanguages } from './order-dash-languages.ts';
import { scanMpd, type MpdElement } from './scan-mpd.ts';
import { setDashContentSteering } from './set-dash-content-steering.ts';

/**
 * Personalizes a DASH MPD for one viewer: rendition filter and surge cap per Period, Role main for the
 * preferred languages, content steering, and URL rewriting (BaseURLs, segment templates and URLs). One
 * scan, then in-place edits: everything no transform touches is copied byte for byte.
 */
export function personalizeDash(mpd: string, manifestUrl: URL, options: PersonalizeOptions = {}): string {
  const maxBytes = checkPersonalizeOptions(options);
  assertWithinSizeLimit(mpd, maxBytes, 'DASH MPD');
  const scanned = scanMpd(mpd, manifestUrl, options.urls);
  const removed = new Set<MpdElement>();
  const edits: TextEdit[] = [];
  if (options.filter !== undefined) filterDashRenditions(scanned, options.filter, 'entitlement', removed);
  if (options.surgeCap !== undefined) filterDashRenditions(scanned, { maxBandwidth: options.surgeCap }, 'surge-cap', removed);
  if (options.languages !== undefined) orderDashLanguages(scanned, options.languages, removed, edits);
  if (options.steering !== undefined) setDashContentSteering(scanned, options.steering, removed, edits);
  if (removed.size === 0) return applyTextEdits(mpd, [...edits, ...scanned.urlEdits]);

  // Only the outermost removed elements are cut; edits inside them go too.
  const cuts = outermost(scanned.root, removed).map((element) => ({ ...removalSpan(mpd, element), text: '' }));
  return applyTextEdits(mpd, [...outsideCuts([...edits, ...scanned.urlEdits], cuts), ...cuts]);
}

/**
 * The edits that do not fall inside a cut, in one sweep over both sorted lists (a hostile MPD can have
 * 10^5 of each). An insertion exactly at a cut's start stays: it belongs before the removed element.
 */
function outsideCuts(edits: TextEdit[], cuts: readonly TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const kept: TextEdit[] = [];
  let c = 0;
  for (const edit of sorted) {
    while (c < cuts.length && cuts[c]!.end <= edit.start) c++;
    const cut = cuts[c];
    const inside =
      cut !== undefined &&
      (edit.start === edit.end ? cut.start < edit.start && edit.start < cut.end : cut.start <= edit.start && edit.end <= cut.end);
    if (!inside) kept.push(edit);
  }
  return kept;
}

function outermost(element: MpdElement, removed: ReadonlySet<MpdElement>): MpdElement[] {
  if (removed.has(element)) return [element];
  return element.children.flatMap((child) => outermost(child, removed));
}
