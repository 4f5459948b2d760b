import { DurableObject } from 'cloudflare:workers';
import type { AdPlan } from './ad-plan.ts';

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

  /** Claim one beacon URL for delivery; false when it was delivered or another consumer holds it. */
  async claim(key: string): Promise<boolean> {
    const state = await this.ctx.storage.get<{ done: boolean; until: number }>(`beacon:${key}`);
    if (state && (state.done || state.until > Date.now())) return false;
    await this.ctx.storage.put(`beacon:${key}`, { done: false, until: Date.now() + CLAIM_LEASE_MS });
    return true;
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
