import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';

function limiterFor(account: string) {
  const namespace = (env as unknown as Env).STREAM_LIMITER!;
  return namespace.get(namespace.idFromName(account));
}

const acquire = (sessionId: string, limit = 2) => ({ sessionId, deviceId: `dev-${sessionId}`, titleId: 'demo', limit, ttlSeconds: 60 });

describe('StreamLimiter', () => {
  it('admits exactly the limit when 50 sessions race for a 2-stream account', async () => {
    const limiter = limiterFor('race-account');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => limiter.acquire(acquire(`s${i}`))));
    expect(results.filter((r) => r.admitted)).toHaveLength(2);
    const refused = results.find((r) => !r.admitted);
    expect(refused && !refused.admitted && refused.active).toHaveLength(2);
  });

  it('keeps leases when the object is evicted and restarted', async () => {
    const limiter = limiterFor('evict-account');
    await limiter.acquire(acquire('a'));
    await evictDurableObject(limiter);
    expect((await limiter.list()).map((l) => l.sessionId)).toEqual(['a']);
  });

  it('frees a slot on release and renews an existing session instead of counting it twice', async () => {
    const limiter = limiterFor('release-account');
    expect((await limiter.acquire(acquire('a', 1))).admitted).toBe(true);
    expect((await limiter.acquire(acquire('a', 1))).admitted).toBe(true);
    expect((await limiter.acquire(acquire('b', 1))).admitted).toBe(false);
    expect(await limiter.release('a')).toBe(true);
    expect((await limiter.acquire(acquire('b', 1))).admitted).toBe(true);
  });

  it('rejects a malformed acquire with a message naming the field', async () => {
    const limiter = limiterFor('bad-input-account');
    // Settle the RPC promise here: a rejection left to expect().rejects surfaces twice through workerd.
    const error = await limiter.acquire({ ...acquire('a'), limit: 0 }).then(() => undefined, (e: unknown) => e);
    expect(String(error)).toMatch(/limit: expected an integer in 1\.\.100, received 0/);
  });
});
