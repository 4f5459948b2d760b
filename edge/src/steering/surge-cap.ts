import { ProblemError } from '@cascade/common';
import type { AccessServices } from '../access-services.ts';
import { log } from '../http/log.ts';
import { BoundedCache } from '../session/bounded-cache.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { cappableBandwidth, variantLadder, type VariantLadder } from './variant-ladder.ts';

/** How long an isolate trusts a title's ladder: packaged ladders do not change; a live channel's rarely does. */
const LADDER_SECONDS = 60;
const utf8 = new TextDecoder();
const ladders = new BoundedCache<string, { ladder: Promise<VariantLadder>; readAt: number }>(1000);

/** The surge cap in force now (bit/s): the operator's (ops API) or else the configured SURGE_CAP_BPS. */
export async function currentSurgeCap(services: AccessServices): Promise<number | undefined> {
  const state = await services.steering.state();
  return state.surgeCapBps ?? services.config.surgeCapBps;
}

/**
 * The BANDWIDTH a media playlist of `scope` stands for, 0 when the surge cap never refuses it (see
 * cappableBandwidth). Read from the title's multivariant playlist (edge cache, then shield), remembered
 * per isolate for a minute.
 */
export async function playlistBandwidth(
  services: AccessServices,
  requestUrl: URL,
  scope: string,
  playlist: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<number> {
  const now = Date.now();
  let held = ladders.get(scope);
  if (held === undefined || now - held.readAt > LADDER_SECONDS * 1000) {
    const ladder = fetchMediaObject(services.config, requestUrl, `${scope}master.m3u8`, waitUntil).then(async (object) => variantLadder(utf8.decode(await object.response.arrayBuffer())));
    held = { ladder, readAt: now };
    ladders.set(scope, held);
    // A failed read is not remembered: the next request tries again.
    ladder.catch(() => {
      if (ladders.get(scope) === held) ladders.delete(scope);
    });
  }
  try {
    return cappableBandwidth(await held.ladder, playlist);
  } catch (error) {
    // The cap degrades quality on purpose; it never takes playback down because a ladder is unreadable.
    log('warn', 'surge cap: the title ladder is unreadable; the playlist is served uncapped', { scope, cause: String(error) });
    return 0;
  }
}

/**
 * Refuses a variant above the surge cap (403 `surge-capped`): players do not retry a 4xx on a playlist or
 * segment and switch to another variant (hls.js puts the level in its penalty box; Shaka disables the
 * stream), so a playing session steps down at its next reload or segment. 0 is never refused.
 */
export function checkSurgeCap(bandwidth: number, cap: number | undefined, what: string): void {
  if (cap !== undefined && bandwidth > 0 && bandwidth > cap) {
    throw new ProblemError('surge-capped', `${what} is a ${bandwidth} bit/s variant, above the operator's surge cap of ${cap} bit/s: play a lower variant`);
  }
}
