import { ProblemError } from '@cascade/common';
import type { Viewer } from '../auth/viewer.ts';
import type { CatalogueEntry } from '../catalogue/catalogue-entry.ts';

/**
 * Is this viewer's subscription good for this title? The plan must be one the title lists, and a
 * token restricted to titles or packages must name the title or one of its packages. 403 otherwise.
 */
export function checkEntitlement(viewer: Viewer, entry: CatalogueEntry): void {
  if (!entry.plans.includes(viewer.plan)) {
    throw new ProblemError('not-entitled', `the ${viewer.plan} plan does not include "${entry.id}" (plans: ${entry.plans.join(', ')})`, {
      plans: entry.plans,
    });
  }
  if (viewer.titles === undefined && viewer.packages === undefined) return;
  if (viewer.titles?.includes(entry.id)) return;
  if (viewer.packages?.some((p) => entry.packages.includes(p))) return;
  throw new ProblemError('not-entitled', `this viewer token does not grant "${entry.id}": it is limited to other titles or packages`);
}
