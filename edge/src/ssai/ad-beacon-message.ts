import { BEACON_EVENTS, type BeaconEvent } from './vast-document.ts';

/** A server-side beacon to deliver: the play session, the ad (break and position in the pod) and the event. */
export interface AdBeaconMessage {
  sid: string;
  breakIndex: number;
  adIndex: number;
  event: BeaconEvent;
}

/** Queue messages come back from outside the isolate: checked before use. */
export function isAdBeaconMessage(value: unknown): value is AdBeaconMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m['sid'] === 'string' && m['sid'].length <= 64 &&
    Number.isInteger(m['breakIndex']) && (m['breakIndex'] as number) >= 0 &&
    Number.isInteger(m['adIndex']) && (m['adIndex'] as number) >= 0 &&
    (BEACON_EVENTS as readonly unknown[]).includes(m['event'])
  );
}

/**
 * Which events a fetch of segment `index` (1-based) of an ad of `count` segments reaches: the segment
 * during which playback passes a quartile's time point fires it, the first fires the impression and start, the last
 * fires complete. Segments are near equal in length (one GOP cadence), so counts stand in for time.
 */
export function eventsForSegment(index: number, count: number): BeaconEvent[] {
  const events: BeaconEvent[] = [];
  if (index === 1) events.push('impression', 'start');
  // The segment (k-1)/n < f <= k/n is the one during which playback passes the point f.
  const reaches = (fraction: number) => Math.max(1, Math.ceil(fraction * count)) === index;
  if (reaches(0.25)) events.push('firstQuartile');
  if (reaches(0.5)) events.push('midpoint');
  if (reaches(0.75)) events.push('thirdQuartile');
  if (index === count) events.push('complete');
  return events;
}
