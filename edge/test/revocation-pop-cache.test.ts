import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { PopSnapshotCache, POP_SNAPSHOT_KEY } from '../src/revocation/pop-snapshot-cache.ts';
import { RevocationChecker } from '../src/revocation/revocation-checker.ts';
import type { RevocationSnapshot } from '../src/revocation/revocation-list.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

// Checkers that share one PopSnapshotCache stand for the isolates of one PoP: they share a real
// workerd Cache API cache (a fresh one per test) and nothing else. The "object" is a counted function
// over a list the test edits; the clock is the test's, so the bound is checked to the millisecond.
const TTL = 2;
const CLAIM = 1;
const ISOLATE = 1;
const BOUND_MS = (TTL + CLAIM + ISOLATE) * 1000;

let cacheNumber = 0;

function pop(ttlSeconds = TTL) {
  const name = `revocations-test-${++cacheNumber}-${Date.now()}`;
  return new PopSnapshotCache({ cache: () => caches.open(name), ttlSeconds, claimSeconds: CLAIM, keepSeconds: 60 });
}

function globalList() {
  const state: RevocationSnapshot = { sessions: [], accounts: {} };
  let failing = false;
  let gate: Promise<void> | undefined;
  const list = {
    state,
    reads: 0,
    fail(on: boolean) {
      failing = on;
    },
    hold(promise: Promise<void> | undefined) {
      gate = promise;
    },
    async read(): Promise<RevocationSnapshot> {
      list.reads++;
      if (gate) await gate;
      if (failing) throw new Error('Durable Object overloaded');
      return structuredClone(state);
    },
  };
  return list;
}

function isolates(n: number, list: ReturnType<typeof globalList>, shared: PopSnapshotCache, clock: { t: number }, random = Math.random) {
  return Array.from({ length: n }, () => new RevocationChecker({ read: list.read, cacheSeconds: ISOLATE, pop: shared, now: () => clock.t, random }));
}

const refused = (checker: RevocationChecker, sid: string) =>
  checker.check({ sid, account: 'acct-x', iat: 1 }).then(
    () => false,
    (error: { code?: string }) => {
      if (error.code !== 'access-revoked') throw error;
      return true;
    },
  );

describe('the PoP-shared revocation snapshot', () => {
  it('is read from the list once for all the isolates of a PoP', async () => {
    const list = globalList();
    const clock = { t: 1_000_000 };
    const checkers = isolates(8, list, pop(), clock);
    for (const checker of checkers) await checker.check({ sid: 's-1', account: 'a-1', iat: 1 });
    expect(list.reads).toBe(1);
    // A second round within the isolates' own reuse window touches neither the PoP nor the list.
    clock.t += 500;
    for (const checker of checkers) await checker.check({ sid: 's-1', account: 'a-1', iat: 1 });
    expect(list.reads).toBe(1);
  });

  it('brings a revocation to every isolate within PoP TTL + claim + isolate reuse, with about one list read per PoP TTL', async () => {
    const list = globalList();
    const clock = { t: 2_000_000 };
    const checkers = isolates(6, list, pop(), clock);
    // The isolates start at staggered moments, as real ones do.
    for (const [i, checker] of checkers.entries()) {
      clock.t += 150 * i;
      await checker.check({ sid: 'other', account: 'a', iat: 1 });
    }
    const writtenAt = clock.t;
    list.state.sessions.push('sid-revoked');
    const firstRefusal = new Map<number, number>();
    while (firstRefusal.size < checkers.length && clock.t - writtenAt <= BOUND_MS + 1000) {
      clock.t += 50;
      for (const [i, checker] of checkers.entries()) {
        if (!firstRefusal.has(i) && (await refused(checker, 'sid-revoked'))) firstRefusal.set(i, clock.t - writtenAt);
      }
    }
    expect(firstRefusal.size).toBe(checkers.length);
    for (const delay of firstRefusal.values()) expect(delay).toBeLessThanOrEqual(BOUND_MS);
    // One read at the start, then one per PoP TTL less the early-refresh share (at most one more for the window's edges).
    expect(list.reads).toBeLessThanOrEqual(1 + Math.ceil((clock.t - writtenAt) / (0.9 * TTL * 1000)) + 1);
    // Once refused, always refused.
    for (const checker of checkers) expect(await refused(checker, 'sid-revoked')).toBe(true);
  });

  it('lets one isolate refresh a stale entry while the others keep it for the claim, instead of all reading the list', async () => {
    const list = globalList();
    const clock = { t: 3_000_000 };
    const [first, ...others] = isolates(5, list, pop(), clock);
    await first!.check({ sid: 's', account: 'a', iat: 1 });
    expect(list.reads).toBe(1);
    clock.t += TTL * 1000 + 100; // the PoP entry is stale now
    let release!: () => void;
    list.hold(new Promise<void>((resolve) => (release = resolve)));
    const refreshing = first!.check({ sid: 's', account: 'a', iat: 1 });
    // Let the refresher look the entry up, claim it and call the list.
    while (list.reads < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const checker of others) await checker.check({ sid: 's', account: 'a', iat: 1 });
    expect(list.reads).toBe(2);
    release();
    await refreshing;
    // Past the claim with the refresher gone silent, the next isolate takes its turn.
    list.hold(new Promise(() => {}));
    clock.t += TTL * 1000 + CLAIM * 1000 + 100;
    void others[0]!.check({ sid: 's', account: 'a', iat: 1 }).catch(() => undefined);
    while (list.reads < 3) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(list.reads).toBe(3);
  });

  it('refreshes a little before the TTL at a point each isolate draws, so the isolates of a PoP do not find the entry stale together', async () => {
    const list = globalList();
    const clock = { t: 3_500_000 };
    const shared = pop();
    const [late] = isolates(1, list, shared, clock, () => 0);
    const [early] = isolates(1, list, shared, clock, () => 0.99); // refreshes 198 ms before the 2 s TTL
    await late!.check({ sid: 's', account: 'a', iat: 1 });
    clock.t += 1850;
    await late!.check({ sid: 's', account: 'a', iat: 1 }); // still fresh for it
    expect(list.reads).toBe(1);
    await early!.check({ sid: 's', account: 'a', iat: 1 }); // past its own point: refreshes for the PoP
    expect(list.reads).toBe(2);
    clock.t += 1000;
    await late!.check({ sid: 's', account: 'a', iat: 1 }); // takes the early isolate's entry
    expect(list.reads).toBe(2);
  });

  it('serves the freshest snapshot it can see while the list cannot be read, still refusing what it revoked, then 503 after 60 s', async () => {
    const list = globalList();
    list.state.sessions.push('sid-gone');
    const clock = { t: 4_000_000 };
    const shared = pop();
    const [warm] = isolates(1, list, shared, clock);
    await warm!.check({ sid: 'ok', account: 'a', iat: 1 });
    list.fail(true);
    clock.t += 30_000;
    // A new isolate (no snapshot of its own) falls back on the PoP's stale entry.
    const [fresh] = isolates(1, list, shared, clock);
    expect(await refused(fresh!, 'sid-gone')).toBe(true);
    await expect(fresh!.check({ sid: 'ok', account: 'a', iat: 1 })).resolves.toBeUndefined();
    clock.t += 31_000; // 61 s since the list was last read
    for (const checker of [warm!, fresh!]) {
      await expect(checker.check({ sid: 'ok', account: 'a', iat: 1 })).rejects.toMatchObject({ code: 'revocation-unavailable', status: 503 });
    }
    list.fail(false);
    clock.t += ISOLATE * 1000;
    await expect(fresh!.check({ sid: 'ok', account: 'a', iat: 1 })).resolves.toBeUndefined();
  });

  it('treats an object that does not answer within the read timeout as unreadable', async () => {
    const list = globalList();
    list.state.sessions.push('sid-hung');
    const clock = { t: 4_500_000 };
    const shared = pop();
    const [checker] = isolates(1, list, shared, clock);
    await checker!.check({ sid: 'ok', account: 'a', iat: 1 });
    list.hold(new Promise(() => {})); // the object never answers
    const hung = new RevocationChecker({ read: list.read, cacheSeconds: ISOLATE, pop: shared, now: () => clock.t, readTimeoutMs: 50 });
    clock.t += 10_000;
    expect(await refused(hung, 'sid-hung')).toBe(true); // the PoP's last snapshot, 10 s old
    clock.t += 60_000;
    await expect(hung.check({ sid: 'ok', account: 'a', iat: 1 })).rejects.toMatchObject({ code: 'revocation-unavailable' });
  });

  it('ignores an entry that is not a snapshot and reads the list instead', async () => {
    const list = globalList();
    const name = `revocations-test-garbage-${Date.now()}`;
    await (await caches.open(name)).put(POP_SNAPSHOT_KEY, new Response('{"snapshot":{"sessions":[1]},"readAt":"x"}', { headers: { 'cache-control': 'max-age=60' } }));
    const shared = new PopSnapshotCache({ cache: () => caches.open(name), ttlSeconds: TTL, claimSeconds: CLAIM, keepSeconds: 60 });
    const [checker] = isolates(1, list, shared, { t: 5_000_000 });
    await checker!.check({ sid: 's', account: 'a', iat: 1 });
    expect(list.reads).toBe(1);
  });

  it('refuses options that would break the bound or the fallback', () => {
    const cache = () => caches.open('unused');
    expect(() => new PopSnapshotCache({ cache, ttlSeconds: 0, claimSeconds: 1, keepSeconds: 60 })).toThrow(/^ttlSeconds: expected a positive number/);
    expect(() => new PopSnapshotCache({ cache, ttlSeconds: 2, claimSeconds: 1, keepSeconds: 2 })).toThrow(/^keepSeconds: expected at least ttlSeconds \+ claimSeconds \(3\), received 2/);
  });
});

describe('revocation through the Worker with the PoP cache', () => {
  it('reaches another isolate within the bound when the list is written from another PoP', async () => {
    const issuer = await makeIssuer();
    const isolate = testEnv({ VIEWER_JWKS: issuer.jwks, REVOCATION_CACHE_SECONDS: '1', REVOCATION_POP_CACHE_SECONDS: '1' });
    const master = await text(await call(isolate, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'pop-viewer-1' })}`));
    const playlistUrl = master.split('\n').find((line) => line.endsWith('video-360p.m3u8'))!;
    const token = /\/v1\/media\/([^/]+)\//.exec(playlistUrl)![1]!;
    const { sid } = JSON.parse(atob(token.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/'))) as { sid: string };
    expect((await call(isolate, playlistUrl)).status).toBe(200);
    // Written straight into the object, as an operator's request served by another PoP would.
    const namespace = (env as unknown as Env).REVOCATIONS!;
    await namespace.get(namespace.idFromName('global')).revoke({ kind: 'session', id: sid });
    const writtenAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - writtenAt < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const response = await call(isolate, playlistUrl);
      status = response.status;
      if (status !== 200) expect(await problemCode(response)).toBe('access-revoked');
    }
    expect(status).toBe(401);
    // PoP TTL 1 s + claim 1 s + isolate reuse 1 s, plus the polling step.
    expect(Date.now() - writtenAt).toBeLessThanOrEqual(3000 + 300);
  });
});
