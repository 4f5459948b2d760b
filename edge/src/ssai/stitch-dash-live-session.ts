import { findDashLiveBreaks, ManifestError, stitchDashLive, type AnnouncedBreak, type DashLiveBreakFill, type DashLiveScan } from '@cascade/manifest-rewriter';
import type { EdgeConfig } from '../config.ts';
import { log } from '../http/log.ts';
import { rewriteForSession } from '../session/session-urls.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import type { AdPlan, PlannedAd, PlannedBreak } from './ad-plan.ts';
import type { AdSessions } from './ad-sessions.ts';

type WaitUntil = (promise: Promise<unknown>) => void;

/** A live blackout for the session's country (epoch ms), from the channel's rights. */
export interface DashBlackout {
  start: number;
  end: number;
}

/** What a live DASH stitch needs to put the slate in: where it runs and a token for the slate. */
export interface DashSlateDeps {
  config: EdgeConfig;
  sid: string;
  requestUrl: URL;
  waitUntil: WaitUntil;
  /** A token of the session scoped to the slate title (no beacons). */
  slateToken(scope: string): Promise<string>;
}

/** What the session's DASH live stitch needs from AdInsertion (decisions, prefetch, tokens) and the session's object. */
export interface DashLiveSessionDeps extends DashSlateDeps {
  store: DurableObjectStub<AdSessions>;
  /** Prefetch breaks announced ahead (each session at its own point of the traffic-shaping window). */
  prefetch(plan: AdPlan, announced: AnnouncedBreak[]): void;
  /** A prefetched or cohort decision, else one made now within the ad server's timeout. */
  decide(plan: AdPlan, breakId: string, plannedSeconds: number): Promise<PlannedAd[]>;
  /** The token for ad `adIndex` of break `breakIndex` (its `ad` claim drives the beacons). */
  adToken(scope: string, breakIndex: number, adIndex: number, segments: number): Promise<string>;
}

/** The slate title's MPD under a slate-scoped token of the session, fetched once per stitch; undefined when there is none. */
function slateLoader(deps: DashSlateDeps): () => Promise<string | undefined> {
  const { config, requestUrl, waitUntil, sid } = deps;
  const scope = `vod/${config.slateTitleId}/`;
  let slate: Promise<string | undefined> | undefined;
  return () =>
    (slate ??= (async () => {
      try {
        const bytes = await (await fetchMediaObject(config, requestUrl, `${scope}manifest.mpd`, waitUntil)).response.arrayBuffer();
        return rewriteForSession(bytes, dashRewrite(config, requestUrl, scope, await deps.slateToken(scope)));
      } catch (error) {
        log('warn', 'no slate MPD for live DASH', { sid, error: String(error) });
        return undefined;
      }
    })());
}

/**
 * Blackouts as fills: from the blackout's start to its end, slate (README "Live blackout"); the content
 * comes back in a Period of its own when it ends. Kept as long as the blackout is in the channel's rights, so
 * the Periods after it keep their ids.
 */
async function blackoutFills(mpd: string, blackouts: DashBlackout[], slate: () => Promise<string | undefined>): Promise<DashLiveBreakFill[]> {
  if (blackouts.length === 0) return [];
  const anchor = findDashLiveBreaks(mpd).availabilityStartTime;
  const filler = await slate();
  if (anchor === undefined || filler === undefined) return [];
  return blackouts.map((b) => ({ id: `blackout-${b.start}`, start: (b.start - anchor) / 1000, end: (b.end - anchor) / 1000, ads: [], slate: filler }));
}

/** Live DASH for a channel without ads: the session's blackouts as slate Periods. */
export async function stitchDashBlackouts(deps: DashSlateDeps, mpd: string, blackouts: DashBlackout[]): Promise<string> {
  if (blackouts.length === 0) return mpd;
  try {
    return stitchDashLive(mpd, await blackoutFills(mpd, blackouts, slateLoader(deps)));
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    log('warn', 'DASH live blackout not stitched', { sid: deps.sid, reason: error.message });
    return mpd;
  }
}

/** Segments of an MPD's first SegmentTimeline (S@r counted): an ad's segment count for its beacons. */
function timelineSegments(mpd: string): number {
  const timeline = /<SegmentTimeline>([\s\S]*?)<\/SegmentTimeline>/.exec(mpd)?.[1] ?? '';
  let count = 0;
  for (const s of timeline.matchAll(/<S\b[^>]*>/g)) count += 1 + Math.max(0, Number(/\br="(\d+)"/.exec(s[0])?.[1] ?? '0'));
  return Math.max(1, count);
}

/** A DASH live break of the plan: identified by its splice id, placed by its start on the MPD timeline. */
function isDashLive(adBreak: PlannedBreak): adBreak is PlannedBreak & { at: number } {
  return adBreak.startMsn === undefined && typeof adBreak.at === 'number' && adBreak.id.startsWith('splice-');
}

/**
 * Live DASH for one session (README "Ad insertion", live DASH): each SCTE-35 break of the channel's MPD is
 * frozen in the session's object the first time a reload finds it within two segments of the live edge (its
 * ads from a prefetched or cohort decision, else decided then; a viewer who joined mid-break gets slate),
 * shortened there when the channel returns early, and stitched into every reload as the same Periods.
 */
export async function stitchDashLiveSession(deps: DashLiveSessionDeps, mpd: string, blackouts: DashBlackout[] = []): Promise<string> {
  const { config, store, sid, requestUrl, waitUntil } = deps;
  let plan = (await store.plan()) as AdPlan | undefined;
  if (!plan) return stitchDashBlackouts(deps, mpd, blackouts);
  let scan: DashLiveScan;
  try {
    scan = findDashLiveBreaks(mpd);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    log('warn', 'DASH live ads not stitched', { sid, reason: error.message });
    return mpd;
  }
  const anchor = scan.availabilityStartTime;
  if (anchor !== undefined) {
    deps.prefetch(plan, scan.breaks.flatMap((b) => (b.seconds === undefined ? [] : [{ id: `splice-${b.eventId}`, startDate: anchor + b.start * 1000, plannedSeconds: b.seconds, ended: false }])));
  }
  for (const seen of scan.breaks) {
    // An open-ended break (no Event@duration) cannot be planned; one more than two segments past the live edge
    // waits (decided that early, every session sees the break whole before the channel could return from it).
    if (seen.seconds === undefined || seen.start > scan.liveEdge + 2 * scan.segmentSeconds + 0.001) continue;
    const id = `splice-${seen.eventId}`;
    let known = plan.breaks.find((b) => b.id === id && isDashLive(b));
    if (!known) {
      // Against the session's start on the wall clock (the MPD's availabilityStartTime anchors its timeline), so a
      // session whose reloads are late still gets the ads of a break that began after it opened. A break over
      // before the session opened plays as the channel played it (no length: nothing to replace); one the
      // viewer joined in its middle gets slate (an ad seen from its middle would count without its impression).
      const startedMs = anchor === undefined ? undefined : anchor + seen.start * 1000;
      const joinedMidBreak = startedMs === undefined ? seen.start < scan.liveEdge - scan.segmentSeconds : startedMs < plan.createdAt - scan.segmentSeconds * 1000;
      const ended = startedMs === undefined ? seen.start + seen.seconds <= scan.liveEdge : startedMs + seen.seconds * 1000 <= plan.createdAt;
      const ads = joinedMidBreak ? [] : await deps.decide(plan, id, seen.seconds);
      const candidate: PlannedBreak = { id, at: seen.start, durationSeconds: ended ? 0 : seen.seconds, ads, problems: joinedMidBreak ? ['joined mid-break'] : [] };
      plan = (await store.addLiveBreak(candidate)).plan as AdPlan;
      known = plan.breaks.find((b) => b.id === id && isDashLive(b))!;
    }
    if (seen.seconds < known.durationSeconds - 0.001) {
      // An early return: the Event was shortened. Kept, so the Periods stay put once the Event has left the MPD.
      known.durationSeconds = seen.seconds;
      await store.shortenLiveBreak(id, seen.seconds);
    }
  }

  const slateMpd = slateLoader(deps);
  const fills: DashLiveBreakFill[] = [];
  for (const [breakIndex, adBreak] of plan.breaks.entries()) {
    if (!isDashLive(adBreak) || adBreak.durationSeconds <= 0) continue;
    const end = adBreak.at + adBreak.durationSeconds;
    const fill: DashLiveBreakFill = { id: adBreak.id, start: adBreak.at, end, ads: [] };
    const filler = await slateMpd();
    if (filler !== undefined) fill.slate = filler;
    // Out of the window only the break's place matters (the Periods after it keep their ids): no fetches.
    if (end > scan.windowStart && adBreak.at <= scan.liveEdge + scan.segmentSeconds) {
      for (const [adIndex, ad] of adBreak.ads.entries()) {
        const scope = `vod/${ad.adTitleId}/`;
        const bytes = await (await fetchMediaObject(config, requestUrl, `${scope}manifest.mpd`, waitUntil)).response.arrayBuffer();
        const token = await deps.adToken(scope, breakIndex, adIndex, timelineSegments(new TextDecoder().decode(bytes)));
        fill.ads.push(rewriteForSession(bytes, dashRewrite(config, requestUrl, scope, token)));
      }
    } else {
      fill.ads = adBreak.ads.map(() => '');
    }
    fills.push(fill);
  }
  try {
    // A blackout wins over the breaks inside it: the viewer sees slate, no ad is fetched or counted there.
    const dark = await blackoutFills(mpd, blackouts, slateMpd);
    const lit = fills.filter((f) => !dark.some((d) => f.start < d.end && d.start < f.end));
    return stitchDashLive(mpd, [...lit, ...dark]);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    log('warn', 'DASH live ads not stitched', { sid, reason: error.message });
    return mpd;
  }
}

function dashRewrite(config: EdgeConfig, requestUrl: URL, scope: string, token: string) {
  return {
    format: 'dash' as const,
    upstreamUrl: new URL(`${scope}manifest.mpd`, config.shieldUrl),
    shieldScope: new URL(scope, config.shieldUrl),
    edgeOrigin: requestUrl.origin,
    scope,
    token,
  };
}
