import { ProblemError } from '@cascade/common';
import type { AccessServices } from '../access-services.ts';
import { log } from '../http/log.ts';
import { BoundedCache } from '../session/bounded-cache.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { RefreshClaims } from '../isolate/refresh-claims.ts';
import { dashLadder, segmentBandwidth } from './dash-ladder.ts';
import { cappableBandwidth, variantLadder } from './variant-ladder.ts';

/** How long an isolate trusts a title's ladder: packaged ladders do not change; a live channel's rarely does. */
const LADDER_SECONDS = 60;
const utf8 = new TextDecoder();
const ladders = new BoundedCache<string, { ladder: unknown; readAt: number }>(1000);
/** One request of the isolate re-reads a stale ladder; the others use the held one meanwhile. */
const rereads = new RefreshClaims<string>(10_000, 1000);
type WaitUntil = (promise: Promise<unknown>) => void;

/** The surge cap in force now (bit/s): the operator's (ops API) or else the configured SURGE_CAP_BPS. */
export async function currentSurgeCap(services: AccessServices): Promise<number | undefined> {
  const state = await services.steering.state();
  return state.surgeCapBps ?? services.config.surgeCapBps;
}

/**
 * A title's manifest (`master.m3u8` or `manifest.mpd`) read into a ladder: from the edge cache, then the
 * shield, remembered per isolate for a minute. A failed read is not remembered.
 */
async function ladderOf<T>(services: AccessServices, requestUrl: URL, path: string, parse: (text: string) => T, waitUntil: WaitUntil): Promise<T> {
  const now = Date.now();
  const held = ladders.get(path);
  if (held !== undefined && now - held.readAt <= LADDER_SECONDS * 1000) return held.ladder as T;
  // Values, not promises, are shared between requests (refresh-claims.ts): while one request re-reads a
  // stale ladder the others use it; with none held yet, each reads it (the manifest is in isolate memory).
  if (held !== undefined && !rereads.claim(path, now)) return held.ladder as T;
  try {
    const object = await fetchMediaObject(services.config, requestUrl, path, waitUntil);
    const ladder = parse(utf8.decode(await object.response.arrayBuffer()));
    ladders.set(path, { ladder, readAt: now });
    return ladder;
  } finally {
    if (held !== undefined) rereads.release(path);
  }
}

/** The cap degrades quality on purpose; it never takes playback down because a ladder is unreadable. */
function uncapped(path: string, error: unknown): number {
  log('warn', 'surge cap: the title ladder is unreadable; serving uncapped', { path, cause: String(error) });
  return 0;
}

/**
 * The BANDWIDTH an HLS media playlist of `scope` stands for, 0 when the surge cap never refuses it (see
 * cappableBandwidth), read from the title's multivariant playlist.
 */
export async function playlistBandwidth(services: AccessServices, requestUrl: URL, scope: string, playlist: string, waitUntil: WaitUntil): Promise<number> {
  const path = `${scope}master.m3u8`;
  try {
    return cappableBandwidth(await ladderOf(services, requestUrl, path, variantLadder, waitUntil), playlist);
  } catch (error) {
    return uncapped(path, error);
  }
}

/**
 * A segment fetched under a manifest's token (DASH: segments use the MPD's token; HLS segments carry their
 * variant's BANDWIDTH instead): while a cap is in force, its Representation is looked up in the title's MPD
 * and refused above the cap. Without a cap this costs one read of the (isolate-held) steering state.
 */
export async function checkDashSegment(services: AccessServices, requestUrl: URL, scope: string, file: string, waitUntil: WaitUntil): Promise<void> {
  const cap = await currentSurgeCap(services);
  if (cap === undefined) return;
  const path = `${scope}manifest.mpd`;
  let bandwidth: number;
  try {
    bandwidth = segmentBandwidth(await ladderOf(services, requestUrl, path, dashLadder, waitUntil), file);
  } catch (error) {
    bandwidth = uncapped(path, error);
  }
  checkSurgeCap(bandwidth, cap, `segment ${file}`);
}

/**
 * Refuses a variant above the surge cap (403 `surge-capped`): players do not retry a 4xx on a playlist or
 * segment and switch to another variant (hls.js puts the level in its penalty box; Shaka disables the
 * stream for `streaming.maxDisabledTime`), so a playing session steps down at its next reload or segment.
 * 0 is never refused.
 */
export function checkSurgeCap(bandwidth: number, cap: number | undefined, what: string): void {
  if (cap !== undefined && bandwidth > 0 && bandwidth > cap) {
    throw new ProblemError('surge-capped', `${what} is a ${bandwidth} bit/s variant, above the operator's surge cap of ${cap} bit/s: play a lower variant`);
  }
}
