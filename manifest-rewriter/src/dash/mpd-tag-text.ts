/** Text edits on MPD tags shared by the VOD and live DASH stitchers. */

/** A SegmentTimeline's `<S>` runs for segments given by start `t` and duration `d` (ISO/IEC 23009-1 §5.3.9.6). */
export function timelineText(segments: ReadonlyArray<{ t: number; d: number }>): string {
  const runs: string[] = [];
  for (let i = 0; i < segments.length; ) {
    const { t, d } = segments[i]!;
    let r = 0;
    while (segments[i + r + 1]?.d === d && segments[i + r + 1]!.t === t + (r + 1) * d) r++;
    runs.push(`<S t="${t}" d="${d}"${r > 0 ? ` r="${r}"` : ''}/>`);
    i += r + 1;
  }
  return runs.join('');
}

/** A start tag's text with the attributes in `drop` removed and those in `add` appended. */
export function withAttributes(tagText: string, drop: string[], add: Record<string, string>): string {
  let text = tagText;
  for (const name of drop) text = text.replace(new RegExp(`\\s${name}\\s*=\\s*("[^"]*"|'[^']*')`), '');
  const extra = Object.entries(add).map(([k, v]) => ` ${k}="${v}"`).join('');
  return text.replace(/\s*(\/?)>$/, `${extra}$1>`);
}
