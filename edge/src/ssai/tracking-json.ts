import type { AdPlan } from './ad-plan.ts';
import { BEACON_EVENTS } from './vast-document.ts';

const EVENT_OFFSET: Record<(typeof BEACON_EVENTS)[number], number> = { impression: 0, start: 0, firstQuartile: 0.25, midpoint: 0.5, thirdQuartile: 0.75, complete: 1 };

/**
 * The session's ads for players that report themselves (client-side beaconing), shaped like MediaTailor's
 * client-side tracking answer: avails, their ads and each ad's tracking events with the times they fall at.
 * Times are in the stitched timeline (ads before a break shift everything after it).
 */
export function trackingJson(plan: AdPlan): unknown {
  let inserted = 0;
  const avails = plan.breaks
    .filter((b) => b.ads.length > 0)
    .map((adBreak, availIndex) => {
      const contentStart = adBreak.at === 'end' ? null : adBreak.at;
      const availStart = contentStart === null ? null : contentStart + inserted;
      let offset = 0;
      const ads = adBreak.ads.map((ad) => {
        const start = availStart === null ? null : availStart + offset;
        offset += ad.durationSeconds;
        return {
          adId: ad.creativeId,
          creativeId: ad.adTitleId,
          startTimeInSeconds: start,
          durationInSeconds: ad.durationSeconds,
          trackingEvents: BEACON_EVENTS.map((event) => ({
            eventType: event,
            beaconUrls: ad.tracking[event],
            startTimeInSeconds: start === null ? null : start + EVENT_OFFSET[event] * ad.durationSeconds,
          })),
        };
      });
      inserted += offset;
      return { availId: `${availIndex}`, breakId: adBreak.id, position: adBreak.at === 'end' ? 'postroll' : adBreak.at === 0 ? 'preroll' : 'midroll', startTimeInSeconds: availStart, durationInSeconds: offset, ads };
    });
  return { sessionId: plan.sid, serverSideBeacons: true, avails };
}
