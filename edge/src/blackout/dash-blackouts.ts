import type { TitleRights } from '../catalogue/catalogue-entry.ts';
import type { DashBlackout } from '../ssai/stitch-dash-live-session.ts';

/**
 * The blackouts a live DASH session shows as slate: those for the session's country that have begun by
 * `now`, over or not. A past one stays in the stitched MPD (as Periods the time-shift window drops) so the
 * content Period after it keeps its id on every reload; one still to come is placed when it begins.
 */
export function dashBlackouts(rights: TitleRights, country: string, now: number): DashBlackout[] {
  if (country === '') return [];
  return rights.blackouts.filter((b) => b.start <= now && b.end > b.start && b.regions.includes(country)).map((b) => ({ start: b.start, end: b.end }));
}
