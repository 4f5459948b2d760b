import { DurableObject } from 'cloudflare:workers';
import type { AdPlan, PlannedAd, PlannedBreak } from './ad-plan.ts';

// A claimed beacon not confirmed within this long is assumed lost with its consumer and may be claimed again.
const CLAIM_LEASE_MS = 30_000;
// Sessions end; their objects should not keep state forever.
const PLAN_LIFETIME_MS = 24 * 3600_000;

/**
 * One object per play session (`idFromName(sid)`): the session's ad plan, written when the manifest is
 * first answered and read on every media-playlist fetch, and the delivery state of each beacon URL, so
 * that a beacon is delivered once however many times its segments are fetched or its message redelivered.
 */
export class AdSessions extends DurableObject {
  async save(plan: AdPlan): Promise<void> {
    await this.ctx.storage.put('plan', plan);
    await this.ctx.storage.setAlarm(Date.now() + PLAN_LIFETIME_MS);
  }

  async plan(): Promise<AdPlan | undefined> {
    return this.ctx.storage.get<AdPlan>('plan');
  }

  /**
   * Live: freeze a break of the session the first time a reload sees it. Video and audio playlists reload
   * concurrently; whichever comes first fixes the layout and every later reload gets the same one.
   */
  async addLiveBreak(candidate: PlannedBreak): Promise<{ plan: AdPlan; index: number }> {
    const plan = await this.ctx.storage.get<AdPlan>('plan');
    if (!plan) throw new Error('no ad plan for this session');
    // Stitched HLS breaks are known by their first media sequence number; interstitials and live DASH breaks
    // (no media sequence number) by the channel's break id, so a DASH session freezes a break the first time
    // a reload sees it and every later reload gets the same one.
    let index = plan.breaks.findIndex((b) => (b.startMsn === undefined) === (candidate.startMsn === undefined) && b.id === candidate.id);
    if (index === -1) {
      plan.breaks.push(candidate);
      index = plan.breaks.length - 1;
      await this.ctx.storage.put('plan', plan);
      // A live session lives as long as it keeps meeting breaks.
      await this.ctx.storage.setAlarm(Date.now() + PLAN_LIFETIME_MS);
    }
    return { plan, index };
  }

  /** Live interstitials: the ads of break `index`, decided once; a decision already stored wins. */
  async decideLiveBreak(index: number, ads: PlannedAd[]): Promise<PlannedAd[]> {
    const plan = await this.ctx.storage.get<AdPlan>('plan');
    const adBreak = plan?.breaks[index];
    if (!plan || !adBreak) return ads;
    if (!adBreak.undecided) return adBreak.ads;
    adBreak.ads = ads;
    delete adBreak.undecided;
    await this.ctx.storage.put('plan', plan);
    return ads;
  }

  /** Record where a stitched break starts (and, once seen, ends) in one rendition's playlist; first sighting wins. */
  async markLiveBreak(id: string, rendition: string, startMsn: number, endMsn: number | undefined): Promise<AdPlan | undefined> {
    const plan = await this.ctx.storage.get<AdPlan>('plan');
    const adBreak = plan?.breaks.find((b) => b.startMsn !== undefined && b.id === id);
    if (!plan || !adBreak) return plan;
    const own = adBreak.renditions?.[rendition];
    if (own && (own.endMsn !== undefined || endMsn === undefined)) return plan;
    adBreak.renditions = { ...adBreak.renditions, [rendition]: { startMsn: own?.startMsn ?? startMsn, ...(endMsn !== undefined && { endMsn }) } };
    if (adBreak.endMsn === undefined && endMsn !== undefined) adBreak.endMsn = endMsn;
    await this.ctx.storage.put('plan', plan);
    return plan;
  }

  /** A live break has left the window: keep only how many discontinuities it put in. */
  async settleLiveBreak(id: string, rendition: string, discontinuities: number): Promise<void> {
    const plan = await this.ctx.storage.get<AdPlan>('plan');
    const adBreak = plan?.breaks.find((b) => b.startMsn !== undefined && b.id === id);
    if (!plan || !adBreak || adBreak.discontinuities?.[rendition] !== undefined) return;
    adBreak.discontinuities = { ...adBreak.discontinuities, [rendition]: discontinuities };
    await this.ctx.storage.put('plan', plan);
  }

  /** Live DASH: the channel returned early; the break's length becomes what it really was. */
  async shortenLiveBreak(id: string, seconds: number): Promise<void> {
    const plan = await this.ctx.storage.get<AdPlan>('plan');
    const adBreak = plan?.breaks.find((b) => b.id === id && b.startMsn === undefined);
    if (!plan || !adBreak || !(seconds < adBreak.durationSeconds)) return;
    adBreak.durationSeconds = seconds;
    await this.ctx.storage.put('plan', plan);
  }

  /** A decision made ahead (prefetch) or for a cohort, by key; undefined until someone made it. */
  async decision(key: string): Promise<PlannedAd[] | undefined> {
    return this.ctx.storage.get<PlannedAd[]>(`decision:${key}`);
  }

  async saveDecision(key: string, ads: PlannedAd[]): Promise<void> {
    await this.ctx.storage.put(`decision:${key}`, ads);
    await this.#expireLater();
  }

  /** Claim one beacon URL (or a `decide:` turn) for delivery; false when it was delivered or another consumer holds it. */
  async claim(key: string): Promise<boolean> {
    const state = await this.ctx.storage.get<{ done: boolean; until: number }>(`beacon:${key}`);
    if (state && (state.done || state.until > Date.now())) return false;
    await this.ctx.storage.put(`beacon:${key}`, { done: false, until: Date.now() + CLAIM_LEASE_MS });
    // A cohort's object holds only its decision and the claim to make it (no plan, whose save sets the alarm).
    if (key.startsWith('decide:')) await this.#expireLater();
    return true;
  }

  /**
   * The object's state goes once the last thing that needed it is a lifetime old: a session's plan, or a
   * cohort's shared decision (one object per cohort and break, so without this they would pile up).
   */
  async #expireLater(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + PLAN_LIFETIME_MS);
  }

  async delivered(key: string): Promise<void> {
    await this.ctx.storage.put(`beacon:${key}`, { done: true, until: 0 });
  }

  async release(key: string): Promise<void> {
    await this.ctx.storage.delete(`beacon:${key}`);
  }

  /** Keys of delivered beacons (for the tracking JSON and tests). */
  async deliveredKeys(): Promise<string[]> {
    const entries = await this.ctx.storage.list<{ done: boolean }>({ prefix: 'beacon:' });
    return [...entries].filter(([, v]) => v.done).map(([k]) => k.slice('beacon:'.length));
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
