import { ProblemError } from '@cascade/common';
import type { TitleRights } from '../catalogue/catalogue-entry.ts';

export interface Availability {
  /** A live channel's blackout covers the viewer's country now: serve the slate instead. */
  blackout: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Where and when a title may be watched: country allow/deny lists (451), then the availability window
 * that governs the viewer's country (403 with when it opens or when it closed), then live blackouts.
 * `country` undefined means the platform could not tell; it matches no allow-list and no region.
 */
export function checkAvailability(titleId: string, rights: TitleRights, country: string | undefined, now: number): Availability {
  const where = country ?? 'an unknown country';
  const { allow, deny } = rights.countries;
  if ((country !== undefined && deny.includes(country)) || (allow !== null && (country === undefined || !allow.includes(country)))) {
    throw new ProblemError('geo-blocked', `"${titleId}" is not available in ${where}`, { country: country ?? null });
  }

  if (rights.windows.length > 0) {
    const regional = country === undefined ? [] : rights.windows.filter((w) => w.regions?.includes(country));
    const governing = regional.length > 0 ? regional : rights.windows.filter((w) => w.regions === null);
    if (governing.length === 0) {
      throw new ProblemError('geo-blocked', `"${titleId}" has no availability window for ${where}`, { country: country ?? null });
    }
    const open = governing.some((w) => (w.start === null || w.start <= now) && (w.end === null || now < w.end));
    if (!open) {
      const next = governing.filter((w) => w.start !== null && w.start > now).map((w) => w.start!).sort((a, b) => a - b)[0];
      if (next !== undefined) {
        throw new ProblemError('not-available-yet', `"${titleId}" opens in ${where} at ${iso(next)}`, { availableFrom: iso(next) });
      }
      const ended = Math.max(...governing.map((w) => w.end ?? Number.NEGATIVE_INFINITY));
      throw new ProblemError('no-longer-available', `"${titleId}" stopped being available in ${where} at ${iso(ended)}`, { availableUntil: iso(ended) });
    }
  }

  const blackout = country !== undefined && rights.blackouts.some((b) => b.start <= now && now < b.end && b.regions.includes(country));
  return { blackout };
}
