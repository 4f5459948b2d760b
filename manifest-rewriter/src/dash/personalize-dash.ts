import { checkPersonalizeOptions, type PersonalizeOptions } from '../personalize-options.ts';
import { assertWithinSizeLimit } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import { filterDashRenditions } from './filter-dash-renditions.ts';
import { indentationOf, removalSpan } from './mpd-elements.ts';
import { orderDashLanguages, type MpdMove } from './order-dash-languages.ts';
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
  const scanned = scanMpd(mpd, manifestUrl, options.urls, options.steering?.serviceLocations);
  const removed = new Set<MpdElement>();
  const edits: TextEdit[] = [];
  const moves: MpdMove[] = [];
  if (options.filter !== undefined) filterDashRenditions(scanned, options.filter, 'entitlement', removed);
  if (options.surgeCap !== undefined) filterDashRenditions(scanned, { maxBandwidth: options.surgeCap }, 'surge-cap', removed);
  if (options.languages !== undefined) orderDashLanguages(scanned, options.languages, removed, edits, moves);
  if (options.steering !== undefined) setDashContentSteering(scanned, options.steering, removed, edits);
  if (removed.size === 0 && moves.length === 0) return applyTextEdits(mpd, [...edits, ...scanned.urlEdits]);

  // Only the outermost removed elements are cut; edits inside them go too.
  const removals = outermost(scanned.root, removed).map((element) => ({ ...removalSpan(mpd, element), text: '' }));
  const all = [...edits, ...scanned.urlEdits];
  // A moved element is cut where it was and written, with the edits inside it applied, before its sibling.
  const moved = moves.map((move) => {
    const inner = [...all, ...removals].filter((e) => e.start >= move.element.start && e.end <= move.element.end && (e.start > move.element.start || e.end > e.start));
    const text = applyTextEdits(mpd.slice(move.element.start, move.element.end), inner.map((e) => ({ ...e, start: e.start - move.element.start, end: e.end - move.element.start })));
    return { cut: { ...removalSpan(mpd, move.element), text: '' }, insertion: { start: move.before.start, end: move.before.start, text: text + indentationOf(mpd, move.before) } };
  });
  const movedCuts = moved.map((m) => m.cut).sort((a, b) => a.start - b.start);
  // Removals inside a moved element were applied to its moved text already.
  const cuts = [...outsideCuts(removals, movedCuts), ...movedCuts].sort((a, b) => a.start - b.start);
  return applyTextEdits(mpd, [...outsideCuts(all, cuts), ...moved.map((m) => m.insertion), ...cuts]);
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
