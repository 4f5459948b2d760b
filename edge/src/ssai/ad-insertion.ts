import { ProblemError } from '@cascade/common';
import {
  breakDiscontinuities, findLiveBreaks, insertHlsInterstitials, stitchHlsSubtitles, insertLiveInterstitials, ManifestError, replaceLiveBreaks, stitchDashVod, stitchHlsVod,
  type AnnouncedBreak, type DashStitchBreak, type LiveBreakFill, type LiveInterstitial, type LiveSlot, type StitchBreak,
} from '@cascade/manifest-rewriter';
import type { CatalogueClient } from '../catalogue/catalogue-client.ts';
import type { EdgeConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { log } from '../http/log.ts';
import type { SessionClaims, SessionTokens } from '../session/session-token.ts';
import { rewriteForSession } from '../session/session-urls.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { eventsForSegment, type AdBeaconMessage } from './ad-beacon-message.ts';
import type { AdPlan, PlannedAd, PlannedBreak } from './ad-plan.ts';
import { adServerFor, fillUrlTemplate, type AdServerConfig } from './ad-server-config.ts';
import { adTitleIdFor, planVodAds } from './plan-ads.ts';
import { breaksStartingNow, inProgressOf } from './live-in-progress.ts';
import { LiveSlotCache } from './live-slot-cache.ts';
import { decisionKey, prefetchAt } from './prefetch-policy.ts';
import { resolvePod } from './resolve-pod.ts';
import { stitchDashBlackouts, stitchDashLiveSession, type DashBlackout } from './stitch-dash-live-session.ts';
import type { DecidedAd } from './resolve-pod.ts';

export interface AdInsertionDeps {
  config: EdgeConfig;
  env: Env;
  catalogue: CatalogueClient;
  sessions: SessionTokens;
  fetch?: typeof fetch;
  /** Live slots kept between reloads (the app keeps one per isolate). */
  slotCache?: LiveSlotCache;
}

/** What an ad-scoped token carries over from the session. */
export type AdSessionIdentity = Pick<SessionClaims, 'sid' | 'sub' | 'acct' | 'ctry' | 'mh' | 'iat'>;

export interface ViewerContext {
  sid: string;
  titleId: string;
  device: string;
  region: string;
  consent: string;
}

type WaitUntil = (promise: Promise<unknown>) => void;

// Ask the origin to condition a creative at most this often per isolate (the origin's job is idempotent anyway).
const CONDITION_RETRY_MS = 30_000;

/**
 * Server-side ad insertion for the play and media routes: decide a session's breaks when its manifest is
 * answered, stitch the decided ads into each media playlist the player fetches, and turn fetches of ad
 * segments into beacons on the queue. Sessions of titles without an ad server cost one lookup.
 */
export class AdInsertion {
  readonly #deps: AdInsertionDeps;
  readonly #conditionRequested = new Map<string, number>();
  readonly #slots: LiveSlotCache;

  constructor(deps: AdInsertionDeps) {
    this.#deps = deps;
    this.#slots = deps.slotCache ?? new LiveSlotCache();
  }

  /** True when ads are configured for the title and the bindings they need exist. */
  enabledFor(titleId: string): boolean {
    return this.#deps.env.AD_SESSIONS !== undefined && adServerFor(this.#deps.config.ads, titleId) !== undefined;
  }

  #session(sid: string) {
    const namespace = this.#deps.env.AD_SESSIONS;
    if (!namespace) throw new ProblemError('config-invalid', 'AD_SESSIONS: expected a Durable Object binding to AdSessions, received none');
    return namespace.get(namespace.idFromName(sid));
  }

  /** Decide a new VOD session's breaks (bounded by the ad server's timeout) and keep the plan with the session. */
  async planVod(viewer: ViewerContext, waitUntil: WaitUntil): Promise<AdPlan | undefined> {
    const server = adServerFor(this.#deps.config.ads, viewer.titleId);
    if (!server || !this.#deps.env.AD_SESSIONS) return undefined;
    const plan = await planVodAds({
      server,
      sid: viewer.sid,
      titleId: viewer.titleId,
      viewer,
      fetch: this.#deps.fetch ?? fetch,
      usable: (ad, adTitleId) => this.#ready(ad, adTitleId, waitUntil),
    });
    for (const adBreak of plan.breaks) {
      if (adBreak.problems.length > 0) log('info', 'ad break short', { sid: viewer.sid, break: adBreak.id, problems: adBreak.problems });
    }
    await this.#session(viewer.sid).save(plan);
    return plan;
  }

  async plan(sid: string): Promise<AdPlan | undefined> {
    return (await this.#session(sid).plan()) ?? undefined;
  }

  /**
   * Conditioned creatives are titles on the origin; a missing one is sent to be conditioned (at
   * `segmentSeconds` when given) and skipped for now.
   */
  async #ready(ad: Pick<DecidedAd, 'creativeId' | 'mezzanineUrl'>, adTitleId: string, waitUntil: WaitUntil, segmentSeconds?: number): Promise<boolean> {
    try {
      const entry = await this.#deps.catalogue.get(adTitleId);
      return entry.kind === 'vod';
    } catch (error) {
      if (!(error instanceof ProblemError) || error.code !== 'title-not-found') return false;
    }
    const conditioning = this.#deps.config.ads.conditioning;
    const last = this.#conditionRequested.get(adTitleId) ?? 0;
    if (conditioning && Date.now() - last > CONDITION_RETRY_MS) {
      this.#conditionRequested.set(adTitleId, Date.now());
      waitUntil(
        (this.#deps.fetch ?? fetch)(new URL('api/v1/creatives', conditioning.originUrl.href.endsWith('/') ? conditioning.originUrl : `${conditioning.originUrl.href}/`), {
          method: 'POST',
          headers: { authorization: `Bearer ${conditioning.apiToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id: adTitleId, creativeId: ad.creativeId.slice(0, 200), url: ad.mezzanineUrl, ...(segmentSeconds !== undefined && { segmentSeconds }) }),
          signal: AbortSignal.timeout(10_000),
        })
          .then(async (response) => {
            await response.body?.cancel();
            if (response.status >= 400) log('warn', 'creative conditioning refused', { adTitleId, status: response.status });
          })
          .catch((error: unknown) => log('warn', 'creative conditioning request failed', { adTitleId, error: String(error) })),
      );
    }
    return false;
  }

  /**
   * Stitch the session's ads into one of its VOD media playlists (already rewritten for the session). Each
   * ad's rendition is the conditioned creative's rendition of the same name, or the nearest picture
   * height, or its audio for an audio playlist; its URLs carry an ad-scoped token of the same session.
   */
  async stitchVod(claims: SessionClaims, token: string, contentFile: string, contentHeight: number | undefined, playlist: string, requestUrl: URL, waitUntil: WaitUntil): Promise<string> {
    const plan = await this.plan(claims.sid);
    if (!plan || plan.breaks.every((b) => b.ads.length === 0)) return playlist;
    const audio = contentFile.startsWith('audio');
    if (plan.mode === 'interstitials') {
      const breaks = plan.breaks.flatMap((b, i) =>
        b.ads.length === 0 ? [] : [{ id: b.id, at: b.at, durationSeconds: b.ads.reduce((sum, ad) => sum + ad.durationSeconds, 0), assetListUri: `${requestUrl.origin}/v1/media/${token}/ads/${i}.json` }],
      );
      return insertHlsInterstitials(playlist, breaks, new Date(plan.createdAt));
    }
    // Subtitles (and anything else without a picture or sound) keep the content's segments; a WebVTT
    // subtitle playlist spans the ads too and its file is re-timed past them (stitch-hls-subtitles.ts).
    if (!audio && contentHeight === undefined) return this.#stitchSubtitles(claims, plan, playlist);
    const { config, sessions, catalogue } = this.#deps;
    const breaks: StitchBreak[] = [];
    for (const [breakIndex, adBreak] of plan.breaks.entries()) {
      const ads: { playlist: string }[] = [];
      for (const [adIndex, ad] of adBreak.ads.entries()) {
        const entry = await catalogue.get(ad.adTitleId);
        const file = chooseRendition(entry.renditions, contentFile, contentHeight, audio);
        if (file === undefined) continue;
        const scope = `vod/${ad.adTitleId}/`;
        const object = await fetchMediaObject(config, requestUrl, scope + file, waitUntil);
        const bytes = await object.response.arrayBuffer();
        const segments = new TextDecoder().decode(bytes).split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
        const token = await this.#adToken(claims, scope, breakIndex, adIndex, segments);
        ads.push({
          playlist: rewriteForSession(bytes, {
            format: 'hls',
            upstreamUrl: new URL(scope + file, config.shieldUrl),
            shieldScope: new URL(scope, config.shieldUrl),
            edgeOrigin: requestUrl.origin,
            scope,
            token,
          }),
        });
      }
      breaks.push({ at: adBreak.at, ads });
    }
    try {
      return stitchHlsVod(playlist, breaks);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      log('warn', 'HLS ads not stitched', { sid: claims.sid, reason: error.message });
      return playlist;
    }
  }

  /** Live: the session exists as an ad session from its first manifest; breaks are decided as they come. */
  async openLive(viewer: ViewerContext): Promise<void> {
    const server = adServerFor(this.#deps.config.ads, viewer.titleId);
    if (!server || !this.#deps.env.AD_SESSIONS) return;
    await this.#session(viewer.sid).save({
      sid: viewer.sid, titleId: viewer.titleId, mode: server.mode, breaks: [], createdAt: Date.now(),
      viewer: { device: viewer.device, region: viewer.region, consent: viewer.consent },
    });
  }

  /** Decide one live break (bounded by the server's timeout) into ready ads. */
  async #decideLive(server: AdServerConfig, plan: AdPlan, breakId: string, plannedSeconds: number, waitUntil: WaitUntil): Promise<PlannedAd[]> {
    const viewer = plan.viewer ?? { device: 'unknown', region: '', consent: '' };
    const url = fillUrlTemplate(server.vastUrl ?? '', {
      session: plan.sid, device: viewer.device, region: viewer.region, consent: viewer.consent, title: plan.titleId,
      duration: String(Math.round(plannedSeconds)), position: 'midroll', cachebuster: String(Math.floor(Math.random() * 1e9)),
    });
    if (server.vastUrl === undefined) return [];
    const channelSeconds = await this.#channelSegmentSeconds(plan.titleId);
    const pod = await resolvePod({ url }, {
      fetch: this.#deps.fetch ?? fetch,
      maxWrapperDepth: server.maxWrapperDepth,
      signal: AbortSignal.timeout(server.timeoutMs),
      breakSeconds: plannedSeconds,
      usable: async (ad) => {
        // Live sessions of the channel (HLS and DASH) play the creative cut at its segment length (#channelCut): have it made too.
        if (channelSeconds !== undefined) void this.#ready(ad, await adTitleIdFor(server.id, ad.creativeId, channelSeconds), waitUntil, channelSeconds);
        return this.#ready(ad, await adTitleIdFor(server.id, ad.creativeId), waitUntil);
      },
    });
    if (pod.problems.length > 0) log('info', 'live ad break short', { sid: plan.sid, break: breakId, problems: pod.problems });
    return Promise.all(pod.ads.map(async (ad) => ({ creativeId: ad.creativeId, adTitleId: await adTitleIdFor(server.id, ad.creativeId), durationSeconds: ad.durationSeconds, tracking: ad.tracking })));
  }

  /**
   * A stitched session's subtitle playlist: each break where the video cuts it (a cue snaps to the title's
   * segment cadence by index, as in stitchHlsVod) with its ads' length.
   */
  async #stitchSubtitles(claims: SessionClaims, plan: AdPlan, playlist: string): Promise<string> {
    const cadence = (await this.#deps.catalogue.get(plan.titleId).catch(() => undefined))?.segmentSeconds;
    const breaks = plan.breaks.map((b) => ({
      at: b.at === 'end' || cadence === undefined ? b.at : Math.round(b.at / cadence) * cadence,
      seconds: b.ads.reduce((sum, ad) => sum + ad.durationSeconds, 0),
    }));
    try {
      return stitchHlsSubtitles(playlist, breaks);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      log('warn', 'HLS subtitles not stitched', { sid: claims.sid, reason: error.message });
      return playlist;
    }
  }

  /**
   * Live ads play each creative cut at the channel's segment length when that cut is ready (else the VOD
   * packaging). Stitched HLS replaces the channel's segments one for one. In DASH the ad Periods have
   * timelines of their own, but a player keeps to the longest segment it has seen: Shaka places its live edge
   * at the wall clock less the longest segment duration seen so far, and never lowers it again. So the first
   * 4 s ad segment in a 2 s channel moves Shaka's live edge 2 s back, behind a playhead that was already past
   * that point, and Shaka stalls at the break (4.1 s in CI). dash.js stalled 2.2 s at an ad's 4 s boundary.
   * Chosen once, when the session freezes the break, so the layout never changes under the player.
   */
  async #channelCut(server: AdServerConfig, titleId: string, ads: PlannedAd[]): Promise<PlannedAd[]> {
    const channelSeconds = await this.#channelSegmentSeconds(titleId);
    if (channelSeconds === undefined) return ads;
    return Promise.all(ads.map(async (ad) => {
      const cut = await adTitleIdFor(server.id, ad.creativeId, channelSeconds);
      const entry = await this.#deps.catalogue.get(cut).catch(() => undefined);
      return entry?.kind === 'vod' ? { ...ad, adTitleId: cut } : ad;
    }));
  }

  /**
   * A live channel's segment length: its creatives are also conditioned at it, and live sessions play that
   * cut (#channelCut says why, for HLS and DASH). Undefined for VOD titles.
   */
  async #channelSegmentSeconds(titleId: string): Promise<number | undefined> {
    const entry = await this.#deps.catalogue.get(titleId).catch(() => undefined);
    const seconds = entry?.kind === 'live' ? entry.segmentSeconds : undefined;
    return seconds !== undefined && Number.isInteger(seconds) && seconds >= 1 && seconds <= 10 ? seconds : undefined;
  }

  /** Where a decision is kept: the session's own object, or the cohort's shared one. */
  #decisionStore(key: string, sid: string) {
    return this.#session(key.startsWith('cohort:') ? key : sid);
  }

  /** A decision made ahead or by the cohort, else made now (first sight of the break: bounded by the timeout). */
  async #liveDecision(server: AdServerConfig, plan: AdPlan, breakId: string, plannedSeconds: number, waitUntil: WaitUntil): Promise<PlannedAd[]> {
    const viewer = plan.viewer ?? { device: 'unknown', region: '', consent: '' };
    const key = decisionKey(server, plan.titleId, breakId, plan.sid, viewer);
    const store = this.#decisionStore(key, plan.sid);
    const known = (await store.decision(key)) as PlannedAd[] | undefined;
    if (known) return known;
    // A cohort's first viewer decides; the others wait for that decision (never past the timeout).
    if (key.startsWith('cohort:') && !(await store.claim(`decide:${key}`))) {
      const deadline = Date.now() + server.timeoutMs;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const shared = (await store.decision(key)) as PlannedAd[] | undefined;
        if (shared) return shared;
      }
    }
    const ads = await this.#decideLive(server, plan, breakId, plannedSeconds, waitUntil);
    await store.saveDecision(key, ads);
    return ads;
  }

  /** Prefetch: breaks announced ahead are decided at this session's (or cohort's) point in the window, off the request path. */
  #prefetch(server: AdServerConfig, plan: AdPlan, announced: AnnouncedBreak[], waitUntil: WaitUntil): void {
    const now = Date.now();
    const viewer = plan.viewer ?? { device: 'unknown', region: '', consent: '' };
    for (const upcoming of announced) {
      // A live interstitial sits in the plan undecided until its asset list is asked for: prefetch decides it.
      if (upcoming.ended || !(upcoming.startDate > now) || plan.breaks.some((b) => b.id === upcoming.id && !b.undecided)) continue;
      const key = decisionKey(server, plan.titleId, upcoming.id, plan.sid, viewer);
      const at = prefetchAt(server, upcoming.startDate, key);
      if (at === undefined || now < at) continue;
      const store = this.#decisionStore(key, plan.sid);
      waitUntil(
        (async () => {
          if ((await store.decision(key)) || !(await store.claim(`decide:${key}`))) return;
          try {
            await store.saveDecision(key, await this.#decideLive(server, plan, upcoming.id, upcoming.plannedSeconds, waitUntil));
            await store.delivered(`decide:${key}`);
          } catch (error) {
            await store.release(`decide:${key}`);
            log('warn', 'ad prefetch failed', { sid: plan.sid, break: upcoming.id, error: String(error) });
          }
        })(),
      );
    }
  }

  /**
   * Live: replace this session's breaks in a (rewritten) live media playlist. A break is frozen the first
   * time a reload sees it (its ads from a prefetched or cohort decision, else decided then), so every
   * reload and every rendition gets the same layout; what the ads leave unfilled is slate.
   */
  async stitchLive(claims: SessionClaims, contentFile: string, contentHeight: number | undefined, playlist: string, requestUrl: URL, waitUntil: WaitUntil, fresh?: { token: string; exp: number }): Promise<string> {
    const titleId = claims.scope.split('/')[1]!;
    const server = adServerFor(this.#deps.config.ads, titleId);
    const audio = contentFile.startsWith('audio');
    if (!server || (!audio && contentHeight === undefined && !contentFile.startsWith('video'))) return playlist;
    const session = this.#session(claims.sid);
    const stored = (await session.plan()) as AdPlan | undefined;
    if (!stored) return playlist;
    let plan: AdPlan = stored;
    let scan;
    try {
      scan = findLiveBreaks(playlist);
    } catch {
      return playlist;
    }
    this.#prefetch(server, plan, scan.announced, waitUntil);
    if (plan.mode === 'interstitials') return fresh === undefined ? playlist : this.#liveInterstitials(plan, scan.announced, playlist, requestUrl, fresh.token);
    const target = scan.targetDuration > 0 ? scan.targetDuration : 4;
    // This rendition's own break boundaries (audio can start or end a break a segment away from video).
    const own = (b: PlannedBreak) => b.renditions?.[contentFile] ?? { startMsn: b.startMsn!, ...(b.endMsn !== undefined && { endMsn: b.endMsn }) };
    for (const seen of [...scan.breaks, ...breaksStartingNow(scan)]) {
      const announced = scan.announced.find((a) => seen.startDate !== undefined && Math.abs(a.startDate - seen.startDate) < 2000);
      const id = announced?.id ?? `msn-${seen.startMsn}`;
      let known = plan.breaks.find((b) => b.startMsn !== undefined && (b.id === id || own(b).startMsn === seen.startMsn));
      if (!known) {
        // A viewer who joins mid-break gets slate for the rest of it (as MediaTailor does): an ad seen from its
        // middle would be counted without its impression and start. A break already over when the session
        // first sees it lies behind the point the player joined at: slate too, and no ad-server call.
        const ads = seen.joinedMidBreak || seen.endMsn !== undefined ? [] : await this.#channelCut(server, plan.titleId, await this.#liveDecision(server, plan, id, seen.plannedSeconds || announced?.plannedSeconds || target, waitUntil));
        const candidate: PlannedBreak = {
          id, at: 0, durationSeconds: seen.plannedSeconds, ads, problems: [], startMsn: seen.startMsn, ...(seen.endMsn !== undefined && { endMsn: seen.endMsn }),
          renditions: { [contentFile]: { startMsn: seen.startMsn, ...(seen.endMsn !== undefined && { endMsn: seen.endMsn }) } },
        };
        const added = await session.addLiveBreak(candidate);
        plan = added.plan as AdPlan;
        known = plan.breaks[added.index]!;
      }
      const mine = known.renditions?.[contentFile];
      if (!mine || (mine.endMsn === undefined && seen.endMsn !== undefined)) {
        plan = ((await session.markLiveBreak(known.id, contentFile, seen.startMsn, seen.endMsn)) as AdPlan | undefined) ?? plan;
      }
    }
    const fills: LiveBreakFill[] = [];
    /** The break whose fill covers the segment in progress (scan.nextMsn), if any. */
    let current: string | undefined;
    let settled = 0;
    for (const [breakIndex, adBreak] of plan.breaks.entries()) {
      if (adBreak.startMsn === undefined) continue;
      const { startMsn, endMsn } = own(adBreak);
      // A break that has left the window only counts its discontinuities; after the first time, from the plan.
      const gone = endMsn !== undefined && endMsn < scan.mediaSequence;
      const kept = adBreak.discontinuities?.[contentFile];
      if (gone && kept !== undefined) {
        settled += kept;
        continue;
      }
      const total = Math.max(1, Math.ceil(adBreak.durationSeconds / target));
      // The segment in progress (nextMsn) counts: its slot may be published whole now (breaksStartingNow).
      const inWindow = startMsn <= scan.nextMsn && (endMsn ?? startMsn + total) > scan.mediaSequence;
      const slots = await this.#liveSlots(claims, adBreak, breakIndex, total, contentFile, contentHeight, audio, requestUrl, waitUntil, !inWindow, fresh?.exp);
      const fill = { startMsn, endMsn, slots };
      if (gone) {
        const count = breakDiscontinuities(fill).length;
        settled += count;
        waitUntil(session.settleLiveBreak(adBreak.id, contentFile, count));
        continue;
      }
      fills.push(fill);
      if (scan.nextMsn >= startMsn && scan.nextMsn < (endMsn ?? Number.POSITIVE_INFINITY)) current = adBreak.id;
    }
    const slidOut = settled + fills.flatMap(breakDiscontinuities).filter((msn) => msn < scan.mediaSequence).length;
    try {
      // An announced break that starts with the segment in progress: that segment will be replaced (its layout
      // is frozen above, so with LL-HLS parts listed its first slot is published whole right away).
      const breakAhead = Number.isFinite(scan.nextDate) && scan.announced.some((a) => !a.ended && a.startDate <= scan.nextDate + 250 && scan.nextDate < a.startDate + a.plannedSeconds * 1000);
      return replaceLiveBreaks(playlist, fills, slidOut, { breakAhead, ...inProgressOf(scan, current, target) });
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      log('warn', 'live ads not stitched', { sid: claims.sid, reason: error.message });
      return playlist;
    }
  }

  /**
   * Live HLS Interstitials: every break the channel announces becomes an interstitial date range whose asset
   * list is this session's. A break is added to the plan the first time a reload sees it (undecided: the
   * asset list decides, so a viewer who never reaches the break costs no ad-server call); one already over
   * then lies behind the player's join point and is left alone.
   */
  async #liveInterstitials(stored: AdPlan, announced: AnnouncedBreak[], playlist: string, requestUrl: URL, token: string): Promise<string> {
    const session = this.#session(stored.sid);
    let plan = stored;
    const ranges: LiveInterstitial[] = [];
    for (const upcoming of announced) {
      if (!Number.isFinite(upcoming.startDate)) continue;
      let index = plan.breaks.findIndex((b) => b.startMsn === undefined && b.id === upcoming.id);
      if (index === -1) {
        if (upcoming.ended) continue;
        const added = await session.addLiveBreak({ id: upcoming.id, at: 0, durationSeconds: upcoming.plannedSeconds, ads: [], problems: [], startDate: upcoming.startDate, undecided: true });
        plan = added.plan as AdPlan;
        index = added.index;
      }
      ranges.push({
        id: upcoming.id, startDate: upcoming.startDate, plannedSeconds: upcoming.plannedSeconds,
        ...(upcoming.ended && upcoming.airedSeconds !== undefined && { airedSeconds: upcoming.airedSeconds }),
        assetListUri: `${requestUrl.origin}/v1/media/${token}/ads/${index}.json`,
      });
    }
    try {
      return insertLiveInterstitials(playlist, ranges);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      log('warn', 'live interstitials not inserted', { sid: stored.sid, reason: error.message });
      return playlist;
    }
  }

  /**
   * The break's slots for this rendition: each ad's segments (ad-scoped token), then slate to the planned
   * length. Out of the window only the shape matters (for counting discontinuities), so no fetches.
   */
  async #liveSlots(claims: SessionClaims, adBreak: PlannedBreak, breakIndex: number, total: number, contentFile: string, contentHeight: number | undefined, audio: boolean, requestUrl: URL, waitUntil: WaitUntil, shapeOnly: boolean, exp?: number): Promise<LiveSlot[]> {
    // Within one token expiry a break's slots for a rendition never change: a warm isolate reuses them.
    const key = exp === undefined || shapeOnly ? undefined : `${claims.sid}|${breakIndex}|${adBreak.id}|${contentFile}|${contentHeight ?? ''}|${total}|${exp}`;
    const cached = key === undefined ? undefined : this.#slots.get(key);
    if (cached) return cached;
    const { config, catalogue } = this.#deps;
    const slots: LiveSlot[] = [];
    for (const [adIndex, ad] of adBreak.ads.entries()) {
      if (slots.length >= total) break;
      const entry = await catalogue.get(ad.adTitleId).catch(() => undefined);
      const file = entry && chooseRendition(entry.renditions, contentFile, contentHeight, audio);
      if (!file) continue;
      const scope = `vod/${ad.adTitleId}/`;
      const raw = await (await fetchMediaObject(config, requestUrl, scope + file, waitUntil)).response.arrayBuffer();
      const segments = new TextDecoder().decode(raw).split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
      if (shapeOnly) {
        for (let i = 0; i < segments; i++) slots.push({ uri: '', duration: 0, map: '', run: adIndex });
        continue;
      }
      // Signed to the playlist token's expiry: the same URI on every reload (players compare them).
      const token = await this.#adToken(claims, scope, breakIndex, adIndex, segments, exp);
      const text = rewriteForSession(raw, { format: 'hls', upstreamUrl: new URL(scope + file, config.shieldUrl), shieldScope: new URL(scope, config.shieldUrl), edgeOrigin: requestUrl.origin, scope, token });
      slots.push(...playlistSlots(text, adIndex));
    }
    if (slots.length < total) {
      // Slate for what the ads leave unfilled (the origin's looping slate title, like a blackout).
      const scope = `vod/${config.slateTitleId}/`;
      const entry = await catalogue.get(config.slateTitleId).catch(() => undefined);
      const file = entry && chooseRendition(entry.renditions, contentFile, contentHeight, audio);
      if (file) {
        let slate: LiveSlot[];
        if (shapeOnly) slate = [{ uri: '', duration: 0, map: '', run: 999 }];
        else {
          const raw = await (await fetchMediaObject(config, requestUrl, scope + file, waitUntil)).response.arrayBuffer();
          const token = await this.#deps.sessions.sign({ sid: claims.sid, sub: claims.sub, acct: claims.acct, ctry: claims.ctry, scope, mh: claims.mh, iat: claims.iat, ttlSeconds: config.sessionToken.ttlSeconds, ...(exp !== undefined && { exp }) });
          slate = playlistSlots(rewriteForSession(raw, { format: 'hls', upstreamUrl: new URL(scope + file, config.shieldUrl), shieldScope: new URL(scope, config.shieldUrl), edgeOrigin: requestUrl.origin, scope, token }), 999);
        }
        for (let i = 0; slots.length < total && slate.length > 0; i++) slots.push(slate[i % slate.length]!);
      }
    }
    const result = slots.slice(0, total);
    // Only a complete layout is kept: a missing catalogue entry or slate is tried again on the next reload.
    if (key !== undefined && result.length === total) this.#slots.set(key, result);
    return result;
  }

  /** Sign the token for the segments of ad `adIndex` of break `breakIndex` (the `ad` claim drives beacons). */
  #adToken(session: AdSessionIdentity, scope: string, breakIndex: number, adIndex: number, segments: number, exp?: number): Promise<string> {
    return this.#deps.sessions.sign({
      sid: session.sid, sub: session.sub, acct: session.acct, ctry: session.ctry, scope, mh: session.mh, iat: session.iat,
      ttlSeconds: this.#deps.config.sessionToken.ttlSeconds, ad: `${breakIndex}.${adIndex}.${Math.min(99_999, segments)}`, ...(exp !== undefined && { exp }),
    });
  }

  /**
   * DASH: the session's ads as Periods of the (already rewritten) content MPD. Each ad Period is the
   * conditioned creative's MPD under an ad-scoped token; the content Period is cut around them.
   */
  async stitchDash(session: AdSessionIdentity, mpd: string, requestUrl: URL, waitUntil: WaitUntil): Promise<string> {
    const plan = await this.plan(session.sid);
    if (!plan || plan.breaks.every((b) => b.ads.length === 0)) return mpd;
    const { config } = this.#deps;
    const breaks: DashStitchBreak[] = [];
    for (const [breakIndex, adBreak] of plan.breaks.entries()) {
      const ads: string[] = [];
      for (const [adIndex, ad] of adBreak.ads.entries()) {
        const scope = `vod/${ad.adTitleId}/`;
        const object = await fetchMediaObject(config, requestUrl, `${scope}manifest.mpd`, waitUntil);
        const bytes = await object.response.arrayBuffer();
        const token = await this.#adToken(session, scope, breakIndex, adIndex, timelineSegments(new TextDecoder().decode(bytes)));
        ads.push(rewriteForSession(bytes, { format: 'dash', upstreamUrl: new URL(`${scope}manifest.mpd`, config.shieldUrl), shieldScope: new URL(scope, config.shieldUrl), edgeOrigin: requestUrl.origin, scope, token }));
      }
      breaks.push({ at: adBreak.at, ads });
    }
    try {
      return stitchDashVod(mpd, breaks);
    } catch (error) {
      // An MPD this stitcher cannot cut (several Periods, no SegmentTimeline) plays without ads rather than not at all.
      if (!(error instanceof ManifestError)) throw error;
      log('warn', 'DASH ads not stitched', { sid: session.sid, reason: error.message });
      return mpd;
    }
  }

  /**
   * Live DASH: the session's breaks (when the channel has ads) and its country's blackouts as Periods of the
   * channel's (rewritten) dynamic MPD (stitch-dash-live-session.ts).
   */
  async stitchDashLive(session: AdSessionIdentity, titleId: string, mpd: string, requestUrl: URL, waitUntil: WaitUntil, blackouts: DashBlackout[] = []): Promise<string> {
    const { config, sessions } = this.#deps;
    const slate = {
      config, sid: session.sid, requestUrl, waitUntil,
      slateToken: (scope: string) => sessions.sign({ sid: session.sid, sub: session.sub, acct: session.acct, ctry: session.ctry, scope, mh: session.mh, iat: session.iat, ttlSeconds: config.sessionToken.ttlSeconds }),
    };
    const server = adServerFor(config.ads, titleId);
    if (!server || !this.#deps.env.AD_SESSIONS) return stitchDashBlackouts(slate, mpd, blackouts);
    return stitchDashLiveSession({
      ...slate,
      store: this.#session(session.sid),
      prefetch: (plan, announced) => this.#prefetch(server, plan, announced, waitUntil),
      decide: async (plan, breakId, seconds) => this.#channelCut(server, plan.titleId, await this.#liveDecision(server, plan, breakId, seconds, waitUntil)),
      adToken: (scope, breakIndex, adIndex, segments) => this.#adToken(session, scope, breakIndex, adIndex, segments),
    }, mpd, blackouts);
  }

  /**
   * HLS Interstitials: one break's X-ASSET-LIST. Each asset is the conditioned creative's multivariant
   * playlist under an ad-scoped token of the same session, so its segments fire beacons like stitched ones.
   */
  async assetList(claims: SessionClaims, breakIndex: number, requestUrl: URL, waitUntil: WaitUntil): Promise<{ ASSETS: { URI: string; DURATION: number }[] }> {
    const plan = await this.plan(claims.sid);
    const adBreak = plan?.breaks[breakIndex];
    if (!plan || !adBreak) throw new ProblemError('ad-session-not-found', `session ${claims.sid} has no break ${breakIndex}`);
    const { config, sessions, catalogue } = this.#deps;
    let ads = adBreak.ads;
    if (adBreak.undecided) {
      // A live interstitial is decided when the player first asks for it (a prefetched decision if there is one).
      const server = adServerFor(config.ads, plan.titleId);
      ads = server ? await this.#session(plan.sid).decideLiveBreak(breakIndex, await this.#liveDecision(server, plan, adBreak.id, adBreak.durationSeconds, waitUntil)) : [];
    }
    const assets: { URI: string; DURATION: number }[] = [];
    for (const [adIndex, ad] of ads.entries()) {
      const entry = await catalogue.get(ad.adTitleId);
      const first = entry.renditions.find((r) => r.height !== undefined && !r.playlist.includes('iframes'));
      if (!first) continue;
      const scope = `vod/${ad.adTitleId}/`;
      const object = await fetchMediaObject(config, requestUrl, scope + first.playlist, waitUntil);
      const segments = (await object.response.text()).split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
      const token = await this.#adToken(claims, scope, breakIndex, adIndex, segments);
      assets.push({ URI: `${requestUrl.origin}/v1/media/${token}/${scope}master.m3u8`, DURATION: ad.durationSeconds });
    }
    return { ASSETS: assets };
  }

  /** An ad segment was fetched: queue the beacons its position reaches (delivery dedupes per session). */
  onAdSegment(claims: SessionClaims, path: string, waitUntil: WaitUntil): void {
    const queue = this.#deps.env.AD_BEACONS;
    const [breakIndex, adIndex, count] = (claims.ad ?? '').split('.').map(Number);
    const index = Number(/-(\d+)\.m4s$/.exec(path)?.[1] ?? Number.NaN);
    if (!queue || breakIndex === undefined || adIndex === undefined || count === undefined || !Number.isInteger(index)) return;
    const events = eventsForSegment(index, count);
    if (events.length === 0) return;
    const messages: { body: AdBeaconMessage }[] = events.map((event) => ({ body: { sid: claims.sid, breakIndex, adIndex, event } }));
    waitUntil(queue.sendBatch(messages).catch((error: unknown) => log('error', 'ad beacons not queued', { sid: claims.sid, error: String(error) })));
  }
}

/** A media playlist's segments as live slots: URI, duration and the EXT-X-MAP in force. */
function playlistSlots(playlist: string, run: number): LiveSlot[] {
  const slots: LiveSlot[] = [];
  let map = '';
  let duration = 0;
  for (const line of playlist.split(/\r?\n/)) {
    if (line.startsWith('#EXT-X-MAP:')) map = line;
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8)) || 0;
    else if (line !== '' && !line.startsWith('#')) slots.push({ uri: line, duration, map, run });
  }
  return slots;
}

/** Segments in an MPD's first SegmentTimeline (S@r repeats counted): an ad's segment count for beacons. */
function timelineSegments(mpd: string): number {
  const timeline = /<SegmentTimeline>([\s\S]*?)<\/SegmentTimeline>/.exec(mpd)?.[1] ?? '';
  let count = 0;
  for (const s of timeline.matchAll(/<S\b[^>]*>/g)) count += 1 + Math.max(0, Number(/\br="(\d+)"/.exec(s[0])?.[1] ?? '0'));
  return Math.max(1, count);
}

function chooseRendition(renditions: { playlist: string; height: number | undefined }[], file: string, height: number | undefined, audio: boolean): string | undefined {
  if (renditions.some((r) => r.playlist === file)) return file;
  if (audio) return renditions.find((r) => r.playlist.startsWith('audio'))?.playlist;
  const videos = renditions.filter((r) => r.height !== undefined && !r.playlist.includes('iframes'));
  videos.sort((a, b) => Math.abs(a.height! - height!) - Math.abs(b.height! - height!));
  return videos[0]?.playlist;
}
