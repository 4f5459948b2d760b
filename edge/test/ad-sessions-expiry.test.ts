import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';

function objectFor(name: string) {
  const namespace = (env as unknown as Env).AD_SESSIONS!;
  return namespace.get(namespace.idFromName(name));
}

const alarmOf = (stub: ReturnType<typeof objectFor>) => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
const keysOf = (stub: ReturnType<typeof objectFor>) => runInDurableObject(stub, async (_instance, state) => [...(await state.storage.list()).keys()]);
const ad = { creativeId: 'spot-a', adTitleId: 'ad-0123456789abcdef01234567', durationSeconds: 6, tracking: {} } as never;

describe('AdSessions objects do not outlive their use', () => {
  it('gives a cohort’s object (a shared decision and the claim to make it, no plan) a lifetime, and its alarm clears it', async () => {
    const cohort = objectFor('cohort:live-demo:splice-7:IN');
    const before = Date.now();
    expect(await cohort.claim('decide:cohort:live-demo:splice-7:IN')).toBe(true);
    expect(await alarmOf(cohort)).toBeGreaterThanOrEqual(before + 24 * 3600_000);
    await cohort.saveDecision('cohort:live-demo:splice-7:IN', [ad]);
    await cohort.delivered('decide:cohort:live-demo:splice-7:IN');
    expect(await cohort.decision('cohort:live-demo:splice-7:IN')).toHaveLength(1);
    expect(await runDurableObjectAlarm(cohort)).toBe(true);
    expect(await keysOf(cohort)).toEqual([]);
    expect(await cohort.decision('cohort:live-demo:splice-7:IN')).toBeUndefined();
  });

  it('sets no alarm for a beacon claim (a session’s plan already has one): one storage write per beacon', async () => {
    const session = objectFor('expiry-session-beacons');
    expect(await session.claim('https://ads.example/imp?x=1')).toBe(true);
    expect(await alarmOf(session)).toBeNull();
  });
});
