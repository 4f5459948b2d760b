import { ProblemError } from '@cascade/common';
import { insertHlsInterstitials, ManifestError, stitchDashVod, stitchHlsVod, type DashStitchBreak, type StitchBreak } from '@cascade/manifest-rewriter';
import type { CatalogueClient } from '../catalogue/catalogue-client.ts';
import type { EdgeConfig } from '../config.ts';
import type { Env } from '../env.ts';
import { log } from '../http/log.ts';
import type { SessionClaims, SessionTokens } from '../session/session-token.ts';
import { rewriteForSession } from '../session/session-urls.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';
import { eventsForSegment, type AdBeaconMessage } from './ad-beacon-message.ts';
import type { AdPlan } from './ad-plan.ts';
import { adServerFor } from './ad-server-config.ts';
import { planVodAds } from './plan-ads.ts';
import type { DecidedAd } from './resolve-pod.ts';

export interface AdInsertionDeps {
  config: EdgeConfig;
  env: Env;
  catalogue: CatalogueClient;
  sessions: SessionTokens;
  fetch?: typeof fetch;
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

  constructor(deps: AdInsertionDeps) {
    this.#deps = deps;
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

  /** Conditioned creatives are titles on the origin; a missing one is sent to be conditioned and skipped for now. */
  async #ready(ad: DecidedAd, adTitleId: string, waitUntil: WaitUntil): Promise<boolean> {
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
          body: JSON.stringify({ id: adTitleId, creativeId: ad.creativeId.slice(0, 200), url: ad.mezzanineUrl }),
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
    if (!audio && contentHeight === undefined) return playlist; // subtitles and the like keep the content timeline
    if (plan.mode === 'interstitials') {
      const breaks = plan.breaks.flatMap((b, i) =>
        b.ads.length === 0 ? [] : [{ id: b.id, at: b.at, durationSeconds: b.ads.reduce((sum, ad) => sum + ad.durationSeconds, 0), assetListUri: `${requestUrl.origin}/v1/media/${token}/ads/${i}.json` }],
      );
      return insertHlsInterstitials(playlist, breaks, new Date(plan.createdAt));
    }
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

  /** Sign the token for the segments of ad `adIndex` of break `breakIndex` (the `ad` claim drives beacons). */
  #adToken(session: AdSessionIdentity, scope: string, breakIndex: number, adIndex: number, segments: number): Promise<string> {
    return this.#deps.sessions.sign({
      sid: session.sid, sub: session.sub, acct: session.acct, ctry: session.ctry, scope, mh: session.mh, iat: session.iat,
      ttlSeconds: this.#deps.config.sessionToken.ttlSeconds, ad: `${breakIndex}.${adIndex}.${Math.min(99_999, segments)}`,
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
   * HLS Interstitials: one break's X-ASSET-LIST. Each asset is the conditioned creative's multivariant
   * playlist under an ad-scoped token of the same session, so its segments fire beacons like stitched ones.
   */
  async assetList(claims: SessionClaims, breakIndex: number, requestUrl: URL, waitUntil: WaitUntil): Promise<{ ASSETS: { URI: string; DURATION: number }[] }> {
    const plan = await this.plan(claims.sid);
    const adBreak = plan?.breaks[breakIndex];
    if (!plan || !adBreak) throw new ProblemError('ad-session-not-found', `session ${claims.sid} has no break ${breakIndex}`);
    const { config, sessions, catalogue } = this.#deps;
    const assets: { URI: string; DURATION: number }[] = [];
    for (const [adIndex, ad] of adBreak.ads.entries()) {
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
