import type { ContentSteering } from '../content-steering.ts';
import type { TextEdit } from '../text-edit.ts';
import { childrenNamed, indentationOf } from './mpd-elements.ts';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape.ts';
import type { MpdElement, ScannedMpd } from './scan-mpd.ts';

/**
 * Writes one MPD-level ContentSteering element (ISO/IEC 23009-1 5th ed. 5.3.1.2 / DASH-IF content steering):
 * in place of an existing one, else before the first Period. Its BaseURL@serviceLocation values are the
 * pathways the steering server chooses between.
 */
export function setDashContentSteering(mpd: ScannedMpd, steering: ContentSteering, removed: Set<MpdElement>, edits: TextEdit[]): void {
  const name = mpd.prefix === '' ? 'ContentSteering' : `${mpd.prefix}:ContentSteering`;
  const pathway = steering.defaultPathway === undefined ? '' : ` defaultServiceLocation="${escapeXmlAttribute(steering.defaultPathway, '"')}"`;
  const element = `<${name}${pathway} queryBeforeStart="false">${escapeXmlText(steering.serverUri)}</${name}>`;
  const existing = childrenNamed(mpd.root, 'ContentSteering');
  const first = existing[0];
  if (first !== undefined) {
    for (const other of existing.slice(1)) removed.add(other);
    // Replace the first one's span only (not its indentation), so it keeps its place and layout.
    edits.push({ start: first.start, end: first.end, text: element });
    return;
  }
  const period = childrenNamed(mpd.root, 'Period')[0];
  if (period === undefined) return;
  edits.push({ start: period.start, end: period.start, text: element + indentationOf(mpd.text, period) });
}
