import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { LeaseTerms } from '@cascade/licensing';
import type { Env } from '../src/env.ts';

function limiterFor(account: string) {
  const namespace = (env as unknown as Env).STREAM_LIMITER!;
  return namespace.get(namespace.idFromName(account));
}

const refuse = (limit = 2): LeaseTerms => ({ limit, policy: 'refuse-new', ttlSeconds: 60, graceSeconds: 30 });
const evict = (limit = 2): LeaseTerms => ({ limit, policy: 'evict-oldest', ttlSeconds: 60, graceSeconds: 30 });
const acquire = (limiter: ReturnType<typeof limiterFor>, sid: string, terms: LeaseTerms) => limiter.acquire(sid, `dev-${sid}`, 'demo', terms);

describe('StreamLimiter', () => {
  it('admits exactly the limit when 50 sessions race for a 2-stream account', async () => {
    const limiter = limiterFor('race-account');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => acquire(limiter, `s${i}`, refuse())));
    expect(results.filter((r) => r.admitted)).toHaveLength(2);
    const refused = results.find((r) => !r.admitted);
    expect(refused && !refused.admitted && refused.active).toHaveLength(2);
    expect(await limiter.list()).toHaveLength(2);
  });

  it('keeps exactly the limit under a race with evict-oldest, evicting every other session', async () => {
    const limiter = limiterFor('race-evict-account');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => acquire(limiter, `s${i}`, evict())));
    expect(results.every((r) => r.admitted)).toBe(true);
    expect(await limiter.list()).toHaveLength(2);
    const evicted = results.flatMap((r) => (r.admitted ? r.evicted : []));
    expect(evicted).toHaveLength(48);
  });

  it('keeps leases and the account override when the object is evicted and restarted', async () => {
    const limiter = limiterFor('evict-account');
    await acquire(limiter, 'a', refuse());
    await limiter.setLimitOverride(3);
    await evictDurableObject(limiter);
    expect((await limiter.list()).map((l) => l.sessionId)).toEqual(['a']);
    expect(await limiter.limitOverride()).toBe(3);
  });

  it('frees a slot on release and renews an existing session instead of counting it twice', async () => {
    const limiter = limiterFor('release-account');
    expect((await acquire(limiter, 'a', refuse(1))).admitted).toBe(true);
    expect((await acquire(limiter, 'a', refuse(1))).admitted).toBe(true);
    expect((await acquire(limiter, 'b', refuse(1))).admitted).toBe(false);
    expect(await limiter.release('a')).toBe(true);
    expect((await acquire(limiter, 'b', refuse(1))).admitted).toBe(true);
    expect(await limiter.heartbeat('a', refuse())).toEqual({ alive: false, reason: 'released' });
  });

  it('evicts the oldest stream and tells its next heartbeat why', async () => {
    const limiter = limiterFor('evict-oldest-account');
    await acquire(limiter, 'old', evict(1));
    const result = await acquire(limiter, 'new', evict(1));
    expect(result.admitted && result.evicted.map((l) => l.sessionId)).toEqual(['old']);
    expect(await limiter.heartbeat('old', evict())).toEqual({ alive: false, reason: 'evicted' });
    expect((await limiter.heartbeat('new', evict())).alive).toBe(true);
  });

  it('lets an operator override win over the plan limit, and clears it', async () => {
    const limiter = limiterFor('override-account');
    await limiter.setLimitOverride(1);
    expect((await acquire(limiter, 'a', refuse(4))).admitted).toBe(true);
    const refused = await acquire(limiter, 'b', refuse(4));
    expect(refused).toMatchObject({ admitted: false, limit: 1 });
    await limiter.setLimitOverride(null);
    expect((await acquire(limiter, 'b', refuse(4))).admitted).toBe(true);
  });

  it('expires a lease by alarm once its ttl and grace have passed without a heartbeat', async () => {
    const limiter = limiterFor('alarm-account');
    // A 1 s lease with no grace, so the alarm is due after a short real wait.
    await acquire(limiter, 'a', { limit: 1, policy: 'refuse-new', ttlSeconds: 1, graceSeconds: 0 });
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    // The alarm ran early (the test forces it): the lease is still within its ttl and stays.
    expect(await limiter.list()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await runDurableObjectAlarm(limiter)).toBe(true);
    expect(await limiter.list()).toHaveLength(0);
    expect(await limiter.heartbeat('a', refuse())).toEqual({ alive: false, reason: 'expired' });
    expect((await acquire(limiter, 'b', refuse(1))).admitted).toBe(true);
  });

  it('rejects malformed input with a message naming the field', async () => {
    const limiter = limiterFor('bad-input-account');
    // Settle the RPC promise here: a rejection left to expect().rejects surfaces twice through workerd.
    const settle = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => String(e));
    expect(await settle(acquire(limiter, 'a', refuse(0)))).toMatch(/limit: expected an integer in 1\.\.100, received 0/);
    expect(await settle(acquire(limiter, 'a', { ...refuse(), policy: 'kick' as never }))).toMatch(/policy: expected one of/);
    expect(await settle(acquire(limiter, '', refuse()))).toMatch(/sessionId: expected/);
    expect(await settle(limiter.setLimitOverride(1.5))).toMatch(/limit: expected an integer/);
    expect(await settle(acquire(limiter, 'a', { ...refuse(), graceSeconds: -1 }))).toMatch(/graceSeconds: expected/);
  });
});
