import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { StreamLimiter, type LeaseTerms } from '@cascade/licensing';
import type { Env } from '../src/env.ts';

function limiterFor(account: string) {
  const namespace = (env as unknown as Env).STREAM_LIMITER!;
  return namespace.get(namespace.idFromName(account));
}

const terms: LeaseTerms = { limit: 2, policy: 'refuse-new', ttlSeconds: 60, graceSeconds: 30 };
const alarmOf = (limiter: ReturnType<typeof limiterFor>) => runInDurableObject(limiter, (_instance, state) => state.storage.getAlarm());

describe('StreamLimiter alarm on the renewal path', () => {
  it('stores no new alarm when a renewal moves a lease later; the earlier alarm ends nothing and moves to the real expiry', async () => {
    const limiter = limiterFor('alarm-renewal-account');
    const acquired = await limiter.acquire('a', 'dev-a', 'demo', terms);
    expect(acquired.admitted).toBe(true);
    const first = await alarmOf(limiter);
    expect(first).toBe(acquired.admitted ? acquired.lease.expiresAt : NaN);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const renewed = await limiter.heartbeat('a', terms);
    expect(renewed.alive && renewed.lease.expiresAt).toBeGreaterThan(first!);
    // The renewal kept the alarm where it was (due before the new expiry, so still in time).
    expect(await alarmOf(limiter)).toBe(first);

    // That alarm fires: the renewed lease is not due, so it stays, and the alarm moves to its expiry.
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    expect(await limiter.list()).toHaveLength(1);
    expect(await alarmOf(limiter)).toBe(renewed.alive ? renewed.lease.expiresAt : NaN);
  });

  it('moves the alarm earlier when a new lease expires before the one it points at', async () => {
    const limiter = limiterFor('alarm-earlier-account');
    await limiter.acquire('long', 'dev-long', 'demo', { ...terms, ttlSeconds: 600 });
    const short = await limiter.acquire('short', 'dev-short', 'demo', { ...terms, ttlSeconds: 5, graceSeconds: 0 });
    expect(await alarmOf(limiter)).toBe(short.admitted ? short.lease.expiresAt : NaN);
  });
});

describe('StreamLimiter rebuilt after an eviction', () => {
  it('knows the alarm it stored, so a renewal through the rebuilt object stores none, and records its schema version', async () => {
    const limiter = limiterFor('alarm-rebuilt-account');
    const acquired = await limiter.acquire('a', 'dev-a', 'demo', terms);
    const stored = await alarmOf(limiter);
    expect(stored).toBe(acquired.admitted ? acquired.lease.expiresAt : NaN);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seen = await runInDurableObject(limiter, (_instance, state) => {
      // A second instance on the same storage is what workerd builds after evicting the first. Not
      // knowing the stored alarm, it would point the alarm at the renewed (later) expiry.
      const rebuilt = new StreamLimiter(state, env as never);
      const renewed = rebuilt.heartbeat('a', terms);
      const schema = state.storage.sql.exec<{ value: number }>("SELECT value FROM settings WHERE key = 'schema'").one().value;
      return { renewedUntil: renewed.alive ? renewed.lease.expiresAt : NaN, schema };
    });
    expect(seen.renewedUntil).toBeGreaterThan(stored!);
    expect(await alarmOf(limiter)).toBe(stored);
    expect(seen.schema).toBe(2);
  });
});
