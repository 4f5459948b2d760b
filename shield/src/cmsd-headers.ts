import { keyPath } from './blocking-reload-query.ts';
import { keyInfo } from './object-kind.ts';

/** Our intermediary identifier in CMSD-Dynamic (CTA-5006 §4.2: each hop prepends its own entry). */
const SHIELD_ID = '"cascade-shield"';

const OBJECT_TYPES = { segment: 'v', init: 'i', playlist: 'm', mpd: 'm', other: 'o' } as const;

/**
 * CMSD-Static (CTA-5006 §4.1), a Structured Fields dictionary describing the object itself: `ot`
 * object type (m manifest, i init, v/a media, o other), `sf` streaming format (h HLS, d DASH; CMAF
 * segments serve both, so none), `st` stream type (v VOD, l live). Players use `st` and `ot` to tune
 * their buffering; it never changes for a key, so the edge may cache it with the object.
 */
export function cmsdStatic(key: string): string {
  const { kind, live } = keyInfo(key);
  let ot: string = OBJECT_TYPES[kind];
  // Our packager names audio renditions audio-…; everything else media is video.
  if (kind === 'segment' && /\/audio[^/]*$/.test(keyPath(key))) ot = 'a';
  const parts = [`ot=${ot}`];
  if (kind === 'playlist') parts.push('sf=h');
  else if (kind === 'mpd') parts.push('sf=d');
  parts.push(`st=${live ? 'l' : 'v'}`);
  return parts.join(',');
}

/**
 * CMSD-Dynamic (CTA-5006 §4.2): this hop's `rd` (response delay, ms from request to response headers)
 * so a player can tell a slow shield (origin wait) from a slow network.
 */
export function cmsdDynamic(responseDelayMs: number): string {
  return `${SHIELD_ID};rd=${Math.max(0, Math.round(responseDelayMs))}`;
}
